"""``GET /api/applications/{provider}/{id}/attribution`` through the real API handler under moto,
after the real AttributionFunction decided; and the ambassador e-mail pointers the ambassador
routes keep for referral records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kring import config
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.links import identity
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack

APPLIED = at.when(29, 9)
PATH = "/api/applications/greenhouse/A1/attribution"


@pytest.fixture
def decided(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """E1's click three days before, E2's bot preview, a referrer nobody knows; then an interview."""
    monkeypatch.setenv("ATTRIBUTION_WINDOW_DAYS", "14")
    config.clear_caches()
    at.put_ambassador("E1", "eva@example.com")
    at.put_vacancy()
    click = la.click(1, at=APPLIED - timedelta(days=3), vacancy_id=at.VACANCY, channel="x")
    bot = la.click(
        2, at=APPLIED - timedelta(days=1), vacancy_id=at.VACANCY, ambassador_id="E2", kind="preview"
    )
    at.record_clicks(moto_stack, [click, bot])
    proof = at.evidence(tokens=[click.click_id, bot.click_id], referrer_ids=["E77"])
    at.deliver_ok(
        moto_stack,
        [at.received(at=APPLIED, proof=proof), at.stage("interview", at=APPLIED + timedelta(days=2))],
    )
    return {"click": click.click_id, "bot": bot.click_id}


def test_the_decision_is_explained_with_every_candidate_and_what_it_counted(
    moto_stack: MotoStack, decided: dict[str, Any]
) -> None:
    got = moto_stack.http("GET", PATH, admin=True)
    assert got.status == 200, got.body
    assert got.headers["content-type"].startswith("application/json")
    body = got.json()
    assert {k: body[k] for k in ("provider", "application_id", "method", "ambassador_id", "channel")} == {
        "provider": "greenhouse",
        "application_id": "A1",
        "method": "click_token",
        "ambassador_id": "E1",
        "channel": "x",
    }
    assert body["click_token"] == decided["click"]
    assert body["clicked_at"].startswith("2026-11-26T09:00:00")
    assert body["applied_at"].startswith("2026-11-29T09:00:00")
    assert (body["window_days"], body["model"], body["vacancy_id"]) == (14, "last_click", at.VACANCY)
    assert (body["stage"], body["hired"], body["received"]) == ("interview", False, True)
    assert [(c["rule"], c["source"], c["outcome"], c["reason"]) for c in body["considered"]] == sorted(
        [
            ("referral", "E77", "lost", "unknown_ambassador"),
            ("click_token", decided["click"], "credited", "last_valid_click"),
            ("click_token", decided["bot"], "lost", "bot_click"),
        ],
        key=lambda c: (c[0] != "referral", c[1] or ""),
    )
    counted = {
        (c["scope"], c["vacancy_id"], c["ambassador_id"], c["day"]): c["counters"] for c in body["counted"]
    }
    figures = {
        "applications": 1,
        "applications_click_token": 1,
        "applications_x": 1,
        "interviews": 1,
        "interviews_x": 1,
    }
    assert counted == {
        ("program_day", None, None, "2026-11-29"): figures,
        ("vacancy_day", at.VACANCY, None, "2026-11-29"): figures,
        ("ambassador_day", None, "E1", "2026-11-29"): figures,
        ("vacancy_ambassador", at.VACANCY, "E1", None): figures,
    }


def test_an_application_kring_never_saw_is_404_and_a_malformed_one_400(
    moto_stack: MotoStack, decided: dict[str, Any]
) -> None:
    unknown = moto_stack.http("GET", "/api/applications/greenhouse/A404/attribution", admin=True)
    assert (unknown.status, unknown.json()["error"]["code"]) == (404, "not_found")
    elsewhere = moto_stack.http("GET", "/api/applications/lever/A1/attribution", admin=True)
    assert elsewhere.status == 404
    for path in (
        "/api/applications/taleo/A1/attribution",
        "/api/applications/greenhouse/A%20B/attribution",
        f"/api/applications/greenhouse/{'9' * 41}/attribution",
    ):
        bad = moto_stack.http("GET", path, admin=True)
        assert (bad.status, bad.json()["error"]["code"]) == (400, "bad_request"), path


def test_the_explanation_needs_the_admin_token(moto_stack: MotoStack, decided: dict[str, Any]) -> None:
    assert moto_stack.http("GET", PATH).status == 401


def test_every_application_id_of_the_candidate_explains_the_same_state(
    moto_stack: MotoStack, decided: dict[str, Any]
) -> None:
    at.deliver_ok(moto_stack, [at.received(at=APPLIED + timedelta(days=1), app="A2")])
    first = moto_stack.http("GET", PATH, admin=True).json()
    second = moto_stack.http("GET", "/api/applications/greenhouse/A2/attribution", admin=True).json()
    assert first["application_ids"] == second["application_ids"] == ["A1", "A2"]
    assert {k: v for k, v in first.items() if k != "application_id"} == {
        k: v for k, v in second.items() if k != "application_id"
    }


# ------------------------------------------------------------------------------------ e-mail pointers
def _pointer(email: str) -> dict[str, Any] | None:
    import boto3

    from infra.local.template import REGION

    email_hash = identity.email_hash(email)
    assert email_hash is not None
    got = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=config.tables().table_name, Key=serialize(keys.ambassador_email(email_hash))
    )
    return deserialize(got["Item"]) if "Item" in got else None


def _ambassador(ambassador_id: str, email: str) -> dict[str, Any]:
    return {"id": ambassador_id, "name": "Someone", "email": email}


def test_saving_an_ambassador_points_their_e_mail_hash_at_them_and_erasure_removes_it(
    moto_stack: MotoStack,
) -> None:
    def save(email: str) -> int:
        return moto_stack.http("POST", "/api/ambassadors", body=_ambassador("E1", email), admin=True).status

    assert save("Eva@Example.com") == 201
    pointer = _pointer("eva@example.com")
    assert pointer is not None
    assert (pointer["entity"], pointer["ambassador_id"]) == ("ambassador_email", "E1")
    assert "eva" not in str(pointer).lower()  # the address itself is not stored
    assert save("eva@new.example.com") == 200  # replaced with a new address
    assert (_pointer("eva@new.example.com") or {}).get("ambassador_id") == "E1"
    assert moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True).status == 204
    assert _pointer("eva@new.example.com") is None
    # the old address's pointer is left behind, and harmless: it is verified against the profile
    assert _pointer("eva@example.com") is not None


def test_an_import_points_every_imported_e_mail(moto_stack: MotoStack) -> None:
    from tests.support.imports import run_import

    csv = "id,name,email\nE1,Eva,eva@example.com\nE2,Jan,jan@example.com\nE3,Bad,not-an-address\n"
    assert run_import(moto_stack, csv)["counts"]["created"] == 2
    assert (_pointer("eva@example.com") or {}).get("ambassador_id") == "E1"
    assert (_pointer("jan@example.com") or {}).get("ambassador_id") == "E2"
    # a new address, by a re-import or by a patch, is pointed at too
    assert run_import(moto_stack, "id,email\nE1,eva@new.example.com\n")["counts"]["updated"] == 1
    assert (_pointer("eva@new.example.com") or {}).get("ambassador_id") == "E1"
    patched = moto_stack.http(
        "PATCH", "/api/ambassadors/E2", body={"email": "jan@new.example.com"}, admin=True
    )
    assert patched.status == 200, patched.body
    assert (_pointer("jan@new.example.com") or {}).get("ambassador_id") == "E2"


def test_erasing_one_ambassador_keeps_a_colleague_s_pointer_to_the_same_address(
    moto_stack: MotoStack,
) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=_ambassador("E1", "team@example.com"), admin=True)
    moto_stack.http("POST", "/api/ambassadors", body=_ambassador("E2", "team@example.com"), admin=True)
    assert moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True).status == 204
    assert (_pointer("team@example.com") or {}).get("ambassador_id") == "E2"


# ------------------------------------------------------------------------------------ what it reads
def test_a_hired_application_shows_the_stage_hired_until_the_hire_is_taken_back(
    moto_stack: MotoStack, decided: dict[str, Any]
) -> None:
    at.deliver_ok(moto_stack, [at.hired(at=APPLIED + timedelta(days=9))])  # no stage of its own

    hired = moto_stack.http("GET", PATH, admin=True).json()
    assert (hired["stage"], hired["stage_name"], hired["hired"]) == ("hired", None, True)

    at.deliver_ok(moto_stack, [at.unhired(at=APPLIED + timedelta(days=10))])
    unhired = moto_stack.http("GET", PATH, admin=True).json()
    assert (unhired["stage"], unhired["stage_name"], unhired["hired"]) == ("interview", "Interview", False)


def test_a_referrer_named_twice_is_listed_once_as_credited(moto_stack: MotoStack) -> None:
    at.put_ambassador("E1", "eva@example.com")
    at.put_vacancy()
    eva = identity.email_hash("eva@example.com")
    assert eva is not None
    proof = at.evidence(referrer_ids=["E1"], referrer_email_hashes=[eva])
    at.deliver_ok(moto_stack, [at.received(at=APPLIED, proof=proof)])

    body = moto_stack.http("GET", PATH, admin=True).json()

    assert (body["method"], body["ambassador_id"]) == ("referral", "E1")
    assert [(c["source"], c["ambassador_id"], c["outcome"], c["reason"]) for c in body["considered"]] == [
        ("E1", "E1", "credited", "first_matching_referrer")
    ]


def test_a_decision_stored_with_the_credited_referrer_named_twice_reads_back_once(
    moto_stack: MotoStack,
) -> None:
    """The code before listed the credited ambassador's second naming as lost, ``already_credited``."""
    at.put_ambassador("E1", "eva@example.com")
    at.put_vacancy()
    at.deliver_ok(moto_stack, [at.received(at=APPLIED, proof=at.evidence(referrer_ids=["E1"]))])
    [state_item] = at.items("APPL#")
    twice = {
        "rule": "referral",
        "source": None,
        "ambassador_id": "E1",
        "outcome": "lost",
        "reason": "already_credited",
        "channel": None,
        "clicked_at": None,
        "vacancy_id": None,
    }
    state_item["decision"]["considered"].append(twice)
    from kring import aws

    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=serialize(state_item))

    body = moto_stack.http("GET", PATH, admin=True).json()

    assert [(c["ambassador_id"], c["outcome"]) for c in body["considered"]] == [("E1", "credited")]
