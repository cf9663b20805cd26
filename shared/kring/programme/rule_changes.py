"""The programme's rules the talent team can change (issue 13): the dormancy period, the evangelist
rule and the onboarding checklist — kept in the programme settings item
(:class:`kring.models.team.ProgrammeSettings.programme`). ``PUT /api/programme/settings`` and the
dashboard's onboarding form both save through :func:`save_rules`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from kring import safe_json
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.errors import FieldValidationError
from kring.models.programme import ChecklistItem, ProgrammeRules


def current_rules() -> ProgrammeRules:
    return ProgrammeSettingsRepository().get().programme


def save_rules(rules: ProgrammeRules, *, now: datetime) -> ProgrammeRules:
    """Replace the programme's rules (the rest of the settings item kept as it is)."""
    repository = ProgrammeSettingsRepository()
    settings = repository.get().model_copy(update={"programme": rules, "updated_at": now})
    repository.put(settings)
    return rules


def with_checklist(rules: ProgrammeRules, checklist: Sequence[ChecklistItem]) -> ProgrammeRules:
    """``rules`` with another onboarding checklist, validated as the API validates a whole PUT (at
    least one step, at most :data:`~kring.models.programme.MAX_CHECKLIST_ITEMS`, ids distinct); a
    :class:`~kring.errors.FieldValidationError` on the field ``checklist`` otherwise."""
    try:
        return ProgrammeRules.model_validate({**rules.model_dump(), "onboarding_checklist": tuple(checklist)})
    except ValidationError as exc:
        errors = [{"field": "checklist", "message": e["message"]} for e in safe_json.field_errors(exc)]
        raise FieldValidationError("the checklist is not valid", errors) from exc
