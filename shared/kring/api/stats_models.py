"""What the stats routes answer: a vacancy's funnel, an ambassador's stats and the programme's
funnel, mapped explicitly from :class:`kring.funnels.LinkStats`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import Field

from kring.api.resource_models import _Out
from kring.api.reward_models import RewardTotalsOut
from kring.funnels import AmbassadorFigures, Figures, LinkStats
from kring.models.common import AmbassadorId, FunnelChannel, VacancyId

NO_ACCEPT_LANGUAGE_DESCRIPTION = (
    "Bot clicks (in bot_clicks, as scanners) only because the request came without Accept-Language, "
    "which every current browser sends: if people's clicks end up here, this count shows it"
)


class BotClicksOut(_Out):
    head: int
    preview: int
    crawler: int
    scanner: int

    @classmethod
    def of(cls, figures: Figures) -> BotClicksOut:
        return cls.model_validate(dict(figures.bot_clicks_by_reason))


class ApplicationsByMethodOut(_Out):
    """How each application was attributed (the first rule that matched), or that none did."""

    referral: int = Field(description="A referral in the ATS naming an ambassador")
    click_token: int = Field(description="A click token from an ambassador's link in the application")
    share_code: int = Field(description="A share code in the application's referring URL")
    unattributed: int

    @classmethod
    def of(cls, figures: Figures) -> ApplicationsByMethodOut:
        return cls.model_validate(dict(figures.applications_by_method))


class ChannelFiguresOut(_Out):
    share_intents: int = Field(description="Share-button presses (by network)")
    clicks: int = Field(
        description="Human clicks, repeat clicks of a visitor on a link in one clock hour once"
    )
    raw_clicks: int = Field(description="Every human click")
    unique_visitor_days: int = Field(description="Distinct visitors per day, summed over the days")
    bot_clicks: int
    bot_clicks_no_accept_language: int = Field(description=NO_ACCEPT_LANGUAGE_DESCRIPTION)
    own_clicks: int = Field(description="Clicks by the ambassador themselves (not in clicks)")
    applications: int = Field(description="Applications, on the day they were made")
    interviews: int = Field(description="Applications that reached an interview, on the application's day")
    hires: int = Field(description="Hires, on the day of the hire")

    @classmethod
    def of(cls, figures: Figures) -> ChannelFiguresOut:
        return cls(
            share_intents=figures.share_intents,
            clicks=figures.clicks,
            raw_clicks=figures.raw_clicks,
            unique_visitor_days=figures.unique_visitors,
            bot_clicks=figures.bot_clicks,
            bot_clicks_no_accept_language=figures.no_accept_language,
            own_clicks=figures.own_clicks,
            applications=figures.applications,
            interviews=figures.interviews,
            hires=figures.hires,
        )


class TotalsOut(ChannelFiguresOut):
    bot_clicks_by_reason: BotClicksOut
    applications_by_method: ApplicationsByMethodOut

    @classmethod
    def of(cls, figures: Figures) -> TotalsOut:
        return cls(
            **ChannelFiguresOut.of(figures).model_dump(),
            bot_clicks_by_reason=BotClicksOut.of(figures),
            applications_by_method=ApplicationsByMethodOut.of(figures),
        )


class DayOut(_Out):
    day: date
    share_intents: int
    clicks: int
    raw_clicks: int
    unique_visitors: int = Field(description="Distinct visitors that day")
    bot_clicks: int
    bot_clicks_by_reason: BotClicksOut
    bot_clicks_no_accept_language: int = Field(description=NO_ACCEPT_LANGUAGE_DESCRIPTION)
    own_clicks: int
    applications: int
    applications_by_method: ApplicationsByMethodOut
    interviews: int
    hires: int

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
            bot_clicks_no_accept_language=figures.no_accept_language,
            own_clicks=figures.own_clicks,
            applications=figures.applications,
            applications_by_method=ApplicationsByMethodOut.of(figures),
            interviews=figures.interviews,
            hires=figures.hires,
        )


class _StatsOut(_Out):
    first_day: date
    last_day: date
    totals: TotalsOut
    by_channel: dict[FunnelChannel, ChannelFiguresOut] = Field(
        description="Every channel, referral and unattributed included: they add up to the totals"
    )
    by_day: list[DayOut] = Field(description="Days with any activity, oldest first")


class VacancyFunnelOut(_StatsOut):
    vacancy_id: VacancyId
    shares: int = Field(description="Personal share links created for the vacancy in the range")

    @classmethod
    def of(cls, stats: LinkStats) -> VacancyFunnelOut:
        return cls(vacancy_id=stats.subject_id, shares=stats.totals.shares, **_fields(stats))


class AmbassadorStatsOut(_StatsOut):
    ambassador_id: AmbassadorId
    ambassador_name: str
    rewards: list[RewardTotalsOut] = Field(
        description="The ambassador's rewards, one entry per currency, by status now (all time, not "
        "bound to the range); empty without any"
    )

    @classmethod
    def of(cls, stats: LinkStats) -> AmbassadorStatsOut:
        return cls(
            ambassador_id=stats.subject_id,
            ambassador_name=stats.subject_name or "",
            rewards=[RewardTotalsOut.of(t) for t in stats.rewards],
            **_fields(stats),
        )


def _fields(stats: LinkStats) -> dict[str, object]:
    return {
        "first_day": stats.first_day,
        "last_day": stats.last_day,
        "totals": TotalsOut.of(stats.totals),
        "by_channel": {channel: ChannelFiguresOut.of(f) for channel, f in stats.by_channel.items()},
        "by_day": [DayOut.of(day, f) for day, f in stats.by_day],
    }


# --- a vacancy's funnel per ambassador -----------------------------------------------------------
class AmbassadorFunnelOut(_Out):
    """One ambassador's figures on one vacancy, all time."""

    ambassador_id: AmbassadorId
    ambassador_name: str | None = Field(description="None once the ambassador is erased")
    totals: TotalsOut
    by_channel: dict[FunnelChannel, ChannelFiguresOut]

    @classmethod
    def of(cls, figures: AmbassadorFigures, names: Mapping[str, str]) -> AmbassadorFunnelOut:
        return cls(
            ambassador_id=figures.ambassador_id,
            ambassador_name=names.get(figures.ambassador_id),
            totals=TotalsOut.of(figures.totals),
            by_channel={channel: ChannelFiguresOut.of(f) for channel, f in figures.by_channel.items()},
        )


class VacancyAmbassadorsOut(_Out):
    """A vacancy's funnel per ambassador (those with anything counted), by ambassador id."""

    vacancy_id: VacancyId
    items: list[AmbassadorFunnelOut]
    next: str | None


# --- the programme funnel ------------------------------------------------------------------------
class ProgramChannelOut(_Out):
    share_intents: int = Field(description="Share-button presses (by network; none for direct)")
    clicks: int = Field(description="Human clicks, a visitor's repeats on a link in one clock hour once")
    raw_clicks: int = Field(description="Every human click")
    applications: int
    interviews: int
    hires: int

    @classmethod
    def of(cls, figures: Figures) -> ProgramChannelOut:
        return cls(
            share_intents=figures.share_intents,
            clicks=figures.clicks,
            raw_clicks=figures.raw_clicks,
            applications=figures.applications,
            interviews=figures.interviews,
            hires=figures.hires,
        )


class ProgramTotalsOut(ProgramChannelOut):
    shares: int = Field(description="Personal share links created (they have no channel)")
    applications_by_method: ApplicationsByMethodOut

    @classmethod
    def of(cls, figures: Figures) -> ProgramTotalsOut:
        return cls(
            **ProgramChannelOut.of(figures).model_dump(),
            shares=figures.shares,
            applications_by_method=ApplicationsByMethodOut.of(figures),
        )


class ProgramDayOut(ProgramTotalsOut):
    day: date

    @classmethod
    def on(cls, day: date, figures: Figures) -> ProgramDayOut:
        return cls(day=day, **ProgramTotalsOut.of(figures).model_dump())


class ProgramFunnelOut(_Out):
    """Every vacancy together: shares → share intents → clicks → applications → hires."""

    first_day: date
    last_day: date
    totals: ProgramTotalsOut
    by_channel: dict[FunnelChannel, ProgramChannelOut] = Field(
        description="Every channel, referral and unattributed included: they add up to the totals"
    )
    by_day: list[ProgramDayOut] = Field(description="Days with any activity, oldest first")

    @classmethod
    def of(cls, stats: LinkStats) -> ProgramFunnelOut:
        return cls(
            first_day=stats.first_day,
            last_day=stats.last_day,
            totals=ProgramTotalsOut.of(stats.totals),
            by_channel={channel: ProgramChannelOut.of(f) for channel, f in stats.by_channel.items()},
            by_day=[ProgramDayOut.on(day, f) for day, f in stats.by_day],
        )
