"""The one reader of JSON that comes from outside: webhook bodies (before and after their signature
is checked), admin API bodies, pagination tokens, queue messages and ATS API answers.

``json.loads`` recurses once per level of nesting, so about a thousand ``[`` (2 KB) raise
``RecursionError`` — not a ``ValueError`` — and whatever walks a deep value afterwards (pydantic,
``json.dumps``) can do the same. It also takes ``NaN``, ``Infinity`` and ``1e999`` (a float that is
``inf``), which no contract here allows and which break arithmetic, times and DynamoDB numbers.

:func:`loads` parses with pydantic-core's parser (Rust, already in every function but the redirect,
which parses no JSON): strict UTF-8, no ``NaN``/``Infinity`` literals, no lone surrogates (``"\\ud800"``),
its own nesting limit (200) reached without Python recursion. It then walks the value once, without
recursion, and refuses nesting deeper than ``max_depth`` and numbers that are not finite. Anything
refused is :class:`InvalidJsonError` (an :class:`~kring.errors.InvalidInputError`: a 400, or a message
that fails alone) and a body over ``max_bytes`` is :class:`~kring.errors.PayloadTooLargeError` (413).

Duplicate keys are read as JSON.parse and ``json.loads`` read them (the last one wins): a body is
parsed by this one reader only, for its signature check and for its use alike, so no two readings
of one body can differ.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import from_json

from kring.errors import InvalidInputError, PayloadTooLargeError

MAX_DEPTH = 64
"""Nesting levels (objects and arrays) a value may have; the deepest ATS sample has 9."""
MAX_BYTES = 1024 * 1024


class InvalidJsonError(InvalidInputError):
    """Not JSON, or JSON that no contract here accepts (too deep, not finite)."""


def loads(raw: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """``raw`` (UTF-8 bytes, or text) as a JSON value, within the bounds above."""
    try:
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    except UnicodeEncodeError as exc:  # text holding a lone surrogate
        raise InvalidJsonError("not valid JSON: not Unicode text") from exc
    if len(data) > max_bytes:
        raise PayloadTooLargeError(f"the JSON is over {max_bytes} bytes")
    try:
        value = from_json(data, allow_inf_nan=False)
    except ValueError as exc:
        raise InvalidJsonError(f"not valid JSON: {exc}") from exc
    _check(value, max_depth)
    return value


def loads_or_none(raw: bytes | str, *, max_bytes: int = MAX_BYTES) -> Any:
    """:func:`loads`, or ``None`` for anything it refuses: for reading a body before (or beside) its
    verification, where a body Kring cannot read is not an error yet."""
    try:
        return loads(raw, max_bytes=max_bytes)
    except (InvalidJsonError, PayloadTooLargeError):
        return None


def _check(value: Any, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` and non-finite floats, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidJsonError("a number is too large")
            continue
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= max_depth:
            raise InvalidJsonError(f"the JSON is nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | float))
