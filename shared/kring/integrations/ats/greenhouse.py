"""Greenhouse (Harvest web hooks, Configure > Dev Center > Web Hooks).

- Every request, the ping included, carries ``Signature: sha256 <hex>``: lower-hex HMAC-SHA256 of
  the entire raw body with the hook's secret key. No timestamp, so deduplication is the replay
  defence: ``Greenhouse-Event-ID`` is the delivery id (a hash of the body when it is absent).
- Anything but 200 (or a timeout) is a failure, retried 6 times over ~15 h; a failed ping leaves
  the hook disabled. So every verified delivery Kring does not use is still answered 200.
- ``job_post_created`` / ``job_post_updated`` (edits and the live on/off toggle) and
  ``job_post_deleted`` carry the post; ``job_created`` / ``job_updated`` / ``job_approved`` the job
  with its departments and offices; ``job_deleted`` deletes the job and its posts. Posts without
  a ``job_id`` are prospect posts, not vacancies.
- A post is public when it is ``live`` *and* ``external`` (on the external job board). Its public
  page is ``https://job-boards.greenhouse.io/<board token>/jobs/<post id>`` — the payload has no URL.
- Language: ``nl`` when the post (or its ``language`` field, as the Job Board API has it) says
  Dutch (``nl``, ``nl-NL``, ``Dutch``, ``Nederlands``); otherwise ``en``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

from kring import config
from kring.errors import InvalidInputError
from kring.integrations.ats.base import (
    Change,
    JobChanged,
    JobDeleted,
    JobPostChanged,
    JobPostDeleted,
    Reply,
    first_text,
)
from kring.models.common import Locale, Provider

NAME: Final[Provider] = "greenhouse"
ACK_STATUS: Final = 200

SIGNATURE_HEADER = "signature"
DELIVERY_ID_HEADER = "greenhouse-event-id"
BOARD_HOST = "job-boards.greenhouse.io"
MAX_DELIVERY_ID = 128

POST_CHANGED = frozenset({"job_post_created", "job_post_updated"})
JOB_CHANGED = frozenset({"job_created", "job_updated", "job_approved"})
DUTCH = frozenset({"nl", "dutch", "nederlands"})
JOB_STATUSES: Final[dict[str, Literal["open", "closed", "draft"]]] = {
    "open": "open",
    "closed": "closed",
    "draft": "draft",
}


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> Reply | None:
    """Greenhouse signs its ping like every other delivery: nothing to answer before verifying."""
    del headers, raw_body
    return None


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip()
    scheme, _, digest = given.partition(" ")
    if scheme.lower() != "sha256" or not digest.strip():
        return False
    expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), digest.strip().lower().encode("utf-8", "replace"))


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    given = headers.get(DELIVERY_ID_HEADER, "").strip()
    if given and len(given) <= MAX_DELIVERY_ID and given.isprintable():
        return given
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


def event_name(payload: Any) -> str:
    action = payload.get("action") if isinstance(payload, dict) else None
    return action[:100] if isinstance(action, str) and action else "unknown"


def normalise(payload: Any) -> list[Change]:
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        raise InvalidInputError("a Greenhouse web hook is an object with an 'action'")
    action: str = payload["action"]
    body = payload.get("payload")
    if action == "ping" or action not in POST_CHANGED | JOB_CHANGED | {"job_post_deleted", "job_deleted"}:
        return []
    if not isinstance(body, dict):
        raise InvalidInputError(f"{action}: 'payload' is not an object")
    try:
        if action in POST_CHANGED:
            return _post_changed(_post_of(body))
        if action == "job_post_deleted":
            return _post_deleted(_post_of(body))
        job = _Job.model_validate(body.get("job"))
        if action == "job_deleted":
            return [JobDeleted(provider=NAME, job_id=job.id)]
        return [_job_changed(job)]
    except ValidationError as exc:
        raise InvalidInputError(f"{action}: {_first_error(exc)}") from exc


def public_url(post_id: str) -> str | None:
    """The post's page on the configured job board; None when no board is configured."""
    board = (config.vacancies().greenhouse_board_token or "").strip()
    if not board:
        return None
    return f"https://{BOARD_HOST}/{board}/jobs/{post_id}"


# --------------------------------------------------------------------------------- payload shapes
class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _id(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("an id is a number or a string")
    if isinstance(value, int):
        return str(value)
    return value


class _Post(_Shape):
    id: str
    job_id: str | None = None
    title: str | None = None
    location: object = None
    live: bool = False
    external: bool = False
    updated_at: AwareDatetime | None = None
    language: str | None = None

    _ids = field_validator("id", "job_id", mode="before")(_id)


class _Named(_Shape):
    name: str | None = None


class _Office(_Shape):
    name: str | None = None
    location: str | _Named | None = None

    @property
    def place(self) -> str | None:
        where = self.location.name if isinstance(self.location, _Named) else self.location
        return first_text(where, self.name)


class _Job(_Shape):
    id: str
    name: str | None = None
    status: str | None = None
    departments: list[_Named] | None = None
    offices: list[_Office] | None = None

    _ids = field_validator("id", mode="before")(_id)


def _post_of(body: dict[str, Any]) -> _Post:
    inner = body.get("job_post")
    return _Post.model_validate(inner if isinstance(inner, dict) else body)


def _post_location(post: _Post) -> str | None:
    location = post.location
    if isinstance(location, dict):
        location = location.get("name")
    return first_text(location)


def _language(post: _Post) -> Locale:
    declared = (post.language or "").strip().lower().replace("_", "-")
    return "nl" if declared.split("-")[0] in DUTCH or declared in DUTCH else "en"


def _post_changed(post: _Post) -> list[Change]:
    if post.job_id is None:
        return []  # a prospect post: no vacancy behind it
    if post.updated_at is None:
        raise InvalidInputError("job post without 'updated_at': its order cannot be known")
    title = first_text(post.title)
    if title is None:
        raise InvalidInputError("job post without a title")
    return [
        JobPostChanged(
            provider=NAME,
            post_id=post.id,
            job_id=post.job_id,
            title=title,
            location=_post_location(post),
            url=public_url(post.id),
            live=post.live and post.external,
            language=_language(post),
            updated_at=post.updated_at,
        )
    ]


def _post_deleted(post: _Post) -> list[Change]:
    if post.job_id is None:
        return []
    return [
        JobPostDeleted(
            provider=NAME,
            post_id=post.id,
            job_id=post.job_id,
            title=first_text(post.title),
            location=_post_location(post),
            updated_at=post.updated_at,
        )
    ]


def _job_changed(job: _Job) -> JobChanged:
    departments = [d for d in (first_text(d.name) for d in job.departments or []) if d]
    offices = job.offices or []
    places = [p for p in (o.place for o in offices) if p]
    seen: dict[str, str] = {}
    for tag in [*departments, *(first_text(o.name) for o in offices), *places]:
        if tag:
            seen.setdefault(tag.casefold(), tag)
    return JobChanged(
        provider=NAME,
        job_id=job.id,
        name=first_text(job.name),
        department=departments[0] if departments else None,
        location=places[0] if places else None,
        tags=tuple(seen.values()),
        status=JOB_STATUSES.get(job.status or ""),
    )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ())) or "payload"
    return f"{where}: {error.get('msg', 'invalid')}"
