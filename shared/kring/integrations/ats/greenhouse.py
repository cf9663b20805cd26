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

Candidates. ``new_candidate_application``, ``new_prospect_application``, ``candidate_stage_change``,
``hire_candidate``, ``unhire_candidate`` and ``reject_candidate`` all carry the whole application
(``payload.application``), so every one of them carries its evidence too: a hire or stage change
that arrives before the application still credits it. The application id is ``application.id``,
the candidate ``application.candidate.id``, the job ``application.jobs[0].id`` (the deprecated
``application.job`` when ``jobs`` is missing) and the post ``application.job_post_id`` (as Harvest
has it), else ``jobs[0].job_post_id``, where present — vacancies are keyed by post. An application
without any job is a prospect in a pool, not an application for a vacancy: ignored, whatever the
event; so is ``unreject_candidate`` (Kring counts no "unrejected"), and so is an event without an
application id (nothing to key it on).

``occurred_at`` is Greenhouse's time of the happening, with these fallbacks (each the next best
stamp the payload has; the time of receipt when it has none):

- application: ``applied_at`` → ``last_activity_at`` → ``candidate.created_at``;
- stage change: ``last_activity_at`` (the move is the application's latest activity; Greenhouse
  sends no stage-entered time and no previous stage);
- hire: ``offer.resolved_at`` (the acceptance that fires the hook) → ``last_activity_at``;
- unhire: ``last_activity_at``; reject: ``rejected_at`` → ``last_activity_at``.

Evidence: the referrer is ``credited_to`` (e-mail and employee id) *when the application's source
is a referral* — Greenhouse also puts the recruiter who added or sourced a candidate in
``credited_to``, and crediting them would pay a recruiter who happens to be an ambassador — and a
``referrer`` record where present; the click token may hide in the source (``name`` /
``public_name``), the application's and the candidate's custom field values, the candidate's tags,
the answers to application questions, and the prospect details. The candidate's e-mail is the
first of ``email_addresses`` (for the self-referral check only; hashed before it leaves).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

from kring import config
from kring.errors import InvalidInputError
from kring.integrations.ats import base, provider_kit
from kring.models.common import Provider

NAME: Final[Provider] = "greenhouse"
ACK_STATUS: Final = 200

SIGNATURE_HEADER = "signature"
DELIVERY_ID_HEADER = "greenhouse-event-id"
BOARD_HOST = "job-boards.greenhouse.io"

POST_CHANGED = frozenset({"job_post_created", "job_post_updated"})
JOB_CHANGED = frozenset({"job_created", "job_updated", "job_approved"})
SUBMITTED = frozenset({"new_candidate_application", "new_prospect_application"})
APPLICATION_EVENTS = SUBMITTED | {
    "candidate_stage_change",
    "hire_candidate",
    "unhire_candidate",
    "reject_candidate",
}
JOB_STATUSES: Final[dict[str, base.JobStatus]] = {
    "open": "open",
    "closed": "closed",
    "draft": "draft",
}


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """Greenhouse signs its ping like every other delivery: nothing to answer before verifying."""
    del headers, raw_body
    return None


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip()
    scheme, _, digest = given.partition(" ")
    if scheme.lower() != "sha256" or not digest.strip():
        return False
    return provider_kit.hmac_sha256_matches(secret, raw_body, digest.strip())


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    return provider_kit.delivery_id_text(headers.get(DELIVERY_ID_HEADER)) or provider_kit.hashed_delivery_id(
        raw_body
    )


def event_name(payload: Any) -> str:
    return provider_kit.event_name_of(payload, "action")


def normalise(payload: Any) -> list[base.Change]:
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        raise InvalidInputError("a Greenhouse web hook is an object with an 'action'")
    action: str = payload["action"]
    body = payload.get("payload")
    used = POST_CHANGED | JOB_CHANGED | APPLICATION_EVENTS | {"job_post_deleted", "job_deleted"}
    if action == "ping" or action not in used:
        return []
    if not isinstance(body, dict):
        raise InvalidInputError(f"{action}: 'payload' is not an object")
    try:
        if action in APPLICATION_EVENTS:
            return _application_changes(action, body.get("application"))
        if action in POST_CHANGED:
            return _post_changed(_post_of(body))
        if action == "job_post_deleted":
            return _post_deleted(_post_of(body))
        job = _Job.model_validate(body.get("job"))
        if action == "job_deleted":
            return [base.JobDeleted(provider=NAME, job_id=job.id)]
        return [_job_changed(job)]
    except ValidationError as exc:
        raise InvalidInputError(f"{action}: {provider_kit.first_error(exc)}") from exc


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
        return base.first_text(where, self.name)


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
    return base.first_text(location)


def _post_changed(post: _Post) -> list[base.Change]:
    if post.job_id is None:
        return []  # a prospect post: no vacancy behind it
    if post.updated_at is None:
        raise InvalidInputError("job post without 'updated_at': its order cannot be known")
    title = base.first_text(post.title)
    if title is None:
        raise InvalidInputError("job post without a title")
    return [
        base.JobPostChanged(
            provider=NAME,
            post_id=post.id,
            job_id=post.job_id,
            title=title,
            location=_post_location(post),
            url=public_url(post.id),
            live=post.live and post.external,
            language=provider_kit.declared_locale(post.language),
            updated_at=post.updated_at,
        )
    ]


def _post_deleted(post: _Post) -> list[base.Change]:
    if post.job_id is None:
        return []
    return [
        base.JobPostDeleted(
            provider=NAME,
            post_id=post.id,
            job_id=post.job_id,
            title=base.first_text(post.title),
            location=_post_location(post),
            updated_at=post.updated_at,
        )
    ]


def _job_changed(job: _Job) -> base.JobChanged:
    departments = [d for d in (base.first_text(d.name) for d in job.departments or []) if d]
    offices = job.offices or []
    places = [p for p in (o.place for o in offices) if p]
    return base.JobChanged(
        provider=NAME,
        job_id=job.id,
        name=base.first_text(job.name),
        department=departments[0] if departments else None,
        location=places[0] if places else None,
        tags=provider_kit.unique_texts(*departments, *(base.first_text(o.name) for o in offices), *places),
        status=JOB_STATUSES.get(job.status or ""),
    )


# --------------------------------------------------------------------------------- candidates
class _Candidate(_Shape):
    id: str
    created_at: object = None

    _ids = field_validator("id", mode="before")(_id)


class _ApplicationJob(_Shape):
    id: str
    job_post_id: str | None = None

    _ids = field_validator("id", "job_post_id", mode="before")(_id)


class _Offer(_Shape):
    resolved_at: object = None


class _Application(_Shape):
    id: str
    candidate: _Candidate
    jobs: list[_ApplicationJob] | None = None
    job: _ApplicationJob | None = None
    job_post_id: str | None = None
    current_stage: _Named | None = None
    applied_at: object = None
    last_activity_at: object = None
    rejected_at: object = None
    offer: _Offer | None = None

    _ids = field_validator("id", "job_post_id", mode="before")(_id)


def _application_changes(action: str, raw: object) -> list[base.Change]:
    if not isinstance(raw, dict) or raw.get("id") in (None, ""):
        return []  # nothing to key it on
    app = _Application.model_validate(raw)
    job = app.jobs[0] if app.jobs else app.job
    if job is None:
        return []  # a prospect in a pool, not an application for a vacancy
    return [_application_change(action, app, job, raw)]


def _application_change(
    action: str, app: _Application, job: _ApplicationJob, raw: Mapping[str, Any]
) -> base.Change:
    common: dict[str, Any] = {
        "provider": NAME,
        "application_id": app.id,
        "candidate_id": app.candidate.id,
        "job_id": job.id,
        "post_id": app.job_post_id or job.job_post_id,
    }
    stage = _stage(app)
    if action in SUBMITTED:
        when = provider_kit.first_time_or_now(app.applied_at, app.last_activity_at, app.candidate.created_at)
        return base.ApplicationSubmitted(**common, occurred_at=when, stage=stage, evidence=_evidence(raw))
    if action == "candidate_stage_change":
        if stage is None:
            raise InvalidInputError("candidate_stage_change without a current stage")
        return base.StageChanged(
            **common,
            occurred_at=provider_kit.first_time_or_now(app.last_activity_at),
            stage=stage,
            evidence=_evidence(raw),
        )
    if action == "hire_candidate":
        when = provider_kit.first_time_or_now(
            app.offer.resolved_at if app.offer else None, app.last_activity_at
        )
        return base.Hired(**common, occurred_at=when, evidence=_evidence(raw))
    if action == "unhire_candidate":
        return base.Unhired(**common, occurred_at=provider_kit.first_time_or_now(app.last_activity_at))
    return base.Rejected(
        **common, occurred_at=provider_kit.first_time_or_now(app.rejected_at, app.last_activity_at)
    )


def _stage(app: _Application) -> base.Stage | None:
    name = base.first_text(app.current_stage.name) if app.current_stage else None
    return base.Stage(name=name[:200], kind=base.stage_kind(name)) if name else None


def _evidence(app: Mapping[str, Any]) -> base.Evidence:
    """Everything in the application that may say who brought the candidate (see the module
    docstring); raw, for :mod:`kring.intake.candidates` to hash and search."""
    candidate = provider_kit.as_dict(app.get("candidate"))
    credited = provider_kit.as_dict(app.get("credited_to"))
    source = provider_kit.as_dict(app.get("source"))
    referrer = provider_kit.as_dict(app.get("referrer"))  # Harvest's {type: email | id | outside, value}
    referrer_value = provider_kit.id_text(referrer.get("value"))
    if not _is_referral(source):
        credited = {}
    emails = [base.first_text(credited.get("email"))]
    if referrer_value and "@" in referrer_value and referrer.get("type") in (None, "email"):
        emails.append(referrer_value)
    return base.Evidence(
        referrer_emails=tuple(e for e in emails if e),
        referrer_employee_ids=tuple(e for e in (provider_kit.id_text(credited.get("employee_id")),) if e),
        texts=base.collect_texts(
            source.get("name"),
            source.get("public_name"),
            _field_values(app.get("custom_fields")),
            _field_values(app.get("keyed_custom_fields")),
            _field_values(candidate.get("custom_fields")),
            _field_values(candidate.get("keyed_custom_fields")),
            candidate.get("tags"),
            [a.get("answer") if isinstance(a, dict) else a for a in provider_kit.as_list(app.get("answers"))],
            app.get("prospect_detail"),
            referrer_value,
        ),
        candidate_email=base.first_text(
            *(
                a.get("value") if isinstance(a, dict) else a
                for a in provider_kit.as_list(candidate.get("email_addresses"))
            )
        ),
    )


def _is_referral(source: Mapping[str, Any]) -> bool:
    """The source is a referral (``Referral``, ``Employee Referral``, type ``referral`` …)."""
    kind = provider_kit.as_dict(source.get("type"))
    names = (source.get("name"), source.get("public_name"), kind.get("name"), source.get("type"))
    return any(isinstance(n, str) and "referr" in n.lower() for n in names)


def _field_values(fields: object) -> list[object]:
    """The values of custom fields, whether keyed ``{slug: {name, type, value}}`` (web hooks) or
    flat ``{slug: value}`` (Harvest)."""
    if not isinstance(fields, dict):
        return []
    return [f.get("value") if isinstance(f, dict) and "value" in f else f for f in fields.values()]


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The board token's pages on Greenhouse's hosted job boards (``/<board token>/jobs/<id>``;
    ``boards.greenhouse.io`` is the older host of the same boards)."""
    token = (config.vacancies().greenhouse_board_token or "").strip()
    hosts = (BOARD_HOST, "boards.greenhouse.io")
    return base.JobBoard(
        parameter="GreenhouseBoardToken",
        domains=("greenhouse.io",),
        pages=tuple(base.BoardPage(host, token) for host in hosts) if token else (),
    )
