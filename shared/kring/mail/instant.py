"""The instant vacancy notice: new matching vacancies within minutes of the fan-out, a burst of
publications gathered into one mail.

The protocol (the item is :mod:`kring.dal.instant_notices`):

1. **Gather** — for each ``SharesCreated`` (the fan-out's announcement: the ambassadors it made a
   link for, who therefore match), :func:`gather` adds the vacancy to the pending set of each of
   them who chose instant notices (one UpdateItem each; nothing for a vacancy an earlier notice
   carried: the fan-out may announce a link twice) and opens a batch named after the
   announcement's event id unless one is open. It answers the batches to schedule: one per
   ambassador whose batch this event opened. The caller puts a delayed job on the mail queue for
   each (SQS ``DelaySeconds``: ``INSTANT_NOTICE_DELAY_SECONDS``, five minutes in AWS by default; see
   :mod:`kring.mail.vacancy_notice`), so what else is published meanwhile rides along. A
   redelivered announcement adds nothing new and answers the same batches again (its event id is
   still the open batch): scheduling twice is harmless, a job is idempotent.
2. **Take** — the job (:func:`take_instant_notice`) moves the pending set to the batch (its first
   run; a redelivered job gets what the first run took, so a resend after a crash would carry the
   same vacancies) and builds the :class:`InstantNotice`: the vacancies still open, each with the
   ambassador's buttons and tracked link. None when the batch was settled before.
3. **Send** — the platform's sender, once per (recipient, kind, batch id).
4. **Settle** — :func:`settle_instant_notice` closes the batch, after the send or when there was
   nothing to send. Vacancies gathered while the batch was being mailed are left pending: it opens
   the next batch for them (unless a gatherer did) and answers it, to be scheduled.

Scheduling never depends on timing: every pending set has exactly one open batch, and every open
batch was answered to someone who schedules it (or to a redelivery that schedules it again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from kring.dal import batch, keys
from kring.dal.instant_notices import InstantNoticeRepository
from kring.dal.items import serialize
from kring.dal.vacancies import from_item as vacancy_from_item
from kring.events import SharesCreated
from kring.links.codes import derive_code
from kring.mail.digest_content import DigestVacancy, digest_vacancy
from kring.models.common import Locale
from kring.models.vacancy import Vacancy


class Addressee(Protocol):
    """Whom a notice is for: an :class:`~kring.models.ambassador.Ambassador`, or the mail sender's
    recipient (its id and locale are all a notice needs)."""

    @property
    def id(self) -> str: ...

    @property
    def locale(self) -> Locale: ...


@dataclass(frozen=True)
class InstantBatch:
    """A delayed job to schedule: mail ``ambassador_id`` what batch ``batch_id`` gathered."""

    ambassador_id: str
    batch_id: str


class InstantNotice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ambassador_id: str
    locale: Locale
    batch_id: str
    vacancies: list[DigestVacancy]


def gather(
    event: SharesCreated,
    event_id: str,
    *,
    wants_instant: Callable[[Sequence[str]], Iterable[str]],
    now: datetime,
    repository: InstantNoticeRepository | None = None,
) -> list[InstantBatch]:
    """Step 1 (see the module docstring). ``wants_instant`` answers which of the ambassadors
    chose instant notices (the mail preferences, read in one batch); ``event_id`` is the
    announcement's EventBridge id."""
    store = repository or InstantNoticeRepository()
    chosen = sorted(set(wants_instant(event.ambassador_ids)))
    out: list[InstantBatch] = []
    for ambassador_id in chosen:
        opened = store.gather(ambassador_id, event.vacancy_id, event_id, now)
        if opened == event_id:
            out.append(InstantBatch(ambassador_id, event_id))
    return out


def _open_vacancies(vacancy_ids: Iterable[str]) -> tuple[dict[str, Vacancy], dict[str, bytes]]:
    """The stored vacancies and their link keys: one BatchGetItem for both."""
    ids = sorted(set(vacancy_ids))
    wanted = [serialize(keys.vacancy(v)) for v in ids] + [serialize(keys.link_key(v)) for v in ids]
    vacancies: dict[str, Vacancy] = {}
    secrets: dict[str, bytes] = {}
    for item in batch.get(wanted):
        sk = item[keys.SK]["S"]
        vacancy_id = str(item[keys.PK]["S"]).removeprefix("VAC#")
        if sk == keys.vacancy(vacancy_id)["sk"]:
            vacancies[vacancy_id] = vacancy_from_item(item).vacancy
        elif sk == keys.link_key(vacancy_id)["sk"]:
            secrets[vacancy_id] = bytes(item["secret"]["B"])
    return vacancies, secrets


def take_instant_notice(
    ambassador: Addressee, batch_id: str, *, repository: InstantNoticeRepository | None = None
) -> InstantNotice | None:
    """Step 2 (see the module docstring): the notice batch ``batch_id`` mails, or None when the
    batch was settled before or nothing it took is still open (settle it all the same)."""
    store = repository or InstantNoticeRepository()
    taken = store.take(ambassador.id, batch_id)
    if not taken:
        return None
    vacancies, secrets = _open_vacancies(taken)
    listed: list[DigestVacancy] = []
    for vacancy_id in sorted(taken):
        vacancy = vacancies.get(vacancy_id)
        secret = secrets.get(vacancy_id)
        if vacancy is None or secret is None or vacancy.status != "published":
            continue  # closed (or gone) since it was announced: nothing to share
        listed.append(digest_vacancy(vacancy, derive_code(secret, ambassador.id)))
    if not listed:
        return None
    return InstantNotice(
        ambassador_id=ambassador.id, locale=ambassador.locale, batch_id=batch_id, vacancies=listed
    )


def discard_instant_notice(
    ambassador_id: str, batch_id: str, *, repository: InstantNoticeRepository | None = None
) -> None:
    """A batch nobody will be mailed (the ambassador turned instant notices off, or cannot be
    mailed): take it without reading its vacancies, so that settling it drops what it gathered
    rather than leaving it pending for a next batch that would come back the same way."""
    (repository or InstantNoticeRepository()).take(ambassador_id, batch_id)


def next_batch_id(batch_id: str) -> str:
    """The batch that follows ``batch_id`` for what was gathered while it was mailed: derived, so a
    redelivered settle names the same one."""
    return "n" + hashlib.sha256(f"kring/instant/v1\x00{batch_id}".encode()).hexdigest()[:31]


def settle_instant_notice(
    ambassador_id: str, batch_id: str, *, repository: InstantNoticeRepository | None = None
) -> InstantBatch | None:
    """Step 4 (see the module docstring): the next batch to schedule, if this one leaves
    vacancies pending and opened it."""
    store = repository or InstantNoticeRepository()
    after = store.settle(ambassador_id, batch_id)
    if after is None:
        # settled before: a redelivered job; what the first settle would have opened, re-answered
        pending = store.get(ambassador_id)
        following = next_batch_id(batch_id)
        if pending is not None and pending.batch == following:
            return InstantBatch(ambassador_id, following)
        return None
    if not after.vacancies:
        return None
    following = next_batch_id(batch_id)
    if store.reopen(ambassador_id, following) == following:
        return InstantBatch(ambassador_id, following)
    return None
