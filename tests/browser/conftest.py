"""The browser tier: Kring's pages in headless Chromium, driven by Playwright (from PyPI) against
the real local stack (``python -m infra.local``), with axe-core (from npm) run on every page.

Chromium is Debian's (``make install`` installs it with apt-get when missing); Playwright's own
browser downloads are never used. Each browser starts with a fresh profile folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.test_local_stack import Running, _start, _stop, _wait_for_banner

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Bounds for a loaded machine (the suite shares its CPUs), not timing assertions.
WAIT_MS = 60_000
expect.set_options(timeout=WAIT_MS)

# What axe checks: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def chromium_path() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    assert found, "Chromium is missing: `make install` installs Debian's chromium"
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The local stack with its demo organisation, loaded."""
    running = _start(tmp_path_factory.mktemp("browser") / "data", demo=True)
    try:
        _wait_for_banner(running)
        yield running
    finally:
        _stop(running)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@dataclass
class Browser:
    """One Chromium with a fresh profile; ``new_context`` for more browsing sessions."""

    driver: Playwright
    base_url: str
    profiles: Path
    contexts: list[BrowserContext]

    def new_context(self, **options: Any) -> BrowserContext:
        profile = self.profiles / f"profile-{len(self.contexts)}"
        context = self.driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=self.base_url,
            bypass_csp=True,  # axe-core is injected into pages whose policy allows only their own script
            **{"viewport": {"width": 390, "height": 844}, **options},  # a phone first, unless told
        )
        context.set_default_timeout(WAIT_MS)
        self.contexts.append(context)
        return context


@pytest.fixture
def browser(playwright: Playwright, stack: Running, tmp_path: Path) -> Iterator[Browser]:
    made = Browser(playwright, stack.url, tmp_path, [])
    yield made
    for context in made.contexts:
        context.close()


def check_accessibility(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    bad = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: {bad}"


def demo_sharer(stack: Running, locale: str = "en") -> tuple[str, str]:
    """(id, work address) of a demo ambassador writing ``locale`` who has a link for the demo's
    Greenhouse vacancy."""
    shares = requests.get(
        f"{stack.url}/api/vacancies/greenhouse-4100001/shares", headers=stack.admin(), timeout=60
    ).json()["items"]
    for share in shares:
        profile = requests.get(
            f"{stack.url}/api/ambassadors/{share['ambassador_id']}", headers=stack.admin(), timeout=60
        ).json()
        if profile["locale"] == locale:
            return profile["id"], profile["email"]
    raise AssertionError(f"no demo sharer writes {locale}")
