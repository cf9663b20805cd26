"""A test's look at whole tables (Scan: tests only), leaving out the per-ATS status items: a refused
webhook delivery is noted there as that ATS's last error, for the Connections page (see
tests/integration/test_dashboard_connections.py); every other item must stay as it was."""

from __future__ import annotations

import json
from typing import Any

import boto3

from kring.dal import keys
from tests.support.fixtures import REGION, MotoStack

_STATUS_PK = keys.ats_last_delivery("")["pk"]


def items(moto_stack: MotoStack, logical_id: str = "KringTable") -> list[dict[str, Any]]:
    """Every item of a table but the ATS status items, sorted."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    found: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=moto_stack.stack.physical_name(logical_id)):
        found.extend(i for i in page["Items"] if i.get("pk", {}).get("S") != _STATUS_PK)
    return sorted(found, key=lambda item: json.dumps(item, sort_keys=True))


def count(moto_stack: MotoStack, logical_id: str = "KringTable") -> int:
    """How many items a table holds, but the ATS status items."""
    return len(items(moto_stack, logical_id))
