"""isbot's pattern, vendored and run in Python: the committed copy is the installed npm package's,
and every verdict — and where the leftmost match starts — is isbot's own, run by Node, on real user
agents (isbot's fixtures, tests/fixtures/user_agents) and on made-up ones.

Node and node_modules come with ``make install`` (npm ci), as for DynamoDB Local.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra import vendor_isbot
from kring.redirect import bots, isbot_patterns
from kring.redirect.bots import BotPattern, alternation, shape
from kring.redirect.classify import MAX_USER_AGENT

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "user_agents"

# isbot's leftmost match for each user agent (its JavaScript RegExp: UTF-16 offsets, the same as
# Python's for characters of the Basic Multilingual Plane, the only ones made up here).
_ISBOT = """
const {getPattern} = require("isbot");
const agents = JSON.parse(require("fs").readFileSync(0, "utf8"));
const found = agents.map((a) => { const m = getPattern().exec(a); return m ? m.index : null; });
process.stdout.write(JSON.stringify(found));
"""


def lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()


def isbot_leftmost(agents: list[str]) -> list[int | None]:
    node = shutil.which("node")
    assert node, "Node is needed (make install)"
    out = subprocess.run(  # noqa: S603 - our own script, run by Node from node_modules
        [node, "-e", _ISBOT], input=json.dumps(agents), capture_output=True, text=True, check=True, cwd=ROOT
    )
    result: list[int | None] = json.loads(out.stdout)
    return result


@cache
def pattern() -> BotPattern:
    return BotPattern()


FRAGMENTS = [
    "Mozilla/5.0 ",
    "(Windows NT 10.0; Win64; x64) ",
    "(iPhone; CPU iPhone OS 18_1 like Mac OS X) ",
    "AppleWebKit/537.36 (KHTML, like Gecko) ",
    "Chrome/131.0.0.0 ",
    "Safari/537.36",
    "compatible; ",
    "+https://example.com/bot.html",
    "news",
    "gnews",
    "googleapp",
    "google",
    "channel/google",
    " cubot",
    "bots_",
    "camscan",
    "libhttp",
    "java;",
    "java",
    "x-user/",
    "; abc;",
    "@a-b.",
    "()",
    ".com",
    "w/1.0;",
    "ptst/1",
    "rss",
    " daum/",
    "|",
    "é",
    "K",  # KELVIN SIGN: lower-cases to "k" in Python, never matches "k" in isbot
    "İ",  # lower-cases to two characters in Python
    "\n",  # no header holds one; still: "$" is the end of the text, not of a line
]


def made_up_agents(count: int, seed: int) -> list[str]:
    """Strings of browser words, isbot's own literals in and out of their contexts, and junk."""
    rng = random.Random(seed)
    literals = [shape(p).literal for p in isbot_patterns.PATTERNS if shape(p).literal]
    junk = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ./;:()-_+@|,"
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < rng.randint(1, MAX_USER_AGENT):
            pick = rng.random()
            if pick < 0.4:
                parts.append(rng.choice(FRAGMENTS))
            elif pick < 0.6:
                parts.append(rng.choice(literals).upper() if rng.random() < 0.3 else rng.choice(literals))
            else:
                parts.append("".join(rng.choice(junk) for _ in range(rng.randint(1, 12))))
        out.append("".join(parts)[:MAX_USER_AGENT])
    return out


def test_the_committed_patterns_are_the_installed_isbots() -> None:
    """`make isbot` writes exactly this file from node_modules/isbot (pinned in package.json)."""
    version, licence, patterns = vendor_isbot.installed()
    package = json.loads((ROOT / "package.json").read_text())
    assert package["dependencies"]["isbot"] == version == isbot_patterns.VERSION
    assert patterns == list(isbot_patterns.PATTERNS)
    assert licence == "Unlicense"
    assert vendor_isbot.TARGET.read_text() == vendor_isbot.render(version, licence, patterns)


@pytest.mark.parametrize("fixture", ["isbot_crawlers.txt", "isbot_browsers.txt"])
def test_python_finds_what_isbot_finds_in_real_user_agents(fixture: str) -> None:
    agents = lines(fixture)
    reference = alternation(isbot_patterns.PATTERNS)
    theirs = isbot_leftmost(agents)
    ours = [pattern().leftmost(a) for a in agents]
    whole = [m.start() if (m := reference.search(a)) else None for a in agents]
    assert ours == theirs
    assert whole == theirs


def test_isbots_fixtures_are_what_isbot_says_they_are() -> None:
    assert all(pattern().leftmost(a) is not None for a in lines("isbot_crawlers.txt"))
    flagged = [a for a in lines("isbot_browsers.txt") if pattern().leftmost(a) is not None]
    assert len(flagged) == 7  # the fixture's "glitches" (README beside it)
    assert all(a.startswith(("(", ";", "User-Agent:")) for a in flagged)


def test_python_finds_what_isbot_finds_in_made_up_user_agents() -> None:
    agents = made_up_agents(3000, seed=9)
    assert [pattern().leftmost(a) for a in agents] == isbot_leftmost(agents)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=30))
def test_the_split_pattern_finds_what_the_whole_alternation_finds(parts: list[str]) -> None:
    agent = "".join(parts)[:MAX_USER_AGENT]
    found = alternation(isbot_patterns.PATTERNS).search(agent)
    assert pattern().leftmost(agent) == (found.start() if found else None)


def test_no_browser_of_isbots_fixtures_comes_near_the_limit() -> None:
    assert max(map(len, lines("isbot_browsers.txt"))) < MAX_USER_AGENT


@pytest.mark.parametrize(
    ("js", "literal", "plain", "anchored"),
    [
        ("crawl", "crawl", True, False),
        ("24x7", "24x7", True, False),
        (r"mail\.ru/", "mail.ru/", True, False),
        ("(?<! channel/|google/)google(?!(?:wv|app|/google| pixel))", "google", False, False),
        (r"(?<! cu)bots?(?:\b|_)", "bot", False, False),
        (r"ptst[ /]\d", "ptst", False, False),
        (r"\b\w+/1\.0;", "/1.0;", False, False),
        (r"^[\w \.\-\(?:\):%]+(?:/v?\d+(?:\.\d+)?(?:\.\d{1,10})*?)?(?:,|$)", "", False, True),
        ("^bot", "bot", False, True),
        ("ab{2,}c", "ab", False, False),
        ("ab{0,2}cde", "cde", False, False),
    ],
)
def test_the_literal_a_pattern_cannot_match_without(
    js: str, literal: str, plain: bool, anchored: bool
) -> None:
    form = shape(js)
    assert (form.literal, form.plain, form.anchored, form.alternatives) == (literal, plain, anchored, False)


def test_a_pattern_with_alternatives_at_its_top_needs_no_one_literal() -> None:
    assert shape("^ab|cd").alternatives


@pytest.mark.parametrize(
    ("js", "python"),
    [
        ("(?<! channel/|google/)google", "(?<! channel/)(?<!google/)google"),
        ("(?<=ab|c)x", "(?:(?<=ab)|(?<=c))x"),
        (r"^mozilla/\d\.\d\s\((?:\s?[\w\d-.]+)?\)$", r"^mozilla/\d\.\d\s\((?:\s?[\w\d\-.]+)?\)\Z"),
        (r"[\w-]+", r"[\w-]+"),
    ],
)
def test_javascript_syntax_python_reads_otherwise_is_written_its_way(js: str, python: str) -> None:
    assert bots.python_pattern(js) == python
