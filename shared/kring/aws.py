"""Lazily created, cached boto3 clients.

Nothing is created at import time, so a test can start moto (or point the endpoint at DynamoDB
Local) first. Endpoints follow boto3's own ``AWS_ENDPOINT_URL_<SERVICE>`` variables, which is how
the local stack points the same code at DynamoDB Local and the local event bus.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient


def _config(**overrides: Any) -> Any:
    from botocore.config import Config

    base: dict[str, Any] = {"retries": {"mode": "standard", "max_attempts": 4}}
    base.update(overrides)
    return Config(**base)


@lru_cache(maxsize=1)
def dynamodb() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb", config=_config())


@lru_cache(maxsize=1)
def events() -> EventBridgeClient:
    import boto3

    return boto3.client("events", config=_config())


@lru_cache(maxsize=1)
def sqs() -> SQSClient:
    import boto3

    return boto3.client("sqs", config=_config())


def clear_caches() -> None:
    for accessor in (dynamodb, events, sqs):
        accessor.cache_clear()
