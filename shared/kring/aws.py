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
    from mypy_boto3_sesv2 import SESV2Client
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


@lru_cache(maxsize=1)
def sesv2() -> SESV2Client:
    """SES v2 without botocore's own retries: :mod:`kring.integrations.ses` retries throttling
    itself, with backoff, and counts the attempts."""
    import boto3

    return boto3.client("sesv2", config=_config(retries={"mode": "standard", "max_attempts": 1}))


# --- the redirect's hot path -------------------------------------------------------------------
# botocore directly (no boto3 import), sub-second timeouts and at most two attempts: a slow AWS
# answer must never hold a candidate's redirect for long (see kring.redirect).
HOT_PATH_TIMEOUT_SECONDS = 0.5
HOT_PATH_MAX_ATTEMPTS = 2


@lru_cache(maxsize=1)
def hot_path_session() -> Any:
    """The botocore session the hot-path clients come from (one per container)."""
    import botocore.session

    return botocore.session.get_session()


@lru_cache(maxsize=8)
def hot_path_client(service: str) -> Any:
    """A botocore client with short connect/read timeouts and at most two attempts, for the
    redirect. Endpoints follow ``AWS_ENDPOINT_URL_<SERVICE>`` like every other client here.
    Client-side parameter validation is off (about a tenth of botocore's CPU per request): the
    redirect builds its few requests itself, and the integration tests send them to moto.

    Retries in botocore's ``legacy`` mode, whose one back-off is at most a second: ``standard``
    mode honours a service's ``x-amz-retry-after`` header and may wait up to five seconds more,
    which would outlast the redirect's time budget (:mod:`kring.redirect.budget`) and its
    function timeout — a candidate would get a 502 instead of the vacancy."""
    from botocore.config import Config

    return hot_path_session().create_client(
        service,
        config=Config(
            connect_timeout=HOT_PATH_TIMEOUT_SECONDS,
            read_timeout=HOT_PATH_TIMEOUT_SECONDS,
            retries={"mode": "legacy", "total_max_attempts": HOT_PATH_MAX_ATTEMPTS},
            parameter_validation=False,
        ),
    )


def clear_caches() -> None:
    for accessor in (dynamodb, events, sqs, sesv2, hot_path_client, hot_path_session):
        accessor.cache_clear()
