"""A change to the programme's rules the dashboard's onboarding form makes: another onboarding
checklist, validated as ``PUT /api/programme/settings`` validates the whole rules. Reading and
saving the rules is :mod:`kring.team_settings`'s (the API and both dashboard pages call it)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from kring import safe_json
from kring.errors import FieldValidationError
from kring.models.programme import ChecklistItem, ProgrammeRules


def with_checklist(rules: ProgrammeRules, checklist: Sequence[ChecklistItem]) -> ProgrammeRules:
    """``rules`` with another onboarding checklist, validated as the API validates a whole PUT (at
    least one step, at most :data:`~kring.models.programme.MAX_CHECKLIST_ITEMS`, ids distinct); a
    :class:`~kring.errors.FieldValidationError` on the field ``checklist`` otherwise."""
    try:
        return ProgrammeRules.model_validate({**rules.model_dump(), "onboarding_checklist": tuple(checklist)})
    except ValidationError as exc:
        errors = [{"field": "checklist", "message": e["message"]} for e in safe_json.field_errors(exc)]
        raise FieldValidationError("the checklist is not valid", errors) from exc
