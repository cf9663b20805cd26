"""Share dialogs and suggested texts: each network's own dialog, carrying the tracked link and, where
the network takes text, the message in the vacancy's language."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kring.models.common import Network
from kring.sharing import texts
from kring.sharing.intents import dialog_url

LINK = "https://go.kring.test/r/sEoDhGXHAj?ch=x"
TITLE = "Senior Backend Engineer"


def _query(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values())
    return {name: values[0] for name, values in parsed.items()}


@pytest.mark.parametrize(
    ("network", "host", "path", "parameter"),
    [
        ("linkedin", "www.linkedin.com", "/sharing/share-offsite/", "url"),
        ("facebook", "www.facebook.com", "/sharer/sharer.php", "u"),
    ],
)
def test_linkedin_and_facebook_get_only_the_link(
    network: Network, host: str, path: str, parameter: str
) -> None:
    url = dialog_url(network, LINK, TITLE, "nl")

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", host, path)
    assert _query(url) == {parameter: LINK}


def test_x_gets_the_text_and_the_link_apart() -> None:
    url = dialog_url("x", LINK, TITLE, "en")

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "x.com", "/intent/post")
    assert _query(url) == {
        "text": "We're hiring: Senior Backend Engineer! Is this for you or someone you know?",
        "url": LINK,
    }


def test_whatsapp_gets_one_text_with_the_link_inside() -> None:
    url = dialog_url("whatsapp", LINK, TITLE, "nl")

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/")
    text = _query(url)["text"]
    assert text.startswith("We zoeken een Senior Backend Engineer! ")
    assert text.endswith(f" {LINK}")


def test_email_is_a_mailto_with_subject_and_body_encoded_per_rfc_6068() -> None:
    url = dialog_url("email", LINK, TITLE, "en")

    assert url.startswith("mailto:?subject=")
    assert "+" not in url  # spaces are %20, never +
    assert " " not in url
    assert "%20" in url
    assert "%0D%0A" in url
    assert "%0A" not in url.replace("%0D%0A", "")  # CRLF line breaks only
    fields = dict(pair.split("=", 1) for pair in url.removeprefix("mailto:?").split("&"))
    assert set(fields) == {"subject", "body"}
    assert unquote(fields["subject"]) == "Job opening: Senior Backend Engineer"
    body = unquote(fields["body"])
    assert "We're hiring: Senior Backend Engineer." in body
    assert LINK in body


def test_the_link_survives_characters_that_need_encoding() -> None:
    title = "R&D Engineer #1 (100%)?"
    url = dialog_url("x", LINK, title, "en")

    assert _query(url)["url"] == LINK
    assert "R&D Engineer #1 (100%)?" in _query(url)["text"]


def test_dutch_and_english_texts_differ_and_each_names_the_job() -> None:
    dutch, english = texts.post("nl", TITLE), texts.post("en", TITLE)

    assert dutch == "We zoeken een Senior Backend Engineer! Is dit iets voor jou of voor iemand die je kent?"
    assert english == "We're hiring: Senior Backend Engineer! Is this for you or someone you know?"
    subject, body = texts.email("nl", TITLE, LINK)
    assert subject == "Vacature: Senior Backend Engineer"
    assert body.startswith("Hoi,")
    assert LINK in body
    assert TITLE in body


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Java Developer (m/v)", "Java Developer"),
        ("Verpleegkundige (m/v/x)", "Verpleegkundige"),
        ("Data Engineer (f/m/d) ", "Data Engineer"),
        ("  Product   Owner  ", "Product Owner"),
        ("Engineer (Remote)", "Engineer (Remote)"),
        ("(m/v)", "(m/v)"),
    ],
)
def test_titles_read_well_in_a_sentence(title: str, expected: str) -> None:
    assert texts.title_for_message(title) == expected


def test_the_closed_page_is_in_the_vacancy_language() -> None:
    page = texts.closed_page("nl")

    assert '<html lang="nl">' in page
    assert texts.TEXTS["nl"].closed_title in page
