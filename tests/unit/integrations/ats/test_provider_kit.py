"""The readers every ATS provider module shares (:mod:`kring.integrations.ats.provider_kit`, and the two
API helpers in :mod:`kring.integrations.ats.http`): ids, times, texts, signatures, delivery ids."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from kring.errors import TransientError
from kring.integrations.ats import provider_kit
from kring.integrations.ats.http import ApiNotFoundError, ApiRequestError, if_found, path_segment
from kring.models.common import ExternalId
from tests.support.fixtures import ATS_API_KEY

# RFC 4231, test case 2.
RFC_KEY = "Jefe"
RFC_MESSAGE = b"what do ya want for nothing?"
RFC_DIGEST = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


# ------------------------------------------------------------------------------- payload values
def test_loads_or_none_reads_json_and_answers_none_for_anything_else() -> None:
    assert provider_kit.loads_or_none(b'{"a": [1, "x"]}') == {"a": [1, "x"]}
    assert provider_kit.loads_or_none(b"[]") == []
    assert provider_kit.loads_or_none(b"{not json") is None
    assert provider_kit.loads_or_none(b"") is None
    assert provider_kit.loads_or_none(b'"\xff\xfe"') is None  # not UTF-8


def test_as_dict_and_as_list_give_the_value_of_the_right_shape_else_an_empty_one() -> None:
    data = {"k": 1}
    items = [1, 2]
    assert provider_kit.as_dict(data) is data
    assert provider_kit.as_list(items) is items
    odd: object
    for odd in (None, "text", 3, [("k", 1)], ("a",)):
        assert provider_kit.as_dict(odd) == {}
    for odd in (None, "text", 3, {"k": 1}, ("a",)):
        assert provider_kit.as_list(odd) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (123, "123"),
        (0, "0"),
        ("  abc-1 ", "abc-1"),
        ("with space inside", "with space inside"),  # no check of the form
        ("", None),
        ("   ", None),
        (True, None),
        (False, None),
        (1.5, None),
        (None, None),
        ({"id": 1}, None),
    ],
)
def test_id_text_reads_numbers_and_strings(value: object, expected: str | None) -> None:
    assert provider_kit.id_text(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "3ae2b801-19f6-41ef-ad28-214bd731948f",
        "a.b_c:d@e-f",
        "x" * 40,
        "x" * 41,
        "",
        "has space",
        "slash/inside",
        "ümlaut",
        "line\nbreak",
        "trailing-newline\n",
    ],
)
def test_external_id_accepts_exactly_what_the_changes_accept(value: str) -> None:
    adapter: TypeAdapter[str] = TypeAdapter(ExternalId)
    try:
        adapter.validate_python(value.strip())
        accepted = True
    except ValidationError:
        accepted = False

    assert (provider_kit.external_id(value) is not None) is accepted


def test_external_id_strips_reads_integers_and_refuses_other_shapes() -> None:
    assert provider_kit.external_id("  abc  ") == "abc"
    assert provider_kit.external_id(998877) == "998877"
    assert provider_kit.external_id(True) is None
    assert provider_kit.external_id(1.0) is None
    assert provider_kit.external_id(None) is None
    assert provider_kit.external_id(["abc"]) is None


def test_clipped_text_is_the_stripped_text_cut_to_the_limit() -> None:
    assert provider_kit.clipped_text("  Data Engineer  ", 4) == "Data"
    assert provider_kit.clipped_text("short", 300) == "short"
    assert provider_kit.clipped_text("   ", 10) is None
    assert provider_kit.clipped_text(42, 10) is None


def test_email_address_takes_a_string_with_an_at_sign_of_at_most_254_characters() -> None:
    assert provider_kit.email_address(" jo@example.com ") == "jo@example.com"
    assert provider_kit.email_address("no at sign") is None
    assert provider_kit.email_address("a@" + "b" * 252) is not None
    assert provider_kit.email_address("a@" + "b" * 253) is None
    assert provider_kit.email_address({"email": "jo@example.com"}) is None


def test_https_url_is_the_first_https_url_of_a_sane_length_as_it_is() -> None:
    url = "https://acme.recruitee.com/o/engineer"
    assert provider_kit.https_url(None, "http://plain.example/", url, "https://second.example/") == url
    assert provider_kit.https_url(" " + url) is None  # not stripped
    assert provider_kit.https_url("https://x.example/" + "a" * 2000) is None
    assert provider_kit.https_url("https://x.example/" + "a" * (provider_kit.MAX_URL - 18)) is not None
    assert provider_kit.https_url() is None


def test_unique_texts_keeps_the_first_spelling_of_each_text_in_order() -> None:
    assert provider_kit.unique_texts("Engineering", None, "", "engineering", "Amsterdam", "ENGINEERING") == (
        "Engineering",
        "Amsterdam",
    )


def test_unique_texts_cuts_each_text_but_tells_them_apart_by_the_whole_text() -> None:
    long_a, long_b = "x" * 120 + "a", "x" * 120 + "b"

    assert provider_kit.unique_texts("Platform", long_a, long_b, max_length=100) == (
        "Platform",
        "x" * 100,
        "x" * 100,
    )
    assert provider_kit.unique_texts(long_a) == (long_a,)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nl", "nl"),
        ("NL", "nl"),
        ("nl-NL", "nl"),
        ("nl_BE", "nl"),
        (" Dutch ", "nl"),
        ("Nederlands", "nl"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        (7, "en"),
    ],
)
def test_declared_locale_reads_a_dutch_code_or_name(value: object, expected: str) -> None:
    assert provider_kit.declared_locale(value) == expected


# ------------------------------------------------------------------------------- times
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-20T08:41:07.000000Z", datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC)),
        (" 2024-05-20T10:41:07+02:00 ", datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC)),
        ("2024-05-20T08:41:07", datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC)),  # no zone: UTC
        ("2024-05-20", datetime(2024, 5, 20, tzinfo=UTC)),  # a bare date: its midnight
        ("yesterday", None),
        ("", None),
        ("  ", None),
        (1716194467, None),
        (None, None),
    ],
)
def test_parse_time_reads_iso_8601_and_takes_a_time_without_a_zone_as_utc(
    value: object, expected: datetime | None
) -> None:
    parsed = provider_kit.parse_time(value)

    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


def test_parse_time_keeps_the_zone_it_was_given() -> None:
    parsed = provider_kit.parse_time("2024-05-20T10:41:07+02:00")

    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=2)


def test_first_time_is_the_first_value_that_reads_as_a_time() -> None:
    assert provider_kit.first_time(
        None, "", "not a time", "2024-05-21T09:00:00Z", "2024-01-01T00:00:00Z"
    ) == datetime(2024, 5, 21, 9, tzinfo=UTC)
    assert provider_kit.first_time(None, "nope") is None
    assert provider_kit.first_time() is None


def test_first_time_or_now_falls_back_to_the_time_of_receipt() -> None:
    assert provider_kit.first_time_or_now("x", "2017-11-20T16:00:00Z") == datetime(
        2017, 11, 20, 16, tzinfo=UTC
    )

    before = datetime.now(UTC)
    received = provider_kit.first_time_or_now(None, "not a time")
    after = datetime.now(UTC)

    assert before <= received <= after


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-20T08:41:07.000Z", datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC)),
        (
            "2024-06-18T15:02:44.120+02:00",
            datetime(2024, 6, 18, 15, 2, 44, 120000, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2024-05-20T08:41:07", None),  # no zone: not guessed
        ("not a time", None),
        ("", None),
        (None, None),
        (1716194467, None),
    ],
)
def test_parse_zoned_time_refuses_a_time_without_a_zone(value: object, expected: datetime | None) -> None:
    assert provider_kit.parse_zoned_time(value) == expected


# ------------------------------------------------------------------------------- signatures
def test_hmac_sha256_hex_is_the_lower_hex_hmac_for_a_text_or_a_bytes_key() -> None:
    assert provider_kit.hmac_sha256_hex(RFC_KEY, RFC_MESSAGE) == RFC_DIGEST
    assert provider_kit.hmac_sha256_hex(RFC_KEY.encode(), RFC_MESSAGE) == RFC_DIGEST


def test_hex_digest_matches_any_given_digest_whatever_its_case() -> None:
    other = "0" * 64

    assert provider_kit.hex_digest_matches(RFC_DIGEST, RFC_DIGEST)
    assert provider_kit.hex_digest_matches(RFC_DIGEST, RFC_DIGEST.upper())
    assert provider_kit.hex_digest_matches(RFC_DIGEST, other, RFC_DIGEST)
    assert not provider_kit.hex_digest_matches(RFC_DIGEST, other)
    assert not provider_kit.hex_digest_matches(RFC_DIGEST)


def test_hex_digest_matches_compares_what_it_is_given_as_it_is() -> None:
    assert not provider_kit.hex_digest_matches(RFC_DIGEST, f" {RFC_DIGEST} ")  # the caller strips
    assert not provider_kit.hex_digest_matches(RFC_DIGEST, "sha256=" + RFC_DIGEST)  # and removes schemes
    assert not provider_kit.hex_digest_matches(RFC_DIGEST, RFC_DIGEST[:-1] + "é")  # no error either
    assert not provider_kit.hex_digest_matches(RFC_DIGEST, RFC_DIGEST[:32])


def test_hmac_sha256_matches_checks_a_signature_over_the_message() -> None:
    assert provider_kit.hmac_sha256_matches(RFC_KEY, RFC_MESSAGE, RFC_DIGEST)
    assert provider_kit.hmac_sha256_matches(RFC_KEY, RFC_MESSAGE, "f" * 64, RFC_DIGEST.upper())
    assert not provider_kit.hmac_sha256_matches("another key", RFC_MESSAGE, RFC_DIGEST)
    assert not provider_kit.hmac_sha256_matches(RFC_KEY, RFC_MESSAGE + b" ", RFC_DIGEST)


def test_is_sha256_hex_is_exactly_64_hex_digits() -> None:
    assert provider_kit.is_sha256_hex(RFC_DIGEST)
    assert provider_kit.is_sha256_hex(RFC_DIGEST.upper())
    assert not provider_kit.is_sha256_hex(RFC_DIGEST[:-1])
    assert not provider_kit.is_sha256_hex(RFC_DIGEST + "0")
    assert not provider_kit.is_sha256_hex(RFC_DIGEST + "\n")
    assert not provider_kit.is_sha256_hex("g" * 64)


# ------------------------------------------------------------------------------- delivery ids
def test_hashed_delivery_id_is_the_sha256_of_the_content() -> None:
    assert provider_kit.hashed_delivery_id(b"body") == "sha256:" + hashlib.sha256(b"body").hexdigest()
    assert provider_kit.hashed_delivery_id(b"body") != provider_kit.hashed_delivery_id(b"body ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 4d1b0a2e-5c5e-4a43-b2f6-8d3b1c9e7a10 ", "4d1b0a2e-5c5e-4a43-b2f6-8d3b1c9e7a10"),
        (90210100, "90210100"),
        ("x" * 128, "x" * 128),
        ("x" * 129, None),
        ("tab\tinside", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_delivery_id_text_takes_a_printable_id_of_at_most_128_characters(
    value: object, expected: str | None
) -> None:
    assert provider_kit.delivery_id_text(value) == expected


def test_event_name_of_is_the_named_field_cut_to_100_characters_or_unknown() -> None:
    assert provider_kit.event_name_of({"action": "candidateHire"}, "action") == "candidateHire"
    assert provider_kit.event_name_of({"event": "e" * 150}, "event") == "e" * 100
    assert provider_kit.event_name_of({"event": ""}, "event") == "unknown"
    assert provider_kit.event_name_of({"event": 3}, "event") == "unknown"
    assert provider_kit.event_name_of({"action": "x"}, "event") == "unknown"
    assert provider_kit.event_name_of(["event"], "event") == "unknown"


# ------------------------------------------------------------------------------- validation
class _Thing(BaseModel):
    name: str
    size: int


def _error(data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _Thing.model_validate(data)
    return caught.value


def test_first_error_says_where_and_what() -> None:
    assert provider_kit.first_error(_error({"name": "x", "size": "big"})).startswith("size: ")


def test_first_error_names_the_root_when_the_whole_object_is_wrong() -> None:
    assert provider_kit.first_error(_error("not an object")).startswith("payload: ")
    assert provider_kit.first_error(_error("not an object"), "answer").startswith("answer: ")


# ------------------------------------------------------------------------------- API helpers
def test_path_segment_escapes_everything_that_could_leave_the_segment() -> None:
    assert path_segment("3fa85f64-5717") == "3fa85f64-5717"
    assert path_segment("../admin?x=1#y") == "..%2Fadmin%3Fx%3D1%23y"


def test_if_found_answers_none_only_for_a_missing_resource() -> None:
    def missing() -> object:
        raise ApiNotFoundError("GET jobs/1: not found")

    def refused() -> object:
        raise ApiRequestError("GET jobs/1: HTTP 400")

    def down() -> object:
        raise TransientError("GET jobs/1: HTTP 503")

    assert if_found(lambda: {"data": []}) == {"data": []}
    assert if_found(missing) is None
    with pytest.raises(ApiRequestError):
        if_found(refused)
    with pytest.raises(TransientError):
        if_found(down)


# ------------------------------------------------------------------------------- API keys
def test_fetch_api_key_reads_the_providers_api_key(secrets_env: None) -> None:
    assert provider_kit.fetch_api_key("teamtailor", "Teamtailor") == ATS_API_KEY


def test_without_an_api_key_the_fetch_is_retried_later(
    secrets_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_ATS_API_KEY_SMARTRECRUITERS")
    with pytest.raises(TransientError, match=r"^no SmartRecruiters API key \(ats-api-key-smartrecruiters\)$"):
        provider_kit.fetch_api_key("smartrecruiters", "SmartRecruiters")
