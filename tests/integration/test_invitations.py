"""Invitation campaigns end to end under moto, with the real handlers: the admin API launches a
campaign, the planner (on its launch event) queues one invitation per ambassador it is for, the
sender mails each once and announces ``AmbassadorInvited``; the personal link's page records a
person's interest (``InvitationOpened``) and nothing for a machine, and mails a sign-in link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from kring.dal.suppressions import Suppression, SuppressionRepository
from kring.links.identity import email_hash
from kring.models.ambassador import AmbassadorInput
from kring.programme.phases import Fact
from kring.programme.recorder import ProgrammeRecorder
from kring.roster.ambassadors import save_ambassador
from tests.support import mail
from tests.support.bus import Bus
from tests.support.fixtures import HttpResult, MotoStack

CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
PERSON = {"user-agent": CHROME, "accept-language": "nl-NL,nl;q=0.9"}
SCANNERS = [
    {"user-agent": "Mozilla/5.0 (compatible; Barracuda Sentinel)", "accept-language": "en"},
    {"user-agent": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"},
    {"user-agent": CHROME},  # a browser-like scanner: no Accept-Language
    {},  # no user agent at all
]


class World:
    def __init__(self, stack: MotoStack) -> None:
        self.stack = stack
        bus_name = stack.stack.physical_name("KringBus")
        self.api_bus = Bus(bus_name, "kring.api")
        self.programme_bus = Bus(bus_name, "kring.programme")
        self.portal_bus = Bus(bus_name, "kring.portal")

    def launch(self, body: Any) -> HttpResult:
        return self.stack.http("POST", "/api/programme/invitations", body=body, admin=True)

    def plan(self) -> int:
        """Run the planner on every launch announced so far (as the bus rule does); jobs queued."""
        launched = [e for e in self.api_bus.drain() if e["detail-type"] == "InvitationCampaignLaunched"]
        return sum(int(self.stack.invoke("MailPlannerFunction", e)["jobs"]) for e in launched)

    def send_queued(self) -> list[str]:
        bodies = [m["Body"] for m in self.stack.receive_all("MailQueue")]
        assert mail.send(self.stack, bodies) == []
        return bodies

    def campaigns(self) -> list[dict[str, Any]]:
        listed = self.stack.http("GET", "/api/programme/invitations", admin=True)
        assert listed.status == 200
        items: list[dict[str, Any]] = listed.json()["items"]
        return items


def _ambassador(
    ambassador_id: str, *, department: str, location: str, phase: str = "awareness", locale: str = "en"
) -> str:
    address = f"{ambassador_id.lower()}@people.example.com"
    save_ambassador(
        AmbassadorInput(
            id=ambassador_id,
            name=f"Sam {ambassador_id}",
            email=address,
            locale=locale,
            department=department,
            location=location,
            phase=phase,
        )
    )
    return address


@pytest.fixture
def world(moto_stack: MotoStack) -> World:
    mail.verify_sending_domain()
    _ambassador("E1", department="Sales", location="Utrecht", locale="nl")
    _ambassador("E2", department="sales ", location="London", phase="interest")
    _ambassador("E3", department="Engineering", location="Utrecht")
    _ambassador("E4", department="Sales", location="Utrecht", phase="decision")  # in already
    _ambassador("E5", department="Sales", location="London")
    ProgrammeRecorder().record("E5", Fact("left", datetime.now(UTC)))  # left: not invited
    suppressed = _ambassador("E6", department="Sales", location="Berlin")
    SuppressionRepository().suppress(
        Suppression(str(email_hash(suppressed)), "bounce", "test", datetime.now(UTC), "E6")
    )
    return World(moto_stack)


def _invitation_path(to: str) -> str:
    [message] = [m for m in mail.sent_messages() if m["To"] == to]
    text = mail.parts(message).text
    [url] = {w for w in text.split() if "/portal/invitation/" in w}
    return mail.path_of(url)


def test_a_campaign_mails_each_ambassador_it_is_for_once_and_counts_it(world: World) -> None:
    launched = world.launch({"audience": {"department": "Sales"}, "note": "Q1 kick-off", "by": "Noor"})
    assert launched.status == 202
    campaign = launched.json()
    assert campaign["audience"] == {"department": "Sales"}
    assert (campaign["sent"], campaign["opened"], campaign["by"]) == (0, 0, "Noor")

    # Sales (any case and spacing), not volunteered yet, not left; the suppressed one is queued
    # and skipped by the sender as every mail is
    assert world.plan() == 3  # E1, E2, E6
    world.send_queued()
    sent = mail.sent_messages()
    assert sorted(m["To"] for m in sent) == ["e1@people.example.com", "e2@people.example.com"]
    dutch = mail.parts(next(m for m in sent if m["To"] == "e1@people.example.com"))
    assert dutch.header("Subject") == "Je bent uitgenodigd voor Acme Ambassadors"
    assert "E1" not in _invitation_path("e1@people.example.com")  # names nobody
    assert dutch.header("List-Unsubscribe")  # invitations can be turned off
    assert dutch.text.count("/portal/invitation/") == 1
    assert [href for href, _ in dutch.links if "/portal/invitation/" in href]

    invited = world.programme_bus.drain()
    assert sorted((e["detail-type"], e["detail"]["ambassador_id"]) for e in invited) == [
        ("AmbassadorInvited", "E1"),
        ("AmbassadorInvited", "E2"),
    ]
    assert {e["detail"]["campaign_id"] for e in invited} == {campaign["id"]}

    # a retried launch, a redelivered plan and redelivered jobs send nothing more, count nothing more
    for _ in range(2):
        redelivered = world.stack.invoke(
            "MailPlannerFunction",
            {**json.loads(_launch_envelope(campaign["id"]))},
        )
        assert redelivered["jobs"] == 3
        bodies = world.send_queued()
        assert mail.send(world.stack, bodies) == []
    assert len(mail.sent_messages()) == 2
    [listed] = world.campaigns()
    assert (listed["id"], listed["sent"], listed["opened"], listed["note"]) == (
        campaign["id"],
        2,
        0,
        "Q1 kick-off",
    )


def _launch_envelope(campaign_id: str) -> str:
    from tests.support.bus import moto_account

    return json.dumps(
        {
            "version": "0",
            "id": "1b7e5a52-0000-0000-0000-00000000beef",
            "detail-type": "InvitationCampaignLaunched",
            "source": "kring.api",
            "account": moto_account(),
            "time": "2026-12-05T10:00:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": {
                "version": 1,
                "occurred_at": "2026-12-05T10:00:00Z",
                "correlation_id": f"campaign:{campaign_id}",
                "campaign_id": campaign_id,
            },
        }
    )


def test_audiences_everyone_and_a_location(world: World) -> None:
    assert world.launch({"audience": {"location": "utrecht"}}).status == 202
    assert world.plan() == 2  # E1, E3 (E4 is in already)
    assert world.launch({"audience": "everyone"}).status == 202
    assert world.plan() == 4  # E1, E2, E3, E6
    world.send_queued()
    # one mail per ambassador and campaign: E1 and E3 got two (two campaigns), E2 one
    assert sorted(m["To"] for m in mail.sent_messages()) == [
        "e1@people.example.com",
        "e1@people.example.com",
        "e2@people.example.com",
        "e3@people.example.com",
        "e3@people.example.com",
    ]
    newest, oldest = world.campaigns()
    assert (newest["audience"], newest["sent"]) == ("everyone", 3)
    assert (oldest["audience"], oldest["sent"]) == ({"location": "utrecht"}, 2)
    first = world.stack.http("GET", "/api/programme/invitations", query="limit=1", admin=True).json()
    assert [c["id"] for c in first["items"]] == [newest["id"]]
    second = world.stack.http(
        "GET", "/api/programme/invitations", query=urlencode({"limit": 1, "next": first["next"]}), admin=True
    ).json()
    assert [c["id"] for c in second["items"]] == [oldest["id"]]


def test_a_machine_opening_the_link_records_nothing_and_a_person_is_interested_once(world: World) -> None:
    world.launch({"audience": {"department": "Sales"}})
    world.plan()
    world.send_queued()
    world.portal_bus.drain()
    path = _invitation_path("e1@people.example.com")

    for headers in SCANNERS:
        seen = world.stack.http("GET", path, headers=headers)
        assert seen.status == 200
        assert 'lang="nl"' in seen.body  # the invited person's language, whoever asks
    assert world.portal_bus.drain() == []
    assert world.campaigns()[0]["opened"] == 0

    opened = world.stack.http("GET", path, headers=PERSON)
    assert opened.status == 200
    assert "Wat collega&#39;s bereikten" in opened.body
    assert 'method="post"' in opened.body
    assert "e1@people.example.com" not in opened.body
    assert "Sam E1" not in opened.body
    [event] = world.portal_bus.drain()
    assert event["detail-type"] == "InvitationOpened"
    assert event["detail"]["ambassador_id"] == "E1"

    assert world.stack.http("GET", path, headers=PERSON).status == 200  # again: once is enough
    assert world.portal_bus.drain() == []
    assert world.campaigns()[0]["opened"] == 1


def test_the_invitation_s_button_mails_a_sign_in_link_to_the_address_on_the_roster(world: World) -> None:
    world.launch({"audience": {"department": "Sales"}})
    world.plan()
    world.send_queued()
    path = _invitation_path("e2@people.example.com")
    before = len(mail.sent_messages())

    foreign = world.stack.http(
        "POST",
        path,
        body="",
        headers={"content-type": "application/x-www-form-urlencoded", "origin": "https://evil.example.com"},
    )
    assert foreign.status == 400
    asked = world.stack.http(
        "POST", path, body=urlencode({}), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert asked.status == 200
    sign_in_mail = mail.sent_messages()[before:]
    assert [m["To"] for m in sign_in_mail] == ["e2@people.example.com"]
    link = next(w for w in mail.parts(sign_in_mail[0]).text.split() if "/portal/sign-in/" in w)
    used = world.stack.http(
        "POST", mail.path_of(link), body="", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert used.status == 303  # signed in


@pytest.mark.parametrize(
    "path",
    [
        "/portal/invitation/not-a-token",
        "/portal/invitation/" + "A" * 140,
    ],
)
def test_a_link_kring_did_not_make_is_a_404_page_and_records_nothing(world: World, path: str) -> None:
    assert world.stack.http("GET", path, headers=PERSON).status == 404
    assert (
        world.stack.http(
            "POST", path, body="", headers={"content-type": "application/x-www-form-urlencoded"}
        ).status
        == 404
    )
    assert world.portal_bus.drain() == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        ({"audience": "some"}, 422, "audience"),
        ({"audience": {"department": ""}}, 422, "audience"),
        ({"audience": {"department": "Sales", "location": "Utrecht"}}, 422, "audience"),
        ({"audience": {"team": "Sales"}}, 422, "audience"),
        ({}, 422, "audience"),
        ({"audience": "everyone", "note": "x" * 501}, 422, "note"),
        ({"audience": "everyone", "colour": "red"}, 422, "colour"),
        (["everyone"], 422, None),
    ],
)
def test_bad_campaigns_are_refused_with_a_json_4xx_and_change_nothing(
    world: World, body: Any, status: int, field: str | None
) -> None:
    answer = world.launch(body)
    assert answer.status == status
    error = answer.json()["error"]
    if field is not None:
        assert any(d["field"].startswith(field) for d in error["details"]), error
    assert world.campaigns() == []
    assert world.api_bus.drain() == []


def test_the_campaign_routes_need_the_admin_token_and_a_valid_page_token(world: World) -> None:
    assert world.stack.http("GET", "/api/programme/invitations").status == 401
    assert world.stack.http("POST", "/api/programme/invitations", body={"audience": "everyone"}).status == 401
    assert world.stack.http("GET", "/api/programme/invitations", query="next=bogus", admin=True).status == 400
    assert world.stack.http("DELETE", "/api/programme/invitations", admin=True).status == 405


def test_the_programme_page_is_public_in_both_languages_and_names_nobody(world: World) -> None:
    english = world.stack.http("GET", "/portal/programme", headers={"accept-language": "en-GB"})
    dutch = world.stack.http("GET", "/portal/programme", headers={"accept-language": "nl"})
    assert (english.status, dutch.status) == (200, 200)
    assert "What colleagues achieved" in english.body
    assert 'lang="en"' in english.body
    assert "Wat collega&#39;s bereikten" in dutch.body
    assert "Sam E1" not in english.body
    assert world.portal_bus.drain() == []  # nobody signed in: nobody's interest


def test_the_invitation_s_unsubscribe_link_turns_invitations_off_and_saving_preferences_keeps_it(
    world: World,
) -> None:
    from kring.dal.mail_preferences import MailPreferenceRepository
    from kring.mail import unsubscribe

    world.launch({"audience": {"department": "Sales"}})
    world.plan()
    world.send_queued()
    [message] = [m for m in mail.sent_messages() if m["To"] == "e1@people.example.com"]
    url = str(message["List-Unsubscribe"]).strip("<>").split(">")[0]
    assert "/mail/unsubscribe/" in url
    done = world.stack.http(
        "POST",
        mail.path_of(url),
        body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status == 200
    assert MailPreferenceRepository().get("E1").invitations is False

    # the preferences page of another mail saves what it shows and keeps invitations off
    token = unsubscribe.make_token("E1", "preferences")
    page = world.stack.http("GET", f"/mail/preferences/{token}")
    csrf = page.body.split('name="csrf" value="')[1].split('"')[0]
    saved = world.stack.http(
        "POST",
        f"/mail/preferences/{token}",
        body=urlencode({"digest_frequency": "weekly", "csrf": csrf}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert saved.status == 200
    assert MailPreferenceRepository().get("E1").invitations is False

    before = len(mail.sent_messages())
    world.launch({"audience": {"department": "Sales"}})
    assert world.plan() == 3  # planned as before; the sender skips whoever turned invitations off
    world.send_queued()
    assert [m["To"] for m in mail.sent_messages()[before:]] == ["e2@people.example.com"]
