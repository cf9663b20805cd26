"""Click tokens: the id of one click, carried to the vacancy page so the ATS brings it back.

A token is :data:`RANDOM_LENGTH` base62 characters from :mod:`secrets` (≈ 95 bits) followed by
one check character (Luhn mod 62), :data:`LENGTH` characters in all. The check character makes a
random 17-character word in an ATS field (a reference number, a base64 fragment) fail
:func:`is_click_token` 61 times in 62, and it catches every single mistyped character and every
swap of two neighbours when a candidate copies a token by hand — but one: ``0`` and ``z`` (the
first and last digits of base62) swapped, Luhn's one blind spot, as ``09`` and ``90`` in base 10.

Standard library only: the redirect imports this on its cold start.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 16
LENGTH = RANDOM_LENGTH + 1
_VALUE = {character: value for value, character in enumerate(ALPHABET)}
_BASE = len(ALPHABET)
# A token stands on its own: no letter or digit right before or after it.
_CANDIDATE = re.compile(rf"(?<![0-9A-Za-z])[0-9A-Za-z]{{{LENGTH}}}(?![0-9A-Za-z])")


def check_character(payload: str) -> str:
    """Luhn mod N over base62: the character that makes the whole token's Luhn sum 0 (mod 62)."""
    factor = 2
    total = 0
    for character in reversed(payload):
        addend = factor * _VALUE[character]
        factor = 1 if factor == 2 else 2
        total += addend // _BASE + addend % _BASE
    return ALPHABET[(_BASE - total % _BASE) % _BASE]


_SPACE = _BASE**RANDOM_LENGTH


def new_click_token() -> str:
    """One draw from :mod:`secrets` over all 62**16 payloads (as uniform as 16 separate choices,
    and the redirect makes one per click), written in base62, plus its check character."""
    number = secrets.randbelow(_SPACE)
    digits = []
    for _ in range(RANDOM_LENGTH):
        number, remainder = divmod(number, _BASE)
        digits.append(ALPHABET[remainder])
    payload = "".join(digits)
    return payload + check_character(payload)


def is_click_token(candidate: str) -> bool:
    if len(candidate) != LENGTH or any(c not in _VALUE for c in candidate):
        return False
    return check_character(candidate[:-1]) == candidate[-1]


def find_click_tokens(text: str) -> list[str]:
    """Every valid token standing on its own in ``text``, in order of appearance, without repeats."""
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        token = match.group(0)
        if is_click_token(token) and token not in found:
            found.append(token)
    return found
