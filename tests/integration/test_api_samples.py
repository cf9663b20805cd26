"""The admin API's samples in events/http/ are real requests: each reaches its route in the real
handler (``sam local invoke -e events/http/api_….json`` does the same)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.fixtures import ADMIN_TOKEN, HttpResult, MotoStack

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "http"


def _sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    event["headers"]["authorization"] = f"Bearer {ADMIN_TOKEN}"
    return event


def _invoke(stack: MotoStack, name: str) -> HttpResult:
    return HttpResult.of(stack.invoke("ApiFunction", _sample(name)))


def test_every_api_sample_routes_to_the_api_function() -> None:
    names = sorted(p.stem for p in SAMPLES.glob("api_*.json"))
    assert names
    for name in names:
        assert json.loads((SAMPLES / f"{name}.json").read_text())["rawPath"].startswith("/api/")


def test_the_ambassador_samples_create_read_list_import_and_erase(moto_stack: MotoStack) -> None:
    assert _invoke(moto_stack, "api_create_ambassador").status == 201
    assert _invoke(moto_stack, "api_get_ambassador").json()["id"] == "E1042"
    assert [a["id"] for a in _invoke(moto_stack, "api_list_ambassadors").json()["items"]] == ["E1042"]
    report = _invoke(moto_stack, "api_import_ambassadors").json()
    assert (report["imported"], report["created"], report["updated"], report["errors"]) == (3, 2, 1, [])
    assert _invoke(moto_stack, "api_delete_ambassador").status == 204
    assert _invoke(moto_stack, "api_get_ambassador").status == 404


def test_the_vacancy_samples_reach_their_routes(moto_stack: MotoStack) -> None:
    assert _invoke(moto_stack, "api_list_vacancies").json() == {"items": [], "next": None}
    for name in ("api_get_vacancy", "api_list_vacancy_shares"):
        result = _invoke(moto_stack, name)
        assert result.status == 404
        assert result.json()["error"]["code"] == "not_found"  # the vacancy, not the route
