"""Building candidate events and the world attribution reads (ambassadors, vacancies, share links,
clicks), delivering them to the real AttributionFunction, and reading its results back out of the
table (for tests only: a Scan is fine here)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from kring import aws, config
from kring.attribution.recorder import AttributionRecorder
from kring.dal import attribution_states, keys
from kring.dal.items import serialize
from kring.dal.stats import from_item as from_stats_item
from kring.events import (
    ApplicationEvidence,
    ApplicationReceived,
    ApplicationRejected,
    CandidateHired,
    CandidateStageChanged,
    CandidateUnhired,
    KringEvent,
    LinkClicked,
)
from kring.models.ambassador import AmbassadorInput
from kring.models.common import StageKind
from kring.roster.ambassadors import save_ambassador
from tests.support import link_activity as la
from tests.support.bus import Bus as CapturedBus
from tests.support.fixtures import MotoStack

PROVIDER = "greenhouse"
JOB = "J1"
POST = "P1"
VACANCY = f"{PROVIDER}-{POST}"
OTHER_VACANCY = f"{PROVIDER}-P2"
ATTRIBUTION_METRICS = ("applications", "interviews", "hires")


def candidate(n: int) -> str:
    """A candidate key (what kring.links.identity.candidate_key makes), the same for the same ``n``."""
    return hashlib.md5(f"candidate-{n}".encode()).hexdigest()  # noqa: S324 - a fake keyed hash


def fake_hash(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - a fake keyed hash


def evidence(
    *,
    tokens: Sequence[str] = (),
    referrer_ids: Sequence[str] = (),
    referrer_email_hashes: Sequence[str] = (),
    codes: Sequence[str] = (),
    candidate_email_hash: str | None = None,
) -> ApplicationEvidence:
    return ApplicationEvidence(
        referrer_employee_ids=tuple(referrer_ids),
        referrer_email_hashes=tuple(referrer_email_hashes),
        click_tokens=tuple(tokens),
        share_codes=tuple(codes),
        candidate_email_hash=candidate_email_hash,
    )


def _common(
    kind: str, n: int, *, app: str, who: int, at: datetime, job: str | None, post: str | None
) -> dict[str, Any]:
    return {
        "event_id": f"{PROVIDER}:{kind}:{app}:{n}",
        "correlation_id": f"corr-{kind}-{app}-{n}",
        "occurred_at": at,
        "provider": PROVIDER,
        "application_id": app,
        "candidate_key": candidate(who),
        "job_id": job,
        "post_id": post,
    }


def received(
    *,
    at: datetime,
    app: str = "A1",
    who: int = 1,
    job: str | None = JOB,
    post: str | None = POST,
    n: int = 0,
    proof: ApplicationEvidence | None = None,
    stage: StageKind | None = "applied",
) -> ApplicationReceived:
    return ApplicationReceived(
        **_common("received", n, app=app, who=who, at=at, job=job, post=post),
        stage=stage,
        stage_name=stage.title() if stage else None,
        evidence=proof or ApplicationEvidence(),
    )


def stage(
    kind: StageKind,
    *,
    at: datetime,
    app: str = "A1",
    who: int = 1,
    job: str | None = JOB,
    post: str | None = POST,
    n: int = 0,
    proof: ApplicationEvidence | None = None,
) -> CandidateStageChanged:
    return CandidateStageChanged(
        **_common(f"stage-{kind}", n, app=app, who=who, at=at, job=job, post=post),
        stage=kind,
        stage_name=kind.title(),
        evidence=proof,
    )


def hired(
    *, at: datetime, app: str = "A1", who: int = 1, job: str | None = JOB, post: str | None = POST, n: int = 0
) -> CandidateHired:
    return CandidateHired(**_common("hired", n, app=app, who=who, at=at, job=job, post=post))


def unhired(
    *, at: datetime, app: str = "A1", who: int = 1, job: str | None = JOB, post: str | None = POST, n: int = 0
) -> CandidateUnhired:
    return CandidateUnhired(**_common("unhired", n, app=app, who=who, at=at, job=job, post=post))


def rejected(
    *, at: datetime, app: str = "A1", who: int = 1, job: str | None = JOB, post: str | None = POST, n: int = 0
) -> ApplicationRejected:
    return ApplicationRejected(**_common("rejected", n, app=app, who=who, at=at, job=job, post=post))


# ------------------------------------------------------------------------------------ the world
def put_ambassador(ambassador_id: str, email: str) -> None:
    """Through the ambassadors logic, so the e-mail pointer is written as in production."""
    save_ambassador(AmbassadorInput(id=ambassador_id, name=f"Ambassador {ambassador_id}", email=email))


def put_vacancy(vacancy_id: str = VACANCY, *, job: str | None = JOB) -> None:
    """A vacancy item as the webhook stores it (only what attribution reads: the key, gsi2)."""
    item: dict[str, Any] = {**keys.vacancy(vacancy_id), "entity": "vacancy", "id": vacancy_id}
    if job is not None:
        item.update(keys.vacancy_by_job_entry(PROVIDER, job, vacancy_id))
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=serialize(item))


def put_share_link(vacancy_id: str, ambassador_id: str) -> str:
    code = la.share_code(vacancy_id, ambassador_id)
    item = {
        **keys.share_link(code),
        "entity": "share_link",
        "code": code,
        "vacancy_id": vacancy_id,
        "ambassador_id": ambassador_id,
        "created_at": "2026-11-01T00:00:00+00:00",
    }
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=serialize(item))
    return code


def record_clicks(stack: MotoStack, clicks: Sequence[LinkClicked]) -> None:
    """Through the real click recorder (it writes the click records attribution reads)."""
    assert stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(c) for c in clicks])) == {
        "batchItemFailures": []
    }


def _no_sleep(_: float) -> None:
    return None


def deliver(stack: MotoStack, events: Sequence[KringEvent | str]) -> list[int]:
    """One SQS batch to the real AttributionFunction; the indexes of the messages that failed."""
    bodies = [e if isinstance(e, str) else la.envelope(e) for e in events]
    event = la.sqs_event(bodies)
    try:
        result = stack.invoke("AttributionFunction", event, recorder=AttributionRecorder(sleep=_no_sleep))
    except BatchProcessingError:  # Powertools fails the whole invocation when every message failed
        return list(range(len(bodies)))
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    return [i for i, record in enumerate(event["Records"]) if record["messageId"] in failed]


def deliver_ok(stack: MotoStack, events: Sequence[KringEvent | str]) -> None:
    assert deliver(stack, events) == []


# ------------------------------------------------------------------------------------ reading back
def items(prefix: str) -> list[dict[str, Any]]:
    return [i for i in la._all_items() if str(i["pk"]).startswith(prefix)]


def states() -> dict[str, attribution_states.StoredState]:
    return {str(i["pk"]): attribution_states.from_item(i) for i in items("APPL#")}


def only_state() -> attribution_states.StoredState:
    (state,) = states().values()
    return state


def counters() -> dict[tuple[str, str], Counter[str]]:
    """The attribution's counters on every stats item, shards summed: (pk, sk without the shard)."""
    out: dict[tuple[str, str], Counter[str]] = {}
    for stored in items("STATS#"):
        item = from_stats_item(stored)
        scope = str(item["sk"]).rsplit("#", 1)[0]
        mine = {
            name: int(n)
            for name, n in item.items()
            if name.split("_")[0] in ATTRIBUTION_METRICS and isinstance(n, int)
        }
        out.setdefault((str(item["pk"]), scope), Counter()).update(mine)
    return {k: +v for k, v in out.items() if +v}


def ledger() -> dict[tuple[str, str], dict[str, Any]]:
    """Every reward entry: (ambassador id, reward id) → item."""
    return {
        (str(i["pk"]).removeprefix("AMB#"), str(i["sk"]).removeprefix("REWARD#")): i
        for i in la._all_items()
        if str(i["sk"]).startswith("REWARD#")
    }


def aliases() -> dict[str, set[str]]:
    return {str(i["application_id"]): set(i["states"]) for i in items("APPID#")}


class Bus(CapturedBus):
    """Every event the attribution puts on the stack's bus."""

    def __init__(self, bus_name: str) -> None:
        super().__init__(bus_name, source="kring.attribution")

    def attributed(self) -> list[dict[str, Any]]:
        return [e["detail"] for e in self.drain() if e["detail-type"] == "ApplicationAttributed"]


def when(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A time in November/December 2026 (day 1 = 2026-11-01, day 31 = 2026-12-01)."""
    return datetime(2026, 11, 1, hour, minute, tzinfo=UTC) + timedelta(days=day - 1)
