"""The dashboard's browser tests share one local stack (with its demo organisation) for the whole
package: starting one takes most of a minute, and the dashboard's tests read the demo and change
only what they make themselves (their own users, rewards, parked messages).

``team_page(role)`` is a signed-in browser page for a new talent-team user with that role, signed
in the way a person does it (the address typed, the mailed link opened from the outbox, its button
pressed). Every page it opens is watched: a console error or an uncaught script error fails the
test. ``screenshot(page, name)`` saves the page as ``docs/screenshots/<name>.png`` when
``KRING_SCREENSHOTS`` names that folder (``make screenshots``); otherwise it does nothing.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Browser
from tests.e2e.test_local_stack import Running, _start, _stop, _wait_for_banner

TeamPage = Callable[..., Page]
_numbers = itertools.count(1)
# A person's name for each role, so the screenshots show what a talent team sees.
_NAMES = {"admin": "Anouk Jansen", "recruiter": "Daan Bakker", "viewer": "Fleur de Vries"}


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The local stack with its demo organisation, loaded: one for every dashboard test."""
    running = _start(tmp_path_factory.mktemp("dashboard") / "data", demo=True)
    try:
        _wait_for_banner(running)
        yield running
    finally:
        _stop(running)


def add_team_user(stack: Running, role: str, locale: str = "en", name: str | None = None) -> tuple[str, str]:
    """A new team user made with the bootstrap token: (address, name)."""
    number = next(_numbers)
    address = f"{role}.{number}@talent.example.com"
    shown = name or _NAMES.get(role, role.title())
    made = requests.post(
        f"{stack.url}/api/team/users",
        json={"email": address, "name": shown, "role": role, "locale": locale},
        headers=stack.admin(),
        timeout=60,
    )
    assert made.status_code == 201, made.text
    return address, shown


def sign_in(page: Page, address: str) -> None:
    """Sign ``page`` in as a person does: the address, the mailed link from the outbox, its button."""
    page.goto("/dashboard/sign-in")
    page.locator("#email").fill(address)
    page.locator("form[action='/dashboard/sign-in'] button").click()
    page.goto("/outbox")
    page.locator("tr", has_text=address).first.get_by_role("link").click()
    [link] = re.findall(r"http://\S+/dashboard/sign-in/\S+", page.locator("pre").inner_text())
    page.goto(link)
    page.locator("main form button").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def watch(page: Page) -> list[str]:
    """The console errors and uncaught script errors ``page`` meets from now on (but the browser's
    own ask for ``/favicon.ico``, which Kring does not have)."""
    errors: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.location.get('url')}: {message.text}")

    page.on("console", seen)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def team_page(browser: Browser, stack: Running) -> Iterator[TeamPage]:
    """``team_page(role, locale="en")``: a signed-in page for a new user with ``role``."""
    watched: list[list[str]] = []

    def make(role: str, locale: str = "en", *, viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(
            locale="nl-NL" if locale == "nl" else "en-GB",
            viewport=viewport or {"width": 1280, "height": 900},  # a laptop; tablets pass their own
        )
        page = context.new_page()
        watched.append(watch(page))
        address, _ = add_team_user(stack, role, locale)
        sign_in(page, address)
        return page

    yield make
    assert [e for errors in watched for e in errors] == []


def screenshot(page: Page, name: str) -> None:
    """``docs/screenshots/<name>.png`` of the whole page, when ``KRING_SCREENSHOTS`` is set."""
    folder = os.environ.get("KRING_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
