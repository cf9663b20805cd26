"""Who followed a link: a person, or one of the machines that follow links too.

Every signal is used, and the one that decided is kept as the reason (``bot_reason``):

1. ``HEAD`` — never a person opening a page (kind ``head``, never counted as a click).
2. No ``User-Agent`` at all — every browser sends one; link checkers in mail gateways and
   scripts often do not (kind ``scanner``).
3. Link-preview bots of the networks an ambassador shares on (LinkedIn, Facebook, X, Slack,
   WhatsApp, Telegram, Discord, Teams/Skype, iMessage, Pinterest, Reddit, Mastodon, Bluesky, …):
   they fetch the link the moment it is posted (kind ``preview``, reason the bot's name).
4. E-mail security scanners that say who they are in their user agent (Barracuda, Proofpoint,
   Mimecast, …): they open every link of a mail before a person does (kind ``scanner``).
5. Crawlers, by the ``crawlerdetect`` package's list — Googlebot, bingbot, AhrefsBot, curl,
   python-requests, … (kind ``crawler``, reason its match). We keep no list of our own.
6. A user agent that passed all of the above but came without ``Accept-Language``: every current
   browser sends it on a navigation, while scanners that pose as a browser usually do not
   (kind ``scanner``). A person behind such a browser still gets the redirect; only the click is
   counted as a bot click.

Everything else is ``human``. Verdicts are cached per user agent (and whether Accept-Language was
present) in a bounded LRU: crawlerdetect's big regular expression costs a few tenths of a
millisecond for a browser it has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawlerdetect import CrawlerDetect

from kring.redirect.cache import LruCache

# Long enough for every real user agent; a longer one is cut before matching (not for hashing).
MAX_USER_AGENT = 1024


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # one of kring.models.common.VISITOR_KINDS
    reason: str | None = None

    @property
    def is_bot(self) -> bool:
        return self.kind != "human"


HUMAN = Verdict("human")
HEAD = Verdict("head", "HEAD")
NO_USER_AGENT = Verdict("scanner", "no User-Agent")
NO_ACCEPT_LANGUAGE = Verdict("scanner", "no Accept-Language")

# (reason, every lower-case token that must occur), first match wins: order matters where one
# bot names another (iMessage sends "facebookexternalhit … Twitterbot"; Telegram "like TwitterBot").
PREVIEW_BOTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("iMessage", ("facebookexternalhit", "twitterbot")),
    ("LinkedInBot", ("linkedinbot",)),
    ("TelegramBot", ("telegrambot",)),
    ("Slackbot-LinkExpanding", ("slackbot-linkexpanding",)),
    ("Slack-ImgProxy", ("slack-imgproxy",)),
    ("Slackbot", ("slackbot",)),
    ("facebookexternalhit", ("facebookexternalhit",)),
    ("Facebot", ("facebot",)),
    ("Twitterbot", ("twitterbot",)),
    ("WhatsApp", ("whatsapp/",)),
    ("Discordbot", ("discordbot",)),
    ("SkypeUriPreview", ("skypeuripreview",)),
    ("MicrosoftPreview", ("microsoftpreview",)),
    ("Pinterestbot", ("pinterestbot",)),
    ("Pinterestbot", ("pinterest.com/bot",)),
    ("redditbot", ("redditbot",)),
    ("Mastodon", ("mastodon/",)),
    ("Bluesky", ("cardyb",)),
    ("Embedly", ("embedly",)),
    ("Iframely", ("iframely",)),
    ("vkShare", ("vkshare",)),
)

# E-mail security gateways that name themselves. Most pose as a plain browser instead; those are
# caught, where at all, by the missing Accept-Language.
SCANNERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Barracuda", ("barracuda",)),
    ("Proofpoint", ("proofpoint",)),
    ("Mimecast", ("mimecast",)),
    ("Microsoft Safe Links", ("safelinks",)),
    ("Trend Micro", ("trendmicro",)),
    ("Trend Micro", ("trend micro",)),
    ("Symantec", ("symantec",)),
    ("Symantec", ("messagelabs",)),
    ("Sophos", ("sophos",)),
    ("Forcepoint", ("forcepoint",)),
    ("Cisco IronPort", ("ironport",)),
    ("Zscaler", ("zscaler",)),
    ("Check Point", ("avanan",)),
    ("Fortinet", ("fortiguard",)),
)


def _named(user_agent: str, rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    lowered = user_agent.lower()
    for reason, tokens in rules:
        if all(token in lowered for token in tokens):
            return reason
    return None


_DETECTOR = CrawlerDetect()
# Compile crawlerdetect's patterns now, at the container's init, rather than on the first click.
_DETECTOR.is_crawler("Mozilla/5.0")


def crawler(user_agent: str) -> str | None:
    """crawlerdetect's match for ``user_agent`` (``"Googlebot"``, ``"curl"``, …), else None."""
    if _DETECTOR.is_crawler(user_agent):
        match: str | None = _DETECTOR.get_matches()
        return match or "crawler"
    return None


def _judge(user_agent: str, has_accept_language: bool) -> Verdict:
    if name := _named(user_agent, PREVIEW_BOTS):
        return Verdict("preview", name)
    if name := _named(user_agent, SCANNERS):
        return Verdict("scanner", name)
    if name := crawler(user_agent):
        return Verdict("crawler", name[:100])
    if not has_accept_language:
        return NO_ACCEPT_LANGUAGE
    return HUMAN


class Classifier:
    """:func:`classify` with its LRU of verdicts by user agent."""

    def __init__(self, cache_size: int) -> None:
        self._verdicts: LruCache[tuple[str, bool], Verdict] = LruCache(cache_size)

    def classify(self, method: str, user_agent: str | None, accept_language: str | None) -> Verdict:
        if method.upper() == "HEAD":
            return HEAD
        agent = (user_agent or "").strip()[:MAX_USER_AGENT]
        if not agent:
            return NO_USER_AGENT
        key = (agent, bool(accept_language and accept_language.strip()))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = _judge(*key)
            self._verdicts.put(key, verdict)
        return verdict

    def __len__(self) -> int:
        return len(self._verdicts)
