"""What an ambassador does in the portal and what it reads for them.

The portal stores what it owns — consent (version and time), networks, onboarding steps done, the
personal goal (:class:`~kring.dal.portal_store.PortalProfile`), invite credits — and changes the
roster profile (interests, language, how leaderboards show them, opted in) through the roster's own
update path (:func:`kring.roster.ambassadors.patch_ambassador`), so the fan-out matches on what they
chose.
Every action is also published as a programme fact on the bus (``AmbassadorVolunteered``,
``OnboardingStepCompleted``, ``AmbassadorLeftProgramme``, ``AmbassadorRejoinedProgramme``,
``ColleagueRecruited``, ``ProgrammePageOpened``): the phase is the programme's state machine's to
decide; the portal reads ``phase`` and ``dormant`` from the profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kring import config
from kring.clicks.counting import CLICKS, SHARE_INTENTS
from kring.dal import keys
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.mail_preferences import MailPreferenceRepository, MailPreferences
from kring.dal.portal_store import PortalProfile, PortalRepository
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.share_links import ShareLinkRepository
from kring.dal.stats import StatsRepository
from kring.dal.vacancies import VacancyRepository
from kring.events import (
    AmbassadorLeftProgramme,
    AmbassadorRejoinedProgramme,
    AmbassadorVolunteered,
    ColleagueRecruited,
    KringEvent,
    OnboardingStepCompleted,
    ProgrammePageOpened,
)
from kring.funnels import APPLICATIONS, HIRES, REWARDS_PENDING, add_counters
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.links.codes import link_url, share_url
from kring.models.ambassador import Ambassador, LeaderboardDisplay
from kring.models.common import NETWORKS, Locale, Network
from kring.models.programme import ChecklistItem
from kring.portal import tokens
from kring.roster import ambassadors as roster

# The words an ambassador agrees to when they volunteer (``portal.consent.*`` in the catalogues);
# a new wording is a new version, and the version they agreed to is kept with the time.
CONSENT_VERSION = "2026-12"
# The checklist step that asks for a number: the personal goal of shares a month.
GOAL_STEP = "goal"
MAX_GOAL = 100
RESULT_WEEKS = 12


def _publish(events: Sequence[KringEvent], publisher: EventPublisher | None) -> None:
    if events:
        (publisher or default_publisher()).publish(events)


def clean_interests(raw: str) -> list[str]:
    """A comma-separated list as typed: trimmed, empty ones dropped (the roster's own validation
    dedupes and bounds them)."""
    return [part.strip() for part in raw.split(",") if part.strip()][:50]


@dataclass(frozen=True)
class Choices:
    """What an ambassador chose: interests, networks, language, and how leaderboards show them
    (``None``: as it is)."""

    interests: list[str]
    networks: tuple[Network, ...]
    locale: Locale
    leaderboard_display: LeaderboardDisplay | None = None


def _save_choices(ambassador_id: str, choices: Choices, extra: dict[str, Any], now: datetime) -> Ambassador:
    patch: dict[str, Any] = {"interests": choices.interests, "locale": choices.locale, **extra}
    if choices.leaderboard_display is not None:
        patch["leaderboard_display"] = choices.leaderboard_display
    return roster.patch_ambassador(ambassador_id, patch, now=now)


def page_opened(ambassador_id: str, *, publisher: EventPublisher | None = None) -> None:
    _publish([ProgrammePageOpened(ambassador_id=ambassador_id)], publisher)


def volunteer(
    ambassador_id: str,
    choices: Choices,
    *,
    invite: str | None,
    now: datetime,
    publisher: EventPublisher | None = None,
) -> None:
    """Sign up with consent: the consent record, the choices into the profile (opted in), the
    invite credited once to the inviter (never to oneself); then the facts on the bus."""
    repo = PortalRepository()
    current = repo.get_profile(ambassador_id)
    repo.put_profile(
        ambassador_id,
        current.model_copy(
            update={
                "volunteered": True,
                "consent_version": CONSENT_VERSION,
                "consented_at": now,
                "networks": choices.networks,
                "left": False,
                "left_at": None,
            }
        ),
        now=now,
    )
    _save_choices(ambassador_id, choices, {"opted_in": True}, now)
    events: list[KringEvent] = [
        AmbassadorVolunteered(ambassador_id=ambassador_id, consent_version=CONSENT_VERSION)
    ]
    inviter = repo.inviter_of(invite) if invite and tokens.is_invite_code(invite) else None
    if inviter and inviter != ambassador_id and repo.credit_recruit(ambassador_id, inviter, now=now):
        events.append(ColleagueRecruited(inviter_id=inviter, colleague_id=ambassador_id))
    _publish(events, publisher)


def checklist() -> tuple[ChecklistItem, ...]:
    """The talent team's onboarding checklist (the programme settings; the default one when they
    kept it)."""
    return ProgrammeSettingsRepository().get().programme.onboarding_checklist


def complete_step(
    ambassador_id: str, step: str, *, goal: int | None, now: datetime, publisher: EventPublisher | None = None
) -> bool:
    """Mark an onboarding step done (``goal`` needs the number of shares a month); False for a
    step that is not on the checklist or a goal that is not a number from 1 to 100. The
    programme's state machine counts them onboarded once every step is done."""
    if step not in {item.id for item in checklist()}:
        return False
    if step == GOAL_STEP and (goal is None or not 1 <= goal <= MAX_GOAL):
        return False
    repo = PortalRepository()
    current = repo.get_profile(ambassador_id)
    update: dict[str, Any] = {"steps_done": tuple(dict.fromkeys((*current.steps_done, step)))}
    if step == GOAL_STEP:
        update["goal_shares_per_month"] = goal
    repo.put_profile(ambassador_id, current.model_copy(update=update), now=now)
    _publish([OnboardingStepCompleted(ambassador_id=ambassador_id, step=step)], publisher)
    return True


def leave(ambassador_id: str, *, now: datetime, publisher: EventPublisher | None = None) -> None:
    """Leave in one step: no more links (not opted in); everything they have is kept."""
    repo = PortalRepository()
    repo.put_profile(
        ambassador_id,
        repo.get_profile(ambassador_id).model_copy(update={"left": True, "left_at": now}),
        now=now,
    )
    roster.patch_ambassador(ambassador_id, {"opted_in": False}, now=now)
    _publish([AmbassadorLeftProgramme(ambassador_id=ambassador_id)], publisher)


def rejoin(ambassador_id: str, *, now: datetime, publisher: EventPublisher | None = None) -> None:
    repo = PortalRepository()
    current = repo.get_profile(ambassador_id)
    repo.put_profile(ambassador_id, current.model_copy(update={"left": False, "left_at": None}), now=now)
    if current.volunteered:
        roster.patch_ambassador(ambassador_id, {"opted_in": True}, now=now)
    _publish([AmbassadorRejoinedProgramme(ambassador_id=ambassador_id)], publisher)


def save_preferences(
    ambassador_id: str, preferences: MailPreferences, choices: Choices, *, now: datetime
) -> None:
    repository = MailPreferenceRepository()
    kept = repository.get(ambassador_id).invitations  # not on the portal's form: kept
    repository.put(ambassador_id, preferences.model_copy(update={"invitations": kept}), now=now)
    repo = PortalRepository()
    repo.put_profile(
        ambassador_id,
        repo.get_profile(ambassador_id).model_copy(update={"networks": choices.networks}),
        now=now,
    )
    _save_choices(ambassador_id, choices, {}, now)


# --- reads -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenVacancy:
    vacancy_id: str
    title: str
    location: str | None
    link: str
    share_buttons: tuple[tuple[Network, str], ...]


def open_vacancies(ambassador_id: str, networks: Sequence[Network]) -> list[OpenVacancy]:
    """Their links (Query gsi2 ``AMB#<id>#SHARES``) for the vacancies still published (one
    BatchGetItem), newest link first; share buttons for their networks (all when none chosen)."""
    links = ShareLinkRepository().of_ambassador(ambassador_id)
    stored = VacancyRepository().get_many(link.vacancy_id for link in links)
    shown = tuple(networks) or NETWORKS
    out: list[OpenVacancy] = []
    for link in sorted(links, key=lambda x: x.created_at, reverse=True):
        found = stored.get(link.vacancy_id)
        if found is None or found.vacancy.status != "published":
            continue
        out.append(
            OpenVacancy(
                vacancy_id=link.vacancy_id,
                title=found.vacancy.title,
                location=found.vacancy.location,
                link=link_url(link.code),
                share_buttons=tuple((n, share_url(link.code, n)) for n in shown),
            )
        )
    return out


@dataclass(frozen=True)
class Week:
    monday: date
    share_intents: int
    clicks: int
    applications: int
    hires: int
    rewards: int


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_results(ambassador_id: str, *, today: date, weeks: int = RESULT_WEEKS) -> list[Week]:
    """Their counters by ISO week, the last ``weeks`` weeks, newest first: one Query of their day
    counters (``rewards``: rewards earned, counted on the hire's day)."""
    first = _monday(today) - timedelta(weeks=weeks - 1)
    items = StatsRepository().day_stats(
        keys.ambassador_stats_prefix(ambassador_id), first.isoformat(), today.isoformat()
    )
    per_week: dict[date, Counter[str]] = {}
    for item in items:
        day = date.fromisoformat(keys.stats_day_of(str(item[keys.SK])))
        add_counters(per_week.setdefault(_monday(day), Counter()), item)
    out = []
    for n in range(weeks):
        monday = _monday(today) - timedelta(weeks=n)
        c = per_week.get(monday, Counter())
        out.append(Week(monday, c[SHARE_INTENTS], c[CLICKS], c[APPLICATIONS], c[HIRES], c[REWARDS_PENDING]))
    return out


def shares_this_month(ambassador_id: str, *, today: date) -> int:
    first = today.replace(day=1)
    items = StatsRepository().day_stats(
        keys.ambassador_stats_prefix(ambassador_id), first.isoformat(), today.isoformat()
    )
    total: Counter[str] = Counter()
    for item in items:
        add_counters(total, item)
    return total[SHARE_INTENTS]


def invite_url(ambassador_id: str) -> str:
    """Their personal invite link (the code is stored pointing at them: idempotent)."""
    code = tokens.invite_code(ambassador_id)
    PortalRepository().put_invite(code, ambassador_id)
    return f"{config.links().base}/portal/join/{code}"


def inviter_of(code: str) -> str | None:
    return PortalRepository().inviter_of(code)


def recruits(ambassador_id: str) -> int:
    return len(PortalRepository().recruits_of(ambassador_id))


_KEY_ATTRIBUTES = frozenset({keys.PK, keys.GSI1_PK, keys.GSI1_SK, keys.GSI2_PK, keys.GSI2_SK})


def my_data(ambassador_id: str, *, now: datetime) -> dict[str, Any]:
    """Everything Kring holds about them: every item of their collection (profile, the portal's
    record with their consent, mail preferences, weekly share caps, rewards, who recruited them,
    and whatever else is kept there, such as a phase history), their links, the colleagues they
    recruited and their day counters (the last 366 days)."""
    collection = AmbassadorRepository().collection(ambassador_id)
    records = {
        str(item[keys.SK]): {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES and k != keys.SK}
        for item in collection
    }
    links = ShareLinkRepository().of_ambassador(ambassador_id)
    today = now.date()
    counters = StatsRepository().day_stats(
        keys.ambassador_stats_prefix(ambassador_id),
        (today - timedelta(days=365)).isoformat(),
        today.isoformat(),
    )
    return {
        "ambassador_id": ambassador_id,
        "exported_at": now.isoformat(),
        "records": records,
        "share_links": [{**link.model_dump(mode="json"), "url": link_url(link.code)} for link in links],
        "colleagues_recruited": PortalRepository().recruits_of(ambassador_id),
        "day_counters": [
            {
                "day": keys.stats_day_of(str(item[keys.SK])),
                **{k: v for k, v in item.items() if k not in (keys.PK, keys.SK)},
            }
            for item in counters
        ],
    }


def portal_profile(ambassador_id: str) -> PortalProfile:
    return PortalRepository().get_profile(ambassador_id)


def mail_preferences(ambassador_id: str) -> MailPreferences:
    return MailPreferenceRepository().get(ambassador_id)


def ambassador(ambassador_id: str) -> Ambassador | None:
    return AmbassadorRepository().get(ambassador_id)
