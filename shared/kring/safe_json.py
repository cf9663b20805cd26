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

:func:`parse` is the one path from a body to its model, for queue messages and admin API bodies
alike: :func:`loads`, then the model's validation; a body that is JSON but does not fit is
:class:`~kring.errors.FieldValidationError` (a 422, or a message that fails alone) naming each field.

Duplicate keys are read as JSON.parse and ``json.loads`` read them (the last one wins): a body is
parsed by this one reader only, for its signature check and for its use alike, so no two readings
of one body can differ.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic_core import ValidationError, from_json

from kring.errors import FieldValidationError, InvalidInputError, PayloadTooLargeError

T = TypeVar("T")

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


def parse(raw: bytes | str, read: Callable[[Any], T], *, invalid: str, max_bytes: int = MAX_BYTES) -> T:
    """``raw`` read as JSON (:func:`loads`: :class:`InvalidJsonError` or
    :class:`~kring.errors.PayloadTooLargeError` when refused), then by ``read`` (a model's
    ``model_validate``, :func:`kring.events.parse_envelope`, …). A value ``read`` refuses is
    :class:`~kring.errors.FieldValidationError` with the message ``invalid`` and one
    ``{field, message}`` per problem."""
    data = loads(raw, max_bytes=max_bytes)
    try:
        return read(data)
    except ValidationError as exc:
        raise FieldValidationError(invalid, field_errors(exc)) from exc


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as ``[{field, message}]``, the shape every 422 and import report uses."""
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"]) or "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append({"field": location, "message": message})
    return out


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
