"""JSON responses of the admin API, and the one shape of every error body:
``{"error": {"code": "...", "message": "...", "details": [...]}}``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel


def json_response(
    status: int, body: BaseModel | Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Response[str]:
    text = body.model_dump_json() if isinstance(body, BaseModel) else json.dumps(body, separators=(",", ":"))
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=text,
        headers=dict(headers or {}),
    )


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    return json_response(
        status, {"error": {"code": code, "message": message, "details": [dict(d) for d in details]}}, headers
    )


def no_content() -> Response[str]:
    return Response(status_code=204, content_type=None, body="")
