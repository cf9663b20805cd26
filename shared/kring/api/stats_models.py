"""What the stats routes answer: a vacancy's funnel and an ambassador's stats, mapped explicitly
from :class:`kring.link_reports.LinkStats`."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from kring.api.models import _Out
from kring.link_reports import Figures, LinkStats
from kring.models.common import AmbassadorId, Channel, VacancyId


class BotClicksOut(_Out):
    head: int
    preview: int
    crawler: int
    scanner: int

    @classmethod
    def of(cls, figures: Figures) -> BotClicksOut:
        return cls.model_validate(dict(figures.bot_clicks_by_reason))


class ChannelFiguresOut(_Out):
    share_intents: int = Field(description="Share-button presses (by network)")
    clicks: int = Field(
        description="Human clicks, repeat clicks of a visitor on a link in one clock hour once"
    )
    raw_clicks: int = Field(description="Every human click")
    unique_visitor_days: int = Field(description="Distinct visitors per day, summed over the days")
    bot_clicks: int
    own_clicks: int = Field(description="Clicks by the ambassador themselves (not in clicks)")

    @classmethod
    def of(cls, figures: Figures) -> ChannelFiguresOut:
        return cls(
            share_intents=figures.share_intents,
            clicks=figures.clicks,
            raw_clicks=figures.raw_clicks,
            unique_visitor_days=figures.unique_visitors,
            bot_clicks=figures.bot_clicks,
            own_clicks=figures.own_clicks,
        )


class TotalsOut(ChannelFiguresOut):
    bot_clicks_by_reason: BotClicksOut

    @classmethod
    def of(cls, figures: Figures) -> TotalsOut:
        return cls(
            **ChannelFiguresOut.of(figures).model_dump(),
            bot_clicks_by_reason=BotClicksOut.of(figures),
        )


class DayOut(_Out):
    day: date
    share_intents: int
    clicks: int
    raw_clicks: int
    unique_visitors: int = Field(description="Distinct visitors that day")
    bot_clicks: int
    bot_clicks_by_reason: BotClicksOut
    own_clicks: int

    @classmethod
    def of(cls, day: date, figures: Figures) -> DayOut:
        return cls(
            day=day,
            share_intents=figures.share_intents,
            clicks=figures.clicks,
            raw_clicks=figures.raw_clicks,
            unique_visitors=figures.unique_visitors,
            bot_clicks=figures.bot_clicks,
            bot_clicks_by_reason=BotClicksOut.of(figures),
            own_clicks=figures.own_clicks,
        )


class _StatsOut(_Out):
    first_day: date
    last_day: date
    totals: TotalsOut
    by_channel: dict[Channel, ChannelFiguresOut]
    by_day: list[DayOut] = Field(description="Days with any activity, oldest first")


class VacancyFunnelOut(_StatsOut):
    vacancy_id: VacancyId

    @classmethod
    def of(cls, stats: LinkStats) -> VacancyFunnelOut:
        return cls(vacancy_id=stats.subject_id, **_fields(stats))


class AmbassadorStatsOut(_StatsOut):
    ambassador_id: AmbassadorId

    @classmethod
    def of(cls, stats: LinkStats) -> AmbassadorStatsOut:
        return cls(ambassador_id=stats.subject_id, **_fields(stats))


def _fields(stats: LinkStats) -> dict[str, object]:
    return {
        "first_day": stats.first_day,
        "last_day": stats.last_day,
        "totals": TotalsOut.of(stats.totals),
        "by_channel": {channel: ChannelFiguresOut.of(f) for channel, f in stats.by_channel.items()},
        "by_day": [DayOut.of(day, f) for day, f in stats.by_day],
    }
