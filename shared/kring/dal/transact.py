"""TransactWriteItems and conditional writes, read the same way everywhere: the one table of
cancellation reasons, the one :class:`Outcome`, the one place a ``ClientError`` code is read.

A cancelled transaction says, action by action, why (``CancellationReasons``, in the order of the
actions). :data:`REASONS` is what each code means to Kring:

- ``None`` — this action was fine; another one cancelled the transaction;
- ``ConditionalCheckFailed`` and ``TransactionConflict`` — what the writes were planned from
  changed (a condition no longer holds, or another transaction held an item): re-read and plan
  again (:data:`RETRYABLE_REASONS`, :attr:`Outcome.CONFLICT`);
- anything else (throttling, validation, an item collection too large) — a failure: the error
  propagates, so the event or message is retried by the platform and, in the end, parked.

:func:`write` turns a cancellation into an :class:`Outcome`: :attr:`Outcome.DUPLICATE` when the
action at ``duplicate_at`` (a marker Put on ``attribute_not_exists``) failed its condition —
someone wrote it first; :attr:`Outcome.MISSING` when the action at ``missing_at`` (an update on
``attribute_exists``) did — its item is gone; :attr:`Outcome.CONFLICT` when any reason is
retryable; else the error.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from kring.errors import ConflictError

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb import DynamoDBClient

CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailed"
TRANSACTION_CANCELED = "TransactionCanceledException"
CONDITIONAL_CHECK_FAILED_EXCEPTION = "ConditionalCheckFailedException"


class Reason(enum.Enum):
    """What one action's cancellation reason means."""

    FINE = "fine"  # this action would have applied
    STALE = "stale"  # what the plan was made from changed: plan again
    FAILED = "failed"  # a failure: propagate


REASONS: Mapping[str | None, Reason] = {
    None: Reason.FINE,
    "None": Reason.FINE,
    CONDITIONAL_CHECK_FAILED: Reason.STALE,
    "TransactionConflict": Reason.STALE,
    "ThrottlingError": Reason.FAILED,
    "ProvisionedThroughputExceeded": Reason.FAILED,
    "ItemCollectionSizeLimitExceeded": Reason.FAILED,
    "ValidationError": Reason.FAILED,
}
RETRYABLE_REASONS = frozenset(code for code, meaning in REASONS.items() if meaning is Reason.STALE)


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the marker was there: someone recorded this first
    MISSING = "missing"  # the item an update needs is gone
    CONFLICT = "conflict"  # re-read and plan again


def client_error() -> type[ClientError]:
    """botocore's ``ClientError``, imported when first needed."""
    from botocore.exceptions import ClientError

    return ClientError


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def cancellation_reasons(exc: ClientError) -> list[str | None]:
    """The reason codes of a cancelled transaction, one an action (what the typed stubs leave out)."""
    response = cast("dict[str, Any]", exc.response)
    return [r.get("Code") for r in response.get("CancellationReasons") or []]


def outcome_of(
    reasons: Sequence[str | None], *, duplicate_at: int | None = None, missing_at: int | None = None
) -> Outcome | None:
    """What a cancellation with ``reasons`` means (see the module docstring); None: a failure."""

    def failed(at: int | None) -> bool:
        return (
            at is not None and -len(reasons) <= at < len(reasons) and reasons[at] == CONDITIONAL_CHECK_FAILED
        )

    if failed(duplicate_at):
        return Outcome.DUPLICATE
    if failed(missing_at):
        return Outcome.MISSING
    if any(REASONS.get(r) is Reason.STALE for r in reasons):
        return Outcome.CONFLICT
    return None


def write(
    client: DynamoDBClient,
    actions: Sequence[Mapping[str, Any]],
    *,
    duplicate_at: int | None = None,
    missing_at: int | None = None,
) -> Outcome:
    """Apply ``actions`` in one TransactWriteItems; a cancellation as :func:`outcome_of` reads it.
    Any other failure propagates."""
    try:
        client.transact_write_items(TransactItems=list(actions))  # type: ignore[arg-type]
    except client_error() as exc:
        if error_code(exc) != TRANSACTION_CANCELED:
            raise
        outcome = outcome_of(cancellation_reasons(exc), duplicate_at=duplicate_at, missing_at=missing_at)
        if outcome is None:
            raise
        return outcome
    return Outcome.APPLIED


@contextmanager
def conditional(what: str) -> Iterator[None]:
    """A conditional write whose failed condition is a :class:`ConflictError` saying ``what``."""
    try:
        yield
    except client_error() as exc:
        if error_code(exc) == CONDITIONAL_CHECK_FAILED_EXCEPTION:
            raise ConflictError(what) from exc
        raise


def applied(call: Any, /, **request: Any) -> Any | None:
    """``call(**request)`` (a conditional PutItem or UpdateItem); None when its condition failed."""
    try:
        return call(**request)
    except client_error() as exc:
        if error_code(exc) == CONDITIONAL_CHECK_FAILED_EXCEPTION:
            return None
        raise


def refused(call: Any, /, **request: Any) -> dict[str, Any] | None:
    """``call(**request)`` (a conditional PutItem, UpdateItem or DeleteItem); None when it applied,
    else the item as it stood when its condition failed (as DynamoDB returns it: asked for with
    ``ReturnValuesOnConditionCheckFailure="ALL_OLD"``, empty without, or when there was none)."""
    try:
        call(**request)
    except client_error() as exc:
        if error_code(exc) == CONDITIONAL_CHECK_FAILED_EXCEPTION:
            return dict(cast("dict[str, Any]", exc.response).get("Item") or {})
        raise
    return None
