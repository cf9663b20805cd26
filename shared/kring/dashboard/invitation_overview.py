"""The dashboard's invitations and onboarding page (issue 14, from issue 13's settings):

- **Campaigns**: the invitation campaigns, newest first, a page at a time, each with its counters
  — what ``GET /api/programme/invitations`` lists (:func:`kring.programme.campaigns.campaigns`: one
  Query of gsi1, the API's page tokens): invitations sent, and ambassadors who opened theirs.
- **Launch** (recruiter, as ``POST /api/programme/invitations``): to everyone, a department or a
  location, with a note of the team's own; read into the API's :class:`CampaignInput` and launched
  by :func:`kring.programme.campaigns.launch` — the planner sends the invitations.
- **Onboarding**: the checklist a volunteer works through (the programme settings' checklist, in
  Dutch and English), which an admin edits here as ``PUT /api/programme/settings`` would
  (:func:`kring.team_settings.save_programme_rules`, the same :class:`ProgrammeRules`), and how many
  are onboarding (volunteered: the consideration phase) or onboarded (the decision phase and on)
  — the programme's phase counters. How many have done each step is not counted anywhere, and a
  Scan of everyone's portal record is not an answer: the page says so.

The departments and locations to invite are the programme's (its counters by department and by
location: one Query each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from pydantic import ValidationError

from kring import safe_json, team_settings
from kring.api import pagination
from kring.dal import keys
from kring.dal.programme import ALL_SCOPE, ProgrammeRepository
from kring.dashboard import frame
from kring.dashboard.tables import Cell, Column, Table, find, to_csv
from kring.errors import FieldValidationError
from kring.mail.i18n import Translator
from kring.models.common import PHASES
from kring.models.invitation import (
    Audience,
    Campaign,
    CampaignInput,
    DepartmentAudience,
    LocationAudience,
)
from kring.models.programme import MAX_CHECKLIST_ITEMS, ChecklistItem, ProgrammeRules
from kring.programme import campaigns
from kring.programme import rule_changes as programme_rules
from kring.programme.funnel import GROUPINGS, Now

PATH = f"{frame.BASE}/invitations"
LAUNCH_PATH = f"{PATH}/launch"
CHECKLIST_PATH = f"{PATH}/checklist"
PAGE_SIZE = 25
LIST_SCOPE = "invitation-campaigns"  # the API's: its page tokens work here and back
TABLES: tuple[str, ...] = ("campaigns", "checklist", "onboarding")
DONE: tuple[str, ...] = ("launched", "checklist")
EMPTY_ROWS = 1  # rows for new steps below the checklist's own


def invitations_url(next_token: str | None = None, *, csv: str | None = None, done: str | None = None) -> str:
    given = {name: value for name, value in (("table", csv), ("next", next_token), ("done", done)) if value}
    path = f"{PATH}.csv" if csv else PATH
    return f"{path}?{urlencode(given)}" if given else path


@dataclass(frozen=True)
class InvitationFigures:
    campaigns: tuple[Campaign, ...]
    token: str | None
    next_token: str | None
    rules: ProgrammeRules
    now: Now
    departments: tuple[str, ...]
    locations: tuple[str, ...]


def invitation_figures(next_token: str | None) -> InvitationFigures:
    """A page of campaigns (``next_token``: the API's token, a bad one a 400), the checklist and
    the phase counters."""
    cursor = pagination.decode(next_token, LIST_SCOPE, partition={keys.GSI1_PK: keys.INVITATION_CAMPAIGNS})
    page = campaigns.campaigns(PAGE_SIZE, cursor)
    programme = ProgrammeRepository()
    return InvitationFigures(
        campaigns=tuple(page.items),
        token=next_token or None,
        next_token=pagination.encode(LIST_SCOPE, page.cursor),
        rules=team_settings.current().programme,
        now=Now.of(programme.counters(ALL_SCOPE)),
        departments=tuple(sorted(n for n in programme.counters_by(GROUPINGS["department"]) if n)),
        locations=tuple(sorted(n for n in programme.counters_by(GROUPINGS["location"]) if n)),
    )


# ------------------------------------------------------------------------------------ changes
def _invalid(field: str, message: str) -> FieldValidationError:
    return FieldValidationError("the form is not valid", [{"field": field, "message": message}])


def campaign_of(form: Mapping[str, str], *, by: str) -> CampaignInput:
    """The launch form as the API's campaign: ``audience`` is ``everyone``, ``department:<name>``
    or ``location:<name>``; ``note`` optional. A :class:`FieldValidationError` naming the field."""
    raw = form.get("audience", "").strip()
    kind, colon, name = raw.partition(":")
    audience: object
    if raw == "everyone":
        audience = "everyone"
    elif colon and kind in ("department", "location"):
        audience = {kind: name}
    else:
        raise _invalid("audience", "everyone, department:<name> or location:<name>")
    note = form.get("note", "").strip()
    try:
        return CampaignInput.model_validate({"audience": audience, "note": note or None, "by": by[:100]})
    except ValidationError as exc:
        errors = safe_json.field_errors(exc)
        field = "note" if any(e["field"].startswith("note") for e in errors) else "audience"
        raise _invalid(field, "; ".join(e["message"] for e in errors)) from exc


def launch(form: Mapping[str, str], *, by: str, now: datetime) -> Campaign:
    """Launch the campaign the form asks for, as ``POST /api/programme/invitations`` does."""
    return campaigns.launch(campaign_of(form, by=by), now=now)


def checklist_of(form: Mapping[str, str], rows: int) -> list[ChecklistItem]:
    """The checklist form's steps (``step-<n>-id``, ``-nl``, ``-en``, ``-remove``; ``n`` from 0 to
    ``rows - 1``): a row left wholly empty or marked to remove is no step. A
    :class:`FieldValidationError` names the first field that is not valid."""
    if rows < 1 or rows > MAX_CHECKLIST_ITEMS + EMPTY_ROWS:
        raise _invalid("rows", f"from 1 to {MAX_CHECKLIST_ITEMS + EMPTY_ROWS}")
    items: list[ChecklistItem] = []
    for n in range(rows):
        fields = {part: form.get(f"step-{n}-{part}", "").strip() for part in ("id", "nl", "en")}
        if form.get(f"step-{n}-remove") or not any(fields.values()):
            continue
        try:
            items.append(ChecklistItem.model_validate(fields))
        except ValidationError as exc:
            [first, *_] = safe_json.field_errors(exc)
            raise _invalid(f"step-{n}-{first['field']}", first["message"]) from exc
    return items


def save_checklist(form: Mapping[str, str], *, now: datetime) -> ProgrammeRules:
    """Replace the onboarding checklist (the other rules kept), as ``PUT /api/programme/settings``."""
    rows = form.get("rows", "").strip()
    if not rows.isascii() or not rows.isdigit():
        raise _invalid("rows", "a whole number")
    items = checklist_of(form, int(rows))
    rules = programme_rules.with_checklist(team_settings.current().programme, items)
    return team_settings.save_programme_rules(rules, now=now)


# ------------------------------------------------------------------------------------ in words
def audience_words(t: Translator, audience: Audience) -> str:
    if isinstance(audience, DepartmentAudience):
        return t("dashboard.invitations.audience_department", name=audience.department)
    if isinstance(audience, LocationAudience):
        return t("dashboard.invitations.audience_location", name=audience.location)
    return t("dashboard.invitations.audience_everyone")


def invitation_tables(t: Translator, figures: InvitationFigures) -> tuple[Table, ...]:
    num = Column
    rows: list[tuple[Cell, ...]] = [
        (
            c.created_at.astimezone(t.zone).date(),
            audience_words(t, c.audience),
            c.note or "",
            c.by,
            c.sent,
            c.opened,
        )
        for c in figures.campaigns
    ]
    now = figures.now
    onboarding = now.phases["consideration"]
    onboarded = sum(now.phases[p] for p in PHASES[PHASES.index("decision") :])
    return (
        Table(
            "campaigns",
            t("dashboard.invitations.campaigns_caption"),
            (
                Column(t("dashboard.invitations.launched_on")),
                Column(t("dashboard.invitations.audience")),
                Column(t("dashboard.invitations.note")),
                Column(t("dashboard.invitations.by")),
                num(t("dashboard.invitations.sent"), True),
                num(t("dashboard.invitations.opened"), True),
            ),
            tuple(rows),
        ),
        Table(
            "checklist",
            t("dashboard.invitations.checklist_caption"),
            (
                Column(t("dashboard.invitations.step_id")),
                Column(t("dashboard.invitations.step_en")),
                Column(t("dashboard.invitations.step_nl")),
            ),
            tuple((item.id, item.en, item.nl) for item in figures.rules.onboarding_checklist),
        ),
        Table(
            "onboarding",
            t("dashboard.invitations.onboarding_caption"),
            (Column(t("dashboard.invitations.where")), num(t("dashboard.invitations.ambassadors"), True)),
            (
                (t("dashboard.invitations.onboarding"), onboarding),
                (t("dashboard.invitations.onboarded"), onboarded),
            ),
        ),
    )


def _audiences(t: Translator, figures: InvitationFigures) -> list[tuple[str, str]]:
    return [
        ("everyone", t("dashboard.invitations.audience_everyone")),
        *(
            (f"department:{d}", t("dashboard.invitations.audience_department", name=d))
            for d in figures.departments
        ),
        *(
            (f"location:{loc}", t("dashboard.invitations.audience_location", name=loc))
            for loc in figures.locations
        ),
    ]


def render_invitations(
    t: Translator,
    figures: InvitationFigures,
    *,
    may_launch: bool,
    may_edit: bool,
    done: str | None = None,
    chrome: frame.Chrome = frame.NO_CHROME,
) -> str:
    tables = invitation_tables(t, figures)
    steps = figures.rules.onboarding_checklist
    room = max(0, min(EMPTY_ROWS, MAX_CHECKLIST_ITEMS - len(steps)))
    return frame.render(
        "invitations",
        t,
        title=t("dashboard.invitations.title"),
        chrome=chrome,
        tables=frame.table_context(tables),
        csv_url=lambda name: invitations_url(figures.token if name == "campaigns" else None, csv=name),
        audiences=_audiences(t, figures),
        may_launch=may_launch,
        may_edit=may_edit,
        done=done if done in DONE else None,
        steps=[*((n, item) for n, item in enumerate(steps)), *((len(steps) + n, None) for n in range(room))],
        rows=len(steps) + room,
        launch_action=LAUNCH_PATH,
        checklist_action=CHECKLIST_PATH,
        next_href=invitations_url(figures.next_token) if figures.next_token else None,
        first_href=invitations_url() if figures.token else None,
    )


def invitations_page(
    t: Translator,
    *,
    next_token: str | None,
    may_launch: bool,
    may_edit: bool,
    done: str | None = None,
    chrome: frame.Chrome = frame.NO_CHROME,
) -> str:
    return render_invitations(
        t, invitation_figures(next_token), may_launch=may_launch, may_edit=may_edit, done=done, chrome=chrome
    )


def invitations_csv(t: Translator, table: str, *, next_token: str | None) -> str | None:
    if table not in TABLES:
        return None
    found = find(invitation_tables(t, invitation_figures(next_token)), table)
    return to_csv(found) if found is not None else None
