"""Who followed a link: a person, or one of the machines that follow links too.

Every signal is used, and the one that decided is kept as the reason (``bot_reason``):

1. ``HEAD`` — never a person opening a page (kind ``head``, never counted as a click).
2. No ``User-Agent`` at all — every browser sends one; link checkers in mail gateways and
   scripts often do not (kind ``scanner``).
3. A ``User-Agent`` over :data:`MAX_USER_AGENT` (512) characters — no browser sends one; junk
   and probes do (kind ``crawler``), decided without matching anything, so no user agent costs
   more than matching 512 characters.
4. Link previews of the networks and messengers an ambassador shares on (LinkedIn, Facebook, X,
   Slack, WhatsApp, Telegram, Discord, Teams/Skype, iMessage, Pinterest, Reddit, Mastodon,
   Bluesky, Snapchat, Viber, Tumblr, Steam, Notion, Yahoo, …), which fetch the link the moment it
   is posted, and AI assistants fetching a link a person gave them (ChatGPT-User,
   Perplexity-User, Claude-User, Amzn-User, Gemini-Deep-Research, NovaAct, Meta's fetchers, …):
   kind ``preview``, reason the bot's name.
5. E-mail security scanners that say who they are in their user agent (Barracuda, Proofpoint,
   Mimecast, …): they open every link of a mail before a person does (kind ``scanner``).
6. Every other bot, by the npm package isbot's pattern (vendored, :mod:`kring.redirect.bots`) —
   Googlebot, bingbot, AhrefsBot, curl, python-requests, headless browsers, … (kind ``crawler``,
   reason the word of the user agent its pattern matched). We keep no crawler list of our own.
7. A user agent that passed all of the above but came without ``Accept-Language``: every current
   browser sends it on a navigation, while scanners that pose as a browser usually do not
   (kind ``scanner``, reason :data:`NO_ACCEPT_LANGUAGE`, which the click recorder counts on its
   own by channel, so the assumption can be watched). A person behind such a browser still gets
   the redirect; only the click is counted as a bot click.

Everything else is ``human``. Verdicts are cached per user agent (and whether Accept-Language was
present) in a bounded LRU; a user agent not seen before costs a few hundredths of a millisecond,
at most about a tenth for 512 characters of junk (bench/redirect.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from kring.redirect.bots import BotPattern
from kring.redirect.cache import LruCache

# No browser's user agent comes near this; a longer one is a bot, decided without matching.
MAX_USER_AGENT = 512


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
NO_ACCEPT_LANGUAGE = Verdict("scanner", "no Accept-Language")  # = kring.models.common.NO_ACCEPT_LANGUAGE
OVERSIZED = Verdict("crawler", f"User-Agent over {MAX_USER_AGENT} characters")

# (reason, every lower-case token that must occur; "^token": at the start), first match wins:
# order matters where one bot names another (iMessage sends "facebookexternalhit … Twitterbot";
# Telegram "like TwitterBot"; Notion fetches through Iframely). A messenger's own in-app browser
# is a person: only its preview bot's token is listed (ViberUrlDownloader, not Viber).
PREVIEW_BOTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("iMessage", ("facebookexternalhit", "twitterbot")),
    ("LinkedInBot", ("linkedinbot",)),
    ("TelegramBot", ("telegrambot",)),
    ("Slackbot-LinkExpanding", ("slackbot-linkexpanding",)),
    ("Slack-ImgProxy", ("slack-imgproxy",)),
    ("Slackbot", ("slackbot",)),
    ("facebookexternalhit", ("facebookexternalhit",)),
    ("Facebot", ("facebot",)),
    ("Meta-ExternalHit", ("meta-externalhit",)),
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
    ("Bluesky", ("bluesky",)),
    ("Snapchat", ("snap url preview",)),
    ("Snapchat", ("snapurlpreview",)),
    ("Viber", ("viberurldownloader",)),
    ("Tumblr", ("^tumblr/",)),
    ("Steam", ("steamchaturllookup",)),
    ("Notion", ("notionembedder",)),
    ("Notion", ("iframely", "notion")),
    ("Yahoo", ("yahoo link preview",)),
    ("Yahoo", ("yahoo:linkexpander",)),
    ("OpenGraph.io", ("opengraph.io",)),
    ("Embedly", ("embedly",)),
    ("Iframely", ("iframely",)),
    ("vkShare", ("vkshare",)),
)

# AI assistants fetching a link a person pasted or asked about: previews, by the fetcher's name.
AI_FETCHERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ChatGPT-User", ("chatgpt-user",)),
    ("Perplexity-User", ("perplexity-user",)),
    ("Claude-User", ("claude-user",)),
    ("MistralAI-User", ("mistralai-user",)),
    ("Amzn-User", ("amzn-user",)),
    ("Gemini-Deep-Research", ("gemini-deep-research",)),
    ("Cohere-AI", ("cohere-ai",)),
    ("NovaAct", ("agent-novaact",)),
    ("meta-externalagent", ("meta-externalagent",)),
    ("meta-externalfetcher", ("meta-externalfetcher",)),
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
        if all(lowered.startswith(t[1:]) if t[0] == "^" else t in lowered for t in tokens):
            return reason
    return None


# isbot's pattern, split and compiled now, at the container's init, rather than on the first click.
_BOTS = BotPattern()


def _judge(user_agent: str, has_accept_language: bool) -> Verdict:
    if name := _named(user_agent, PREVIEW_BOTS) or _named(user_agent, AI_FETCHERS):
        return Verdict("preview", name)
    if name := _named(user_agent, SCANNERS):
        return Verdict("scanner", name)
    if name := _BOTS.reason(user_agent):
        return Verdict("crawler", name)
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
        agent = (user_agent or "").strip()
        if not agent:
            return NO_USER_AGENT
        if len(agent) > MAX_USER_AGENT:
            return OVERSIZED
        key = (agent, bool(accept_language and accept_language.strip()))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = _judge(*key)
            self._verdicts.put(key, verdict)
        return verdict

    def __len__(self) -> int:
        return len(self._verdicts)
