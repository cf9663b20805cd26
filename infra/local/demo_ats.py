"""What the local fake of the ATS APIs answers on the local stack: the demo organisation's
published Lever postings and Workable jobs (the job poller turns them into vacancies, as it would
read ``api.lever.co/v0/postings/<site>`` and ``<subdomain>.workable.com/spi/v3/jobs``), and empty
Teamtailor lists for its reconciliation poll. Every other call gets the 404 a real API gives for an
unknown id."""

from __future__ import annotations

from infra.local.fake_ats import FakeAtsApi

LEVER_SITE = "kring-demo"
WORKABLE_SUBDOMAIN = "kring-demo"
LEVER_POSTINGS = (
    {
        "id": "5ac21346-8e0c-4494-8e7a-3eb92ff77902",
        "text": "Backend Engineer (Python)",
        "hostedUrl": f"https://jobs.lever.co/{LEVER_SITE}/5ac21346-8e0c-4494-8e7a-3eb92ff77902",
        "applyUrl": f"https://jobs.lever.co/{LEVER_SITE}/5ac21346-8e0c-4494-8e7a-3eb92ff77902/apply",
        "categories": {
            "team": "Platform",
            "department": "Engineering",
            "location": "Amsterdam",
            "commitment": "Full-time",
        },
        "createdAt": 1764403200000,
        "updatedAt": 1764403200000,
    },
    {
        "id": "7d1e1a8c-3c0b-4f6e-9a52-2f1d0b6c9e11",
        "text": "Account Executive Benelux",
        "hostedUrl": f"https://jobs.lever.co/{LEVER_SITE}/7d1e1a8c-3c0b-4f6e-9a52-2f1d0b6c9e11",
        "applyUrl": f"https://jobs.lever.co/{LEVER_SITE}/7d1e1a8c-3c0b-4f6e-9a52-2f1d0b6c9e11/apply",
        "categories": {
            "team": "Sales",
            "department": "Sales",
            "location": "Utrecht",
            "commitment": "Full-time",
        },
        "createdAt": 1764489600000,
        "updatedAt": 1764489600000,
    },
)

WORKABLE_JOBS = (
    {
        "id": "61884e2",
        "shortcode": "D3M0C5M01",
        "title": "Customer Success Manager",
        "state": "published",
        "department": "Customer Success",
        "location": {"city": "Amsterdam", "country": "Netherlands", "country_code": "NL"},
        "url": f"https://apply.workable.com/{WORKABLE_SUBDOMAIN}/j/D3M0C5M01/",
        "shortlink": "https://apply.workable.com/j/D3M0C5M01",
        "application_url": f"https://apply.workable.com/{WORKABLE_SUBDOMAIN}/j/D3M0C5M01/apply",
        "created_at": "2026-11-20T09:00:00Z",
    },
)


def seed(fake: FakeAtsApi) -> FakeAtsApi:
    fake.replace("GET", f"/lever-postings/{LEVER_SITE}", list(LEVER_POSTINGS))
    fake.replace("GET", "/workable/jobs", {"jobs": list(WORKABLE_JOBS), "paging": {}})
    # Teamtailor's reconciliation poll: no open jobs, no recent applications (its webhooks carry them).
    fake.replace("GET", "/teamtailor/jobs", {"data": [], "links": {}})
    fake.replace("GET", "/teamtailor/job-applications", {"data": [], "links": {}})
    return fake
