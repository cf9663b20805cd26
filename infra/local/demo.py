"""The demo organisation: loaded once, through the same doors a talent team uses — a CSV import
of the ambassadors (a Dutch Excel file, sent as a form upload, read back from its import job), signed
Greenhouse webhooks for the vacancy — so the real flow makes the links."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEMO_FILE = Path(__file__).with_name("demo_org.json")
MARKER = "demo-loaded"


def sign_greenhouse(body: bytes, secret: str) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def demo_vacancy_id() -> str:
    """The demo's vacancy, as Kring names a Greenhouse job post."""
    demo = json.loads(DEMO_FILE.read_text())
    post = next(d["payload"] for d in demo["greenhouse"] if d["action"] == "job_post_created")
    return f"greenhouse-{post['id']}"


def _post(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def load(gateway_url: str, admin_token: str, greenhouse_secret: str, data_dir: Path) -> dict[str, Any]:
    """Load the demo unless it was loaded before (``data_dir/demo-loaded``); a summary."""
    marker = data_dir / MARKER
    if marker.exists():
        return {"loaded": False}
    demo = json.loads(DEMO_FILE.read_text())
    imported = import_ambassadors(gateway_url, admin_token, demo["ambassadors"])
    created = imported["counts"]["created"]
    set_up_team(gateway_url, admin_token, demo["team"])
    for delivery in demo["greenhouse"]:
        body = json.dumps(delivery).encode()
        status, text = _post(
            f"{gateway_url}/webhooks/greenhouse",
            body,
            {
                "content-type": "application/json",
                "signature": sign_greenhouse(body, greenhouse_secret),
                "greenhouse-event-id": str(uuid.uuid4()),
            },
        )
        if status != 200:
            raise RuntimeError(f"demo webhook {delivery['action']}: {status} {text}")
    played = play_shares_and_clicks(gateway_url, admin_token, demo_vacancy_id())
    applied = play_applications(gateway_url, admin_token, greenhouse_secret, demo)
    counted = _wait_for_vacancy(
        gateway_url,
        admin_token,
        demo_vacancy_id(),
        share_intents=played["shared_by"],
        link_requests=played["link_requests"] + applied["link_requests"],
    )
    caught_up = _links_of_feed_vacancies(gateway_url, admin_token)
    campaign = launch_invitations(gateway_url, admin_token, demo["invitations"])
    marker.write_text("1\n")
    return {
        "feed_vacancies": len(caught_up),
        "feed_links": sum(caught_up.values()),
        "loaded": True,
        "ambassadors": created,
        "import_job": imported["job_id"],
        "vacancy_id": demo_vacancy_id(),
        "shared_by": played["shared_by"],
        "applications": applied["applications"],
        "campaign": campaign["id"],
        "invited": sum(1 for a in demo["ambassadors"] if a["phase"] in INVITED_PHASES),
        "hires": applied["hires"],
        **{name: counted.get(name, 0) for name in FUNNEL_FIGURES},
    }


# Whom an invitation campaign is for (kring.models.invitation.invitable): not volunteered yet.
INVITED_PHASES = ("awareness", "interest")


def launch_invitations(gateway_url: str, admin_token: str, campaign: dict[str, Any]) -> dict[str, Any]:
    """The talent team's invitation campaign, through the admin API: the invitations (to whoever
    has not volunteered yet) are in the outbox moments later."""
    headers = {"content-type": "application/json", "authorization": f"Bearer {admin_token}"}
    status, text = _post(f"{gateway_url}/api/programme/invitations", json.dumps(campaign).encode(), headers)
    if status != 202:
        raise RuntimeError(f"demo POST /api/programme/invitations: {status} {text}")
    launched: dict[str, Any] = json.loads(text)
    return launched


def team_users() -> list[dict[str, str]]:
    """The demo's talent-team users (who can sign in to the dashboard): address, name, role."""
    users: list[dict[str, str]] = json.loads(DEMO_FILE.read_text())["team"]["users"]
    return users


def set_up_team(gateway_url: str, admin_token: str, team: dict[str, Any]) -> None:
    """The talent team's digest addresses, its other channels' cost per hire and its dashboard users,
    through the admin API as a talent team sets them."""
    headers = {"content-type": "application/json", "authorization": f"Bearer {admin_token}"}
    calls = [("PUT", "/api/team/settings", team["settings"])]
    calls += [("POST", "/api/team/recipients", recipient) for recipient in team["recipients"]]
    calls += [("POST", "/api/team/users", user) for user in team["users"]]
    for method, path, body in calls:
        status, text = _post(f"{gateway_url}{path}", json.dumps(body).encode(), headers, method)
        if status not in (200, 201):
            raise RuntimeError(f"demo {method} {path}: {status} {text}")


def excel_csv(people: list[dict[str, Any]]) -> bytes:
    """The people as Excel in a Dutch locale saves them as "CSV": ``;``, CRLF, Windows-1252,
    WAAR/ONWAAR, interests separated by ``|``."""
    columns = (
        *("id", "name", "email", "locale", "department", "location", "interests", "phase", "opted_in"),
        *("share_cap_per_week", "dormant"),
    )

    def cell(value: Any) -> str:
        if isinstance(value, bool):
            return "WAAR" if value else "ONWAAR"
        if isinstance(value, list):
            return "|".join(value)
        return "" if value is None else str(value)

    lines = [";".join(columns)] + [";".join(cell(person.get(c)) for c in columns) for person in people]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def multipart(field: str, filename: str, data: bytes, content_type: str = "text/csv") -> tuple[bytes, str]:
    """A form upload of one file, as a browser or `curl -F` sends it: the body and its Content-Type."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def import_ambassadors(
    gateway_url: str, admin_token: str, people: list[dict[str, Any]], seconds: float = 120.0
) -> dict[str, Any]:
    """Upload the people as a Dutch Excel file and wait for the import job; the finished job."""
    body, content_type = multipart("file", "medewerkers.csv", excel_csv(people))
    auth = {"authorization": f"Bearer {admin_token}"}
    status, text = _post(
        f"{gateway_url}/api/ambassadors/import", body, {"content-type": content_type, **auth}
    )
    if status != 202:
        raise RuntimeError(f"demo import: {status} {text}")
    status_url = gateway_url + json.loads(text)["status_url"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        request = urllib.request.Request(status_url, headers=auth)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            job: dict[str, Any] = json.loads(response.read())
        if job["status"] == "completed":
            if job["counts"]["failed"]:
                raise RuntimeError(f"demo import: lines failed: {job['lines']}")
            return job
        time.sleep(0.2)
    raise RuntimeError(f"demo import did not complete in {seconds:.0f} s: {status_url}")


# Real user agents: candidates on current browsers, and the bots that fetch a shared link.
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Mobile Safari/537.36",
)
PREVIEW_BOTS = {
    "linkedin": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "whatsapp": "WhatsApp/2.24.24.78 A",
    "x": "Twitterbot/1.0",
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
}
DEMO_SHARERS = 5  # the first ambassadors (by id) share; their links get the clicks


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None  # a 302 is the answer we want to see, not a page on the vacancy's host


_opener = urllib.request.build_opener(_NoRedirects)


def _get(url: str, headers: dict[str, str], method: str = "GET") -> int:
    return _follow(url, headers, method)[0]


def _follow(url: str, headers: dict[str, str], method: str = "GET") -> tuple[int, str]:
    """The status and the ``Location`` of one request (redirects not followed)."""
    request = urllib.request.Request(url, headers=headers, method=method)  # noqa: S310 - loopback
    try:
        with _opener.open(request, timeout=30) as response:
            return int(response.status), response.headers.get("location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("location", "")


def _shares(
    gateway_url: str, admin_token: str, vacancy_id: str, seconds: float = 60.0
) -> list[dict[str, Any]]:
    """The vacancy's links once the fan-out has settled (the count stopped growing)."""
    url = f"{gateway_url}/api/vacancies/{vacancy_id}/shares?limit=100"
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {admin_token}"})  # noqa: S310
    deadline = time.monotonic() + seconds
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            items: list[dict[str, Any]] = json.loads(response.read())["items"]
        if items and len(items) == len(seen):
            return items
        seen = items
        time.sleep(0.5)
    return seen


def _links_of_feed_vacancies(gateway_url: str, admin_token: str) -> dict[str, int]:
    """The links of the open vacancies the job feeds (Lever, Workable) brought before the demo's
    ambassadors were imported, by vacancy: no fan-out could give them any, the catch-up of each
    newly eligible ambassador did (links follow eligibility). Counted once settled."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{gateway_url}/api/vacancies?limit=50", headers={"authorization": f"Bearer {admin_token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        listed: list[dict[str, Any]] = json.loads(response.read())["items"]
    return {
        v["id"]: len(_shares(gateway_url, admin_token, v["id"]))
        for v in listed
        if v["status"] == "published" and v["provider"] != "greenhouse"
    }


def play_shares_and_clicks(gateway_url: str, admin_token: str, vacancy_id: str) -> dict[str, int]:
    """A morning of sharing, through the same doors as real people: five ambassadors press a share
    button, then candidates (several people per link, one of them twice), link-preview bots, a
    HEAD request and the ambassador themself follow their tracked links — so the funnel is not
    empty on a first run. Visitors differ by address (``X-Forwarded-For``, honoured from loopback
    by the local gateway) and browser."""
    links = sorted(_shares(gateway_url, admin_token, vacancy_id), key=lambda s: s["ambassador_id"])
    networks = list(PREVIEW_BOTS)
    answers: list[int] = []
    for n, share in enumerate(links[:DEMO_SHARERS]):
        network = networks[n % len(networks)]
        own = {
            "user-agent": BROWSERS[0],
            "accept-language": "nl-NL,nl;q=0.9",
            "x-forwarded-for": f"10.1.0.{n + 1}",
        }
        _get(share["share"][network], own)
        tracked = f"{share['link']}?ch={network}"
        answers.append(_get(tracked, {"user-agent": PREVIEW_BOTS[network], "x-forwarded-for": "192.0.2.10"}))
        for visitor in range(2 + n % 3):
            person = {
                "user-agent": BROWSERS[visitor % len(BROWSERS)],
                "x-forwarded-for": f"198.51.100.{10 * n + visitor + 1}",
                "accept-language": "nl-NL,nl;q=0.9,en;q=0.8",
            }
            if network == "linkedin":
                person["referer"] = "https://www.linkedin.com/"
            answers.append(_get(tracked, person))
            if visitor == 0:
                answers.append(_get(tracked, person))  # the same person again, within the hour
        head = {"user-agent": BROWSERS[1], "accept-language": "nl-NL", "x-forwarded-for": "198.51.100.250"}
        answers.append(_get(tracked, head, method="HEAD"))
        answers.append(_get(tracked, own))  # the ambassador checks their own link
    if any(status != 302 for status in answers):
        raise RuntimeError(f"demo clicks: expected 302 for every request, got {sorted(set(answers))}")
    return {"shared_by": min(DEMO_SHARERS, len(links)), "link_requests": len(answers)}


# ------------------------------------------------------------------------------ applications
APPLICATION_WAIT_SECONDS = 60.0
APPLICATION_IDS = 9100000  # the demo's Greenhouse applications are 9100001 …
DEMO_CLICKED_APPLICATION = APPLICATION_IDS + 1  # the one that came through a tracked link


def _greenhouse(gateway_url: str, secret: str, action: str, application: dict[str, Any]) -> None:
    body = json.dumps({"action": action, "payload": {"application": application}}).encode()
    status, text = _post(
        f"{gateway_url}/webhooks/greenhouse",
        body,
        {
            "content-type": "application/json",
            "signature": sign_greenhouse(body, secret),
            "greenhouse-event-id": str(uuid.uuid4()),
        },
    )
    if status != 200:
        raise RuntimeError(f"demo webhook {action}: {status} {text}")


def _application(
    demo: dict[str, Any], number: int, *, source: dict[str, Any], applied_at: str, **extra: Any
) -> dict[str, Any]:
    """A Greenhouse application for the demo's job post, shaped as Greenhouse sends it."""
    job = next(d["payload"]["job"] for d in demo["greenhouse"] if d["action"] == "job_created")
    post = next(d["payload"] for d in demo["greenhouse"] if d["action"] == "job_post_created")
    return {
        "id": APPLICATION_IDS + number,
        "status": "active",
        "applied_at": applied_at,
        "last_activity_at": applied_at,
        "job_post_id": post["id"],
        "source": source,
        "credited_to": None,
        "current_stage": {"id": 501, "name": "Application Review", "interviews": []},
        "custom_fields": {},
        "jobs": [{"id": job["id"], "name": job["name"], "job_post_id": post["id"]}],
        "candidate": {
            "id": 8100000 + number,
            "first_name": "Demo",
            "last_name": f"Candidate {number}",
            "email_addresses": [{"value": f"candidate{number}@example.org", "type": "personal"}],
            "tags": [],
        },
        **extra,
    }


def play_applications(
    gateway_url: str, admin_token: str, greenhouse_secret: str, demo: dict[str, Any]
) -> dict[str, int]:
    """Candidates apply, as Greenhouse reports it: one who came through an ambassador's LinkedIn
    share (the click token from the link, in the careers page's "Kring referral code" field) and
    is interviewed and hired; one an ambassador referred in Greenhouse itself; one who found the
    job alone. Then waits until attribution has counted all three."""
    links = sorted(_shares(gateway_url, admin_token, demo_vacancy_id()), key=lambda s: s["ambassador_id"])
    if not links:
        return {"applications": 0, "hires": 0, "link_requests": 0}
    browser = {
        "user-agent": BROWSERS[2],
        "accept-language": "nl-NL,nl;q=0.9",
        "x-forwarded-for": "203.0.113.77",
        "referer": "https://www.linkedin.com/",
    }
    status, location = _follow(f"{links[0]['link']}?ch=linkedin", browser)
    token = parse_qs(urlsplit(location).query).get("kref", [""])[0]
    if status != 302 or not token:
        raise RuntimeError(f"demo: the tracked link answered {status} without a click token")
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    referrer = next(a for a in demo["ambassadors"] if a["id"] == links[-1]["ambassador_id"])
    clicked = _application(
        demo,
        1,
        source={"id": 7, "public_name": "LinkedIn"},
        applied_at=stamp,
        custom_fields={
            "kring_referral_code": {"name": "Kring referral code", "type": "short_text", "value": token}
        },
    )
    referred = _application(
        demo,
        2,
        source={"id": 8, "public_name": "Employee Referral", "type": {"id": 2, "name": "Referral"}},
        applied_at=stamp,
        credited_to={
            "id": 99,
            "email": referrer["email"],
            "employee_id": referrer["id"],
            "name": referrer["name"],
        },
    )
    alone = _application(demo, 3, source={"id": 9, "public_name": "Jobs page"}, applied_at=stamp)
    time.sleep(1.5)  # the click is recorded before its application arrives (either order works)
    for application in (clicked, referred, alone):
        _greenhouse(gateway_url, greenhouse_secret, "new_candidate_application", application)
    interviewed = {**clicked, "current_stage": {"id": 503, "name": "Face to Face", "interviews": []}}
    _greenhouse(gateway_url, greenhouse_secret, "candidate_stage_change", interviewed)
    hired = {
        **interviewed,
        "status": "hired",
        "current_stage": {"id": 505, "name": "Offer", "interviews": []},
        "offer": {"id": 7001, "version": 1, "resolved_at": stamp, "starts_at": now.date().isoformat()},
    }
    _greenhouse(gateway_url, greenhouse_secret, "hire_candidate", hired)
    totals = _wait_for_program(gateway_url, admin_token, applications=3, hires=1)
    return {
        "applications": totals.get("applications", 0),
        "hires": totals.get("hires", 0),
        "link_requests": 1,
    }


def _wait_for_program(gateway_url: str, admin_token: str, **wanted: int) -> dict[str, int]:
    """The programme funnel's totals once they show ``wanted`` (attribution runs behind queues)."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{gateway_url}/api/program/funnel", headers={"authorization": f"Bearer {admin_token}"}
    )
    deadline = time.monotonic() + APPLICATION_WAIT_SECONDS
    totals: dict[str, int] = {}
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            totals = json.loads(response.read())["totals"]
        if all(totals.get(name, 0) >= n for name, n in wanted.items()):
            return totals
        time.sleep(0.5)
    raise RuntimeError(f"demo: attribution did not count the applications in time ({totals})")


# What the banner says of the demo's link activity: the vacancy funnel's own figures.
FUNNEL_FIGURES = ("share_intents", "clicks", "raw_clicks", "bot_clicks", "own_clicks")


def _wait_for_vacancy(
    gateway_url: str, admin_token: str, vacancy_id: str, *, share_intents: int, link_requests: int
) -> dict[str, int]:
    """The vacancy funnel's totals once every share-button press and every request to a tracked
    link the demo made is counted (the click recorder runs behind a queue): each request is a
    person's click (raw), a bot's, or the ambassador's own."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{gateway_url}/api/vacancies/{vacancy_id}/funnel", headers={"authorization": f"Bearer {admin_token}"}
    )
    deadline = time.monotonic() + APPLICATION_WAIT_SECONDS
    totals: dict[str, int] = {}
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            totals = json.loads(response.read())["totals"]
        recorded = totals["raw_clicks"] + totals["bot_clicks"] + totals["own_clicks"]
        if totals["share_intents"] >= share_intents and recorded >= link_requests:
            return totals
        time.sleep(0.5)
    raise RuntimeError(f"demo: the clicks were not counted in time ({totals})")
