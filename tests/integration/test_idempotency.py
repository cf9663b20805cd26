"""Two idempotent functions with different keys in one process (as on the local stack, or a
function with two side effects) each keep their own key."""

from __future__ import annotations

from typing import Any

from infra.local.lambda_runtime import LambdaContext
from kring.idempotency import idempotent, register_lambda_context
from tests.support.fixtures import MotoStack


def test_each_idempotent_function_uses_its_own_key(moto_stack: MotoStack) -> None:
    register_lambda_context(LambdaContext())  # type: ignore[arg-type]
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
