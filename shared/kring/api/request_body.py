"""The one reader of a request's body: the bytes the client sent, however API Gateway carried
them (base64 or text), so every route reads them the same way and none decodes them twice."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from kring import safe_json
from kring.errors import FieldValidationError, InvalidInputError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

M = TypeVar("M", bound=BaseModel)


def body_bytes(event: BaseProxyEvent) -> bytes:
    """The body as bytes: base64-decoded when API Gateway encoded it (400 when it is not valid
    base64), otherwise its text as UTF-8. Never decoded as text here: a body that is not UTF-8
    is the JSON reader's to refuse with a 400, not a 500."""
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInputError("the body is not valid base64") from exc
    return body.encode("utf-8")


def parsed_body(event: BaseProxyEvent, model: type[M], what: str, *, max_bytes: int) -> M:
    """The JSON body as ``model``: 400 when it is not JSON, 413 when over ``max_bytes``, 422 naming
    each field that breaks the model ("the <what> is not valid")."""
    data = safe_json.loads(body_bytes(event), max_bytes=max_bytes)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldValidationError(f"the {what} is not valid", safe_json.field_errors(exc)) from exc
