"""The dashboard's Settings page: every setting in words for everyone, a form per group for admins.

**What a page shows.** The settings an admin changes here (the API's ``/api/team/settings``,
``/api/programme/settings`` and ``/api/team/recipients``): the point weights, what other channels
cost per hire, the time zone of the schedules, the programme's rules and the team digest's
recipients. Beside them, in words, the settings fixed when Kring is deployed (template
parameters, not changeable here): the attribution window and model, the reward plan and the digest
schedules.

**A change.** :func:`apply` takes one group's form, validates it with the pydantic models the API
uses (:class:`~kring.api.team_models.SettingsIn`, :class:`~kring.models.programme.ProgrammeRules`,
:class:`~kring.api.team_models.RecipientIn`) and saves it through :mod:`kring.team_settings`, the
functions the API routes call. A bad form raises :class:`~kring.errors.FieldValidationError` with
the form's field names, nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from kring import config, safe_json
from kring import team_settings as settings
from kring.api.team_models import RecipientIn, SettingsIn
from kring.dashboard import frame
from kring.errors import FieldValidationError
from kring.mail.i18n import Translator
from kring.models.programme import ProgrammeRules
from kring.models.team import ChannelCost, PointWeights, ProgrammeSettings

URL = f"{frame.BASE}/settings"
WEIGHTS: Final = tuple(PointWeights.model_fields)
RULE_FIELDS: Final = ("dormancy_days", "min_colleagues", "min_applications", "active_days")
CHANNEL_FIELDS: Final = ("channel", "label", "cost_per_hire", "currency")


@dataclass(frozen=True)
class Group:
    """One form of the page: its key (``POST /dashboard/settings/<key>``) and what the audit trail
    calls a change through it (the API route's words, :mod:`kring.api.route_roles`)."""

    key: str
    what: str
    apply: Callable[[Mapping[str, str], datetime], str]  # → the audit entry's detail


# a model's own error (not one field's) → the form field it is shown at
_WHOLE: Final = {"evangelist": "min_colleagues", "body": "form"}


def _errors(exc: ValidationError) -> FieldValidationError:
    """pydantic's errors with the form's field names (``point_weights.click`` → ``click``)."""
    found = []
    for error in safe_json.field_errors(exc):
        name = error["field"].rsplit(".", 1)[-1]
        if name.isdigit():  # an item of a list as a whole
            name = error["field"].split(".", 1)[0]
        found.append({"field": _WHOLE.get(name, name), "message": error["message"]})
    return FieldValidationError("the form is not valid", found)


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _errors(exc) from exc


def _team(current: ProgrammeSettings, **changed: Any) -> SettingsIn:
    """The whole of ``/api/team/settings`` as the API's PUT takes it: the stored values, with the
    form's group in place of its own."""
    data: dict[str, Any] = {
        "time_zone": current.time_zone,
        "other_channels": [c.model_dump(mode="json") for c in current.other_channels],
        "point_weights": current.point_weights.model_dump(),
        **changed,
    }
    return _validated(SettingsIn, data)


def _save_team(wanted: SettingsIn, now: datetime) -> ProgrammeSettings:
    return settings.save_team_settings(
        time_zone=wanted.time_zone,
        other_channels=[ChannelCost.model_validate(c.model_dump()) for c in wanted.other_channels],
        point_weights=wanted.point_weights,
        now=now,
    )


def _weights(form: Mapping[str, str], now: datetime) -> str:
    wanted = _team(settings.current(), point_weights={name: form.get(name, "") for name in WEIGHTS})
    saved = _save_team(wanted, now).point_weights
    return ", ".join(f"{name} {getattr(saved, name)}" for name in WEIGHTS)


def _time_zone(form: Mapping[str, str], now: datetime) -> str:
    wanted = _team(settings.current(), time_zone=form.get("time_zone", ""))
    return _save_team(wanted, now).time_zone


def _channel(form: Mapping[str, str], now: datetime) -> str:
    """Add a channel, or change the one of that name."""
    current = settings.current()
    given = {name: form.get(name, "") for name in CHANNEL_FIELDS}
    given["label"] = given["label"] or None  # type: ignore[assignment]  # empty: no label
    name = given["channel"].strip()
    channels = [c.model_dump(mode="json") for c in current.other_channels if c.channel != name]
    wanted = _team(current, other_channels=[*channels, given])
    saved = _save_team(wanted, now)
    [cost] = [c for c in saved.other_channels if c.channel == name]
    return f"{cost.channel} {cost.cost_per_hire} {cost.currency}"


def _channel_remove(form: Mapping[str, str], now: datetime) -> str:
    current = settings.current()
    name = form.get("channel", "")
    if name not in {c.channel for c in current.other_channels}:
        raise FieldValidationError(
            "the form is not valid", [{"field": "channel", "message": "no such channel"}]
        )
    kept = [c.model_dump(mode="json") for c in current.other_channels if c.channel != name]
    _save_team(_team(current, other_channels=kept), now)
    return f"{name} removed"


def _programme(form: Mapping[str, str], now: datetime) -> str:
    current = settings.current().programme
    data = {
        "dormancy_days": form.get("dormancy_days", ""),
        "evangelist": {name: form.get(name, "") for name in RULE_FIELDS[1:]},
        "onboarding_checklist": [item.model_dump() for item in current.onboarding_checklist],
    }
    rules = settings.save_programme_rules(_validated(ProgrammeRules, data), now=now)
    evangelist = rules.evangelist
    return (
        f"dormancy {rules.dormancy_days} days; evangelist {evangelist.min_colleagues} colleagues or "
        f"{evangelist.min_applications} applications, active {evangelist.active_days} days"
    )


def _recipient(form: Mapping[str, str], now: datetime) -> str:
    wanted = _validated(RecipientIn, {"email": form.get("email", ""), "locale": form.get("locale", "")})
    saved = settings.save_recipient(wanted.email, wanted.locale, now=now)
    return f"{saved.recipient.id} ({saved.recipient.locale})"


def _recipient_remove(form: Mapping[str, str], _now: datetime) -> str:
    rid = form.get("recipient", "")
    known = {r.id for r in settings.recipients()}
    if rid not in known:
        raise FieldValidationError(
            "the form is not valid", [{"field": "recipient", "message": "no such address"}]
        )
    settings.remove_recipient(rid)
    return f"{rid} removed"


GROUPS: Final[dict[str, Group]] = {
    g.key: g
    for g in (
        Group("weights", "team settings changed", _weights),
        Group("time-zone", "team settings changed", _time_zone),
        Group("channel", "team settings changed", _channel),
        Group("channel-remove", "team settings changed", _channel_remove),
        Group("programme", "programme settings changed", _programme),
        Group("recipient", "digest recipient added", _recipient),
        Group("recipient-remove", "digest recipient removed", _recipient_remove),
    )
}

# A group's form fields → the section of the page its errors show in.
SECTION_OF: Final = {
    "weights": "weights",
    "time-zone": "schedules",
    "channel": "channels",
    "channel-remove": "channels",
    "programme": "programme",
    "recipient": "recipients",
    "recipient-remove": "recipients",
}


def apply(group: str, form: Mapping[str, str], now: datetime) -> str | None:
    """Validate and save one group's form (None: no such group); the audit entry's detail."""
    found = GROUPS.get(group)
    return None if found is None else found.apply(form, now)


# --- the page ----------------------------------------------------------------------------------------
def _deployed(t: Translator) -> list[tuple[str, str, str]]:
    """The settings fixed at deployment, in words: (label, value, template parameter)."""
    attribution, rewards, mail = config.attribution(), config.rewards(), config.mail()
    model = t(f"dashboard.settings.model.{attribution.attribution_model}")
    window = t.plural("dashboard.settings.window", attribution.attribution_window_days, model=model)
    if rewards.reward_amount > 0:
        plan = t.plural(
            "dashboard.settings.reward_plan",
            rewards.reward_holding_days,
            amount=t.money(rewards.reward_amount, rewards.reward_currency),
        )
    else:
        plan = t("dashboard.settings.no_rewards")
    zone = mail.mail_time_zone
    return [
        (t("dashboard.settings.attribution"), window, "AttributionWindowDays, AttributionModel"),
        (t("dashboard.settings.rewards"), plan, "RewardAmount, RewardCurrency, RewardHoldingDays"),
        (
            t("dashboard.settings.team_digest"),
            t("dashboard.settings.team_digest_when", zone=zone),
            "MailTimeZone",
        ),
        (
            t("dashboard.settings.ambassador_digest"),
            t("dashboard.settings.ambassador_digest_when", zone=zone),
            "MailTimeZone",
        ),
    ]


def _evangelist(t: Translator, rules: ProgrammeRules) -> str:
    """What makes an evangelist, in words (a half that is 0 is off)."""
    rule = rules.evangelist
    halves = [
        t.plural(f"dashboard.settings.evangelist_{name}", count)
        for name, count in (("colleagues", rule.min_colleagues), ("applications", rule.min_applications))
        if count > 0
    ]
    return t("dashboard.settings.or").join(halves)


def settings_page(
    t: Translator,
    *,
    chrome: frame.Chrome,
    can_change: bool,
    done: str | None = None,
    failed: str | None = None,
    errors: Mapping[str, str] | None = None,
    submitted: Mapping[str, str] | None = None,
) -> str:
    """The page; ``failed`` (a group) with its ``errors`` (form field → message) and the
    ``submitted`` form when a change was refused."""
    current = settings.current()
    rules = current.programme
    recipients = sorted(settings.recipients(), key=lambda r: r.email.casefold())
    weights = current.point_weights
    return frame.render(
        "settings",
        t,
        title=t("dashboard.settings.title"),
        chrome=chrome,
        can_change=can_change,
        done=done if done in GROUPS else None,
        failed=failed,
        failed_section=SECTION_OF.get(failed or ""),
        errors=dict(errors or {}),
        submitted=dict(submitted or {}),
        deployed=_deployed(t),
        weights=[(name, getattr(weights, name)) for name in WEIGHTS],
        weight_labels={name: t(f"dashboard.settings.weight.{name}") for name in WEIGHTS},
        weights_words=", ".join(
            t(
                "dashboard.settings.weight_word",
                what=t(f"dashboard.settings.weight.{name}"),
                points=getattr(weights, name),
            )
            for name in WEIGHTS
        ),
        time_zone=current.time_zone,
        channels=[
            (c.channel, c.label or c.channel, t.money(c.cost_per_hire, c.currency), c)
            for c in current.other_channels
        ],
        rules=rules,
        rules_words=t(
            "dashboard.settings.rules_words",
            dormancy=t.plural("dashboard.settings.days", rules.dormancy_days),
            evangelist=_evangelist(t, rules),
            active=t.plural("dashboard.settings.days", rules.evangelist.active_days),
        ),
        checklist=[getattr(item, t.locale) for item in rules.onboarding_checklist],
        recipients=[(r.id, r.email, t(f"portal.language.{r.locale}")) for r in recipients],
        updated_at=t.datetime(current.updated_at) if current.updated_at else None,
    )
