"""DynamoDB Local as the local stack runs it: on the loopback address only (the tables hold
ambassadors' names and e-mail addresses, and DynamoDB Local checks no credentials), and started
again when it dies, with its data."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local import dynamodb_local
from infra.local.template import REGION
from tests.support import listeners

pytestmark = pytest.mark.dynamodb_local


def _client(port: int) -> Any:
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}")


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple[dynamodb_local.Supervisor, list[str]]]:
    restarted: list[str] = []
    supervisor = dynamodb_local.Supervisor(
        dynamodb_local.free_port(),
        tmp_path / "dynamodb",
        log=tmp_path / "dynamodb.log",
        jvm_options=dynamodb_local.QUICK_START_JVM_OPTIONS,
        on_restart=lambda: restarted.append("tables checked"),
    )
    supervisor.launch()
    supervisor.wait_ready()
    yield supervisor, restarted
    supervisor.stop()


def test_it_listens_on_the_loopback_address_only(
    supervised: tuple[dynamodb_local.Supervisor, list[str]],
) -> None:
    supervisor, _ = supervised
    bound = listeners.on_port(supervisor.port)
    assert bound, "nothing listens on DynamoDB Local's port"
    assert all(listener.loopback_only for listener in bound), bound


def test_when_it_dies_it_says_so_then_comes_back_with_its_data(
    supervised: tuple[dynamodb_local.Supervisor, list[str]],
) -> None:
    supervisor, restarted = supervised
    client = _client(supervisor.port)
    client.create_table(
        TableName="kept",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="kept", Item={"pk": {"S": "E1"}})
    assert supervisor.problem() is None
    assert supervisor.check() is False  # alive: nothing to do

    old = supervisor.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)  # as the kernel's OOM killer would
    deadline = time.monotonic() + 30
    while supervisor.problem() is None:  # not yet noticed by a check
        assert time.monotonic() < deadline, "DynamoDB Local did not die"
        time.sleep(0.05)

    assert supervisor.problem() == "DynamoDB Local exited with code -9"
    assert supervisor.check() is True
    assert supervisor.problem() is None
    assert supervisor.pid != old
    assert restarted == ["tables checked"]
    item = _client(supervisor.port).get_item(TableName="kept", Key={"pk": {"S": "E1"}})
    assert item["Item"] == {"pk": {"S": "E1"}}
