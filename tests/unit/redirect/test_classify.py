"""Who follows a tracked link, decided from real user agents and headers; the reason is kept."""

from __future__ import annotations

import pytest

from kring.redirect.classify import Classifier, Verdict

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
}

# (user agent, crawlerdetect's match). curl and scripts count as crawlers: not a candidate.
CRAWLERS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Googlebot",
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot"),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "Ahrefs"),
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
        "Headless",
    ),
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


@pytest.mark.parametrize("agent", BROWSERS.values(), ids=list(BROWSERS))
def test_current_browsers_are_people(classifier: Classifier, agent: str) -> None:
    verdict = classifier.classify("GET", agent, LANGUAGE)
    assert verdict == Verdict("human")
    assert not verdict.is_bot


@pytest.mark.parametrize(("agent", "match"), CRAWLERS)
def test_crawlers_are_crawlers_with_crawlerdetects_match(
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


def test_an_enormous_user_agent_is_cut_before_matching(classifier: Classifier) -> None:
    padded = BROWSERS["Firefox 133"] + " x" * 5000
    assert classifier.classify("GET", padded, LANGUAGE) == Verdict("human")
