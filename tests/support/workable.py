"""Workable web hooks for tests: the RECONSTRUCTED samples in ``tests/fixtures/ats`` (copied from
the shared test vectors, signed with ``test_secret_do_not_use``), variants of them, and signing;
the posts of one published-jobs poll."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from kring.integrations.ats import workable
from kring.integrations.ats.base import JobChanged, JobPostChanged
from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex
from tests.support.ats_fixtures import encode as encode

PATH = "/webhooks/workable"
SAMPLES = ("candidate_created", "candidate_moved_hired")
CANDIDATE_ID = "ce4da98"
SHORTCODE = "GROOV005"
SAMPLE_FILES = ProviderSamples("workable")
raw = SAMPLE_FILES.raw
payload = SAMPLE_FILES.payload


def documented_signature(name: str) -> str:
    """The ``X-Workable-Signature`` the sample's ``.headers.txt`` lists."""
    return SAMPLE_FILES.documented_header(name, "X-Workable-Signature")


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac_hex(body, secret)


def headers(body: bytes, *, signature: str | None = None) -> dict[str, str]:
    """What Workable sends with ``body`` (no delivery id: Workable has none)."""
    return {
        "Content-Type": "application/json",
        "X-Workable-Signature": signature if signature is not None else sign(body),
    }


def candidate_event(name: str = "candidate_created", **changes: Any) -> dict[str, Any]:
    """A sample with ``changes`` applied to its candidate (``data``)."""
    data = copy.deepcopy(payload(name))
    data["data"].update(changes)
    return data


def body(name: str = "candidate_created", **changes: Any) -> bytes:
    return encode(candidate_event(name, **changes))


def job(shortcode: str, **changes: Any) -> dict[str, Any]:
    """One job as ``GET /spi/v3/jobs`` lists it (fields from Workable's job resource)."""
    out: dict[str, Any] = {
        "id": f"id-{shortcode.lower()}",
        "title": "Office Manager",
        "full_title": f"Office Manager - {shortcode}",
        "shortcode": shortcode,
        "code": shortcode,
        "state": "published",
        "department": "Operations",
        "url": f"https://apply.workable.com/groove-tech/j/{shortcode}/",
        "application_url": f"https://apply.workable.com/groove-tech/j/{shortcode}/apply/",
        "shortlink": f"https://apply.workable.com/j/{shortcode}",
        "location": {
            "location_str": "Amsterdam, North Holland, Netherlands",
            "country": "Netherlands",
            "country_code": "NL",
            "region": "North Holland",
            "region_code": "NH",
            "city": "Amsterdam",
            "zip_code": "1011",
            "telecommuting": False,
        },
        "created_at": "2024-05-01T09:00:00Z",
    }
    out.update(changes)
    return out


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def polled_posts(api: Any = None) -> list[JobPostChanged]:
    """The posts of one poll (each follows its job's JobChanged)."""
    changes = workable.published_posts(api)
    assert [type(c) for c in changes] == [JobChanged, JobPostChanged] * (len(changes) // 2)
    return [c for c in changes if isinstance(c, JobPostChanged)]
