"""``/api/team``: the talent team's digest recipients and programme settings through the real API
handler under moto — what is stored, and bad input refused with a JSON 4xx that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.team_recipients import TeamRecipientRepository
from kring.models.team import recipient_id
from tests.support.fixtures import MotoStack

SETTINGS = {
    "time_zone": "Europe/London",
    "other_channels": [
        {"channel": "agency", "label": "Recruitment agencies", "cost_per_hire": "8000.00", "currency": "EUR"},
        {"channel": "job_boards", "cost_per_hire": "1500", "currency": "EUR"},
    ],
}


def test_recipients_are_added_listed_changed_and_removed(moto_stack: MotoStack) -> None:
    added = moto_stack.http(
        "POST", "/api/team/recipients", body={"email": "Talent@Example.com", "locale": "nl"}, admin=True
    )
    assert added.status == 201, added.body
    body = added.json()
    rid = body["id"]
    assert rid == recipient_id("talent@example.com")
    assert added.headers["location"] == f"/api/team/recipients/{rid}"
    assert (body["email"], body["locale"]) == ("Talent@example.com", "nl")  # the domain is case-folded
    # the same address (any case) is the same recipient: its locale changes, nothing is added
    again = moto_stack.http(
        "POST", "/api/team/recipients", body={"email": "talent@example.com", "locale": "en"}, admin=True
    )
    assert again.status == 200
    assert again.json()["created_at"] == body["created_at"]
    moto_stack.http("POST", "/api/team/recipients", body={"email": "lead@example.com"}, admin=True)
    listed = moto_stack.http("GET", "/api/team/recipients", admin=True).json()["items"]
    assert sorted((r["email"], r["locale"]) for r in listed) == [
        ("lead@example.com", "en"),
        ("talent@example.com", "en"),
    ]
    assert moto_stack.http("GET", f"/api/team/recipients/{rid}", admin=True).json()["locale"] == "en"
    assert moto_stack.http("DELETE", f"/api/team/recipients/{rid}", admin=True).status == 204
    gone = moto_stack.http("DELETE", f"/api/team/recipients/{rid}", admin=True)
    assert gone.status == 404
    assert gone.json()["error"]["code"] == "not_found"
    assert [r.email for r in TeamRecipientRepository().all()] == ["lead@example.com"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address", "locale": "nl"}, "email"),
        ({"email": "a@example.com", "locale": "de"}, "locale"),
        ({"email": "a@example.com", "name": "extra"}, "name"),
        ([], "body"),
    ],
)
def test_a_bad_recipient_is_a_422_that_adds_nothing(moto_stack: MotoStack, body: Any, field: str) -> None:
    got = moto_stack.http("POST", "/api/team/recipients", body=body, admin=True)
    assert got.status == 422, got.body
    assert field in {d["field"] for d in got.json()["error"]["details"]}
    assert TeamRecipientRepository().all() == []


def test_a_body_that_is_not_json_is_a_400(moto_stack: MotoStack) -> None:
    got = moto_stack.http(
        "POST",
        "/api/team/recipients",
        body=b"{email",
        headers={"content-type": "application/json"},
        admin=True,
    )
    assert got.status == 400
    assert got.json()["error"]["code"] == "bad_request"
    assert moto_stack.http("GET", "/api/team/recipients/not-an-id", admin=True).status == 404


def test_settings_default_then_replace_as_a_whole(moto_stack: MotoStack) -> None:
    first = moto_stack.http("GET", "/api/team/settings", admin=True)
    assert first.status == 200
    assert first.json() == {
        "time_zone": "Europe/Amsterdam",
        "other_channels": [],
        "point_weights": {
            "share_intent": 1,
            "click": 2,
            "application": 10,
            "interview": 20,
            "hire": 50,
            "colleague_recruited": 10,
        },
        "updated_at": None,
    }
    put = moto_stack.http("PUT", "/api/team/settings", body=SETTINGS, admin=True)
    assert put.status == 200, put.body
    stored = ProgrammeSettingsRepository().get()
    assert stored.time_zone == "Europe/London"
    assert [(c.channel, str(c.cost_per_hire)) for c in stored.other_channels] == [
        ("agency", "8000.00"),
        ("job_boards", "1500"),
    ]
    assert moto_stack.http("GET", "/api/team/settings", admin=True).json()["other_channels"][0] == {
        "channel": "agency",
        "label": "Recruitment agencies",
        "cost_per_hire": "8000.00",
        "currency": "EUR",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        (
            {"other_channels": [{"channel": "agency", "cost_per_hire": "-5"}]},
            "other_channels.0.cost_per_hire",
        ),
        (
            {"other_channels": [{"channel": "agency", "cost_per_hire": "1.234"}]},
            "other_channels.0.cost_per_hire",
        ),
        ({"other_channels": [{"channel": "Agency!", "cost_per_hire": "5"}]}, "other_channels.0.channel"),
        (
            {"other_channels": [{"channel": "agency", "cost_per_hire": "5", "currency": "euro"}]},
            "other_channels.0.currency",
        ),
        ({"other_channels": [{"channel": "agency", "cost_per_hire": "5"}] * 2}, "other_channels"),
        ({"point_weights": {"click": 1001}}, "point_weights.click"),
        ({"point_weights": {"likes": 1}}, "point_weights.likes"),
    ],
)
def test_bad_settings_are_a_422_that_change_nothing(
    moto_stack: MotoStack, change: dict[str, Any], field: str
) -> None:
    assert moto_stack.http("PUT", "/api/team/settings", body=SETTINGS, admin=True).status == 200
    before = ProgrammeSettingsRepository().get()
    got = moto_stack.http("PUT", "/api/team/settings", body={**SETTINGS, **change}, admin=True)
    assert got.status == 422, got.body
    assert field in {d["field"] for d in got.json()["error"]["details"]}
    assert ProgrammeSettingsRepository().get() == before
