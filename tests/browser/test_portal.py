"""The ambassador portal in a real browser, against the local stack with its demo organisation:
sign in with the mailed link from the outbox, every page (axe-core on each, the leaderboard's
periods and boards too), volunteer, share, choose to be named on leaderboards, copy the link; the
session cookie's flags, CSRF refusal, a mail scanner, an unknown address; the demo's programme
invitation from the outbox, its page and the public programme page."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, Browser, check_accessibility, demo_sharer
from tests.e2e.test_local_stack import Running

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _ask_for_link(page: Page, address: str, *, axe: bool = True) -> str:
    """Ask for a sign-in link on the sign-in page; the answer page's text."""
    page.goto("/portal")
    expect(page).to_have_url(re.compile(r"/portal/sign-in$"))
    if axe:
        check_accessibility(page)
    page.get_by_label("Work e-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    if axe:
        check_accessibility(page)
    return page.locator("main").inner_text()


def _link_from_outbox(page: Page, address: str) -> str:
    """The sign-in link in the newest sign-in mail to ``address``, read in the outbox as a person
    would: the mails to them newest first (mails of the same second are listed in any order)."""
    deadline = time.monotonic() + 60
    while True:
        page.goto("/outbox")
        rows = page.locator("tr", has_text=address)
        hrefs = [
            str(rows.nth(n).get_by_role("link").first.get_attribute("href")) for n in range(rows.count())
        ]
        for href in hrefs:
            page.goto(href)
            found = re.findall(r"http://\S+/portal/sign-in/\S+", page.locator("pre").inner_text())
            if found:
                return str(found[0])
        assert time.monotonic() < deadline, f"no sign-in mail to {address} in the outbox"
        page.wait_for_timeout(500)


def test_sign_in_with_the_mailed_link_then_every_page_volunteer_share_and_copy(
    browser: Browser, stack: Running
) -> None:
    _ambassador_id, address = demo_sharer(stack)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    _ask_for_link(page, address)
    link = _link_from_outbox(page, address)

    for _ in range(2):  # a mail scanner fetches the link: it shows a button and uses nothing up
        scanned = requests.get(link, timeout=60)
        assert scanned.status_code == 200
        assert "Set-Cookie" not in scanned.headers
    page.goto(link)
    check_accessibility(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My programme")

    [cookie] = [c for c in context.cookies() if c["name"] == "kring_portal"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (
        True,
        True,
        "Lax",
        "/portal",
    )
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script reads it

    # the used link signs nobody in again
    assert requests.post(link, timeout=60, headers={"origin": stack.url}).status_code == 404

    # volunteer: consent in plain words, interests, networks, language
    check_accessibility(page)
    expect(page.get_by_text("Kring counts the clicks on your personal links")).to_be_visible()
    page.get_by_label("I agree that Kring tracks my links").check()
    page.get_by_label("Your interests").fill("Engineering, Amsterdam")
    page.get_by_label("LinkedIn").check()
    page.get_by_label("WhatsApp").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Sign me up").click()
    expect(page.get_by_role("heading", name="Your onboarding checklist")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="I have read them").click()
    expect(page.get_by_role("heading", name="Your onboarding checklist")).to_be_visible()
    page.get_by_label("Shares a month").fill("4")
    page.get_by_role("button", name="Save my goal").click()
    expect(page.get_by_text("of your goal of 4")).to_be_visible()
    check_accessibility(page)

    # a form post without the session's CSRF token is refused (the browser's own cookie goes along)
    forged = context.request.post(
        f"{stack.url}/portal/leave", form={"csrf": "forged"}, headers={"origin": stack.url}
    )
    assert forged.status == 403

    # my vacancies: one-tap share buttons for my networks, and the tracked link to copy
    page.get_by_role("link", name="Vacancies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My vacancies")
    check_accessibility(page)
    share = page.get_by_role("link", name=re.compile("^Share on LinkedIn"))
    expect(share.first).to_be_visible()
    href = share.first.get_attribute("href")
    assert href is not None
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/s/[0-9A-Za-z]{10}/linkedin", href)
    assert page.get_by_role("link", name=re.compile("^Share on X")).count() == 0  # not one of my networks
    pressed = context.request.get(href, max_redirects=0)  # the share button, without leaving the machine
    assert pressed.status == 302
    assert pressed.headers["location"].startswith("https://www.linkedin.com/")

    tracked = page.get_by_label("Your personal link").first
    value = tracked.input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/r/[0-9A-Za-z]{10}", value)
    copy = page.get_by_role("button", name="Copy link").first
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    copy.click()
    expect(page.get_by_role("button", name="Copied").first).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == value

    for name, heading in (
        ("My results", "My results"),
        ("Leaderboard", "Leaderboard"),
        ("Invite a colleague", "Invite a colleague"),
        ("Preferences", "Preferences"),
    ):
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_accessibility(page)
        if name == "Leaderboard":  # this week's, then this month's board of my department
            expect(page.get_by_role("heading", name="Your points this week")).to_be_visible()
            page.get_by_role("link", name="This month", exact=True).click()
            expect(page.get_by_role("heading", name="Your points this month")).to_be_visible()
            page.get_by_role("link", name=re.compile("^My department")).click()
            expect(page.get_by_role("link", name=re.compile("^My department"))).to_have_attribute(
                "aria-current", "page"
            )
            check_accessibility(page)
    expect(page.get_by_label("Weekly (Monday morning)")).to_be_checked()
    page.get_by_label(re.compile("^By my name")).check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    expect(page.get_by_label(re.compile("^By my name"))).to_be_checked()

    # my data, as a download
    page.get_by_role("link", name="My programme").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "kring-my-data.json"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    check_accessibility(page)
    page.goto("/portal")
    expect(page).to_have_url(re.compile(r"/portal/sign-in$"))


def test_an_unknown_address_gets_the_same_answer_page(browser: Browser, stack: Running) -> None:
    _ambassador_id, address = demo_sharer(stack)
    page = browser.new_context(locale="en-GB").new_page()
    known = _ask_for_link(page, address)
    unknown = _ask_for_link(page, "nobody.at.all@example.com")
    assert known == unknown


def test_signing_in_and_the_link_to_copy_work_without_javascript(browser: Browser, stack: Running) -> None:
    _ambassador_id, address = demo_sharer(stack)
    page = browser.new_context(locale="en-GB", java_script_enabled=False).new_page()
    _ask_for_link(page, address, axe=False)
    page.goto(_link_from_outbox(page, address))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal$"))
    page.goto("/portal/vacancies")
    expect(page.get_by_label("Your personal link").first).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)  # hidden: nothing to press


def test_pages_are_in_dutch_for_a_dutch_browser_before_sign_in(browser: Browser, stack: Running) -> None:
    page = browser.new_context(locale="nl-NL").new_page()
    page.goto("/portal/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert page.locator("html").get_attribute("lang") == "nl"
    check_accessibility(page)


# A phone's browser: headless Chromium says "HeadlessChrome", which the redirect's classification
# (isbot) rightly takes for a machine.
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def _invitation_campaign(stack: Running) -> dict[str, object]:
    listed = requests.get(f"{stack.url}/api/programme/invitations", headers=stack.admin(), timeout=60)
    assert listed.status_code == 200
    [campaign] = listed.json()["items"]  # the demo's
    return dict(campaign)


def test_the_demo_s_invitation_in_the_outbox_its_page_and_signing_in_from_it(
    browser: Browser, stack: Running
) -> None:
    demo = json.loads((ROOT / "infra" / "local" / "demo_org.json").read_text())
    invited = next(a for a in demo["ambassadors"] if a["phase"] == "awareness" and a["locale"] == "nl")
    page = browser.new_context(locale="nl-NL", user_agent=PHONE).new_page()
    page.goto("/outbox")
    row = page.locator("tr", has_text=invited["email"]).filter(has_text="uitgenodigd")
    deadline = time.monotonic() + 120  # the campaign goes out after the banner: a bound, not a timing
    while row.count() == 0:
        assert time.monotonic() < deadline, "no invitation in the outbox"
        page.wait_for_timeout(500)
        page.reload()
    row.first.get_by_role("link").click()
    [link] = re.findall(r"http://\S+/portal/invitation/\S+", page.locator("pre").inner_text())
    assert invited["id"] not in link

    assert requests.get(link, timeout=60).status_code == 200  # a script (python-requests): a machine
    assert _invitation_campaign(stack)["opened"] == 0

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Je bent uitgenodigd voor")
    expect(page.get_by_role("heading", name="Wat collega's bereikten")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "nl"
    check_accessibility(page)
    assert _invitation_campaign(stack)["opened"] == 1  # a person's interest, counted once

    page.get_by_role("button", name="Mail mij een inloglink").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je mail")
    check_accessibility(page)
    page.goto(_link_from_outbox(page, invited["email"]))
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/portal$"))

    page.goto("/portal/programme")  # signed in: the programme page with the portal's navigation
    expect(page.get_by_role("link", name="Naar je pagina")).to_be_visible()
    check_accessibility(page)


def test_the_public_programme_page_on_a_phone(browser: Browser, stack: Running) -> None:
    page = browser.new_context(locale="en-GB").new_page()
    page.goto("/portal/programme")
    expect(page.get_by_role("heading", level=1)).to_contain_text("About")
    expect(page.get_by_role("heading", name="What colleagues achieved")).to_be_visible()
    expect(page.get_by_role("link", name="E-mail me a sign-in link")).to_be_visible()
    check_accessibility(page)


def _reload_until(page: Page, found: Callable[[], bool], what: str, *, seconds: float = 120) -> None:
    """Reload ``page`` until ``found()``: the stack's queues work after the answer (a bound for a
    loaded machine, not a timing)."""
    deadline = time.monotonic() + seconds
    while not found():
        assert time.monotonic() < deadline, f"not there after {seconds:.0f} s: {what}"
        page.wait_for_timeout(500)
        page.reload()


def test_the_whole_journey_from_the_invitation_to_results_and_points(
    browser: Browser, stack: Running
) -> None:
    """Issue 13's journey, as an employee walks it: the invitation mail in the outbox → its link →
    sign in with the mailed link → volunteer → onboarding → links for the open vacancies appear →
    share → a candidate's click → results and points; axe-core on every page on the way."""
    demo = json.loads((ROOT / "infra" / "local" / "demo_org.json").read_text())
    anna = next(
        a for a in demo["ambassadors"] if a["id"] == "E1011"
    )  # awareness, no interests: every vacancy
    assert (anna["phase"], anna["interests"]) == ("awareness", [])
    context = browser.new_context(locale="nl-NL", user_agent=PHONE)
    page = context.new_page()

    # the invitation in the outbox, and its link
    page.goto("/outbox")
    row = page.locator("tr", has_text=anna["email"]).filter(has_text="uitgenodigd")
    _reload_until(page, lambda: row.count() > 0, "the invitation mail")
    row.first.get_by_role("link").click()
    [invitation] = re.findall(r"http://\S+/portal/invitation/\S+", page.locator("pre").inner_text())
    page.goto(invitation)
    check_accessibility(page)

    # sign in with the mailed link
    page.get_by_role("button", name="Mail mij een inloglink").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je mail")
    page.goto(_link_from_outbox(page, anna["email"]))
    check_accessibility(page)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/portal$"))
    words = json.loads((ROOT / "shared" / "kring" / "mail" / "catalogues" / "nl.json").read_text())
    interest = page.get_by_text(words["portal.phase_help.interest"])
    _reload_until(page, lambda: interest.count() > 0, "the interest phase (the invitation opened)")
    check_accessibility(page)

    # volunteer, then the talent team's checklist
    page.get_by_label("Ik ga akkoord dat Kring mijn links bijhoudt").check()
    page.get_by_label("LinkedIn").check()
    page.get_by_label("Nederlands").check()
    page.get_by_role("button", name="Meld mij aan").click()
    page.get_by_role("button", name="Ik heb ze gelezen").click()
    page.get_by_label("Keer delen per maand").fill("4")
    page.get_by_role("button", name="Bewaar mijn doel").click()
    page.get_by_role("button", name="Ik heb geoefend").click()
    decision = page.get_by_text(words["portal.phase_help.decision"])
    _reload_until(page, lambda: decision.count() > 0, "the decision phase (onboarded)")
    check_accessibility(page)

    # the links for the open vacancies follow
    page.get_by_role("link", name="Vacatures").click()
    share = page.get_by_role("link", name=re.compile("^Deel op LinkedIn"))
    _reload_until(page, lambda: share.count() > 0, "links for the open vacancies")
    check_accessibility(page)
    # the share button, pressed as a browser would (the network's dialog, out on the internet, is
    # not fetched): a person's share intent
    person = {"accept": "text/html", "accept-language": "nl-NL,nl;q=0.9"}
    pressed = context.request.get(str(share.first.get_attribute("href")), max_redirects=0, headers=person)
    assert pressed.status == 302
    tracked = page.get_by_label("Je persoonlijke link").first.input_value()

    # a candidate, elsewhere, follows the link: the redirect's answer, as their browser gets it (the
    # vacancy's own page, out on the internet, is not fetched)
    candidate = browser.new_context(
        locale="en-GB",
        user_agent=PHONE,
        extra_http_headers={"x-forwarded-for": "198.51.100.201", "accept-language": "en-GB,en;q=0.9"},
    )
    followed = candidate.request.get(tracked, max_redirects=0, headers={"accept": "text/html"})
    assert followed.status in (302, 303), followed.text()
    assert not followed.headers["location"].startswith(stack.url)

    # results and points
    page.get_by_role("link", name="Mijn resultaten").click()
    clicks = page.locator("tbody tr td:nth-of-type(2)")  # by week: share intents, then clicks
    _reload_until(page, lambda: "1" in clicks.all_inner_texts(), "the candidate's click in my results")
    assert "1" in page.locator("tbody tr td:nth-of-type(1)").all_inner_texts()  # and my share
    check_accessibility(page)
    page.get_by_role("link", name="Ranglijst").click()
    expect(page.locator("tr", has_text="(jij)").first).to_be_visible()
    points = page.locator("tr", has_text="Totaal").last
    _reload_until(page, lambda: points.inner_text().split()[-1] == "3", "1 share (1 point) and 1 click (2)")
    check_accessibility(page)
