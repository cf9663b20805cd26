"""Who follows a tracked link, decided from real user agents and headers; the reason is kept.

The user agents are real ones: the bots' own documentation where they publish it, else the
detection lists and logs that quote them (isbot's and crawlerdetect's fixtures, Matomo's device
detector); the browsers are current releases and the in-app browsers of the networks."""

from __future__ import annotations

import pytest

from kring.models.common import NO_ACCEPT_LANGUAGE
from kring.redirect import classify
from kring.redirect.classify import MAX_USER_AGENT, Classifier, Verdict

LANGUAGE = "nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7"

PREVIEW_BOTS = {
    "LinkedInBot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Facebot": "Facebot/1.0",
    "Twitterbot": "Twitterbot/1.0",
    "Slackbot-LinkExpanding": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slackbot": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "WhatsApp": "WhatsApp/2.23.20.0 A",
    "TelegramBot": "TelegramBot (like TwitterBot)",
    "Discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "SkypeUriPreview": (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"
    ),
    "MicrosoftPreview": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 MicrosoftPreview/2.0 +https://aka.ms/MicrosoftPreview"
    ),
    "iMessage": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) "
        "Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"
    ),
    "Pinterestbot": "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
    "redditbot": "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
    "Mastodon": "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/) Bot",
    "Bluesky": "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    # Meta's link fetcher as it also names itself (besides facebookexternalhit)
    "Meta-ExternalHit": "meta-externalhit/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Snapchat": (
        "Mozilla/5.0 (compatible; Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots)"
    ),
    "Viber": "ViberUrlDownloader",  # Viber's in-app browser says "Viber/…": a person (BROWSERS)
    "Tumblr": "Tumblr/14.0.835.186",
    "Steam": "Valve/Steam HTTP Client 1.0 (SteamChatURLLookup)",
    "Notion": "NotionEmbedder",
    "Yahoo": "Mozilla/5.0 (compatible; Yahoo Link Preview; https://help.yahoo.com/kb/mail/yahoo-link-preview-SLN23615.html)",
    "OpenGraph.io": (
        "Mozilla/5.0 (compatible; OpenGraph.io/1.1; +https://opengraph.io/;) AppleWebKit/537.36 "
        "(KHTML, like Gecko)  Chrome/51.0.2704.103 Safari/537.36"
    ),
    "Embedly": "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
    "vkShare": "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
}

# More user agents of the same previews, under the same name.
PREVIEW_VARIANTS = [
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Bluesky Cardyb/1.1; "
        "+mailto:support@bsky.app) Chrome/W.X.Y.Z Safari/537.36",
        "Bluesky",
    ),
    ("Iframely/1.3.1 (+https://iframely.com/docs/about) Notion", "Notion"),  # Notion's GET, through Iframely
    ("Yahoo:LinkExpander:Slingstone", "Yahoo"),
    ("WhatsApp/2.21.12.21 A", "WhatsApp"),
    ("facebookexternalhit/1.1", "facebookexternalhit"),
    ("Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)", "Pinterestbot"),
]

# AI assistants fetching a link a person gave them: counted as previews, by name.
AI_FETCHERS = {
    "Perplexity-User": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; "
        "+https://perplexity.ai/perplexity-user)"
    ),
    "Amzn-User": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amzn-User/0.1) "
        "Chrome/119.0.6045.214 Safari/537.36"
    ),
    "Gemini-Deep-Research": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Gemini-Deep-Research; "
        "+https://gemini.google/overview/deep-research/) Chrome/135.0.0.0 Safari/537.36"
    ),
    "Cohere-AI": "cohere-ai",  # as Cohere names it (its robots.txt token is the whole agent)
    # Amazon's Nova Act SDK adds " Agent-NovaAct/<version>" to the browser it drives
    "NovaAct": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/134.0.0.0 Safari/537.36 Agent-NovaAct/0.9"
    ),
    "meta-externalagent": (
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)"
    ),
    "meta-externalfetcher": (
        "meta-externalfetcher/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)"
    ),
    "ChatGPT-User": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; "
        "+https://openai.com/bot"
    ),
    "Claude-User": "Mozilla/5.0 (compatible; Claude-User/1.0; +Claude-User@anthropic.com)",
    "MistralAI-User": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; MistralAI-User/1.0; "
        "+https://docs.mistral.ai/robots)"
    ),
}

BROWSERS = {
    "Chrome 131 desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"
    ),
    "Safari iOS 18": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1"
    ),
    "Safari macOS": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15"
    ),
    "Firefox 133": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Edge 131": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
    ),
    "Samsung Internet": (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36"
    ),
    "Chrome Android": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36"
    ),
    # In-app browsers of the networks themselves: people, not previews.
    "LinkedIn app iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 [LinkedInApp]/9.31.1650"
    ),
    "Facebook app iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/22B83 [FBAN/FBIOS;FBAV/489.0.0.38.108;FBBV/661717040;FBDV/iPhone15,2;FBMD/iPhone;"
        "FBSN/iOS;FBSV/18.1;FBSS/3;FBCR/;FBID/phone;FBLC/nl_NL;FBOP/80]"
    ),
    "Instagram app Android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 Instagram 356.0.0.41.101 "
        "Android (34/14; 420dpi; 1080x2400; Google/google; Pixel 8; shiba; shiba; en_US; 657395213)"
    ),
    # Viber's in-app browser: "Viber" alone is a person (its link preview is ViberUrlDownloader)
    "Viber app Android": (
        "Mozilla/5.0 (Linux; Android 7.1.2; G011A Build/N2G48H; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/66.0.3359.158 Safari/537.36 Viber/11.9.5.8"
    ),
    "Viber desktop": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_4) AppleWebKit/537.36 (KHTML, like Gecko) "
        "QtWebEngine/5.6.0 Chrome/45.0.2454.101 Safari/537.36 Viber"
    ),
    "Snapchat app iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/14.1.1 Mobile/15E148 Snapchat/11.36.0.36 (like Safari/604.1)"
    ),
    "Pinterest app Android": (
        "Mozilla/5.0 (Linux; Android 9; STF-L09 Build/HUAWEISTF-L09; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/79.0.3945.79 Mobile Safari/537.36 [Pinterest/Android]"
    ),
    "WeChat iOS": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) "
        "Mobile/14G60 wxwork/2.1.5 MicroMessenger/6.3.22"
    ),
    "Slack desktop": (
        "Mozilla/5.0 (Windows NT 10.0.18362; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.4.2 "
        "Chrome/78.0.3904.130 Electron/7.2.1 Safari/537.36 WindowsStore/10.0.18362 Sonic Slack_SSB/4.4.2"
    ),
}

# (user agent, the word around isbot's match). curl and scripts count as crawlers: not a candidate.
CRAWLERS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Googlebot",
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot"),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "AhrefsBot"),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "GPTBot",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        "Applebot",
    ),
    ("curl/8.5.0", "curl"),
    ("python-requests/2.32.3", "python-requests"),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 "
        "Safari/537.36",
        "HeadlessChrome",
    ),
    # link previews nobody named: isbot's pattern still has them
    ("Quora Link Preview/1.0 (http://www.quora.com)", "Preview"),
    ("Discourse Forum Onebox v2.6.0.beta2", "Discourse"),
]

SCANNERS = [
    ("Mozilla/5.0 (compatible; Barracuda Sentinel (EE))", "Barracuda"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Proofpoint URL Defense", "Proofpoint"),
    ("Mimecast-URL-Protect/1.0", "Mimecast"),
]


@pytest.fixture
def classifier() -> Classifier:
    return Classifier(cache_size=256)


@pytest.mark.parametrize(("name", "agent"), PREVIEW_BOTS.items(), ids=list(PREVIEW_BOTS))
def test_link_preview_bots_are_previews_named_by_their_bot(
    classifier: Classifier, name: str, agent: str
) -> None:
    # Previews often send Accept-Language too; either way they are previews.
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("preview", name)
    assert classifier.classify("GET", agent, None) == Verdict("preview", name)


@pytest.mark.parametrize(("agent", "name"), PREVIEW_VARIANTS)
def test_other_user_agents_of_a_preview_bot_get_its_name(
    classifier: Classifier, agent: str, name: str
) -> None:
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("preview", name)


@pytest.mark.parametrize(("name", "agent"), AI_FETCHERS.items(), ids=list(AI_FETCHERS))
def test_ai_assistants_fetching_a_pasted_link_are_previews_named_by_their_fetcher(
    classifier: Classifier, name: str, agent: str
) -> None:
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("preview", name)
    assert classifier.classify("GET", agent, None) == Verdict("preview", name)


@pytest.mark.parametrize("agent", BROWSERS.values(), ids=list(BROWSERS))
def test_current_browsers_are_people(classifier: Classifier, agent: str) -> None:
    verdict = classifier.classify("GET", agent, LANGUAGE)
    assert verdict == Verdict("human")
    assert not verdict.is_bot


@pytest.mark.parametrize(("agent", "match"), CRAWLERS)
def test_crawlers_are_crawlers_named_by_the_word_isbots_pattern_matched(
    classifier: Classifier, agent: str, match: str
) -> None:
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("crawler", match)


@pytest.mark.parametrize(("agent", "name"), SCANNERS)
def test_mail_scanners_that_name_themselves_are_scanners(
    classifier: Classifier, agent: str, name: str
) -> None:
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("scanner", name)


@pytest.mark.parametrize("agent", [None, "", "   "])
def test_no_user_agent_at_all_is_a_scanner(classifier: Classifier, agent: str | None) -> None:
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("scanner", "no User-Agent")


@pytest.mark.parametrize("language", [None, "", " "])
def test_a_browser_without_accept_language_is_a_scanner_posing_as_one(
    classifier: Classifier, language: str | None
) -> None:
    verdict = classifier.classify("GET", BROWSERS["Chrome 131 desktop"], language)
    assert verdict == Verdict("scanner", "no Accept-Language")
    # … and the same browser with the header is a person: the cache keeps the two apart.
    assert classifier.classify("GET", BROWSERS["Chrome 131 desktop"], LANGUAGE) == Verdict("human")


@pytest.mark.parametrize("method", ["HEAD", "head"])
def test_head_is_never_a_person_whoever_sends_it(classifier: Classifier, method: str) -> None:
    assert classifier.classify(method, BROWSERS["Safari iOS 18"], LANGUAGE) == Verdict("head", "HEAD")
    assert classifier.classify(method, None, None) == Verdict("head", "HEAD")


def test_verdicts_are_cached_per_user_agent_in_a_bounded_lru() -> None:
    classifier = Classifier(cache_size=3)
    agents = list(BROWSERS.values())[:5]
    for agent in agents:
        classifier.classify("GET", agent, LANGUAGE)
    assert len(classifier) == 3
    classifier.classify("GET", agents[-1], LANGUAGE)  # a hit changes nothing
    assert len(classifier) == 3


def test_the_missing_accept_language_reason_is_the_one_the_click_recorder_counts() -> None:
    # kring.models.common is off the redirect's import path: the two are kept equal here
    assert classify.NO_ACCEPT_LANGUAGE.reason == NO_ACCEPT_LANGUAGE


@pytest.mark.parametrize("padding", [1, 500, 10_000])
def test_a_user_agent_longer_than_any_browser_sends_is_a_bot_without_matching(
    classifier: Classifier, padding: int
) -> None:
    agent = (BROWSERS["Firefox 133"] + " " + "x" * 20_000)[: MAX_USER_AGENT + padding]
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("crawler", "User-Agent over 512 characters")
    assert len(classifier) == 0  # decided without matching, and nothing kept for it


def test_a_user_agent_of_exactly_the_limit_is_matched_as_usual(classifier: Classifier) -> None:
    agent = (BROWSERS["Firefox 133"] + " " + "x" * 20_000)[:MAX_USER_AGENT]
    assert classifier.classify("GET", agent, LANGUAGE) == Verdict("human")
    bot = ("Mozilla/5.0 (compatible; Googlebot/2.1) " + "x" * MAX_USER_AGENT)[:MAX_USER_AGENT]
    assert classifier.classify("GET", bot, LANGUAGE) == Verdict("crawler", "Googlebot")
