"""Building the world a digest reads through Kring's real writers: ambassadors and vacancies
through their repositories, share links through the real ShareFanoutFunction, share intents and
clicks through the real ClickRecorderFunction, applications, interviews, hires and rewards through
the real AttributionFunction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from kring import aws, config
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.models.ambassador import Ambassador
from kring.models.vacancy import Vacancy
from tests.support import attribution as at
from tests.support import fanout as fo
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack


def put_ambassador(ambassador_id: str, at_time: datetime, **fields: Any) -> Ambassador:
    ambassador = fo.ambassador(ambassador_id, at=at_time, **fields)
    fo.store_ambassadors(ambassador)
    return ambassador


def put_vacancy(
    post: str,
    *,
    title: str,
    department: str | None,
    published_at: datetime,
    status: str = "published",
    job: str | None = None,
    location: str | None = "Amsterdam",
) -> Vacancy:
    vacancy = Vacancy.model_validate(
        {
            "id": f"greenhouse-{post}",
            "provider": "greenhouse",
            "external_id": post,
            "external_job_id": job,
            "title": title,
            "url": f"https://job-boards.greenhouse.io/acme/jobs/{post}",
            "department": department,
            "location": location,
            "status": status,
            "published_at": published_at,
            "updated_at": published_at,
        }
    )
    VacancyRepository().put(StoredVacancy(vacancy=vacancy, post_live=True), expected_revision=None)
    return vacancy


def _published_envelope(vacancy: Vacancy) -> str:
    assert vacancy.published_at is not None
    return fo.published_envelope(
        time=vacancy.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        occurred_at=vacancy.published_at.isoformat(),
        correlation_id=f"publish-{vacancy.id}",
        vacancy_id=vacancy.id,
        external_id=vacancy.external_id,
        title=vacancy.title,
        url=vacancy.url,
        department=vacancy.department,
        location=vacancy.location,
    )


def fan_out(stack: MotoStack, vacancy: Vacancy) -> list[Any]:
    """The vacancy's fan-out through the real function (every page); the events it published."""
    published = fo.Published()
    body = _published_envelope(vacancy)
    while True:
        result = stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)
        assert result == {"batchItemFailures": []}
        following = stack.receive_all("FanoutQueue")
        if not following:
            return published.events
        body = following[0]["Body"]


def link_code(vacancy_id: str, ambassador_id: str) -> str | None:
    """The code of the ambassador's link for the vacancy, if the fan-out made one (gsi2)."""
    got = aws.dynamodb().query(
        TableName=config.tables().table_name,
        IndexName=keys.GSI2,
        KeyConditionExpression="#pk = :pk AND #sk = :sk",
        ExpressionAttributeNames={"#pk": keys.GSI2_PK, "#sk": keys.GSI2_SK},
        ExpressionAttributeValues=serialize(
            {":pk": keys.shares_of_ambassador(ambassador_id), ":sk": f"VAC#{vacancy_id}"}
        ),
    )
    items = [deserialize(i) for i in got.get("Items", [])]
    return str(items[0]["code"]) if items else None


def record_activity(stack: MotoStack, events: Sequence[Any]) -> None:
    """Share intents and clicks through the real click recorder."""
    result = stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in events]))
    assert result == {"batchItemFailures": []}


def referred_hire(
    stack: MotoStack, *, app: str, who: int, referrer: str, applied: datetime, hired: datetime | None
) -> None:
    """An application the ATS says ``referrer`` referred, its interview, and its hire (if any),
    through the real attribution (job J1, post P1)."""
    events: list[Any] = [
        at.received(at=applied, app=app, who=who, proof=at.evidence(referrer_ids=[referrer])),
        at.stage("interview", at=applied, app=app, who=who),
    ]
    if hired is not None:
        events.append(at.hired(at=hired, app=app, who=who))
    for event in events:  # one by one, in order, as an ATS delivers them
        at.deliver_ok(stack, [event])


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """Every DynamoDB operation made through Kring's client while inside (names, in order)."""
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
