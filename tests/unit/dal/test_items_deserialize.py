"""items.deserialize reads every attribute value as boto3's TypeDeserializer followed by the plain
conversion (whole numbers as int, others as float) did: the same values and the same types."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from kring.dal import items

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()

numbers = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(d.as_tuple().digits) <= 38 and -125 < d.adjusted() < 125
)
scalars = st.one_of(
    st.text(max_size=20),
    numbers,
    st.booleans(),
    st.none(),
    st.binary(min_size=1, max_size=8).map(Binary),
)
nested = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=12,
)
values = (
    nested
    | st.sets(st.text(min_size=1, max_size=5), min_size=1, max_size=4)
    | st.sets(numbers, min_size=1, max_size=4)
)


def _reference(attribute: Any) -> Any:
    return items._plain(_DESERIALIZER.deserialize(attribute))


def _typed(value: Any) -> Any:
    """The value with every leaf's type beside it (1 == 1.0 == True, and they must not pass)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, set):
        return sorted((type(v).__name__, repr(v)) for v in value)
    return (type(value).__name__, value)


@given(st.dictionaries(st.text(min_size=1, max_size=5), values, max_size=5))
def test_deserialize_reads_as_boto3_then_plain(item: dict[str, Any]) -> None:
    stored = {k: _SERIALIZER.serialize(v) for k, v in item.items()}
    expected = {k: _reference(v) for k, v in stored.items()}
    assert _typed(items.deserialize(stored)) == _typed(expected)


def test_numbers_are_whole_or_not() -> None:
    stored = {"a": {"N": "3"}, "b": {"N": "2.50"}, "c": {"N": "1E+2"}, "d": {"NS": ["1", "0.5"]}}
    assert _typed(items.deserialize(stored)) == _typed({"a": 3, "b": 2.5, "c": 100, "d": {1, 0.5}})
    assert items.deserialize({"x": {"N": "-0"}}) == {"x": 0}
    assert items.deserialize({"x": {"N": str(Decimal("12345678901234567890123"))}}) == {
        "x": 12345678901234567890123
    }
