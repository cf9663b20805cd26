"""Plain Python values ⇄ DynamoDB attribute values, for the low-level client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _prepare(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, tuple):
        return [_prepare(v) for v in value]
    if isinstance(value, list):
        return [_prepare(v) for v in value]
    if isinstance(value, dict):
        return {k: _prepare(v) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """A dict of Python values → a DynamoDB item (``None`` values are left out)."""
    return {k: _serializer.serialize(_prepare(v)) for k, v in item.items() if v is not None}


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item → plain Python values: strings, ints (a whole number) or floats, bools,
    None, lists, dicts and sets of them; binary values as boto3 gives them."""
    return {k: _value_of(v) for k, v in item.items()}


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def _value_of(attribute: Mapping[str, Any]) -> Any:
    """One attribute value, as ``_plain(TypeDeserializer().deserialize(attribute))`` (the same
    result, without boto3's Decimal context and its checks on every value: the reader's
    hot path). A type other than these goes through boto3."""
    if len(attribute) == 1:
        ((kind, raw),) = attribute.items()
        reader = _READERS.get(kind)
        if reader is not None:
            return reader(raw)
    return _plain(_deserializer.deserialize(attribute))  # type: ignore[arg-type]


_READERS: dict[str, Any] = {
    "S": lambda raw: raw,
    "N": _number,
    "BOOL": bool,
    "NULL": lambda _raw: None,
    "M": lambda raw: {k: _value_of(v) for k, v in raw.items()},
    "L": lambda raw: [_value_of(v) for v in raw],
    "SS": set,
    "NS": lambda raw: {_number(n) for n in raw},
}


def value(python_value: Any) -> dict[str, Any]:
    """One attribute value, e.g. for ExpressionAttributeValues."""
    serialized: dict[str, Any] = dict(_serializer.serialize(_prepare(python_value)))
    return serialized


# ------------------------------------------------------------------------------------ keys, times
ItemKey = tuple[str, str]
"""An item's (pk, sk): what the readers index the items they fetched by."""


def key_of(key: Mapping[str, Any]) -> ItemKey:
    return (str(key["pk"]), str(key["sk"]))


def timestamp(moment: datetime) -> str:
    """Fixed width, UTC, microseconds: string order is time order. Every stored time Kring
    compares or sorts on is written so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """A stored time (ISO 8601, ``Z`` or an offset; without one, UTC) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)


# ------------------------------------------------------------------------------------ flat records
def record_attributes(record: Any, *, id_field: str) -> dict[str, Any]:
    """A flat dataclass record's attributes, each under its field's name, but the id (in the key)."""
    return {f.name: getattr(record, f.name) for f in fields(record) if f.name != id_field}


def record_fields(item: Mapping[str, Any], record_type: Any, *, id_field: str) -> dict[str, Any]:
    """The inverse: a (plain) item's attributes by the record's field names, but the id."""
    return {f.name: item[f.name] for f in fields(record_type) if f.name != id_field}
