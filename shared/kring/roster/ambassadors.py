"""Ambassadors: the employees who share vacancies — create or replace, change, read, list, erase.
(Importing a file of them: :mod:`kring.roster.imports`.)

Pure logic over :mod:`kring.dal.ambassadors`: no HTTP shapes here, no boto3.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from kring import safe_json
from kring.dal import ambassadors as repository
from kring.dal.ambassadors import Saved
from kring.errors import ConflictError, FieldValidationError, NotFoundError
from kring.events import AmbassadorChanged
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.links import identity
from kring.models.ambassador import CLEARABLE_FIELDS, Ambassador, AmbassadorInput
from kring.models.common import AmbassadorId, Page
from kring.observability import logger, metrics
from kring.programme.recorder import ProgrammeRecorder

__all__ = [
    "Saved",
    "announcement",
    "changed_fields",
    "erase_ambassador",
    "erasure_subject",
    "get_ambassador",
    "list_ambassadors",
    "merged",
    "parse_input",
    "patch_ambassador",
    "point_email",
    "save_ambassador",
]

MAX_PATCH_ATTEMPTS = 5
INPUT_FIELDS: tuple[str, ...] = tuple(AmbassadorInput.model_fields)

_ID = TypeAdapter(AmbassadorId)


def _now() -> datetime:
    return datetime.now(UTC)


# --- validation ------------------------------------------------------------------------------------
def parse_input(raw: bytes | str, *, max_bytes: int = safe_json.MAX_BYTES) -> AmbassadorInput:
    """Input for one ambassador (a JSON body): :class:`FieldValidationError` naming each field that
    is not valid, :class:`~kring.safe_json.InvalidJsonError` for a body that is not JSON."""
    return safe_json.parse(
        raw, AmbassadorInput.model_validate, invalid="the ambassador is not valid", max_bytes=max_bytes
    )


def _known_id(ambassador_id: str) -> str:
    """An id that could exist; anything else cannot name an ambassador, so it is not found."""
    try:
        return _ID.validate_python(ambassador_id)
    except ValidationError as exc:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}") from exc


# --- links follow eligibility ----------------------------------------------------------------------
def announcement(
    before: Ambassador | None, after: Ambassador, *, repeated: bool = False
) -> AmbassadorChanged | None:
    """The ``AmbassadorChanged`` a write of ``after`` over ``before`` (None: created) announces, or
    None: only an ambassador eligible after it is announced — eligible now and not before, or
    eligible with other interests (compared case-insensitively, as matching does) — so the
    catch-up (:mod:`kring.sharing.catchup`) gives them the links for the open vacancies. Becoming
    ineligible announces nothing: nothing of theirs is taken away. ``repeated``: the request
    changed nothing (a retry, perhaps after the announcement failed): an eligible ambassador is
    announced again, which the catch-up makes nothing twice of."""
    if not after.eligible_to_share:
        return None
    was_eligible = before is not None and before.eligible_to_share
    interests_changed = before is not None and interests_of(before) != interests_of(after)
    if was_eligible and not interests_changed and not repeated:
        return None
    return AmbassadorChanged(
        ambassador_id=after.id,
        eligible=True,
        was_eligible=was_eligible,
        interests_changed=interests_changed,
    )


def interests_of(ambassador: Ambassador) -> frozenset[str]:
    """Interests as matching compares them (case-insensitively)."""
    return frozenset(i.casefold() for i in ambassador.interests)


def _announce(event: AmbassadorChanged | None, publisher: EventPublisher | None) -> None:
    if event is not None:
        (publisher or default_publisher()).publish([event])


# --- one ambassador --------------------------------------------------------------------------------
def save_ambassador(
    data: AmbassadorInput, *, now: datetime | None = None, publisher: EventPublisher | None = None
) -> Saved:
    """Create the ambassador, or replace it keeping ``created_at`` (``Saved.created`` says which).

    The profile enters the fan-out's eligibility index only while opted in, not dormant and in a
    sharing phase; replacing it with anything else takes it out again. An ambassador who is
    eligible after the write is announced (:func:`announcement`) after it.
    """
    saved = repository.AmbassadorRepository().save(Ambassador.from_input(data, now=now or _now()))
    point_email(saved.ambassador)
    saved = dataclasses.replace(saved, ambassador=_tell_programme(saved.ambassador, now=now))
    metrics.add_metric(
        name="AmbassadorsCreated" if saved.created else "AmbassadorsUpdated", unit=MetricUnit.Count, value=1
    )
    before = saved.previous
    repeated = before is not None and not changed_fields(before, saved.ambassador)
    _announce(announcement(before, saved.ambassador, repeated=repeated), publisher)
    return saved


def _tell_programme(ambassador: Ambassador, *, now: datetime | None) -> Ambassador:
    """The programme's state machine owns the phase (issue 13): a profile the talent team saved is
    on the roster, and a phase other than the programme's is a move by hand "set by the talent
    team" (kept in the journey, published as ``AmbassadorPhaseChanged``). The profile as it is
    then (re-read only when the programme changed it)."""
    recorded = ProgrammeRecorder().profile_saved(ambassador, now=now)
    if recorded is None or (recorded.state.phase, recorded.state.in_programme) == (
        ambassador.phase,
        ambassador.in_programme,
    ):
        return ambassador
    return repository.AmbassadorRepository().get(ambassador.id) or ambassador


def point_email(ambassador: Ambassador) -> None:
    """Let referral records that name the ambassador by e-mail find them: the keyed hash of the
    address → the id
    (:meth:`kring.dal.ambassadors.AmbassadorRepository.put_email_pointer`), written after the
    profile. Idempotent; a pointer left by an old address is harmless (verified against the profile)."""
    email_hash = identity.email_hash(ambassador.email)
    if email_hash is not None:
        repository.AmbassadorRepository().put_email_pointer(email_hash, ambassador.id)


# --- changing what is stored ------------------------------------------------------------------
def merged(stored: Ambassador | None, changes: Mapping[str, Any]) -> AmbassadorInput:
    """The stored profile (or, for a new one, the defaults) with ``changes`` applied: a field not
    in ``changes`` keeps its value. :class:`FieldValidationError` names every field that is not
    valid; a new ambassador needs a name and an e-mail address."""
    base: dict[str, Any] = stored.model_dump(include=set(INPUT_FIELDS)) if stored is not None else {}
    try:
        return AmbassadorInput.model_validate({**base, **changes})
    except ValidationError as exc:
        details = safe_json.field_errors(exc)
        missing = {str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and e["loc"]}
        needs = {"name": "a name", "email": "an e-mail address"}
        for detail in details:
            if detail["field"] in missing:
                detail["message"] = f"a new ambassador needs {needs.get(detail['field'], 'a value')}"
        raise FieldValidationError("the ambassador is not valid", details) from exc


def changed_fields(stored: AmbassadorInput, new: AmbassadorInput) -> list[str]:
    """The input fields whose value differs, in the model's order."""
    return [name for name in INPUT_FIELDS if getattr(stored, name) != getattr(new, name)]


def patch_changes(patch: object) -> dict[str, Any]:
    """A JSON merge patch (RFC 7396) of an ambassador as changes: a member that is ``null``
    clears the field where a field may be empty (department, location, interests,
    share_cap_per_week) and is a field error everywhere else; an absent member keeps the value."""
    if not isinstance(patch, dict):
        raise FieldValidationError(
            "the patch is not valid", [{"field": "body", "message": "a merge patch is a JSON object"}]
        )
    errors = [
        {"field": name, "message": "cannot be cleared: it must have a value"}
        for name, value in patch.items()
        if value is None and name in INPUT_FIELDS and name not in CLEARABLE_FIELDS
    ]
    if errors:
        raise FieldValidationError("the patch is not valid", errors)
    cleared: dict[str, Any] = {"interests": []}
    return {name: cleared.get(name) if value is None else value for name, value in patch.items()}


def patch_ambassador(
    ambassador_id: str, patch: object, *, now: datetime | None = None, publisher: EventPublisher | None = None
) -> Ambassador:
    """Change some fields of a stored ambassador (a JSON merge patch, :func:`patch_changes`).

    The change is made against the profile as read and written only if it is still that
    profile (else read and applied again), so a concurrent change is never lost. A patch that
    changes nothing writes nothing (an eligible ambassador is announced again:
    :func:`announcement`); a change that leaves them eligible is announced after it. Raises
    :class:`NotFoundError` for an unknown id and :class:`FieldValidationError` (nothing written)
    for a patch that is not valid, or that would change the id.
    """
    ambassador_id = _known_id(ambassador_id)
    changes = patch_changes(patch)
    if "id" in changes and changes["id"] != ambassador_id:
        raise FieldValidationError(
            "the patch is not valid", [{"field": "id", "message": "the employee id cannot be changed"}]
        )
    for _attempt in range(MAX_PATCH_ATTEMPTS):
        seen = repository.AmbassadorRepository().get_stored(ambassador_id)
        if seen is None:
            raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
        wanted = merged(seen.ambassador, changes)
        if not changed_fields(seen.ambassador, wanted):
            _announce(announcement(seen.ambassador, seen.ambassador, repeated=True), publisher)
            return seen.ambassador
        changed = Ambassador.from_input(
            wanted,
            now=now or _now(),
            created_at=seen.ambassador.created_at,
            in_programme=seen.ambassador.in_programme,
        )
        if repository.AmbassadorRepository().replace(changed, seen):
            if changed.email != seen.ambassador.email:
                point_email(changed)
            metrics.add_metric(name="AmbassadorsUpdated", unit=MetricUnit.Count, value=1)
            final = _tell_programme(changed, now=now)
            _announce(announcement(seen.ambassador, final), publisher)
            return final
    raise ConflictError(f"ambassador {ambassador_id} kept changing while it was being changed")


def get_ambassador(ambassador_id: str) -> Ambassador:
    found = repository.AmbassadorRepository().get(_known_id(ambassador_id))
    if found is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    return found


def list_ambassadors(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Ambassador]:
    """One page of ambassadors in id order; ``cursor`` is the previous page's."""
    return repository.AmbassadorRepository().list_page(limit, cursor)


# --- erasure ---------------------------------------------------------------------------------------
def erasure_subject(ambassador_id: str) -> str:
    """The key of an erasure record: a hash of the employee id, so the record names nobody.

    Employee ids are not secret (share links keep them), so this is a domain-separated SHA-256
    rather than a keyed hash: it lets an operator answer "was employee X erased, and when?" and
    nothing more.
    """
    return hashlib.sha256(b"kring/erasure/v1\x00" + ambassador_id.encode("utf-8")).hexdigest()


def erase_ambassador(ambassador_id: str, *, now: datetime | None = None) -> bool:
    """Erase an ambassador (GDPR, right to erasure). True if erased now, False if already erased.

    Gone: the whole item collection ``AMB#<id>`` — the profile with every piece of personal data
    in it (name, e-mail, department, location, interests, locale) and with it the list and
    eligibility index entries, so the fan-out never selects the ambassador again; and the
    weekly share-cap ledgers; and the e-mail pointer that let referral records find them.

    Kept, anonymously: the share links already made and whatever is counted against them
    (clicks, applications, hires), and the reward ledger (what the organisation owes or paid
    for a referred hire is a financial record it must keep). They reference the ambassador by
    employee id only, which — without the profile — identifies nobody in Kring; deleting them
    would break links candidates already hold and rewrite the organisation's statistics and
    books. The mail send markers (kind, employee id, period; :mod:`kring.dal.mail_sends`) are kept
    the same way, and expire on their own (400 days): while they last, a redelivered mail job of an
    erased ambassador still finds its mail sent.

    Recorded: an erasure record keyed by :func:`erasure_subject` with the time, written before
    anything is deleted, so a retry after a partial failure finishes the job, and a repeated
    erasure of the same id is recognised (False) rather than reported as unknown. Raises
    :class:`NotFoundError` for an id that was never known.
    """
    ambassador_id = _known_id(ambassador_id)
    subject = erasure_subject(ambassador_id)
    item_keys = repository.AmbassadorRepository().collection_keys(ambassador_id, keep_rewards=True)
    if not item_keys:
        if repository.AmbassadorRepository().erasure_recorded(subject):
            return False
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    profile = repository.AmbassadorRepository().get(ambassador_id)
    repository.AmbassadorRepository().put_erasure_record(subject, now or _now())
    email_hash = identity.email_hash(profile.email) if profile else None
    if email_hash is not None:
        repository.AmbassadorRepository().delete_email_pointer(email_hash, ambassador_id)
    repository.AmbassadorRepository().delete_keys(item_keys)
    metrics.add_metric(name="AmbassadorsErased", unit=MetricUnit.Count, value=1)
    logger.info("ambassador erased", extra={"erasure_subject": subject, "items_deleted": len(item_keys)})
    return True
