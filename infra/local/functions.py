"""The template's functions in this process: loaded on first use, one invocation at a time each
(like a function with reserved concurrency 1 — module-level state such as a Powertools resolver is
then never shared between two requests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra.local.lambda_runtime import LambdaContext
from infra.local.template import FunctionSpec, load_handler

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


class Functions:
    def __init__(self, specs: dict[str, FunctionSpec]) -> None:
        self.specs = specs
        self.before_invoke: Callable[[], None] | None = None  # e.g. a fresh logging context
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._locks = {name: threading.Lock() for name in specs}
        self._loading = threading.Lock()

    def handler(self, logical_id: str) -> Callable[..., Any]:
        with self._loading:
            if logical_id not in self._handlers:
                self._handlers[logical_id] = load_handler(self.specs[logical_id])
            return self._handlers[logical_id]

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        spec = self.specs[logical_id]
        handler = self.handler(logical_id)
        with self._locks[logical_id]:
            if self.before_invoke is not None:
                self.before_invoke()
            return handler(event, LambdaContext(function_name=logical_id, timeout_seconds=spec.timeout))


def merged_environment(specs: dict[str, FunctionSpec]) -> dict[str, str]:
    """One process hosts every function, so their environments must agree; a variable two
    functions set differently would make the local stack lie about one of them."""
    merged: dict[str, str] = {}
    for spec in specs.values():
        for name, value in spec.environment.items():
            if name in merged and merged[name] != value:
                raise RuntimeError(f"functions disagree on {name}: {merged[name]!r} and {value!r}")
            merged[name] = value
    return merged


class _KeysPerThread:
    """Mixed into Powertools' log formatter on the local stack: its keys (``log_format``, which
    ``append_keys`` and ``inject_lambda_context`` write) are kept per thread. In Lambda each
    function has a process of its own and one invocation at a time; here every function shares one
    process and several run at once, each on its own thread."""

    _per_thread: threading.local
    _initial: dict[str, Any]

    @property
    def log_format(self) -> dict[str, Any]:
        keys: dict[str, Any] | None = getattr(self._per_thread, "keys", None)
        if keys is None:
            keys = self._per_thread.keys = dict(self._initial)
        return keys

    @log_format.setter
    def log_format(self, keys: dict[str, Any]) -> None:
        self._per_thread.keys = keys


def isolate_log_keys(logger: Logger) -> Callable[[], None]:
    """Give each thread its own logging context on ``logger`` (Kring's one Logger); returns what
    starts this thread's context afresh, as a function's own process would be before its first
    invocation (a gateway thread serves one function after another on a kept-alive connection)."""
    formatter: Any = logger.registered_formatter
    if not isinstance(formatter, _KeysPerThread):
        formatter.__dict__.pop("log_format")
        base = type(formatter)
        formatter.__class__ = type(f"PerThread{base.__name__}", (_KeysPerThread, base), {})
        formatter._per_thread = threading.local()
        # The keys a fresh Logger has (what Powertools' clear_state sets), whatever was appended
        # before: a new thread starts from these.
        formatter._initial = {**dict.fromkeys(formatter.log_record_order), **formatter.keys_combined}

    def afresh() -> None:
        formatter._per_thread.keys = dict(formatter._initial)

    return afresh
