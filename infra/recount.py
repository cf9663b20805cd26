"""``python -m infra.recount`` (``make recount``): bring the counters of every stored application
state in line with today's counting rules, and put every decided one on the application list
(:mod:`kring.attribution.recount`) — after an upgrade whose notes say so.

Locally (the default) it works on the running local stack's DynamoDB Local, found with the same
settings the stack was started with (``KRING_PORT``, ``KRING_DYNAMODB_PORT``). In AWS, name the
stage's table: ``make recount TABLE=kring-prod`` (credentials and region from the environment, as
for the AWS CLI). It reads every item's key once (a Scan, filtered to application states) and
writes only the states that count differently or are not listed, each in one transaction; a second
run writes nothing.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from infra.local.settings import LocalSettings
from infra.local.stack import FAKE_CREDENTIALS, template_stack

if TYPE_CHECKING:
    from kring.dal.keys import Key


def _local(settings: LocalSettings) -> tuple[str, dict[str, str]] | None:
    """The local stack's table and the environment that reaches its DynamoDB Local, or None when
    nothing listens there."""
    port = settings.dynamodb_port or settings.port + 2
    with socket.socket() as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((settings.host, port)) != 0:
            return None
    table = template_stack(settings).physical_name("KringTable")
    return table, {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL_DYNAMODB": f"http://{settings.host}:{port}"}


def use_table(command: str, table: str | None) -> str | None:
    """Point this process's Kring at ``table`` (an AWS stage's), or by default at the running local
    stack's DynamoDB Local; the table, or None (said on stderr) when no local stack listens."""
    environment: dict[str, str] = {}
    if table is None:
        settings = LocalSettings()
        found = _local(settings)
        if found is None:
            port = settings.dynamodb_port or settings.port + 2
            print(
                f"{command}: no local stack's DynamoDB Local on {settings.host}:{port}: start it with"
                " `make run` (with the same KRING_PORT / KRING_DYNAMODB_PORT), or name an AWS table"
                " with --table",
                file=sys.stderr,
            )
            return None
        table, environment = found
    os.environ.update({**environment, "TABLE_NAME": table, "IDEMPOTENCY_TABLE_NAME": f"{table}-idempotency"})
    from kring import aws, config

    config.clear_caches()
    aws.clear_caches()
    return table


def _state_keys(table: str) -> Iterator[Key]:
    """The key of every application state: a Scan of the table (keys only, filtered on the
    state's prefix), page after page. Only this one-off operator command scans; the library that
    Lambda runs never does (no request or event path may)."""
    from kring import aws
    from kring.dal import keys
    from kring.dal.attribution_states import STATE_SK, state_key
    from kring.dal.items import deserialize, serialize

    request: dict[str, Any] = {
        "TableName": table,
        "ProjectionExpression": "#pk, #sk",
        "FilterExpression": "#sk = :sk AND begins_with(#pk, :prefix)",
        "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
        "ExpressionAttributeValues": serialize({":sk": STATE_SK, ":prefix": keys.STATE_PREFIX}),
    }
    while True:
        got = aws.dynamodb().scan(**request)
        for item in got.get("Items", []):
            yield state_key(str(deserialize(item)[keys.PK]))
        last = got.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.recount", description=__doc__)
    parser.add_argument("--table", help="AWS: the stage's table (kring-<stage>); default: the local stack's")
    args = parser.parse_args(argv)
    table = use_table("recount", args.table)
    if table is None:
        return 1
    from kring.attribution.recount import recount

    report = recount(_state_keys(table))
    print(
        f"{table}: {report.states} application state(s), {report.recounted} recounted,"
        f" {report.listed} put on the application list"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
