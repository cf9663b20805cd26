"""Log lines carry the context of the invocation they belong to. A warm Lambda runs many
invocations with one Logger: keys one invocation appended (a provider, a correlation id, the
function's own context) must not reach the next one's lines — on AWS, nor on the local stack,
where every function shares one process and several run at once on their own threads."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from infra.local.functions import isolate_log_keys
from infra.local.lambda_runtime import LambdaContext
from kring.observability import logger
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack

NOW = datetime(2026, 11, 29, 8, 15, tzinfo=UTC)


def test_a_warm_handler_does_not_log_with_the_keys_of_its_previous_invocation(
    moto_stack: MotoStack, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    first = la.click(1, at=NOW)
    assert moto_stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(first)])) == {
        "batchItemFailures": []
    }
    # The next invocation of the same (warm) function gets a message it cannot read, and says so.
    with pytest.raises(BatchProcessingError):  # every record of the batch failed
        moto_stack.invoke("ClickRecorderFunction", la.sqs_event(["{not an event"]))
    [line] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert line.get("correlation_id") != first.correlation_id
    assert line["function_name"] == "ClickRecorderFunction"


def test_within_a_batch_a_record_does_not_log_with_the_keys_of_the_record_before_it(
    moto_stack: MotoStack, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    good = la.click(2, at=NOW)
    moto_stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(good), "{not an event"]))
    [line] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert line.get("correlation_id") != good.correlation_id


def test_every_handler_starts_from_a_clean_logging_context(moto_stack: MotoStack) -> None:
    handled = 0
    for logical_id, spec in moto_stack.stack.functions().items():
        if logical_id == "RedirectFunction":
            continue  # the hot path logs with the standard library, without Powertools' keys
        logger.append_keys(provider="teamtailor", left_by="an earlier invocation")
        with contextlib.suppress(Exception):  # a bad event: most fail, after the decorator ran
            moto_stack.invoke(logical_id, {})
        keys = logger.get_current_keys()
        assert "left_by" not in keys, spec.logical_id
        assert keys.get("provider") != "teamtailor", spec.logical_id
        assert keys["function_name"] == logical_id
        handled += 1
    assert handled >= 8


def test_on_the_local_stack_concurrent_invocations_keep_their_own_context(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    """Two functions of one process, running at once on two threads (as the local stack runs
    the gateway's and the queue pollers' invocations): each line names its own function."""
    isolate_log_keys(logger)
    inside, logged = threading.Event(), threading.Event()

    @logger.inject_lambda_context(clear_state=True)
    def api(event: dict[str, Any], context: Any) -> None:
        logger.append_keys(request="api-request")
        inside.set()
        assert logged.wait(10)
        logger.warning("api line")

    @logger.inject_lambda_context(clear_state=True)
    def fanout(event: dict[str, Any], context: Any) -> None:
        assert inside.wait(10)
        logger.append_keys(vacancy_id="greenhouse-1")
        logger.warning("fan-out line")
        logged.set()

    threads = [
        threading.Thread(target=api, args=({}, LambdaContext(function_name="ApiFunction"))),
        threading.Thread(target=fanout, args=({}, LambdaContext(function_name="ShareFanoutFunction"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    lines = {line["message"]: line for line in log_lines()}
    assert lines["fan-out line"]["function_name"] == "ShareFanoutFunction"
    assert "request" not in lines["fan-out line"]
    assert lines["api line"]["function_name"] == "ApiFunction"
    assert "vacancy_id" not in lines["api line"]


def test_on_the_local_stack_each_invocation_starts_from_a_fresh_context(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    """A gateway thread serves one function after another on a kept-alive connection; a function
    that appends nothing (the redirect logs with the standard library) must not log with the keys
    of the function before it."""
    afresh = isolate_log_keys(logger)

    @logger.inject_lambda_context(clear_state=True)
    def api(event: dict[str, Any], context: Any) -> None:
        logger.append_keys(provider="teamtailor")

    api({}, LambdaContext(function_name="ApiFunction"))
    afresh()  # what the local stack does before every invocation
    logging.getLogger("kring.redirect").error("click not counted")
    [line] = [line for line in log_lines() if line["message"] == "click not counted"]
    assert "function_name" not in line
    assert "provider" not in line
