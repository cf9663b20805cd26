"""items.serialize writes every value as boto3's TypeSerializer (after the float and tuple
preparation) did: strings, booleans and whole numbers taken directly give the same attributes."""

from __future__ import annotations

from decimal import Decimal, DecimalException
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from kring.dal import items

_SERIALIZER = TypeSerializer()

scalars = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.binary(min_size=1, max_size=8).map(Binary),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=10,
)


def _boto3(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZER.serialize(items._prepare(v)) for k, v in item.items() if v is not None}


@given(item=st.dictionaries(st.text(max_size=8), values | st.none(), max_size=6))
def test_an_item_is_written_as_boto3_writes_it(item: dict[str, Any]) -> None:
    assert items.serialize(item) == _boto3(item)


def test_a_whole_number_beyond_dynamodb_s_digits_is_refused_as_boto3_refuses_it() -> None:
    with pytest.raises(DecimalException):
        items.serialize({"n": 10**38})
    with pytest.raises(DecimalException):
        _boto3({"n": 10**38})
    assert items.serialize({"n": 10**38 - 1}) == {"n": {"N": str(10**38 - 1)}}
    assert items.serialize({"d": Decimal("1.50")}) == _boto3({"d": Decimal("1.50")})
