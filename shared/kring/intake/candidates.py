"""From a provider's normalised candidate change to the event Kring puts on its bus.

This is where personal data stops: e-mail addresses become keyed hashes
(:func:`kring.links.identity.email_hash`), the candidate's ATS id becomes
:func:`kring.links.identity.candidate_key`,
and free text (sources, answers, custom fields, URLs) is reduced to the click tokens and share
codes found in it. Nothing of the raw :class:`~kring.integrations.ats.base.Evidence` is stored,
logged or published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from kring.events import (
    ApplicationEvidence,
    ApplicationReceived,
    ApplicationRejected,
    CandidateEvent,
    CandidateHired,
    CandidateStageChanged,
    CandidateUnhired,
)
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Evidence,
    Hired,
    Rejected,
    StageChanged,
    Unhired,
)
from kring.links import identity
from kring.links.click_tokens import find_click_tokens
from kring.links.codes import is_share_code
from kring.models.common import SHARE_CODE_LENGTH

AnyApplicationChange = ApplicationSubmitted | StageChanged | Hired | Unhired | Rejected

MAX_TOKENS = 20
MAX_REFERRERS = 10
_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# A share code in a referring URL: the path segment after /r/ (or /s/) of a Kring link.
_SHARE_PATH = re.compile(rf"/[rs]/([0-9A-Za-z]{{{SHARE_CODE_LENGTH}}})(?![0-9A-Za-z])")


def to_event(change: AnyApplicationChange, *, event_id: str, correlation_id: str) -> CandidateEvent:
    common = {
        "event_id": event_id[:300],
        "correlation_id": correlation_id[:128],
        "occurred_at": change.occurred_at,
        "provider": change.provider,
        "application_id": change.application_id,
        "candidate_key": identity.candidate_key(change.provider, change.candidate_id),
        "job_id": change.job_id,
        "post_id": change.post_id,
    }
    if isinstance(change, ApplicationSubmitted):
        return ApplicationReceived(
            **common,
            stage=change.stage.kind if change.stage else None,
            stage_name=change.stage.name if change.stage else None,
            evidence=evidence_of(change.evidence),
        )
    if isinstance(change, StageChanged):
        return CandidateStageChanged(
            **common,
            stage=change.stage.kind,
            stage_name=change.stage.name,
            evidence=evidence_of(change.evidence) if change.evidence else None,
        )
    if isinstance(change, Hired):
        return CandidateHired(**common, evidence=evidence_of(change.evidence) if change.evidence else None)
    if isinstance(change, Unhired):
        return CandidateUnhired(**common)
    return ApplicationRejected(**common)


def evidence_of(raw: Evidence) -> ApplicationEvidence:
    """The evidence with nothing personal left (see the module docstring)."""
    tokens: list[str] = []
    for text in (*raw.texts, *raw.referring_urls):
        for token in find_click_tokens(unquote(text)):
            if token not in tokens:
                tokens.append(token)
    codes: list[str] = []
    for url in raw.referring_urls:
        for match in _SHARE_PATH.finditer(unquote(url)):
            code = match.group(1)
            if is_share_code(code) and code not in codes:
                codes.append(code)
    email_hashes = _unique(identity.email_hash(e) for e in raw.referrer_emails)
    employee_ids = _unique(e.strip() for e in raw.referrer_employee_ids if _EMPLOYEE_ID.match(e.strip()))
    return ApplicationEvidence(
        referrer_employee_ids=tuple(employee_ids[:MAX_REFERRERS]),
        referrer_email_hashes=tuple(email_hashes[:MAX_REFERRERS]),
        click_tokens=tuple(tokens[-MAX_TOKENS:]),
        share_codes=tuple(codes[:MAX_TOKENS]),
        candidate_email_hash=identity.email_hash(raw.candidate_email) if raw.candidate_email else None,
    )


def _unique(values: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out
