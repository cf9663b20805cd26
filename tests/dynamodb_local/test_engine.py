"""The DynamoDB Local fixture is Amazon's engine, with template.yaml's tables."""

from __future__ import annotations

import pytest

from kring import aws, config
from kring.dal import keys
from kring.dal.items import serialize

pytestmark = pytest.mark.dynamodb_local


def test_conditional_create_is_enforced_by_the_engine(dynamodb_local: object) -> None:
    client = aws.dynamodb()
    table = config.tables().table_name
    item = serialize({**keys.ambassador("E1"), "name": "x"})
    client.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
