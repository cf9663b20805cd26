"""Opaque, validated pagination tokens.

A token is base64url (no padding) of compact JSON ``{"v": 1, "s": <scope>, "k": <cursor>}``:
the store's position (a LastEvaluatedKey of plain strings) bound to the listing it came from.
Decoding checks everything a client could have changed — the encoding, the shape, the scope,
the key attributes and the partition — so a tampered or foreign token is a 400, never a request
that fails inside DynamoDB.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kring import config, safe_json
from kring.dal import keys
from kring.errors import FieldValidationError, InvalidInputError
from kring.models.common import Page

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

T = TypeVar("T")

VERSION = 1
MAX_TOKEN_LENGTH = 2048
TOKEN_DEPTH = 2  # {"v", "s", "k": {attribute: value}}
KEY_ATTRIBUTES = frozenset(
    {keys.PK, keys.SK, keys.GSI1_PK, keys.GSI1_SK, keys.GSI2_PK, keys.GSI2_SK, keys.GSI3_PK, keys.GSI3_SK}
)


class InvalidPageTokenError(InvalidInputError):
    """A ``next`` token this API did not issue for this listing."""


def encode(scope: str, cursor: Mapping[str, Any] | None) -> str | None:
    """The token for the page after ``cursor`` (None: there is no next page)."""
    if cursor is None:
        return None
    payload = json.dumps({"v": VERSION, "s": scope, "k": dict(cursor)}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode("utf-8")).rstrip(b"=").decode("ascii")


def decode(
    token: str | None, scope: str, *, partition: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """The cursor in ``token`` (None for no token), if it is one this API issued for ``scope``.

    ``partition`` lists attributes the cursor must carry with exactly these values (e.g. the
    index partition of the listing).
    """
    if token is None or token == "":
        return None
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidPageTokenError("the next token is not valid")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = safe_json.loads(raw, max_bytes=MAX_TOKEN_LENGTH, max_depth=TOKEN_DEPTH)
    except (binascii.Error, ValueError, InvalidInputError) as exc:
        raise InvalidPageTokenError("the next token is not valid") from exc
    if not isinstance(data, dict) or set(data) != {"v", "s", "k"} or data["v"] != VERSION:
        raise InvalidPageTokenError("the next token is not valid")
    if data["s"] != scope:
        raise InvalidPageTokenError("the next token belongs to another list")
    cursor = data["k"]
    if (
        not isinstance(cursor, dict)
        or not cursor
        or not set(cursor) <= KEY_ATTRIBUTES
        or not all(isinstance(v, str) and 0 < len(v) <= 1024 for v in cursor.values())
    ):
        raise InvalidPageTokenError("the next token is not valid")
    for name, expected in (partition or {}).items():
        if cursor.get(name) != expected:
            raise InvalidPageTokenError("the next token belongs to another list")
    return cursor


def page_limit(raw: str | None, maximum: int) -> int:
    """The ``limit`` query parameter: 1 or more, at most ``maximum`` (larger asks get the maximum).

    Absent means ``maximum``.
    """
    if raw is None or raw.strip() == "":
        return maximum
    try:
        limit = int(raw.strip())
    except ValueError as exc:
        raise FieldValidationError(
            "the query is not valid", [{"field": "limit", "message": "must be a whole number"}]
        ) from exc
    if limit < 1:
        raise FieldValidationError(
            "the query is not valid", [{"field": "limit", "message": "must be at least 1"}]
        )
    return min(limit, maximum)


def list_page(
    event: APIGatewayProxyEventV2,
    scope: str,
    list_partition: str,
    read: Callable[[int, dict[str, str] | None], Page[T]],
) -> tuple[list[T], str | None]:
    """One page of a gsi1 list (``list_partition``, e.g. ``keys.AMBASSADOR_LIST``) as the request
    asks it: its ``limit`` (at most the API's page size) and ``next`` token (issued for ``scope``),
    read with ``read(limit, cursor)``; the page's items and the token of the page after it."""
    limit = page_limit(event.get_query_string_value("limit"), config.api().api_page_size)
    cursor = decode(event.get_query_string_value("next"), scope, partition={keys.GSI1_PK: list_partition})
    page = read(limit, cursor)
    return list(page.items), encode(scope, page.cursor)
