"""Two idempotent functions with different keys in one process (as on the local stack, or a
function with two side effects) each keep their own key."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import boto3

from infra.local.lambda_runtime import LambdaContext
from infra.local.template import REGION
from kring.events import VacancyPublished
from kring.idempotency import idempotent, register_lambda_context
from kring.intake.webhooks import apply_delivery
from kring.integrations.ats.base import Delivery
from kring.queues import FanoutPage
from kring.sharing.fanout import fan_out_page
from tests.support.fixtures import MotoStack


def test_each_idempotent_function_uses_its_own_key(moto_stack: MotoStack) -> None:
    register_lambda_context(LambdaContext())  # type: ignore[arg-type]  # the local runtime's context, not Powertools' protocol
    runs: list[str] = []

    @idempotent("order_id")
    def place(*, record: dict[str, Any]) -> str:
        runs.append(f"place {record['order_id']}")
        return "placed"

    @idempotent("invoice")
    def bill(*, record: dict[str, Any]) -> str:
        runs.append(f"bill {record['invoice']}")
        return "billed"

    assert place(record={"order_id": "o-1"}) == "placed"
    assert bill(record={"invoice": "i-1"}) == "billed"
    assert place(record={"order_id": "o-1"}) == "placed"
    assert bill(record={"invoice": "i-1"}) == "billed"
    assert bill(record={"invoice": "i-2"}) == "billed"
    assert runs == ["place o-1", "bill i-1", "bill i-2"]


# The records of the two idempotent domain functions, as Powertools wrote them before the functions
# moved into their flow packages: ``<Lambda function>.<module>.<qualname>#<md5 of the key>``.
# A delivery retried across the deploy that moved them must still find its record.
def _stored_before_the_move(table: str, name: str, key: str) -> None:
    digest = hashlib.md5(json.dumps(key).encode()).hexdigest()  # noqa: S324 - Powertools' key hash
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=table,
        Item={
            "id": {"S": f"{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'test-func')}.{name}#{digest}"},
            "status": {"S": "COMPLETED"},
            "expiration": {"N": str(int(time.time()) + 3600)},
            "data": {"S": json.dumps({"remembered": name})},
        },
    )


def test_a_fanout_page_recorded_before_the_move_is_not_applied_again(moto_stack: MotoStack) -> None:
    register_lambda_context(LambdaContext())  # type: ignore[arg-type]  # the local runtime's context, not Powertools' protocol
    table = moto_stack.stack.physical_name("IdempotencyTable")
    _stored_before_the_move(table, "kring.fanout.fan_out_page", "evt-1:0")
    vacancy = VacancyPublished(
        vacancy_id="greenhouse-1",
        provider="greenhouse",
        external_id="1",
        title="Data Scientist",
        url="https://job-boards.greenhouse.io/acme/jobs/1",
    )
    page = FanoutPage(origin_event_id="evt-1", page=0, vacancy=vacancy)

    # No publisher and no queue on purpose: the remembered result returns before either is used.
    result = fan_out_page(record=page, publisher=None, queue=None, page_size=1, now=datetime.now(UTC))  # type: ignore[arg-type]

    assert result == {"remembered": "kring.fanout.fan_out_page"}


def test_a_webhook_delivery_recorded_before_the_move_is_not_applied_again(moto_stack: MotoStack) -> None:
    register_lambda_context(LambdaContext())  # type: ignore[arg-type]  # the local runtime's context, not Powertools' protocol
    table = moto_stack.stack.physical_name("IdempotencyTable")
    _stored_before_the_move(table, "kring.ats_intake.apply_delivery", "greenhouse:evt-1")
    delivery = Delivery(provider="greenhouse", delivery_id="evt-1", event="job_post_updated", ack_status=200)

    assert apply_delivery(record=delivery) == {"remembered": "kring.ats_intake.apply_delivery"}
