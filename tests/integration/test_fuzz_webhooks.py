"""POST /webhooks/{provider}, fuzzed: generated bodies, headers and signatures through the real
handler under moto, for every provider and every way it signs. Whatever arrives:

- the answer is never a 5xx, and every 4xx is a JSON error body;
- an unsigned request changes nothing (handshakes answer, but store and publish nothing);
- a signed request that is refused changes nothing: no item, no queued fetch, no event.

Signed bodies are hostile texts (deep nesting, ``NaN``, ``1e999``, duplicate keys, lone surrogates,
bytes that are not UTF-8) and the providers' own samples with parts replaced by generated values
of any type, so the properties reach each provider's normalisation, not only its JSON parsing.
``make test`` runs a few examples of each; ``make fuzz`` many (``HYPOTHESIS_PROFILE=fuzz``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import hostile
from tests.support.fixtures import HttpResult, MotoStack

CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "application/octet-stream", ""]
)
EXAMPLES = 6  # per scheme and property in `make test`; `make fuzz` runs its profile's number
SMARTRECRUITERS_EVENTS = st.sampled_from(
    ["application.created", "application.status.updated", "job.created", "job.updated", "", "x" * 300]
)


@pytest.fixture
def watch(moto_stack: MotoStack) -> hostile.StackWatch:
    return hostile.StackWatch(moto_stack)


def _header_names(scheme: str) -> st.SearchStrategy[str]:
    known = hostile.SIGNATURE_HEADERS[scheme]
    others = st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1
    )
    return st.sampled_from(known) | others if known else others


def _headers(scheme: str) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(_header_names(scheme), hostile.ODD_TEXT, max_size=5)


def _post(stack: MotoStack, scheme: str, body: bytes, headers: dict[str, str]) -> HttpResult:
    return stack.http("POST", f"/webhooks/{hostile.provider_of(scheme)}", body=body, headers=headers)


def assert_answered(result: HttpResult) -> None:
    """Never a 5xx; a 4xx says what was wrong in a JSON error body."""
    assert result.status < 500, result.body[:500]
    if result.status >= 400:
        assert result.headers.get("content-type", "").startswith("application/json"), result.headers
        error = result.json()["error"]
        assert isinstance(error["code"], str)
        assert isinstance(error["message"], str)


def _sample_mutations(scheme: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(hostile.SAMPLES[scheme]).flatmap(
        lambda name: hostile.mutated(hostile.sample_payload(scheme, name), hostile.PAYLOAD_REPLACEMENTS)
    )


# ------------------------------------------------------------------------------------ unsigned
# One stack for every scheme (setting one up costs more than the examples): each property runs
# its examples scheme after scheme; a failure names the scheme in its falsifying example.
def test_an_unsigned_request_answers_below_500_and_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch
) -> None:
    for each in hostile.SCHEMES:

        @hostile.fuzz_settings(examples=EXAMPLES)
        @given(
            scheme=st.just(each),
            body=st.one_of(
                hostile.HOSTILE_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")),
                hostile.HOSTILE_BYTES,
                _sample_mutations(each).map(hostile.payload_text),
            ),
            headers=_headers(each),
            content_type=CONTENT_TYPES,
        )
        def unsigned(scheme: str, body: bytes, headers: dict[str, str], content_type: str) -> None:
            before = watch.state()

            result = _post(moto_stack, scheme, body, {**headers, "Content-Type": content_type})

            assert_answered(result)
            assert watch.state() == before

        unsigned()


# ------------------------------------------------------------------------------------ signed
def _hostile_bodies(_scheme: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        hostile.HOSTILE_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")), hostile.HOSTILE_BYTES
    )


def _sample_bodies(scheme: str) -> st.SearchStrategy[bytes]:
    return _sample_mutations(scheme).map(hostile.payload_text)


@pytest.mark.parametrize(
    ("bodies", "examples"),
    [(_hostile_bodies, EXAMPLES), (_sample_bodies, 2 * EXAMPLES)],
    ids=["hostile body", "sample with generated parts"],
)
def test_a_signed_body_answers_below_500_and_a_refusal_changes_nothing(
    moto_stack: MotoStack,
    watch: hostile.StackWatch,
    bodies: Callable[[str], st.SearchStrategy[bytes]],
    examples: int,
) -> None:
    for each in hostile.SCHEMES:

        @hostile.fuzz_settings(examples=examples)
        @given(scheme=st.just(each), data=bodies(each), event_name=SMARTRECRUITERS_EVENTS)
        def signed(scheme: str, data: bytes, event_name: str) -> None:
            body, headers = hostile.signed(scheme, data, event_name=event_name)
            before = watch.state()

            result = _post(moto_stack, scheme, body, headers)

            assert_answered(result)
            watch.settle(before, refused=result.status >= 400)

        signed()


def test_an_unknown_provider_is_a_json_404_that_changes_nothing(
    moto_stack: MotoStack, watch: hostile.StackWatch
) -> None:
    @hostile.fuzz_settings()
    @given(
        provider=st.text(
            alphabet=st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=300
        ).filter(lambda p: p not in hostile.PROVIDERS)
    )
    def unknown(provider: str) -> None:
        before = watch.state()

        result = moto_stack.http(
            "POST", f"/webhooks/{provider}", body=b"{}", headers={"content-type": "application/json"}
        )

        assert_answered(result)
        assert result.status == 404
        assert watch.state() == before

    unknown()


def test_every_sample_signed_here_is_accepted(moto_stack: MotoStack) -> None:
    """The properties above mean something only if their signing is the provider's: unchanged
    samples, signed by :func:`hostile.signed`, are accepted — but for Teamtailor's partner
    programmes, whose signature Kring refuses whatever it signs (docs/ats/teamtailor.md)."""
    for scheme in hostile.SCHEMES:
        for name in hostile.SAMPLES[scheme]:
            event_name = name if scheme == "smartrecruiters" else "application.created"
            data = hostile.payload_text(hostile.sample_payload(scheme, name))
            body, headers = hostile.signed(scheme, data, event_name=event_name)

            result = _post(moto_stack, scheme, body, headers)

            if scheme == "teamtailor-partner":
                assert result.status == 401, (scheme, name, result.status, result.body)
            else:
                assert 200 <= result.status < 300, (scheme, name, result.status, result.body)
