"""Click tokens: random, self-checking, and found in the free text an ATS hands back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kring.links.click_tokens import (
    ALPHABET,
    LENGTH,
    check_character,
    find_click_tokens,
    is_click_token,
    new_click_token,
)


def test_a_new_token_is_valid_and_tokens_do_not_repeat() -> None:
    tokens = {new_click_token() for _ in range(2_000)}
    assert len(tokens) == 2_000
    assert all(len(t) == LENGTH and is_click_token(t) for t in tokens)


def test_the_check_character_is_pinned() -> None:
    # Luhn mod 62: tokens already in ATS records must stay valid after any upgrade.
    assert check_character("7Qm2xKp9LrT4vZ8a") == "T"
    assert is_click_token("7Qm2xKp9LrT4vZ8aT")
    assert check_character("0000000000000000") == "0"


@given(st.integers(min_value=0, max_value=LENGTH - 1), st.integers(min_value=1, max_value=61))
def test_every_single_mistyped_character_is_caught(position: int, shift: int) -> None:
    token = new_click_token()
    wrong = ALPHABET[(ALPHABET.index(token[position]) + shift) % 62]
    assert not is_click_token(token[:position] + wrong + token[position + 1 :])


# Luhn mod 62 misses the swap of its first and last digit (as 09 and 90 in base 10), and only that.
BLIND_SPOT = {ALPHABET[0], ALPHABET[-1]}


@given(st.integers(min_value=0, max_value=LENGTH - 2))
def test_every_swap_of_two_different_neighbours_is_caught(position: int) -> None:
    token = new_click_token()
    if token[position] == token[position + 1] or {token[position], token[position + 1]} == BLIND_SPOT:
        return
    swapped = token[:position] + token[position + 1] + token[position] + token[position + 2 :]
    assert not is_click_token(swapped)


def test_luhns_one_blind_spot_is_the_swap_of_the_first_and_last_digit() -> None:
    """Luhn mod N misses exactly one swap of neighbours: 0 and N-1 (as 09 and 90 in base 10)."""
    missed = set()
    for first in ALPHABET:
        for second in ALPHABET:
            if first == second:
                continue
            payload = "a" * 6 + first + second + "b" * 8
            token = payload + check_character(payload)
            swapped = payload[:6] + second + first + payload[8:] + token[-1]
            if is_click_token(swapped):
                missed.add(frozenset((first, second)))
    assert missed == {frozenset(BLIND_SPOT)}


def test_tokens_are_found_standing_alone_in_free_text_and_only_there() -> None:
    first, second = new_click_token(), new_click_token()
    text = f"https://jobs.example.com/apply?kref={first}&x=1 | source: kring-{second}; again {first}"
    assert find_click_tokens(text) == [first, second]
    assert find_click_tokens(f"x{first}") == []  # glued to a letter: part of a longer word
    assert find_click_tokens(first[:-1] + ("0" if first[-1] != "0" else "1")) == []
    assert find_click_tokens("") == []
