"""End to end over HTTP: `python -m infra.local` as a developer runs it (DynamoDB Local, the
gateway, the bus, the queues), driven with signed Greenhouse webhooks and the admin API."""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.local.dynamodb_local import free_port
from kring.links.click_tokens import is_click_token
from kring.mail import unsubscribe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-admin-token"
SECRET = "e2e-greenhouse-secret"
MAIL_LINK_KEY = "e2e-mail-link-key"
INSTANT_DELAY_SECONDS = 2  # KRING_INSTANT_DELAY_SECONDS: 20 by default locally, 300 in AWS
STARTUP_SECONDS = 180  # a bound for a loaded machine, not a timing assertion


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    dynamodb_port: int

    def admin(self) -> dict[str, str]:
        return {"authorization": f"Bearer {TOKEN}"}


def _start(data_dir: Path, *, demo: bool) -> Running:
    port, dynamodb_port = free_port(), free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "KRING_", "TABLE_", "POWERTOOLS_"))
        },
        "KRING_PORT": str(port),
        "KRING_AWS_PORT": str(free_port()),
        "KRING_ATS_PORT": str(free_port()),
        "KRING_DYNAMODB_PORT": str(dynamodb_port),
        "KRING_DATA_DIR": str(data_dir),
        "KRING_DEMO": "1" if demo else "0",
        "KRING_ADMIN_TOKEN": TOKEN,
        "KRING_WEBHOOK_SECRET_GREENHOUSE": SECRET,
        "KRING_GREENHOUSE_BOARD": "acme",
        "KRING_MAIL_LINK_KEY": MAIL_LINK_KEY,
        "KRING_INSTANT_DELAY_SECONDS": str(INSTANT_DELAY_SECONDS),
    }
    log = data_dir.parent / f"{data_dir.name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    running = Running(f"http://127.0.0.1:{port}", process, log, dynamodb_port)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{running.url}/healthz", timeout=5).status_code == 200:
                return running
        time.sleep(0.2)
    _stop(running)
    raise AssertionError("the local stack did not start:\n" + log.read_text()[-3000:])


def _wait_for_banner(running: Running) -> None:
    """Start-up is complete (the demo loaded, when asked for) once the banner is printed."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Kring is running" not in running.log.read_text():
        assert running.process.poll() is None, running.log.read_text()[-3000:]
        assert time.monotonic() < deadline, running.log.read_text()[-3000:]
        time.sleep(0.2)


def _stop(running: Running) -> None:
    running.process.send_signal(signal.SIGTERM)
    try:
        running.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*, demo: bool, data_dir: Path | None = None) -> Running:
        running = _start(data_dir or tmp_path / "data", demo=demo)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            _stop(running)


def _signed(delivery: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery).encode()
    signature = "sha256 " + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "content-type": "application/json",
        "signature": signature,
        "greenhouse-event-id": str(uuid.uuid4()),
    }


def _shares(running: Running, vacancy_id: str, expected: int, seconds: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        got = requests.get(
            f"{running.url}/api/vacancies/{vacancy_id}/shares", headers=running.admin(), timeout=10
        )
        if got.status_code == 200:
            items = got.json()["items"]
            if len(items) >= expected:
                return items
        time.sleep(0.25)
    return items


CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
LINKEDIN_BOT = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"


def _funnel_totals(
    running: Running, vacancy_id: str, until: Callable[[dict[str, Any]], bool], seconds: float = 60.0
) -> dict[str, Any]:
    """The vacancy funnel's totals once ``until`` holds (clicks are recorded asynchronously)."""
    deadline = time.monotonic() + seconds
    totals: dict[str, Any] = {}
    while time.monotonic() < deadline:
        url = f"{running.url}/api/vacancies/{vacancy_id}/funnel"
        got = requests.get(url, headers=running.admin(), timeout=10)
        assert got.status_code == 200, got.text
        totals = got.json()["totals"]
        if until(totals):
            return totals
        time.sleep(0.25)
    return totals


JOB = {
    "action": "job_created",
    "payload": {
        "job": {
            "id": 77,
            "name": "Data Engineer",
            "status": "open",
            "departments": [{"id": 1, "name": "Data"}],
            "offices": [{"id": 2, "name": "Utrecht", "location": {"name": "Utrecht, Netherlands"}}],
        }
    },
}
POST = {
    "action": "job_post_created",
    "payload": {
        "id": 7701,
        "title": "Data Engineer",
        "location": "Utrecht",
        "job_id": 77,
        "live": True,
        "external": True,
        "internal": False,
        "updated_at": "2026-11-28T10:00:00.000Z",
        "questions": [],
    },
}


def test_a_signed_greenhouse_vacancy_becomes_one_link_per_eligible_ambassador(
    stack_factory: Callable[..., Running],
) -> None:
    running = stack_factory(demo=False)
    people = [
        {
            "id": "A1",
            "name": "Eligible One",
            "email": "a1@example.com",
            "phase": "decision",
            "opted_in": True,
        },
        {
            "id": "A2",
            "name": "Likes Data",
            "email": "a2@example.com",
            "phase": "evangelize",
            "opted_in": True,
            "interests": ["data"],
        },
        {
            "id": "A3",
            "name": "Sales Only",
            "email": "a3@example.com",
            "phase": "decision",
            "opted_in": True,
            "interests": ["Sales"],
        },
        {"id": "A4", "name": "Not Yet", "email": "a4@example.com", "phase": "awareness", "opted_in": True},
        {"id": "A5", "name": "Opted Out", "email": "a5@example.com", "phase": "decision", "opted_in": False},
    ]
    for person in people:
        created = requests.post(
            f"{running.url}/api/ambassadors", json=person, headers=running.admin(), timeout=10
        )
        assert created.status_code == 201, created.text

    body, headers = _signed(POST)
    refused = requests.post(
        f"{running.url}/webhooks/greenhouse",
        data=body,
        timeout=10,
        headers={**headers, "signature": "sha256 " + "0" * 64},
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"

    for delivery in (JOB, POST):
        body, headers = _signed(delivery)
        answered = requests.post(f"{running.url}/webhooks/greenhouse", data=body, headers=headers, timeout=10)
        assert answered.status_code == 200, answered.text

    items = _shares(running, "greenhouse-7701", expected=2)
    assert sorted(i["ambassador_id"] for i in items) == ["A1", "A2"]
    for item in items:
        assert re.fullmatch(rf"{re.escape(running.url)}/r/[0-9A-Za-z]{{10}}", item["link"])
        assert item["share"]["linkedin"] == f"{running.url}/s/{item['code']}/linkedin"
    vacancy = requests.get(
        f"{running.url}/api/vacancies/greenhouse-7701", headers=running.admin(), timeout=10
    )
    assert vacancy.json()["url"] == "https://job-boards.greenhouse.io/acme/jobs/7701"
    assert vacancy.json()["department"] == "Data"

    # A1 shares on LinkedIn; a candidate and LinkedIn's preview bot follow the link; A1 checks it.
    a1 = next(i for i in items if i["ambassador_id"] == "A1")
    ambassador = {"user-agent": CHROME, "accept-language": "nl-NL,nl;q=0.9", "x-forwarded-for": "10.0.0.1"}
    pressed = requests.get(a1["share"]["linkedin"], headers=ambassador, allow_redirects=False, timeout=10)
    assert pressed.status_code == 302, pressed.text
    dialog = urlsplit(pressed.headers["location"])
    assert (dialog.hostname, dialog.path) == ("www.linkedin.com", "/sharing/share-offsite/")
    tracked = parse_qs(dialog.query)["url"][0]
    assert tracked == f"{a1['link']}?ch=linkedin"

    candidate = {"user-agent": SAFARI_IOS, "accept-language": "nl-NL", "x-forwarded-for": "198.51.100.7"}
    clicked = requests.get(tracked, headers=candidate, allow_redirects=False, timeout=10)
    assert clicked.status_code == 302
    assert clicked.headers["cache-control"] == "no-store"
    assert "set-cookie" not in clicked.headers
    landing = urlsplit(clicked.headers["location"])
    assert f"{landing.scheme}://{landing.hostname}{landing.path}" == vacancy.json()["url"]
    query = parse_qs(landing.query)
    assert query["utm_source"] == ["linkedin"]
    assert is_click_token(query["kref"][0])
    assert "A1" not in clicked.headers["location"]

    preview = {"user-agent": LINKEDIN_BOT, "x-forwarded-for": "192.0.2.44"}
    assert requests.get(tracked, headers=preview, allow_redirects=False, timeout=10).status_code == 302
    assert requests.get(tracked, headers=ambassador, allow_redirects=False, timeout=10).status_code == 302

    totals = _funnel_totals(running, "greenhouse-7701", until=lambda t: t["clicks"] + t["bot_clicks"] >= 2)
    assert totals["share_intents"] == 1
    assert totals["clicks"] == 1
    assert totals["raw_clicks"] == 1
    assert totals["unique_visitor_days"] == 1
    assert totals["bot_clicks"] == 1
    assert totals["bot_clicks_by_reason"]["preview"] == 1
    assert _funnel_totals(running, "greenhouse-7701", until=lambda t: t["own_clicks"] >= 1)["own_clicks"] == 1

    # The candidate applies in Greenhouse with the click token (the careers page's "Kring referral
    # code" field), is interviewed and hired: credited to A1 and LinkedIn, with a pending reward.
    token = query["kref"][0]
    application = _greenhouse_application(token)
    for action, changes in (
        ("new_candidate_application", {}),
        ("candidate_stage_change", {"current_stage": {"id": 3, "name": "Face to Face", "interviews": []}}),
        (
            "hire_candidate",
            {
                "status": "hired",
                "current_stage": {"id": 4, "name": "Offer", "interviews": []},
                "offer": {"id": 9, "version": 1, "resolved_at": application["applied_at"]},
            },
        ),
    ):
        body, headers = _signed({"action": action, "payload": {"application": {**application, **changes}}})
        answered = requests.post(f"{running.url}/webhooks/greenhouse", data=body, headers=headers, timeout=10)
        assert answered.status_code == 200, answered.text
    totals = _funnel_totals(running, "greenhouse-7701", until=lambda t: t["hires"] >= 1)
    assert (totals["applications"], totals["interviews"], totals["hires"]) == (1, 1, 1)
    assert totals["applications_by_method"]["click_token"] == 1
    explained = requests.get(
        f"{running.url}/api/applications/greenhouse/{application['id']}/attribution",
        headers=running.admin(),
        timeout=10,
    ).json()
    assert (explained["method"], explained["ambassador_id"], explained["channel"]) == (
        "click_token",
        "A1",
        "linkedin",
    )
    assert explained["click_token"] == token
    assert explained["hired"] is True
    stats = requests.get(
        f"{running.url}/api/ambassadors/A1/stats", headers=running.admin(), timeout=10
    ).json()
    assert stats["totals"]["hires"] == 1
    rewards = requests.get(f"{running.url}/api/rewards", headers=running.admin(), timeout=10).json()["items"]
    assert [(r["ambassador_id"], r["status"], r["application_id"]) for r in rewards] == [
        ("A1", "pending", str(application["id"]))
    ]
    program = requests.get(f"{running.url}/api/program/funnel", headers=running.admin(), timeout=10).json()
    assert program["totals"]["hires"] == 1
    assert program["by_channel"]["linkedin"]["hires"] == 1


def _greenhouse_application(token: str) -> dict[str, Any]:
    """A Greenhouse application for POST's job, with the click token in a custom field."""
    return {
        "id": 66001,
        "status": "active",
        "applied_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "job_post_id": 7701,
        "source": {"id": 5, "public_name": "LinkedIn"},
        "credited_to": None,
        "current_stage": {"id": 1, "name": "Application Review", "interviews": []},
        "custom_fields": {
            "kring_referral_code": {"name": "Kring referral code", "type": "short_text", "value": token}
        },
        "jobs": [{"id": 77, "name": "Data Engineer"}],
        "candidate": {"id": 55001, "email_addresses": [{"value": "cand@example.org", "type": "personal"}]},
    }


def test_an_ambassador_who_chose_instant_notices_finds_the_new_vacancy_in_the_outbox(
    stack_factory: Callable[..., Running], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = stack_factory(demo=False)
    for person in (
        {
            "id": "A1",
            "name": "Sanne Instant",
            "email": "a1@example.com",
            "phase": "decision",
            "opted_in": True,
        },
        {"id": "A2", "name": "Digest Only", "email": "a2@example.com", "phase": "decision", "opted_in": True},
    ):
        person["locale"] = "nl"
        created = requests.post(
            f"{running.url}/api/ambassadors", json=person, headers=running.admin(), timeout=10
        )
        assert created.status_code == 201, created.text
    # A1 ticks "new vacancies at once" on the preferences page of their signed link
    monkeypatch.setenv("KRING_MAIL_LINK_KEY", MAIL_LINK_KEY)
    monkeypatch.delenv("SECRETS_SSM_PATH", raising=False)
    unsubscribe.clear_cache()
    page_url = f"{running.url}/mail/preferences/{unsubscribe.make_token('A1', 'preferences')}"
    page = requests.get(page_url, timeout=10)
    assert page.status_code == 200, page.text
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    saved = requests.post(
        page_url,
        data={"digest_frequency": "weekly", "instant_vacancies": "on", "csrf": csrf},
        timeout=10,
    )
    assert saved.status_code == 200, saved.text
    unsubscribe.clear_cache()

    for delivery in (JOB, POST):
        body, headers = _signed(delivery)
        answered = requests.post(f"{running.url}/webhooks/greenhouse", data=body, headers=headers, timeout=10)
        assert answered.status_code == 200, answered.text
    links = {i["ambassador_id"]: i for i in _shares(running, "greenhouse-7701", expected=2)}
    assert sorted(links) == ["A1", "A2"]

    outbox = tmp_path / "data" / "outbox"
    deadline = time.monotonic() + 90  # the fan-out, the gathering delay, the sender: a bound, not a timing
    while not list(outbox.glob("*.eml")):
        assert time.monotonic() < deadline, running.log.read_text()[-3000:]
        time.sleep(0.5)
    time.sleep(2 * INSTANT_DELAY_SECONDS)  # anything else would have come by now
    [eml] = list(outbox.glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "a1@example.com"
    # one notice for the burst: the new vacancy, and with it the job feeds' vacancies polled at
    # start when A1's catch-up links (links follow eligibility) were announced after the tick
    subject = str(message["Subject"])
    assert subject == "Nieuwe vacature om te delen: Data Engineer" or re.fullmatch(
        r"\d+ nieuwe vacatures om te delen", subject
    ), subject
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert "Data Engineer" in content
    assert f"{links['A1']['share']['linkedin']}" in content
    assert links["A1"]["link"] in content
    listing = requests.get(f"{running.url}/outbox", timeout=10)
    assert subject in listing.text


def test_the_demo_loads_once_and_survives_a_restart(
    stack_factory: Callable[..., Running], tmp_path: Path
) -> None:
    data_dir = tmp_path / "demo"
    running = stack_factory(demo=True, data_dir=data_dir)
    _wait_for_banner(running)
    demo = json.loads((ROOT / "infra" / "local" / "demo_org.json").read_text())
    listed = requests.get(f"{running.url}/api/ambassadors?limit=100", headers=running.admin(), timeout=10)
    assert len(listed.json()["items"]) == len(demo["ambassadors"])
    # the demo's ambassadors came in as a CSV import, and the banner says how to read its report
    printed = re.search(
        rf"curl -s -H '[^']+' ({re.escape(running.url)}/api/ambassadors/imports/\w+)", running.log.read_text()
    )
    assert printed, running.log.read_text()[-3000:]
    demo_import = requests.get(printed.group(1), headers=running.admin(), timeout=10).json()
    assert (demo_import["status"], demo_import["counts"]["created"]) == (
        "completed",
        len(demo["ambassadors"]),
    )
    first = _shares(running, "greenhouse-4100001", expected=1)
    assert first, "the demo vacancy has no share links"
    demo_totals = _funnel_totals(running, "greenhouse-4100001", until=lambda t: t["own_clicks"] >= 5)
    # the banner's figures are the funnel's it points to
    banner = re.search(
        r"(\d+) of them shared it; their links had (\d+) clicks by people \((\d+) with repeats within the"
        r" hour\), (\d+) by bots and (\d+) by the ambassadors themselves; (\d+) applications",
        running.log.read_text(),
    )
    assert banner is not None, running.log.read_text()[-3000:]
    assert [int(n) for n in banner.groups()] == [
        demo_totals[name]
        for name in ("share_intents", "clicks", "raw_clicks", "bot_clicks", "own_clicks", "applications")
    ]
    assert demo_totals["share_intents"] == 5  # five ambassadors pressed a share button …
    assert demo_totals["own_clicks"] == 5  # … and followed their own link once
    assert demo_totals["clicks"] > 0
    assert demo_totals["raw_clicks"] > demo_totals["clicks"]  # one candidate came back within the hour
    assert demo_totals["bot_clicks_by_reason"]["preview"] == 5
    assert demo_totals["bot_clicks_by_reason"]["head"] == 5
    # three applications: one through a click (hired), one referred in Greenhouse, one alone
    assert (demo_totals["applications"], demo_totals["hires"]) == (3, 1)
    assert demo_totals["applications_by_method"] == {
        "referral": 1,
        "click_token": 1,
        "share_code": 0,
        "unattributed": 1,
    }
    # the job feeds were polled at start: the demo's Lever postings and Workable job are vacancies
    listed_vacancies = requests.get(
        f"{running.url}/api/vacancies?limit=50", headers=running.admin(), timeout=10
    )
    providers = sorted(v["provider"] for v in listed_vacancies.json()["items"])
    assert providers == ["greenhouse", "lever", "lever", "workable"]
    # … opened before the ambassadors were imported, yet they have links: links follow eligibility
    feed_links = {
        v["id"]: len(_shares(running, v["id"], expected=1))
        for v in listed_vacancies.json()["items"]
        if v["provider"] != "greenhouse"
    }
    assert all(feed_links.values()), feed_links
    caught_up = re.search(
        r"Lever and Workable vacancies, open\s+before the ambassadors came: (\d+) links",
        running.log.read_text(),
    )
    assert caught_up is not None
    assert int(caught_up.group(1)) == sum(feed_links.values())
    # the demo's hire reached its ambassador as a hire notice, in the outbox; its links work here
    notice = _outbox_message(running, seconds=90)
    assert "List-Unsubscribe=One-Click" in notice
    unsubscribe = re.search(r"&lt;(http://[^&]+/mail/unsubscribe/[A-Za-z0-9_-]+)&gt;", notice)
    assert unsubscribe, notice[:3000]
    page = requests.get(unsubscribe.group(1), timeout=10)
    assert page.status_code == 200
    assert 'method="post"' in page.text
    # the demo's digests are there after the first start: the talent team's (its two addresses,
    # Dutch and English) and this week's ambassador digest of everyone who shared
    sharers = sorted({s["ambassador_id"] for s in first})
    people = {a["id"]: a["email"] for a in demo["ambassadors"]}
    wanted = {r["email"] for r in demo["team"]["recipients"]} | {people[a] for a in sharers}
    # and the demo's invitation campaign: everyone who has not volunteered yet
    invited = {a["email"] for a in demo["ambassadors"] if a["phase"] in ("awareness", "interest")}
    listed_to = _outbox_recipients(running, wanted | invited, seconds=120)
    assert wanted | invited <= listed_to
    assert "the demo's digests for this week are there" in running.log.read_text()
    assert f"the {len(invited)} ambassadors who have not volunteered yet find their invitation" in (
        " ".join(running.log.read_text().split())
    )
    _stop(running)
    assert running.process.returncode == 0  # a clean shutdown on SIGTERM …
    with socket.socket() as probe:  # … which stopped DynamoDB Local too
        assert probe.connect_ex(("127.0.0.1", running.dynamodb_port)) != 0

    again = stack_factory(demo=True, data_dir=data_dir)
    _wait_for_banner(again)
    assert "POST /api/ambassadors" not in again.log.read_text()  # the demo is not loaded twice
    after = requests.get(
        f"{again.url}/api/vacancies/greenhouse-4100001/shares?limit=100", headers=again.admin(), timeout=10
    )
    assert {i["code"] for i in after.json()["items"]} >= {i["code"] for i in first}


def _outbox_message(running: Running, seconds: float) -> str:
    """The page of the first message the outbox lists, once it lists one."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listing = requests.get(f"{running.url}/outbox", timeout=10)
        found = re.search(r'href="(/outbox/[^"]+\.eml)"', listing.text)
        if found:
            return requests.get(running.url + found.group(1), timeout=10).text
        time.sleep(0.5)
    raise AssertionError(f"no mail in the outbox: {running.log.read_text()[-3000:]}")


def _outbox_recipients(running: Running, wanted: set[str], seconds: float) -> set[str]:
    """The addresses the outbox lists mail to, once it lists every one of ``wanted`` (or the
    deadline passes)."""
    deadline = time.monotonic() + seconds
    listed: set[str] = set()
    while time.monotonic() < deadline:
        page = requests.get(f"{running.url}/outbox", timeout=10).text
        listed = set(re.findall(r"<td>([^<@]+@[^<]+)</td>", page))
        if wanted <= listed:
            break
        time.sleep(0.5)
    return listed


def _import(running: Running, data: bytes, filename: str) -> dict[str, Any]:
    """Upload a file as `curl -F file=@…` does; the finished import job with its report."""
    started = requests.post(
        f"{running.url}/api/ambassadors/import",
        files={"file": (filename, data, "text/csv")},
        headers=running.admin(),
        timeout=30,
    )
    assert started.status_code == 202, started.text
    status_url = running.url + started.json()["status_url"]
    assert started.headers["location"] == started.json()["status_url"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report: dict[str, Any] = requests.get(status_url, headers=running.admin(), timeout=10).json()
        if report["status"] == "completed":
            return report
        time.sleep(0.2)
    raise AssertionError(f"the import did not complete: {report}")


def test_a_dutch_excel_file_and_a_partial_re_import_over_http(stack_factory: Callable[..., Running]) -> None:
    running = stack_factory(demo=False)
    # Excel in a Dutch locale: ';', CRLF, Windows-1252, WAAR/ONWAAR, interests split on ',' and '|'
    dutch = (
        "id;name;email;locale;department;interests;phase;opted_in;share_cap_per_week;;\r\n"
        "N1;Zoë de Wit;zoe@example.com;nl;Financiën;Finance, Data;decision;WAAR;2;;\r\n"
        "N2;Bram Smit;bram@example.com;nl;Verkoop;Sales|Utrecht;interest;ONWAAR;;;\r\n"
    ).encode("cp1252")
    report = _import(running, dutch, "medewerkers.csv")
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert report["eligibility"] == {
        "eligible": 1,
        "not_eligible": 1,
        "reasons": {"not_opted_in": 1, "phase": 1, "dormant": 0, "left": 0},
    }
    zoe = requests.get(f"{running.url}/api/ambassadors/N1", headers=running.admin(), timeout=10).json()
    assert (zoe["name"], zoe["department"], zoe["interests"], zoe["opted_in"]) == (
        "Zoë de Wit",
        "Financiën",
        ["Finance", "Data"],
        True,
    )

    # HR's routine export re-imported: only what it carries changes, and the report says what
    report = _import(running, b"id,name,email\nN1,Zoe de Wit-Jansen,zoe@example.com\n", "hr-export.csv")
    assert report["lines"] == [
        {
            "line": 2,
            "id": "N1",
            "status": "updated",
            "changed": ["name"],
            "eligible": True,
            "not_eligible": [],
            "errors": [],
        }
    ]
    after = requests.get(f"{running.url}/api/ambassadors/N1", headers=running.admin(), timeout=10).json()
    assert {k: v for k, v in after.items() if k not in ("name", "updated_at")} == {
        k: v for k, v in zoe.items() if k not in ("name", "updated_at")
    }

    # and a partial update by hand
    patched = requests.patch(
        f"{running.url}/api/ambassadors/N2",
        json={"opted_in": True, "phase": "evangelize"},
        headers={**running.admin(), "content-type": "application/merge-patch+json"},
        timeout=10,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["eligible_to_share"], patched.json()["interests"]) == (True, ["Sales", "Utrecht"])
