"""``bench/dashboard.py`` seeds a year of counters by collecting what the writers would write, in
the process (a table of 10,000 ambassadors' and 500 vacancies' events written one transaction
each would take hours). Here a small year is written by the real writers on a table (moto) — the
fan-out's :func:`~kring.sharing.fanout.count_shares_of`, the click recorder
(:class:`~kring.clicks.recorder.LinkActivityRecorder` on the table) and the attribution's ADDs of
:func:`~kring.attribution.rules.contribution` (:func:`kring.dal.stats.increment_action`, in a
transaction as the attribution's repository writes them) — and its stats items must be the
bench's, item for item. (Nothing is timed here: the bench measures.)"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import boto3

from bench import dashboard
from kring.attribution import rules
from kring.clicks.recorder import LinkActivityRecorder
from kring.dal import stats
from kring.dal.items import deserialize
from kring.sharing.fanout import count_shares_of
from tests.support.fixtures import REGION, MotoStack

EVENTS_PER_VACANCY = 25
APPLICATIONS = 20


def _small_year() -> dashboard.Year:
    year = dashboard.year_of(vacancies=2, ambassadors=40, seed=7)
    return replace(
        year,
        activity={v: events[:EVENTS_PER_VACANCY] for v, events in year.activity.items()},
        applications=year.applications[:APPLICATIONS],
    )


def _write_for_real(year: dashboard.Year, table: str) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    for count_id, vacancy_id, made, at in year.shares:
        assert count_shares_of(count_id, {vacancy_id: made}, at)
    for activities in year.activity.values():
        recorder = LinkActivityRecorder(window_days=dashboard.WINDOW_DAYS)
        for activity in activities:
            assert recorder.record(activity).outcome == "recorded"
    for application in year.applications:
        facts, decision, state = dashboard.application_state(application)
        contribution = rules.contribution(facts, decision, rules.shard_of(state))
        client.transact_write_items(
            TransactItems=[
                stats.increment_action({"pk": pk, "sk": sk}, counters, table)  # type: ignore[misc]
                for (pk, sk), counters in sorted(contribution.items())
            ]
        )


def _stats_items(table: str) -> dict[tuple[str, str], dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=REGION)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for raw in page["Items"]:
            item = deserialize(raw)
            if str(item["pk"]).startswith("STATS#"):
                out[(str(item["pk"]), str(item["sk"]))] = item
    return out


def test_the_seeded_counters_are_the_writers(moto_stack: MotoStack) -> None:
    year = _small_year()
    kinds = {type(a).__name__ for events in year.activity.values() for a in events}
    assert kinds == {"ShareIntended", "LinkClicked"}
    assert {a.method for a in year.applications} >= {"click_token", "unattributed"}
    assert any(a.hired_at for a in year.applications)
    assert any(a.interview_at for a in year.applications)

    _write_for_real(year, moto_stack.table_name)
    written = _stats_items(moto_stack.table_name)
    seeded = {
        (str(item["pk"]), str(item["sk"])): item
        for item in (deserialize(raw) for raw in dashboard.stats_items(dashboard.counted_of(year)))
    }

    assert set(seeded) == set(written)
    for key, item in written.items():
        assert seeded[key] == item, key
    scopes = {pk.split("#")[1] for pk, _ in seeded}
    assert scopes == {"PROG", "VAC", "AMB"}
    assert any(sk.startswith("AMB#") for _, sk in seeded)  # vacancy x ambassador counters
