"""The advocacy programme for the talent team (issue 13), admin API:

- ``GET /api/programme/phases`` — how many are in each phase now, dormant, left and returned;
  ``?from=YYYY-MM-DD&to=YYYY-MM-DD``: the cohort that entered the funnel in those days (at most
  366), with the conversion from each phase to the next and the median days it took;
  ``?by=department|location``: the same per department or location. From counters and the
  cohort index, never a Scan.
- ``GET /api/ambassadors/{id}/journey`` — where the ambassador is, and every transition.
- ``POST /api/ambassadors/{id}/phase`` — ``{"phase", "reason"}``: a move by hand (the reason is
  kept); ``{"action": "leave" | "return", "reason"}``: out of or back into the programme;
  ``by`` (optional) names who did it.
- ``GET`` / ``PUT /api/programme/settings`` — the dormancy period, the evangelist rule and the
  onboarding checklist (PUT replaces them as a whole; what is left out takes its default).

Bad input is a 400 (not JSON) or 422 (field errors) and changes nothing; an unknown ambassador
is a 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal, Self

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kring import safe_json
from kring.api import path_ids
from kring.api.request_body import body_bytes
from kring.api.responses import json_response
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.programme import HistoryEntry, ProgrammeRepository
from kring.errors import FieldValidationError, NotFoundError
from kring.models.common import Phase
from kring.models.programme import ProgrammeRules
from kring.programme import funnel as funnels
from kring.programme import rule_changes as programme_rules
from kring.programme.phases import Fact
from kring.programme.recorder import TALENT_TEAM, ProgrammeRecorder

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

MAX_BODY_BYTES = 16 * 1024
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _now() -> datetime:
    return datetime.now(UTC)


def _body() -> object:
    return safe_json.loads(body_bytes(router.current_event), max_bytes=MAX_BODY_BYTES)  # 400 / 413


# --- models ------------------------------------------------------------------------------------------
class PhaseIn(BaseModel):
    """A move by hand (``phase``) or a leave / return (``action``), always with a reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phase: Phase | None = None
    action: Literal["leave", "return"] | None = None
    reason: Reason
    by: str = Field(default=TALENT_TEAM, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.phase is None) == (self.action is None):
            raise ValueError("give either a phase or an action (leave or return)")
        return self


class StateOut(BaseModel):
    phase: Phase
    dormant: bool
    in_programme: bool


class TransitionOut(BaseModel):
    occurred_at: AwareDatetime
    from_phase: Phase | None
    to_phase: Phase
    dormant_before: bool
    dormant: bool
    in_programme_before: bool
    in_programme: bool
    reason: str
    by: str | None

    @classmethod
    def of(cls, entry: HistoryEntry) -> TransitionOut:
        return cls(**entry.__dict__)


class JourneyOut(BaseModel):
    ambassador_id: str
    state: StateOut
    history: list[TransitionOut]


class NowOut(BaseModel):
    phases: dict[str, int]
    dormant: int
    left: int
    returned: int

    @classmethod
    def of(cls, now: funnels.Now) -> NowOut:
        return cls(phases=dict(now.phases), dormant=now.dormant, left=now.left, returned=now.returned)


class StepOut(BaseModel):
    from_phase: Phase
    to_phase: Phase
    reached_from: int
    reached_to: int
    conversion: float | None
    median_days: float | None


class CohortOut(BaseModel):
    entered: int
    reached: dict[str, int]
    steps: list[StepOut]

    @classmethod
    def of(cls, cohort: funnels.Cohort) -> CohortOut:
        return cls(
            entered=cohort.entered,
            reached=dict(cohort.reached),
            steps=[StepOut(**s.__dict__) for s in cohort.steps],
        )


class FunnelOut(BaseModel):
    now: NowOut
    now_by: dict[str, NowOut] | None = None
    cohort: CohortOut | None = None
    cohort_by: dict[str, CohortOut] | None = None
    by: str | None = None
    cohort_from: date | None = Field(default=None, serialization_alias="from")
    cohort_to: date | None = Field(default=None, serialization_alias="to")


# --- routes ------------------------------------------------------------------------------------------
def _query_errors() -> tuple[date | None, date | None, str | None]:
    event = router.current_event
    raw_from = event.get_query_string_value("from")
    raw_to = event.get_query_string_value("to")
    by = event.get_query_string_value("by")
    errors: list[dict[str, str]] = []
    dates: dict[str, date | None] = {"from": None, "to": None}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        if raw is None:
            continue
        try:
            if len(raw) != 10 or not raw.isascii():
                raise ValueError(raw)
            dates[name] = date.fromisoformat(raw)
        except ValueError:
            errors.append({"field": name, "message": "a day, YYYY-MM-DD"})
    first, last = dates["from"], dates["to"]
    if not errors and (first is None) != (last is None):
        errors.append({"field": "from" if first is None else "to", "message": "give both from and to"})
    if first is not None and last is not None:
        if last < first:
            errors.append({"field": "to", "message": "not before from"})
        elif (last - first).days + 1 > funnels.MAX_COHORT_DAYS:
            errors.append({"field": "to", "message": f"at most {funnels.MAX_COHORT_DAYS} days after from"})
    if by is not None and by not in funnels.GROUPINGS:
        errors.append({"field": "by", "message": "department or location"})
    if errors:
        raise FieldValidationError("the query is not valid", errors)
    return first, last, by


@router.get("/programme/phases")
def get_funnel() -> Response[str]:
    first, last, by = _query_errors()
    found = funnels.funnel(first=first, last=last, by=by)
    out = FunnelOut(
        now=NowOut.of(found.now),
        now_by={k: NowOut.of(v) for k, v in found.now_by.items()} if found.now_by is not None else None,
        cohort=CohortOut.of(found.cohort) if found.cohort is not None else None,
        cohort_by={k: CohortOut.of(v) for k, v in found.cohort_by.items()}
        if found.cohort_by is not None
        else None,
        by=by,
        cohort_from=first,
        cohort_to=last,
    )
    return json_response(200, out.model_dump(mode="json", by_alias=True, exclude_none=True))


def _journey(ambassador_id: str) -> JourneyOut:
    profile = AmbassadorRepository().get(ambassador_id)
    if profile is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    history = ProgrammeRepository().history(ambassador_id)
    return JourneyOut(
        ambassador_id=ambassador_id,
        state=StateOut(phase=profile.phase, dormant=profile.dormant, in_programme=profile.in_programme),
        history=[TransitionOut.of(e) for e in history],
    )


@router.get("/ambassadors/<ambassador_id>/journey")
def get_journey(ambassador_id: str) -> Response[str]:
    return json_response(200, _journey(path_ids.ambassador_id(ambassador_id)))


@router.post("/ambassadors/<ambassador_id>/phase")
def move(ambassador_id: str) -> Response[str]:
    """A move by hand, a leave or a return: 200 with the journey; 404 for an unknown id."""
    ambassador_id = path_ids.ambassador_id(ambassador_id)
    try:
        wanted = PhaseIn.model_validate(_body())
    except ValidationError as exc:
        raise FieldValidationError("the move is not valid", safe_json.field_errors(exc)) from exc
    at = _now()
    if wanted.phase is not None:
        fact = Fact("moved_by_hand", at, to_phase=wanted.phase, reason=wanted.reason, by=wanted.by)
    else:
        fact = Fact(
            "left" if wanted.action == "leave" else "rejoined", at, reason=wanted.reason, by=wanted.by
        )
    if ProgrammeRecorder().record(ambassador_id, fact, now=at) is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    return json_response(200, _journey(ambassador_id))


@router.get("/programme/settings")
def get_settings() -> Response[str]:
    return json_response(200, programme_rules.current_rules())


@router.put("/programme/settings")
def put_settings() -> Response[str]:
    try:
        rules = ProgrammeRules.model_validate(_body())
    except ValidationError as exc:
        raise FieldValidationError(
            "the programme settings are not valid", safe_json.field_errors(exc)
        ) from exc
    return json_response(200, programme_rules.save_rules(rules, now=_now()))
