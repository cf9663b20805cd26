"""Every ATS sample in ``tests/fixtures/ats`` through the real webhook handler, one table.

``tests/fixtures/ats`` holds byte-identical copies of ``../shared/fixtures/ats`` (the vendors'
documented requests and the reconstructed ones, see its README and SOURCES.md): CI reads the copies,
because ``../shared`` is not part of a clean clone. Each sample is posted with the headers its
``.headers.txt`` lists to ``POST /webhooks/<provider>`` — the real AtsWebhookFunction, routed as
template.yaml routes it, under moto, idempotency on, secrets from the environment — and:

(a) verifies and is answered the status its provider expects (200; SmartRecruiters 202; the
    Lever and Recruitee test requests their 200 without a signature check) — or, for the requests
    of Teamtailor's partner programmes, whose scheme Kring does not accept, is refused with 401;
(b) normalises into the outcome :data:`EXPECTED` lists for it — a vacancy stored, candidate
    events on the bus, fetch requests on ``AtsFetchQueue`` (ids-only providers), or acknowledged and
    ignored (pings, tests) — or, refused, changes nothing;
(c) with one byte changed where the signature covers it is refused with 401 and a JSON error, and
    changes nothing: no bus event, no item in either table, no queue message;
(d) delivered a second time changes nothing anywhere.

How each sample is delivered (:class:`How`) — only where a sample cannot verify today as it is:

- Teamtailor and SmartRecruiters sign a timestamp, and their samples' (2019, 2024) are long past
  the five-minute tolerance: their exact bytes and documented headers are sent with the provider
  module's clock set to the signing time (``teamtailor.now`` / ``smartrecruiters.now``, as in
  ``tests/unit/integrations/ats/test_teamtailor.py`` and ``test_smartrecruiters.py``) — nothing is re-signed.
- ``smartrecruiters_application.created`` is the vendor's own test vector, signed with the vendor's
  key (``HeBVky2bccvvkcXPimH8c``, :data:`tests.support.smartrecruiters.VENDOR_KEY`), so for it the
  connected secret is that key (as ``test_smartrecruiters.py`` does).
- Lever is RE-SIGNED (:func:`tests.support.lever.resigned`: the sample's event, data and token, a
  ``triggeredAt`` of now, the signature for the test secret), because Lever's clock is not
  injectable through the handler and ``lever_applicationCreated`` / ``lever_candidateHired`` were
  signed in 2024 (outside the 24-hour window), and ``lever_candidateStageChange`` carries the
  signature from Lever's docs, made with a key nobody knows. Lever signs ``token + triggeredAt``
  only, not the body, so re-signing leaves everything Kring reads from the sample as it was.
  ``lever_test_ping`` is sent as it is: Lever's test request is answered before any signature check
  (its signature is the docs' non-hex placeholder).
- Every other sample (Greenhouse, Ashby, Recruitee, Workable) is sent exactly as documented.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest

from infra.local import scheduler
from kring.dal.vacancies import VacancyRepository
from kring.intake import vacancies, webhooks
from kring.integrations.ats import smartrecruiters, teamtailor
from kring.models.common import PROVIDERS
from tests.support import lever as lv
from tests.support import smartrecruiters as srs
from tests.support import stored
from tests.support import teamtailor as tt
from tests.support.bus import Bus
from tests.support.fixtures import REGION, HttpResult, MotoStack, clear_kring_caches

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ats"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ats"  # ../shared/fixtures/ats
# Personio has no recruiting webhooks at all (only HRIS events such as employment.started, signed
# with no HMAC — a static bearer token); Kring does not integrate it, so its sample is the one not
# posted here (and not copied into tests/fixtures/ats).
NOT_INTEGRATED = frozenset({"personio"})


class How(Enum):
    """How a sample is delivered (see the module docstring for why)."""

    AS_SENT = "exact bytes and documented headers"
    AT_SIGNING_TIME = "exact bytes and documented headers; the module's clock at the signed time"
    VENDOR_KEY_AT_SIGNING_TIME = "as AT_SIGNING_TIME, and the connected secret is the vendor's key"
    RESIGNED = "re-signed now with the test secret (Lever: token + triggeredAt only)"


Outcome = Literal["vacancy", "candidate", "fetch", "ignored", "refused"]


@dataclass(frozen=True)
class Expected:
    """What one sample does. ``events``: (detail-type, application or vacancy id) on the bus, in
    order; ``fetches``: (provider event, ids) on AtsFetchQueue; ``vacancy``: (vacancy id, status)
    stored; ``job``: an ATS job (department, offices) stored without a vacancy of its own."""

    outcome: Outcome
    status: int = 200
    events: tuple[tuple[str, str], ...] = ()
    fetches: tuple[tuple[str, dict[str, str]], ...] = ()
    vacancy: tuple[str, str] | None = None
    job: str | None = None
    how: How = How.AS_SENT
    tamper: Callable[[bytes], bytes] | None = field(default=None, compare=False)


def flip_first_value_character(body: bytes) -> bytes:
    """One byte changed, the JSON still valid: the first character of the first string value,
    a letter's case flipped or a digit changed (what a signature over the body — or over the id
    it starts with — must catch)."""
    match = re.search(rb':\s*"([A-Za-z0-9])', body)
    assert match, "no string value to change"
    at = match.start(1)
    flip = 0x20 if body[at : at + 1].isalpha() else 0x01
    return body[:at] + bytes([body[at] ^ flip]) + body[at + 1 :]


def flip_lever_signature(body: bytes) -> bytes:
    """Lever signs ``token + triggeredAt``, not the body: a changed body byte elsewhere is not
    what the signature protects (the single-use token is), so the signature's last digit is changed."""
    match = re.search(rb'"signature":\s*"[0-9a-f]{63}([0-9a-f])"', body)
    assert match, "no Lever signature"
    at = match.start(1)
    return body[:at] + (b"0" if body[at : at + 1] != b"0" else b"1") + body[at + 1 :]


def differing_bytes(one: bytes, other: bytes) -> int:
    assert len(one) == len(other)
    return sum(a != b for a, b in zip(one, other, strict=True))


def rename_one_byte(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """For the unsigned test requests: one byte that makes the body something other than the
    exact test request, which therefore has to verify like any delivery — and cannot."""
    assert differing_bytes(old, new) == 1

    def _tamper(body: bytes) -> bytes:
        assert body.count(old) == 1
        return body.replace(old, new)

    return _tamper


GH_APPLICATION = "71980812"
ASHBY_APPLICATION = "3ae2b801-19f6-41ef-ad28-214bd731948f"
ASHBY_POSTING = "7458d4e9-da2e-47bd-98cb-adfda43d42b2"
RECRUITEE_APPLICATION = "4321987-998877"  # <candidate id>-<offer id>: Recruitee has no application id
LEVER_IDS = {"opportunityId": lv.OPPORTUNITY_ID, "contactId": lv.CONTACT_ID}
SR_APPLICATION_IDS = {"candidate_id": srs.CANDIDATE_ID, "job_id": srs.JOB_ID}
TT_APPLICATION_IDS = {"application_id": tt.APPLICATION_ID, "job_id": tt.JOB_ID, "promotion_id": "2"}

# One expected outcome per sample file in tests/fixtures/ats (<provider>_<event>.json).
EXPECTED: dict[str, Expected] = {
    # ------------------------------------------------------------------------ Greenhouse (200)
    # job_created: the job's department and offices are kept for its posts; no post, no vacancy.
    "greenhouse_job_created": Expected("vacancy", job="371417"),
    # Neither post is live (live: false), so each is stored as a draft and nothing is announced.
    "greenhouse_job_post_created": Expected("vacancy", vacancy=("greenhouse-1815002", "draft")),
    "greenhouse_job_post_updated": Expected("vacancy", vacancy=("greenhouse-1813002", "draft")),
    "greenhouse_new_candidate_application": Expected(
        "candidate", events=(("ApplicationReceived", GH_APPLICATION),)
    ),
    # ------------------------------------------------------------------------ Lever (200, ids only)
    "lever_applicationCreated": Expected(
        "fetch",
        fetches=(("applicationCreated", {**LEVER_IDS, "applicationId": lv.APPLICATION_ID}),),
        how=How.RESIGNED,
        tamper=flip_lever_signature,
    ),
    "lever_candidateHired": Expected(
        "fetch", fetches=(("candidateHired", LEVER_IDS),), how=How.RESIGNED, tamper=flip_lever_signature
    ),
    "lever_candidateStageChange": Expected(
        "fetch",
        fetches=(
            (
                "candidateStageChange",
                {
                    **LEVER_IDS,
                    "toStageId": lv.TO_STAGE_ID,
                    "fromStageId": "992f01a9-ee19-41d2-ae79-1040701b195c",
                },
            ),
        ),
        how=How.RESIGNED,
        tamper=flip_lever_signature,
    ),
    # Lever's test request ("data": {}) is answered unverified: it asks for nothing. Changing the
    # "data" key makes it a delivery, which the docs' placeholder signature cannot verify.
    "lever_test_ping": Expected("ignored", tamper=rename_one_byte(b'"data"', b'"dota"')),
    # ------------------------------------------------------------------------ Ashby (200)
    "ashby_applicationSubmit": Expected("candidate", events=(("ApplicationReceived", ASHBY_APPLICATION),)),
    "ashby_candidateHire": Expected("candidate", events=(("CandidateHired", ASHBY_APPLICATION),)),
    "ashby_candidateStageChange": Expected(
        "candidate", events=(("CandidateStageChanged", "app-9999-8888-7777-6666"),)
    ),
    "ashby_jobPostingPublish": Expected(
        "vacancy",
        events=(("VacancyPublished", f"ashby-{ASHBY_POSTING}"),),
        vacancy=(f"ashby-{ASHBY_POSTING}", "published"),
        job="1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    ),
    "ashby_ping": Expected("ignored"),  # signed: verified like any delivery, then acknowledged
    # ------------------------------------------------------------------------ Recruitee (exactly 200)
    "recruitee_candidate_moved": Expected(
        "candidate", events=(("CandidateStageChanged", RECRUITEE_APPLICATION),)
    ),
    "recruitee_candidate_moved_hired": Expected(
        "candidate", events=(("CandidateHired", RECRUITEE_APPLICATION),)
    ),
    # The "Test" button's {"test":true} comes before the user can see the secret: 200, unsigned.
    "recruitee_test": Expected("ignored", tamper=rename_one_byte(b'"test"', b'"tost"')),
    # ------------------------------------------------------------------------ Teamtailor (200)
    # job.update of an archived job: stored, not live, so a draft; no URL needed for that.
    "teamtailor_job.update": Expected("vacancy", vacancy=("teamtailor-2", "draft"), how=How.AT_SIGNING_TIME),
    "teamtailor_job_application.create": Expected(
        "fetch", fetches=(("job_application.create", TT_APPLICATION_IDS),), how=How.AT_SIGNING_TIME
    ),
    "teamtailor_job_application.update_hired": Expected(
        "fetch", fetches=(("job_application.update", TT_APPLICATION_IDS),), how=How.AT_SIGNING_TIME
    ),
    # Partner-programme requests (Teamtailor-Signature): that scheme is refused, whatever it signs —
    # a trigger's covers only partner-event.id, so a seen company digest "signed" any body under it.
    # Refused at their signing time too: the clock is not why.
    "teamtailor_jobboard_job_ad_created": Expected("refused", status=401, how=How.AT_SIGNING_TIME),
    "teamtailor_partner_trigger_webhook": Expected("refused", status=401, how=How.AT_SIGNING_TIME),
    # ------------------------------------------------------------------------ Workable (200)
    "workable_candidate_created": Expected("candidate", events=(("ApplicationReceived", "ce4da98"),)),
    "workable_candidate_moved_hired": Expected("candidate", events=(("CandidateHired", "ce4da98"),)),
    # ------------------------------------------------------------------------ SmartRecruiters (202)
    "smartrecruiters_application.created": Expected(
        "fetch",
        status=202,
        fetches=(("application.created", {"candidate_id": "cid", "job_id": "jid"}),),
        how=How.VENDOR_KEY_AT_SIGNING_TIME,
    ),
    "smartrecruiters_application.status.updated": Expected(
        "fetch",
        status=202,
        fetches=(("application.status.updated", SR_APPLICATION_IDS),),
        how=How.AT_SIGNING_TIME,
    ),
    "smartrecruiters_job.created": Expected(
        "fetch", status=202, fetches=(("job.created", {"job_id": srs.JOB_ID}),), how=How.AT_SIGNING_TIME
    ),
}


def provider_of(name: str) -> str:
    return name.split("_", 1)[0]


def samples(folder: Path) -> set[str]:
    return {p.name.removesuffix(".json") for p in folder.glob("*.json")}


def documented_headers(name: str) -> dict[str, str]:
    """The request headers the sample's ``.headers.txt`` lists: names lower-cased as API Gateway
    passes them, ``#`` notes and ``Content-Length`` (API Gateway's, not the sender's) left out."""
    out: dict[str, str] = {}
    for line in (FIXTURES / f"{name}.headers.txt").read_text().splitlines()[1:]:  # [0]: request line
        header, sep, value = line.partition(":")
        if not sep or line.lstrip().startswith("#") or header.strip().lower() == "content-length":
            continue
        out[header.strip().lower()] = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    return out


@dataclass
class World:
    moto_stack: MotoStack
    bus: Bus

    def post(self, name: str, body: bytes, headers: dict[str, str]) -> HttpResult:
        return self.moto_stack.http("POST", f"/webhooks/{provider_of(name)}", body=body, headers=headers)

    def table(self, logical_id: str) -> list[dict[str, Any]]:
        """Every item of a table, sorted (a test-only look at the whole table)."""
        ddb = boto3.client("dynamodb", region_name=REGION)
        items = ddb.scan(TableName=self.moto_stack.stack.physical_name(logical_id))["Items"]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))

    def snapshot(self) -> dict[str, Any]:
        """Everything a delivery can change: both tables, the bus, the fetch queue (drained)."""
        return {
            "kring_table": self.table("KringTable"),
            "idempotency_table": self.table("IdempotencyTable"),
            "bus": self.bus.drain(),
            "fetches": [
                webhooks.parse_fetch_message(m["Body"]) for m in self.moto_stack.receive_all("AtsFetchQueue")
            ],
        }


@pytest.fixture
def world(moto_stack: MotoStack) -> World:
    return World(moto_stack, Bus(moto_stack.stack.physical_name("KringBus")))


def delivery(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, dict[str, str]]:
    """The body and headers ``name`` is posted with, and the clock or secret it needs (:class:`How`)."""
    how = EXPECTED[name].how
    body, headers = (FIXTURES / f"{name}.json").read_bytes(), documented_headers(name)
    event = name.split("_", 1)[1]
    if how is How.RESIGNED:
        assert provider_of(name) == "lever"
        return lv.resigned(event), headers
    if how is How.VENDOR_KEY_AT_SIGNING_TIME:
        monkeypatch.setenv("KRING_WEBHOOK_SECRET_SMARTRECRUITERS", srs.documented_key(event))
        clear_kring_caches()
    if how in (How.AT_SIGNING_TIME, How.VENDOR_KEY_AT_SIGNING_TIME):
        if provider_of(name) == "teamtailor":
            monkeypatch.setattr(teamtailor, "now", lambda: tt.SAMPLE_TIME + 5)
        else:
            assert provider_of(name) == "smartrecruiters"
            monkeypatch.setattr(smartrecruiters, "now", lambda: srs.sample_time(event) + 5)
    return body, headers


NAMES = sorted(EXPECTED)


# ------------------------------------------------------------------------------ the table itself
def test_the_table_has_one_expected_outcome_per_sample_and_skips_only_personio() -> None:
    in_fixtures = samples(FIXTURES)
    assert set(EXPECTED) == in_fixtures, "every sample in tests/fixtures/ats has exactly one row"
    assert {p.name.removesuffix(".headers.txt") for p in FIXTURES.glob("*.headers.txt")} == in_fixtures
    assert {provider_of(n) for n in EXPECTED} == set(PROVIDERS)  # all seven, each with samples
    assert not {provider_of(n) for n in EXPECTED} & NOT_INTEGRATED
    if SHARED.is_dir():
        skipped = samples(SHARED) - set(EXPECTED)
        assert skipped, "../shared has the Personio sample"
        assert {provider_of(n) for n in skipped} == NOT_INTEGRATED


@pytest.mark.parametrize("name", NAMES)
def test_each_row_is_one_kind_of_outcome(name: str) -> None:
    """vacancy: something stored, no candidate event; candidate: candidate events only; fetch:
    queue messages only (ids-only providers); ignored and refused: nothing anywhere."""
    expected = EXPECTED[name]
    candidate_types = {"ApplicationReceived", "CandidateStageChanged", "CandidateHired"}
    kinds = {detail_type for detail_type, _ in expected.events}
    stores = expected.vacancy is not None or expected.job is not None
    assert {
        "vacancy": stores and kinds <= {"VacancyPublished", "VacancyClosed"} and not expected.fetches,
        "candidate": bool(kinds) and kinds <= candidate_types and not stores and not expected.fetches,
        "fetch": bool(expected.fetches) and not kinds and not stores,
        "ignored": not kinds and not stores and not expected.fetches,
        "refused": not kinds and not stores and not expected.fetches and provider_of(name) == "teamtailor",
    }[expected.outcome]
    accepted = 202 if provider_of(name) == "smartrecruiters" else 200
    assert expected.status == (401 if expected.outcome == "refused" else accepted)


@pytest.mark.parametrize("name", [n for n in NAMES if EXPECTED[n].how is not How.AS_SENT])
def test_the_samples_not_sent_as_they_are_would_not_verify_today(world: World, name: str) -> None:
    """Why :class:`How` is needed for them: on today's clock and the test secret, each of these
    samples, exactly as documented, is refused (stale timestamp, or another key)."""
    body = (FIXTURES / f"{name}.json").read_bytes()

    result = world.post(name, body, documented_headers(name))

    assert result.status == 401
    # nothing but the ATS's status, where the refusal is noted as its last error (the Connections page)
    after = {**world.snapshot(), "kring_table": stored.items(world.moto_stack)}
    assert after == {"kring_table": [], "idempotency_table": [], "bus": [], "fetches": []}


def test_only_the_lever_deliveries_are_resigned() -> None:
    resigned = {n for n in NAMES if EXPECTED[n].how is How.RESIGNED}
    assert resigned == {"lever_applicationCreated", "lever_candidateHired", "lever_candidateStageChange"}


def _manifest() -> dict[str, str]:
    """``tests/fixtures/ats/SHA256SUMS``: the SHA-256 of every sample in ../shared/fixtures/ats/ (made
    with ``sha256sum *.json *.headers.txt`` there), so the copies can be checked on a clean clone too."""
    lines = (FIXTURES / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines if line.strip())}


def test_the_fixtures_are_byte_identical_copies_of_the_shared_samples() -> None:
    manifest = _manifest()
    copies = {p.name: p for pattern in ("*.json", "*.headers.txt") for p in FIXTURES.glob(pattern)}
    assert set(copies) <= set(manifest), "no sample here that ../shared does not have"
    assert {provider_of(n) for n in set(manifest) - set(copies)} == NOT_INTEGRATED
    changed = [n for n in sorted(copies) if hashlib.sha256(copies[n].read_bytes()).hexdigest() != manifest[n]]
    assert changed == []
    # Beside the handbook (not on a clean clone) the manifest itself is checked against the
    # originals, so it cannot go stale.
    shared = {p.name: p for pattern in ("*.json", "*.headers.txt") for p in SHARED.glob(pattern)}
    if shared:
        assert {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in shared.items()} == manifest


# ------------------------------------------------------------------------------ (a) and (b)
@pytest.mark.parametrize("name", NAMES)
def test_every_sample_verifies_and_normalises_into_its_expected_outcome(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    expected = EXPECTED[name]
    body, headers = delivery(name, monkeypatch)

    result = world.post(name, body, headers)

    assert (result.status, result.json()) == (expected.status, answer(expected))
    after = world.snapshot()
    assert [(e["source"], e["detail-type"]) for e in after["bus"]] == [
        ("kring.ats", detail_type) for detail_type, _ in expected.events
    ]
    assert [(e["detail-type"], subject(e["detail"])) for e in after["bus"]] == list(expected.events)
    assert [(m.request.provider, m.request.event, m.request.ids) for m in after["fetches"]] == [
        (provider_of(name), event, ids) for event, ids in expected.fetches
    ]
    if expected.vacancy is not None:
        vacancy_id, status = expected.vacancy
        assert vacancies.get_vacancy(vacancy_id).status == status
    if expected.job is not None:
        assert VacancyRepository().get_job(provider_of(name), expected.job) is not None
    stored = sorted((item["pk"]["S"], item["sk"]["S"]) for item in after["kring_table"])
    # a verified delivery, applied or ignored, notes when its ATS last delivered (the talent-team
    # digest's "silent ATS"); a refused one, or a provider's test request answered as such, not
    notes = expected.outcome != "refused" and name not in TEST_REQUESTS
    # (a refused one is noted there as the ATS's last error instead: the Connections page's)
    seen = [
        (item["pk"]["S"], item["sk"]["S"])
        for item in after["kring_table"]
        if item["pk"]["S"] == "ATSSEEN" and "last_delivery_at" in item
    ]
    assert seen == ([("ATSSEEN", f"ATS#{provider_of(name)}")] if notes else [])
    stored = [key for key in stored if key[0] != "ATSSEEN"]
    assert len(stored) == (expected.vacancy is not None) + (expected.job is not None), stored
    # An acknowledged-and-ignored (or refused) delivery writes nothing, not even an idempotency record.
    assert bool(after["idempotency_table"]) == (expected.outcome not in ("ignored", "refused"))


# Test requests the provider's module answers itself (a Reply), before anything is applied.
TEST_REQUESTS = frozenset({"lever_test_ping", "recruitee_test"})


def answer(expected: Expected) -> dict[str, Any]:
    """The JSON body of the answer: the acknowledgement, or the refusal of a partner request."""
    if expected.outcome != "refused":
        return {"received": True}
    return {"error": {"code": "unauthorized", "message": PARTNER_REFUSAL}}


PARTNER_REFUSAL = (
    "Teamtailor-Signature (Teamtailor's partner programmes) is not accepted: connect a "
    "company webhook with signature version v2 (TT-Signature)"
)


def subject(detail: dict[str, Any]) -> str:
    return str(detail.get("application_id") or detail.get("vacancy_id"))


# ------------------------------------------------------------------------------ (c)
@pytest.mark.parametrize("name", NAMES)
def test_every_sample_with_one_byte_changed_is_refused_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    body, headers = delivery(name, monkeypatch)
    tamper = EXPECTED[name].tamper or flip_first_value_character
    tampered = tamper(body)
    assert differing_bytes(tampered, body) == 1

    result = world.post(name, tampered, headers)

    assert result.status == 401
    assert result.headers["content-type"].startswith("application/json")
    error = result.json()["error"]
    assert error["code"] == "unauthorized"
    assert error["message"]
    # nothing but the ATS's status, where the refusal is noted as its last error (the Connections page)
    after = {**world.snapshot(), "kring_table": stored.items(world.moto_stack)}
    assert after == {"kring_table": [], "idempotency_table": [], "bus": [], "fetches": []}


# ------------------------------------------------------------------------------ (d)
@pytest.mark.parametrize("name", NAMES)
def test_every_sample_delivered_twice_changes_nothing_the_second_time(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    expected = EXPECTED[name]
    body, headers = delivery(name, monkeypatch)
    assert world.post(name, body, headers).status == expected.status
    first = world.snapshot()

    again = world.post(name, body, headers)

    assert (again.status, again.json()) == (expected.status, answer(expected))
    assert world.snapshot() == {**first, "bus": [], "fetches": []}


# ------------------------------------------------------------------------------ handshakes
def test_the_smartrecruiters_activation_noted_beside_its_samples_is_echoed_with_200(world: World) -> None:
    """The activation request (an ``X-Hook-Secret`` header, noted in each SmartRecruiters
    ``.headers.txt``) has no sample file of its own: 200 echoing the header, nothing stored."""
    result = world.post("smartrecruiters_activation", b"", {"x-hook-secret": "hook-7f3a9c"})

    assert (result.status, result.headers["x-hook-secret"]) == (200, "hook-7f3a9c")
    # nothing but the ATS's status, where the refusal is noted as its last error (the Connections page)
    after = {**world.snapshot(), "kring_table": stored.items(world.moto_stack)}
    assert after == {"kring_table": [], "idempotency_table": [], "bus": [], "fetches": []}


# ------------------------------------------------------------------------------ samples in events/
EVENTS = Path(__file__).resolve().parents[2] / "events"
HTTP_SAMPLES = sorted(p for p in (EVENTS / "http").glob("*.json") if provider_of(p.name) in PROVIDERS)


def fixture_of(request: dict[str, Any]) -> str:
    """The fixture whose exact bytes an events/http sample carries as its body."""
    body = request["body"].encode("utf-8")
    (name,) = [n for n in NAMES if (FIXTURES / f"{n}.json").read_bytes() == body]
    return name


def test_every_provider_has_a_webhook_request_sample_in_events() -> None:
    assert {provider_of(p.name) for p in HTTP_SAMPLES} == set(PROVIDERS)


@pytest.mark.parametrize(
    "path", [p for p in HTTP_SAMPLES if provider_of(p.name) != "greenhouse"], ids=lambda p: p.name
)
def test_the_webhook_request_samples_in_events_are_fixtures_as_api_gateway_passes_them(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    """Each events/http sample of a provider added with the candidate intake is one fixture,
    byte for byte, with its documented headers lower-cased (as HTTP API v2 passes them), and the
    handler answers it as the table says at the sample's signing time. On the real clock every
    timestamped sample (Lever, Teamtailor, SmartRecruiters) is stale, so ``sam local invoke -e``
    answers those 401; here the Teamtailor and SmartRecruiters clocks are set, Lever's cannot be
    through the handler, so for Lever's sample the 401 itself is asserted."""
    request = json.loads(path.read_text())
    name = fixture_of(request)
    documented = documented_headers(name)
    assert request["isBase64Encoded"] is False
    assert (request["rawPath"], request["pathParameters"]) == (
        f"/webhooks/{provider_of(name)}",
        {"provider": provider_of(name)},
    )
    assert all(header == header.lower() for header in request["headers"])
    assert {k: v for k, v in request["headers"].items() if k in documented} == documented
    assert request["headers"]["content-length"] == str(len(request["body"].encode()))
    expected = EXPECTED[name]
    delivery(name, monkeypatch)  # the clock (and secret) the sample was signed with

    result = moto_stack.invoke("AtsWebhookFunction", request)

    assert result["statusCode"] == (401 if expected.how is How.RESIGNED else expected.status), result


def test_the_scheduler_sample_is_what_scheduler_sends_the_job_poller_for_lever(moto_stack: MotoStack) -> None:
    (schedule,) = [
        s
        for s in moto_stack.stack.schedules()
        if s.function == "JobPollerFunction" and "lever" in str(s.payload)
    ]
    sent = scheduler.payload(schedule, datetime.now(UTC), 1, "execution-1")

    assert json.loads((EVENTS / "scheduler" / "job_poll_lever.json").read_text()) == sent
