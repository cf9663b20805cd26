"""Every file in events/ parses through the model its consumer uses, so samples cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kring import events

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLES = sorted(EVENTS.rglob("*.json"))


def test_there_is_a_sample_of_every_event_contract() -> None:
    sampled = {json.loads(p.read_text())["detail-type"] for p in (EVENTS / "eventbridge").glob("*.json")}
    assert sampled >= {cls.detail_type() for cls in events.EVENT_TYPES}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(EVENTS)))
def test_sample_parses(path: Path) -> None:
    from tests.support.samples import parse_sample

    parsed = parse_sample(path)
    assert parsed is not None


def test_a_broken_sample_is_refused() -> None:
    from pydantic import ValidationError

    sample = json.loads((EVENTS / "eventbridge" / "VacancyPublished.json").read_text())
    sample["detail"]["url"] = "http://not-https.example.com/job"
    model = events.Envelope[events.VacancyPublished]
    with pytest.raises(ValidationError):
        model.model_validate(sample)
