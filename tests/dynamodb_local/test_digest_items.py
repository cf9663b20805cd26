"""The digests' items against Amazon's DynamoDB Local: the instant notice's conditional updates
(gather, take, settle, reopen), the ambassador's day counters read over a period, the talent
team's recipients and settings, and an ATS's last delivery — the expressions as real DynamoDB
evaluates them, not as moto does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kring.dal import ats_deliveries, keys
from kring.dal.instant_notices import InstantNoticeRepository
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.team_recipients import TeamRecipientRepository
from kring.mail.digest_content import period_activity
from kring.mail.periods import period_of
from kring.models.team import ChannelCost, ProgrammeSettings, TeamRecipient, recipient_id
from tests.support import attribution_data as ad

pytestmark = pytest.mark.dynamodb_local

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_instant_notice_protocol(dynamodb_local: object) -> None:
    store = InstantNoticeRepository()
    assert store.gather("E1", "v1", "b1", NOW) == "b1"
    assert store.gather("E1", "v2", "b2", NOW) == "b1"  # a batch is open: it rides along
    assert store.take("E1", "b1") == frozenset({"v1", "v2"})
    assert store.gather("E1", "v1", "b3", NOW) is None  # taken by the open batch
    assert store.gather("E1", "v3", "b3", NOW) == "b1"  # pending for the next batch
    assert store.take("E1", "b1") == frozenset({"v1", "v2"})  # a redelivered job: the same
    assert store.take("E1", "other") is None
    after = store.settle("E1", "b1")
    assert after is not None
    assert (after.vacancies, after.batch, after.taken, after.notified) == (
        frozenset({"v3"}),
        None,
        None,
        frozenset({"v1", "v2"}),
    )
    assert store.settle("E1", "b1") is None  # settled before
    assert store.reopen("E1", "b4") == "b4"
    assert store.reopen("E1", "b5") == "b4"  # one open batch
    assert store.gather("E1", "v2", "b6", NOW) is None  # notified before
    assert store.take("E1", "b4") == frozenset({"v3"})
    assert store.settle("E1", "b4") is not None
    assert store.reopen("E1", "b7") is None  # nothing pending


def test_a_period_reads_its_own_days_and_the_period_befores_in_one_query(dynamodb_local: object) -> None:
    week = period_of("weekly", NOW.date())  # Monday 30 November to Sunday 6 December
    ad.add_counters(
        keys.ambassador_day_stats("E1", "2026-11-30", 0), clicks=2, share_intents=1, rewards_pending=1
    )
    ad.add_counters(keys.ambassador_day_stats("E1", "2026-12-06", 3), clicks=1, rewards_eligible=1)
    ad.add_counters(keys.ambassador_day_stats("E1", "2026-11-29", 1), clicks=5)  # the week before
    ad.add_counters(keys.ambassador_day_stats("E1", "2026-12-07", 2), clicks=7)  # the week after
    ad.add_counters(keys.ambassador_day_stats("E1", "2026-11-22", 2), clicks=9)  # two weeks before
    now, before = period_activity("E1", week)
    assert (now.clicks, now.share_intents, now.rewards_pending, now.rewards_eligible) == (3, 1, 1, 1)
    assert before.clicks == 5


def test_team_recipients_settings_and_ats_deliveries(dynamodb_local: object) -> None:
    recipients = TeamRecipientRepository()
    for email in ("b@example.com", "a@example.com"):
        recipients.put(
            TeamRecipient(id=recipient_id(email), email=email, locale="nl", created_at=NOW, updated_at=NOW)
        )
    assert sorted(r.email for r in recipients.all()) == ["a@example.com", "b@example.com"]
    assert recipients.delete(recipient_id("a@example.com"))
    assert not recipients.delete(recipient_id("a@example.com"))
    settings = ProgrammeSettingsRepository()
    assert settings.get() == ProgrammeSettings()
    wanted = ProgrammeSettings(
        time_zone="Europe/London",
        other_channels=(ChannelCost(channel="agency", cost_per_hire=Decimal("8000.00")),),
        updated_at=NOW,
    )
    settings.put(wanted)
    assert settings.get() == wanted
    assert ats_deliveries.record_delivery("greenhouse", NOW - timedelta(days=8))
    assert not ats_deliveries.record_delivery("greenhouse", NOW)  # noted moments ago in this container
    assert ats_deliveries.last_deliveries() == {"greenhouse": NOW - timedelta(days=8)}
