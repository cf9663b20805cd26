"""Powertools idempotency, created lazily so that no client exists at import time.

Use :func:`idempotent` on a side-effecting domain function whose keyword argument ``record``
(a pydantic model or dict) carries the business key; pick it with a JMESPath. Handlers call
:func:`register_lambda_context` first, so an in-flight record expires with the invocation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from kring import aws, config

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_EXPIRY_SECONDS = 7 * 24 * 3600  # longer than any provider's retry schedule


@lru_cache(maxsize=32)
def persistence_store(key_path: str) -> DynamoDBPersistenceLayer:
    """One store per idempotency key: Powertools configures a store once, with the first config
    it meets, so two idempotent functions in one process must not share one."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=config.tables().idempotency_table_name, boto3_client=aws.dynamodb()
    )


@lru_cache(maxsize=32)
def _config(key_path: str, expires_after_seconds: int) -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath=key_path,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
    )


_registered: list[IdempotencyConfig] = []
_context: list[LambdaContext] = []


def register_lambda_context(context: LambdaContext) -> None:
    _context[:] = [context]
    for cfg in _registered:
        cfg.register_lambda_context(context)


def idempotent(
    key_path: str,
    *,
    data_keyword_argument: str = "record",
    expires_after_seconds: int = DEFAULT_EXPIRY_SECONDS,
    stored_as: str | None = None,
) -> Callable[[F], F]:
    """Make ``fn`` run once per key; a repeat returns the first run's (JSON-able) result.

    Powertools stores a record as ``<Lambda function>.<module>.<qualname>#<hash of the key>``, so
    moving a function would orphan its records: ``stored_as`` (``"<module>.<qualname>"``) keeps
    the name it had when its records were first written.
    """

    def decorate(fn: F) -> F:
        target = fn if stored_as is None else _named(fn, stored_as)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from aws_lambda_powertools.utilities.idempotency import idempotent_function

            cfg = _config(key_path, expires_after_seconds)
            if cfg not in _registered:
                _registered.append(cfg)
                if _context:
                    cfg.register_lambda_context(_context[0])
            guarded = idempotent_function(
                data_keyword_argument=data_keyword_argument,
                persistence_store=persistence_store(key_path),
                config=cfg,
            )(target)
            return guarded(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _named(fn: F, dotted: str) -> F:
    """``fn`` under another ``__module__`` and ``__qualname__`` (what Powertools names records by)."""

    @functools.wraps(fn)
    def named(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    named.__module__, _, named.__qualname__ = dotted.rpartition(".")
    return cast("F", named)


def clear_caches() -> None:
    persistence_store.cache_clear()
    _config.cache_clear()
    _registered.clear()
    _context.clear()
