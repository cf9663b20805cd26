"""The registry of mail kinds: what a kind of mail is, who gets it, and how it is made.

Adding a kind is one composer and two templates: write ``compose(job, recipient, t)`` returning a
:class:`Composed` (or ``None``: nothing to send for this recipient and period), put
``<template>.html.j2`` and ``<template>.txt.j2`` in ``mail/templates`` (each extending its
layout), and :func:`register` a :class:`MailKind` from a module listed in :data:`KIND_MODULES`.
A scheduled kind also gives ``plan``: the jobs of one run (the planner enqueues them in chunks).
A kind whose job holds something until its mail is out (the vacancy notice's gathered batch) gives
``settle(job, composed)``: the sender calls it once the job is done — sent, sent before, or nothing
to send (``composed``: its composer ran, on this delivery or an earlier one) — or was skipped before
composing (the recipient gone, the kind unwanted, the address suppressed: ``composed`` is False).
It runs after the send; if it fails, the message is retried and finds the mail sent, so
``settle`` is called again: it must be idempotent.

The sender (:mod:`kring.mail.sending`) does the rest for every kind alike: the recipient and their
preferences (:func:`register_audience`), the suppression list, the once-only claim, rendering, the
unsubscribe and preferences links, SES.

Two optional parts, for kinds that need them (the ambassador digest):

- ``period_end``: the kind lists what is new since its last mail; the sender remembers the last
  period sent to each recipient (:class:`~kring.dal.mail_sends.LastSent`, written with the send
  record, read with the recipient) and hands it to the composer as ``Recipient.last_sent``;
- ``batch``: the kind's mails share reads; the sender calls it once per SQS batch with every job
  it will compose (and its recipient) and composes that batch's mails with the composer it
  answers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from kring.dal import ambassadors
from kring.dal.items import deserialize
from kring.dal.mail_preferences import MailPreferences, recipients
from kring.dal.mail_sends import LastSent
from kring.errors import InvalidInputError
from kring.mail.i18n import Translator, locale_of
from kring.mail.periods import Frequency
from kring.mail.unsubscribe import Topic
from kring.models.ambassador import Ambassador
from kring.models.common import Locale
from kring.queues import MailJob

Audience = Literal["ambassador", "team"]

# The modules that register kinds; the digests add theirs here.
KIND_MODULES: list[str] = [
    "kring.mail.notices",
    "kring.mail.digests",
    "kring.mail.team_digest",
    "kring.mail.vacancy_notice",
    "kring.mail.invitations",
]


@dataclass(frozen=True)
class Recipient:
    """Who a mail goes to, as the sender read them (one BatchGetItem for an ambassador)."""

    id: str
    email: str
    locale: Locale
    name: str
    preferences: MailPreferences = field(default_factory=MailPreferences)
    ambassador: Ambassador | None = None  # an ambassador's profile, as read (composers read it here)
    last_sent: LastSent | None = None  # the last mail of this kind sent to them (``period_end`` kinds)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


@dataclass(frozen=True)
class Composed:
    """What a composer made: the subject (in the recipient's language) and what its templates show
    (as ``mail``)."""

    subject: str
    mail: Any


@dataclass(frozen=True)
class PlanRun:
    """One scheduled run of a kind: when it was scheduled (UTC), the organisation's time zone and,
    for a digest, its frequency."""

    kind: str
    scheduled_at: datetime
    time_zone: str
    frequency: Frequency | None = None  # a digest's schedule says which
    campaign: str | None = None  # an invitation campaign's id (its launch says which)


Composer = Callable[[MailJob, Recipient, Translator], Composed | None]
Planner = Callable[[PlanRun], Iterable[MailJob]]
Settler = Callable[[MailJob, bool], None]
# One SQS batch's jobs of a kind, each with its recipient → the composer of that batch.
BatchComposer = Callable[[Sequence[tuple[MailJob, Recipient]]], Composer]
# (recipient id, kind whose last sent to read or None) → that Recipient (None: gone), all at once.
ManyResolver = Callable[[Sequence[tuple[str, str | None]]], dict[tuple[str, str | None], Recipient | None]]


@dataclass(frozen=True)
class MailKind:
    name: str
    template: str
    audience: Audience
    topic: Topic  # what its unsubscribe link turns off
    compose: Composer
    wanted: Callable[[MailPreferences, MailJob], bool]
    plan: Planner | None = None
    settle: Settler | None = None
    period_end: Callable[[str], datetime] | None = None  # when a job's period ends (see above)
    batch: BatchComposer | None = None  # one composer per SQS batch (see above)
    # the programme's own mail (digests, vacancy notices): not for someone who left the programme
    programme_mail: bool = False


_KINDS: dict[str, MailKind] = {}
_AUDIENCES: dict[str, Callable[[str], Recipient | None]] = {}
_MANY: dict[str, ManyResolver] = {}
_loaded: list[str] = []  # the modules imported so far


def register(kind: MailKind) -> MailKind:
    if kind.name in _KINDS and _KINDS[kind.name] != kind:
        raise ValueError(f"mail kind {kind.name!r} registered twice")
    _KINDS[kind.name] = kind
    return kind


def register_audience(
    audience: Audience, resolve: Callable[[str], Recipient | None], *, many: ManyResolver | None = None
) -> None:
    """How a recipient id of ``audience`` becomes a :class:`Recipient` (``None``: gone, erased);
    ``many``, when given, does it for a whole SQS batch at once (and reads the last-sent items)."""
    _AUDIENCES[audience] = resolve
    if many is not None:
        _MANY[audience] = many


def _ambassador(raw: Mapping[str, Any]) -> Ambassador | None:
    try:
        return ambassadors.from_item(raw)
    except ValidationError:
        return None  # a profile the model cannot read: a composer that needs it reads it (and fails)


def ambassador_recipients(
    wanted: Sequence[tuple[str, str | None]],
) -> dict[tuple[str, str | None], Recipient | None]:
    """Ambassadors as recipients, with their preferences, parsed profile and — for each
    ``(id, kind)`` with a kind — the last mail of that kind sent to them: one BatchGetItem for a
    whole SQS batch. ``None`` for a profile that is gone (erased) or has no address."""

    reads = recipients(
        (ambassador_id for ambassador_id, _ in wanted),
        last_sent_of=[(kind, ambassador_id) for ambassador_id, kind in wanted if kind is not None],
    )
    out: dict[tuple[str, str | None], Recipient | None] = {}
    for ambassador_id, kind in wanted:
        raw = reads.profiles.get(ambassador_id)
        profile = deserialize(raw) if raw is not None else {}
        if not profile.get("email"):
            out[(ambassador_id, kind)] = None
            continue
        out[(ambassador_id, kind)] = Recipient(
            id=ambassador_id,
            email=str(profile["email"]),
            locale=locale_of(profile.get("locale")),
            name=str(profile.get("name") or ""),
            preferences=reads.preferences[ambassador_id],
            ambassador=_ambassador(raw) if raw is not None else None,
            last_sent=reads.last_sent.get((kind, ambassador_id)) if kind is not None else None,
        )
    return out


def ambassador_recipient(ambassador_id: str) -> Recipient | None:
    """An ambassador as a recipient, with their preferences (one BatchGetItem); ``None`` when the
    profile is gone (erased) or has no address."""
    return ambassador_recipients([(ambassador_id, None)])[(ambassador_id, None)]


register_audience("ambassador", ambassador_recipient, many=ambassador_recipients)


def _load() -> None:
    for module in KIND_MODULES:
        if module not in _loaded:
            importlib.import_module(module)
            _loaded.append(module)


def get(name: str) -> MailKind:
    _load()
    try:
        return _KINDS[name]
    except KeyError as exc:
        raise InvalidInputError(f"no mail kind {name!r}") from exc


def all_kinds() -> Mapping[str, MailKind]:
    _load()
    return dict(_KINDS)


def many_resolver(audience: Audience) -> ManyResolver | None:
    _load()
    return _MANY.get(audience)


def resolver(audience: Audience) -> Callable[[str], Recipient | None]:
    _load()
    try:
        return _AUDIENCES[audience]
    except KeyError as exc:
        raise InvalidInputError(f"no recipients of {audience!r} are known yet") from exc
