"""Where a click goes: the page's own query kept, utm and the click token added, nothing personal."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.links.click_tokens import new_click_token
from kring.redirect.channel import channel, channel_of_host, referer_host
from kring.redirect.target import is_redirectable, with_attribution

TOKEN = new_click_token()


def _pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_the_pages_query_is_kept_and_ours_is_added() -> None:
    url = with_attribution(
        "https://job-boards.greenhouse.io/acme/jobs/1?gh_jid=1&empty=&q=a+b#apply",
        channel="linkedin",
        click_token=TOKEN,
        token_parameter="kref",
        provider="greenhouse",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https",
        "job-boards.greenhouse.io",
        "/acme/jobs/1",
        "apply",
    )
    assert _pairs(url) == [
        ("gh_jid", "1"),
        ("empty", ""),
        ("q", "a b"),
        ("utm_source", "linkedin"),
        ("utm_medium", "employee_advocacy"),
        ("utm_campaign", "kring"),
        ("kref", TOKEN),
    ]


def test_ours_override_parameters_of_the_same_name() -> None:
    url = with_attribution(
        "https://jobs.example.com/1?utm_source=newsletter&kref=old&utm_medium=x&ref=3",
        channel="email",
        click_token=TOKEN,
        token_parameter="kref",
    )
    pairs = _pairs(url)
    assert dict(pairs) == {
        "ref": "3",
        "utm_source": "email",
        "utm_medium": "employee_advocacy",
        "utm_campaign": "kring",
        "kref": TOKEN,
    }
    assert len(pairs) == 5  # no duplicates left behind


def test_the_pages_own_query_is_kept_byte_for_byte() -> None:
    """Only our parameters are touched: a bare flag, a Latin-1 escape, a ``;`` or a ``+`` of the
    ATS's own stay exactly as the ATS wrote them (re-encoding them can break its page)."""
    url = with_attribution(
        "https://jobs.example.com/vacature?flag&naam=Jos%E9&a=1;b=2&q=a+b%2Bc&UTM_SOURCE=x&utm%5Fsource=old",
        channel="x",
        click_token=TOKEN,
        token_parameter="kref",
    )
    assert url == (
        "https://jobs.example.com/vacature?flag&naam=Jos%E9&a=1;b=2&q=a+b%2Bc&UTM_SOURCE=x"
        f"&utm_source=x&utm_medium=employee_advocacy&utm_campaign=kring&kref={TOKEN}"
    )


def test_the_location_is_plain_ascii() -> None:
    """A non-ASCII path, query or fragment is percent-encoded (UTF-8): ``Location`` is a header."""
    url = with_attribution(
        "https://werkenbij.example.nl/vacatures/caf\u00e9-medewerker"
        "?plaats=Den Haag&s=\u00e9#sollicit\u00e9er",
        channel="email",
        click_token=None,
        token_parameter="kref",
    )
    assert url.isascii()
    assert url == (
        "https://werkenbij.example.nl/vacatures/caf%C3%A9-medewerker?plaats=Den%20Haag&s=%C3%A9"
        "&utm_source=email&utm_medium=employee_advocacy&utm_campaign=kring#sollicit%C3%A9er"
    )


@pytest.mark.parametrize(
    ("url", "redirectable"),
    [
        ("https://job-boards.greenhouse.io/acme/jobs/1?gh_jid=1#apply", True),
        ("https://xn--bcher-kva.example/stellen/caf%C3%A9", True),
        ("https://b\u00fccher.example/stellen", False),  # raw non-ASCII
        ("https://werkenbij.example.nl/caf\u00e9", False),
        ("https://evil.com\\@jobs.ashbyhq.com/acme/x", False),
        ("https://user@jobs.ashbyhq.com/acme/x", False),
        ("https://jobs.ashbyhq.com:8443/acme/x", False),
        ("https://jobs.ashbyhq.com/a b", False),
        ("https://jobs.ashbyhq.com/a\tb", False),
        ("https://[evil.com/x", False),
        ("http://jobs.ashbyhq.com/acme/x", False),
        ("https:///x", False),
        ("", False),
        (None, False),
    ],
)
def test_only_a_url_in_its_stored_form_goes_into_location(url: str | None, redirectable: bool) -> None:
    """What kring.intake.vacancy_urls stores passes; a row written before that check, that does not, sends
    the click to the careers page."""
    assert is_redirectable(url) is redirectable


def test_the_token_parameter_is_configurable() -> None:
    url = with_attribution("https://a.example/j", channel="x", click_token=TOKEN, token_parameter="src_ref")
    assert dict(_pairs(url))["src_ref"] == TOKEN
    assert "kref" not in dict(_pairs(url))


def test_lever_gets_its_own_source_parameter_with_the_token() -> None:
    url = with_attribution(
        "https://jobs.lever.co/acme/7f3a",
        channel="facebook",
        click_token=TOKEN,
        token_parameter="kref",
        provider="lever",
    )
    assert dict(_pairs(url))["lever-source[]"] == f"kring-{TOKEN}"
    other = with_attribution(
        "https://jobs.lever.co/acme/7f3a", channel="facebook", click_token=TOKEN, token_parameter="kref"
    )
    assert "lever-source[]" not in dict(_pairs(other))


def test_without_a_token_only_utm_is_added() -> None:
    url = with_attribution(
        "https://careers.example.com/",
        channel="direct",
        click_token=None,
        token_parameter="kref",
        provider="lever",
    )
    assert dict(_pairs(url)) == {
        "utm_source": "direct",
        "utm_medium": "employee_advocacy",
        "utm_campaign": "kring",
    }


@given(
    ambassador_id=st.from_regex(r"[A-Za-z0-9._:@-]{3,20}", fullmatch=True),
    code=st.from_regex(r"[0-9A-Za-z]{10}", fullmatch=True),
)
def test_no_ambassador_id_or_code_ends_up_in_the_url(ambassador_id: str, code: str) -> None:
    """Only the channel and the (random) token are ours in the URL: nothing the function knows
    about the ambassador or the link can leak into it."""
    token = new_click_token()
    url = with_attribution(
        "https://job-boards.greenhouse.io/acme/jobs/1",
        channel="linkedin",
        click_token=token,
        token_parameter="kref",
    )
    ours = {v for _, v in _pairs(url)}
    assert ours == {"linkedin", "employee_advocacy", "kring", token}
    assert ambassador_id not in ours
    assert code not in ours


@pytest.mark.parametrize(
    ("parameter", "referer", "expected"),
    [
        ("linkedin", None, "linkedin"),
        ("X", "https://www.linkedin.com/", "x"),  # the share button's network wins
        ("bogus", "https://www.linkedin.com/feed/", "linkedin"),
        (None, "https://lnkd.in/eAbCdE", "linkedin"),
        (None, "https://t.co/AbC", "x"),
        (None, "https://x.com/someone/status/1", "x"),
        (None, "https://twitter.com/", "x"),
        (None, "https://m.facebook.com/", "facebook"),
        (None, "https://l.facebook.com/l.php?u=x", "facebook"),
        (None, "https://fb.me/abc", "facebook"),
        (None, "https://web.whatsapp.com/", "whatsapp"),
        (None, "https://mail.google.com/mail/u/0/", "email"),
        (None, "https://outlook.live.com/mail/0/inbox", "email"),
        (None, "https://webmail.example.nl/", "email"),
        (None, "https://www.google.com/", "direct"),
        (None, "https://notlinkedin.com/", "direct"),
        (None, None, "direct"),
        (None, "not a url", "direct"),
    ],
)
def test_the_channel(parameter: str | None, referer: str | None, expected: str) -> None:
    assert channel(parameter, referer_host(referer)) == expected


def test_only_the_referers_host_is_kept_lower_case() -> None:
    assert referer_host("https://WWW.LinkedIn.com:443/in/someone?trk=x") == "www.linkedin.com"
    assert referer_host("https://[::1") is None
    assert referer_host("") is None
    assert channel_of_host(None) is None
