"""The ambassador portal's handler under moto: sign-in by mailed link, sessions, CSRF, rate limits,
the programme forms and their events, the data export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from kring import aws, config
from kring.access import mailed_links
from kring.dal.items import deserialize
from kring.dal.portal_store import PortalRepository
from kring.dal.share_links import ShareLinkRepository
from kring.models.vacancy import ShareLink
from kring.portal import sign_in
from kring.roster.ambassadors import get_ambassador
from tests.support import mail
from tests.support.bus import Bus
from tests.support.fixtures import HttpResult, MotoStack
from tests.support.pages import get_page as _get
from tests.support.pages import post_form as _post


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    mail.verify_sending_domain()
    return moto_stack


def _link_of_last_mail() -> str:
    text = mail.parts(mail.sent_messages()[-1]).text
    [url] = [word for word in text.split() if "/portal/sign-in/" in word]
    return mail.path_of(url)


def _sign_in(world: MotoStack, address: str) -> str:
    """The session cookie (``name=value``) of a sign-in through the mailed link."""
    asked = _post(world, "/portal/sign-in", {"email": address})
    assert asked.status == 200
    used = _post(world, _link_of_last_mail(), {})
    assert used.status == 303
    [cookie] = used.cookies
    return cookie.split(";")[0]


def _csrf(page: HttpResult) -> str:
    return page.body.split('name="csrf" value="')[1].split('"')[0]


def _all_items() -> list[dict[str, Any]]:
    got = aws.dynamodb().scan(TableName=config.tables().table_name)  # test inspection only
    return sorted((deserialize(i) for i in got["Items"]), key=lambda i: (i["pk"], i["sk"]))


def test_a_mailed_link_signs_in_once_with_a_secure_cookie_and_a_scanner_s_get_uses_nothing(
    world: MotoStack,
) -> None:
    address = mail.put_ambassador("E1", locale="nl")
    asked = _post(world, "/portal/sign-in", {"email": address.upper()})
    assert asked.status == 200
    [message] = mail.sent_messages()
    assert message["To"] == address
    assert message["List-Unsubscribe"] is None  # a mail one asked for
    path = _link_of_last_mail()
    token = path.rsplit("/", 1)[1]
    assert token not in json.dumps(_all_items())  # only its keyed hash is stored

    for _ in range(3):  # a mail scanner fetching the link
        shown = _get(world, path)
        assert shown.status == 200
        assert '<form method="post"' in shown.body
    used = _post(world, path, {})
    assert used.status == 303
    assert used.headers["location"] == "/portal"
    [cookie] = used.cookies
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/portal"} <= {p.strip() for p in cookie.split(";")}
    home = _get(world, "/portal", cookie.split(";")[0])
    assert home.status == 200
    assert 'lang="nl"' in home.body

    again = _post(world, path, {})
    assert again.status == 404
    assert again.cookies == []
    assert _get(world, path).status == 404


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world: MotoStack) -> None:
    address = mail.put_ambassador("E1")
    known = _post(world, "/portal/sign-in", {"email": address})
    unknown = _post(world, "/portal/sign-in", {"email": "nobody@people.example.com"})
    assert (known.status, known.body) == (unknown.status, unknown.body)
    assert len(mail.sent_messages()) == 1
    assert _post(world, "/portal/sign-in", {"email": "not an address"}).status == 400


def test_an_expired_link_signs_nobody_in(world: MotoStack) -> None:
    address = mail.put_ambassador("E1")
    now = datetime.now(UTC)
    assert sign_in.request_link(address, invite=None, now=now - timedelta(minutes=16)) == "sent"
    path = _link_of_last_mail()
    assert _get(world, path).status == 404
    assert _post(world, path, {}).status == 404


def test_sign_in_links_are_rate_limited_per_address_for_known_and_unknown_alike(world: MotoStack) -> None:
    address = mail.put_ambassador("E1")
    for address_tried in (address, "nobody@people.example.com"):
        answers = [_post(world, "/portal/sign-in", {"email": address_tried}).status for _ in range(7)]
        assert answers == [200] * mailed_links.PER_ADDRESS_LIMIT + [429, 429]
    assert len(mail.sent_messages()) == mailed_links.PER_ADDRESS_LIMIT


def test_pages_need_a_session_and_forms_need_its_csrf_token_and_own_origin(world: MotoStack) -> None:
    address = mail.put_ambassador("E1")
    for path in ("/portal", "/portal/vacancies", "/portal/results", "/portal/my-data", "/portal/invite"):
        anonymous = _get(world, path)
        assert (anonymous.status, anonymous.headers["location"]) == (303, "/portal/sign-in")
    assert _get(world, "/portal", "kring_portal=" + "A" * 43).status == 303  # a made-up session

    cookie = _sign_in(world, address)
    csrf = _csrf(_get(world, "/portal", cookie))
    before = _all_items()
    fields = {"consent": "yes", "locale": "en", "interests": "Sales"}
    assert _post(world, "/portal/volunteer", fields, cookie).status == 403  # no token
    assert _post(world, "/portal/volunteer", {**fields, "csrf": "x" * 43}, cookie).status == 403
    foreign = _post(
        world, "/portal/volunteer", {**fields, "csrf": csrf}, cookie, origin="https://evil.example"
    )
    assert foreign.status == 403
    assert _post(world, "/portal/volunteer", {**fields, "csrf": csrf}).status == 303  # no session: sign in
    assert get_ambassador("E1").opted_in is False
    assert [i for i in _all_items() if i["pk"].startswith("AMB#")] == [
        i for i in before if i["pk"].startswith("AMB#")
    ]

    origin = config.links().base
    done = _post(world, "/portal/volunteer", {**fields, "csrf": csrf}, cookie, origin=origin)
    assert done.status == 303
    assert get_ambassador("E1").opted_in is True


def test_volunteering_stores_consent_and_choices_and_publishes_the_facts(world: MotoStack) -> None:
    bus = Bus(config.bus().event_bus_name, source="kring.portal")
    inviter_address = mail.put_ambassador("E1")
    colleague_address = mail.put_ambassador("E2")
    inviter = _sign_in(world, inviter_address)
    invite_page = _get(world, "/portal/invite", inviter)
    invite_path = mail.path_of(invite_page.body.split('id="invite-link" value="')[1].split('"')[0])
    assert _get(world, invite_path).status == 200
    assert _get(world, "/portal/join/" + "x" * 22).status == 404

    # the colleague signs in from the invitation: the invite goes along with the link
    asked = _post(
        world, "/portal/sign-in", {"email": colleague_address, "invite": invite_path.rsplit("/", 1)[1]}
    )
    assert asked.status == 200
    used = _post(world, _link_of_last_mail(), {})
    colleague = used.cookies[0].split(";")[0]
    home = _get(world, "/portal", colleague)
    fields = {
        "csrf": _csrf(home),
        "consent": "yes",
        "interests": "Sales, Amsterdam,  ",
        "network_linkedin": "on",
        "network_whatsapp": "on",
        "locale": "nl",
    }
    assert _post(world, "/portal/volunteer", {**fields, "consent": ""}, colleague).status == 400
    assert _post(world, "/portal/volunteer", fields, colleague).status == 303
    assert _post(world, "/portal/volunteer", fields, colleague).status == 303  # twice: credited once

    profile = get_ambassador("E2")
    assert (profile.interests, profile.locale, profile.opted_in) == (["Sales", "Amsterdam"], "nl", True)
    portal = PortalRepository().get_profile("E2")
    assert portal.volunteered
    assert portal.consent_version
    assert portal.consented_at is not None
    assert portal.networks == ("linkedin", "whatsapp")
    assert PortalRepository().recruited_by("E2") == "E1"
    assert PortalRepository().recruits_of("E1") == ["E2"]

    events = [(e["detail-type"], e["detail"]) for e in bus.drain()]
    kinds = [kind for kind, _ in events]
    assert kinds.count("AmbassadorVolunteered") == 2
    assert kinds.count("ColleagueRecruited") == 1
    assert "ProgrammePageOpened" in kinds
    [recruited] = [d for k, d in events if k == "ColleagueRecruited"]
    assert (recruited["inviter_id"], recruited["colleague_id"]) == ("E1", "E2")
    assert "1 colleague joined" in _get(world, "/portal/invite", inviter).body


def test_onboarding_steps_leave_and_rejoin(world: MotoStack) -> None:
    bus = Bus(config.bus().event_bus_name, source="kring.portal")
    cookie = _sign_in(world, mail.put_ambassador("E1"))
    csrf = _csrf(_get(world, "/portal", cookie))
    _post(world, "/portal/volunteer", {"csrf": csrf, "consent": "yes", "locale": "en"}, cookie)
    assert _post(world, "/portal/steps/guidelines", {"csrf": csrf}, cookie).status == 303
    assert _post(world, "/portal/steps/goal", {"csrf": csrf, "goal": "0"}, cookie).status == 400
    assert _post(world, "/portal/steps/goal", {"csrf": csrf, "goal": "4"}, cookie).status == 303
    assert _post(world, "/portal/steps/nonsense", {"csrf": csrf}, cookie).status == 400
    portal = PortalRepository().get_profile("E1")
    assert (portal.steps_done, portal.goal_shares_per_month) == (("guidelines", "goal"), 4)
    assert "0 shares this month, of your goal of 4" in _get(world, "/portal", cookie).body

    assert _post(world, "/portal/leave", {"csrf": csrf}, cookie).status == 303
    assert get_ambassador("E1").opted_in is False
    assert "Come back to the programme" in _get(world, "/portal", cookie).body
    assert _post(world, "/portal/rejoin", {"csrf": csrf}, cookie).status == 303
    assert get_ambassador("E1").opted_in is True
    kinds = [e["detail-type"] for e in bus.drain()]
    for kind in ("OnboardingStepCompleted", "AmbassadorLeftProgramme", "AmbassadorRejoinedProgramme"):
        assert kind in kinds
    assert kinds.count("OnboardingStepCompleted") == 2


def test_vacancies_show_share_buttons_and_the_link_to_copy(world: MotoStack) -> None:
    from tests.support.digests import put_vacancy

    put_vacancy("1", title="Data <Engineer>", department=None, published_at=datetime.now(UTC))
    put_vacancy("2", title="Closed one", department=None, published_at=datetime.now(UTC), status="closed")
    now = datetime.now(UTC)
    ShareLinkRepository().put_links(
        [
            ShareLink(code="AbCdEfGhIj", vacancy_id="greenhouse-1", ambassador_id="E1", created_at=now),
            ShareLink(code="ZyXwVuTsRq", vacancy_id="greenhouse-2", ambassador_id="E1", created_at=now),
            ShareLink(code="KlMnOpQrSt", vacancy_id="greenhouse-1", ambassador_id="E2", created_at=now),
        ]
    )
    cookie = _sign_in(world, mail.put_ambassador("E1"))
    page = _get(world, "/portal/vacancies", cookie)
    assert page.status == 200
    assert "Data &lt;Engineer&gt;" in page.body
    assert f"{config.links().base}/s/AbCdEfGhIj/linkedin" in page.body
    assert f'value="{config.links().base}/r/AbCdEfGhIj" readonly' in page.body
    assert "Closed one" not in page.body
    assert "KlMnOpQrSt" not in page.body  # a colleague's link
    assert "script-src 'sha256-" in page.headers["content-security-policy"]


def test_preferences_change_mail_language_and_interests(world: MotoStack) -> None:
    from kring.dal.mail_preferences import MailPreferenceRepository

    cookie = _sign_in(world, mail.put_ambassador("E1"))
    csrf = _csrf(_get(world, "/portal/preferences", cookie))
    saved = _post(
        world,
        "/portal/preferences",
        {"csrf": csrf, "digest_frequency": "monthly", "locale": "nl", "interests": "IT", "network_x": "on"},
        cookie,
    )
    assert (saved.status, saved.headers["location"]) == (303, "/portal/preferences?saved=1")
    assert MailPreferenceRepository().get("E1").digest_frequency == "monthly"
    assert (get_ambassador("E1").locale, get_ambassador("E1").interests) == ("nl", ["IT"])
    assert PortalRepository().get_profile("E1").networks == ("x",)
    bad = _post(world, "/portal/preferences", {"csrf": csrf, "digest_frequency": "hourly"}, cookie)
    assert bad.status == 400


def test_my_data_is_everything_kring_holds_about_me_and_nobody_else(world: MotoStack) -> None:
    cookie = _sign_in(world, mail.put_ambassador("E1"))
    mail.put_ambassador("E2")
    csrf = _csrf(_get(world, "/portal", cookie))
    _post(world, "/portal/volunteer", {"csrf": csrf, "consent": "yes", "locale": "en"}, cookie)
    got = _get(world, "/portal/my-data", cookie)
    assert got.status == 200
    assert got.headers["content-type"].startswith("application/json")
    assert "attachment" in got.headers["content-disposition"]
    data = json.loads(got.body)
    assert data["ambassador_id"] == "E1"
    assert data["records"]["PROFILE"]["email"] == "e1@people.example.com"
    assert data["records"]["PORTAL"]["consent_version"]
    assert "e2@people.example.com" not in got.body


def test_sign_out_ends_the_session(world: MotoStack) -> None:
    cookie = _sign_in(world, mail.put_ambassador("E1"))
    csrf = _csrf(_get(world, "/portal", cookie))
    out = _post(world, "/portal/sign-out", {"csrf": csrf}, cookie)
    assert out.status == 200
    assert "Max-Age=0" in out.cookies[0]
    assert _get(world, "/portal", cookie).status == 303
    assert not [i for i in _all_items() if i["pk"].startswith("SESSION#")]


PORTAL_POSTS = [
    "/portal/volunteer",
    "/portal/steps/goal",
    "/portal/leave",
    "/portal/rejoin",
    "/portal/preferences",
]


def test_hostile_portal_posts_answer_below_500_and_without_the_session_s_token_change_nothing(
    world: MotoStack,
) -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.support import hostile

    cookie = _sign_in(world, mail.put_ambassador("E1"))
    segments = st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="/?#", exclude_categories=["Cs"]),
        max_size=60,
    )
    bodies = st.binary(max_size=300) | st.builds(
        urlencode,
        st.dictionaries(
            st.sampled_from(["csrf", "consent", "goal", "locale", "interests", "email"]), segments
        ),
    )
    cookies = st.sampled_from([cookie, "", "kring_portal=", "kring_portal=" + "A" * 43]) | segments

    @hostile.fuzz_settings(examples=40)
    @given(
        path=st.sampled_from([*PORTAL_POSTS, "/portal/sign-in", "/portal/sign-in/"]).flatmap(
            lambda p: st.just(p) | segments.map(lambda s: p.rstrip("/") + "/" + s)
        ),
        body=bodies,
        sent_cookie=cookies,
        content_type=st.sampled_from(
            ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]
        ),
    )
    def hostile_post(path: str, body: bytes | str, sent_cookie: str, content_type: str) -> None:
        before = [i for i in _all_items() if not i["pk"].startswith(("RATE#", "SIGNIN#"))]
        raw = body if isinstance(body, bytes) else body.encode()
        got = world.http(
            "POST", path, body=raw, headers={"content-type": content_type, "cookie": sent_cookie}
        )
        assert got.status < 500, (path, got.status)
        # a forged or random csrf field is never the session's token: nothing the portal keeps changes
        assert [i for i in _all_items() if not i["pk"].startswith(("RATE#", "SIGNIN#"))] == before

    hostile_post()
