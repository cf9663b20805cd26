"""The one reading of a cancelled transaction (:mod:`kring.dal.transact`), against botocore's
Stubber: what each cancellation reason means, and which action's failed condition is a duplicate
or a missing item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from kring.dal import transact
from kring.dal.transact import Outcome

ACTIONS: list[dict[str, Any]] = [
    {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": f"p{i}"}}, "ConditionExpression": "x"}}
    for i in range(3)
]


def _cancelled(reasons: Sequence[str], **at: int | None) -> Outcome:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            response_meta={},
            modeled_fields={"CancellationReasons": [{"Code": r} for r in reasons]},
        )
        return transact.write(client, ACTIONS, **at)


def test_an_applied_transaction_is_applied() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_response("transact_write_items", {})
        assert transact.write(client, ACTIONS) is Outcome.APPLIED


@pytest.mark.parametrize(
    ("reasons", "at", "outcome"),
    [
        (["ConditionalCheckFailed", "None", "None"], {"duplicate_at": 0}, Outcome.DUPLICATE),
        (["None", "ConditionalCheckFailed", "None"], {"duplicate_at": 0}, Outcome.CONFLICT),
        (["None", "TransactionConflict", "None"], {"duplicate_at": 0}, Outcome.CONFLICT),
        (
            ["None", "ConditionalCheckFailed", "None"],
            {"duplicate_at": -2, "missing_at": -1},
            Outcome.DUPLICATE,
        ),
        (["None", "None", "ConditionalCheckFailed"], {"duplicate_at": -2, "missing_at": -1}, Outcome.MISSING),
        (["ConditionalCheckFailed", "None", "None"], {}, Outcome.CONFLICT),
    ],
)
def test_a_cancellation_reads_as_its_reasons_say(
    reasons: list[str], at: dict[str, int], outcome: Outcome
) -> None:
    assert _cancelled(reasons, **at) is outcome


@pytest.mark.parametrize(
    "reasons", [["ThrottlingError", "None", "None"], ["ValidationError", "None", "None"]]
)
def test_a_cancellation_that_is_a_failure_propagates(reasons: list[str]) -> None:
    with pytest.raises(ClientError):
        _cancelled(reasons, duplicate_at=0)


def test_every_reason_dynamodb_gives_has_a_meaning() -> None:
    assert {"ConditionalCheckFailed", "TransactionConflict"} == transact.RETRYABLE_REASONS
    assert {
        "None",
        "ConditionalCheckFailed",
        "ItemCollectionSizeLimitExceeded",
        "TransactionConflict",
        "ProvisionedThroughputExceeded",
        "ThrottlingError",
        "ValidationError",
    } <= set(transact.REASONS)


PUT = {"TableName": "t", "Item": {"pk": {"S": "p"}}, "ConditionExpression": "attribute_not_exists(pk)"}


def test_refused_is_none_when_the_write_applied() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_response("put_item", {}, PUT)
        assert transact.refused(client.put_item, **PUT) is None


def test_refused_is_the_item_as_it_stood_when_the_condition_failed() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    old = {"pk": {"S": "p"}, "state": {"S": "sent"}}
    with Stubber(client) as stub:
        stub.add_client_error(
            "put_item",
            service_error_code="ConditionalCheckFailedException",
            modeled_fields={"Item": old},
        )
        stub.add_client_error("put_item", service_error_code="ConditionalCheckFailedException")
        assert transact.refused(client.put_item, **PUT) == old
        assert transact.refused(client.put_item, **PUT) == {}  # no ALL_OLD asked: nothing to show


def test_refused_propagates_any_other_error() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_client_error("put_item", service_error_code="ProvisionedThroughputExceededException")
        with pytest.raises(ClientError):
            transact.refused(client.put_item, **PUT)
