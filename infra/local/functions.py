"""The template's functions in this process: loaded on first use, one invocation at a time each
(like a function with reserved concurrency 1 — module-level state such as a Powertools resolver is
then never shared between two requests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from infra.local.lambda_runtime import LambdaContext
from infra.local.template import FunctionSpec, load_handler


class Functions:
    def __init__(self, specs: dict[str, FunctionSpec]) -> None:
        self.specs = specs
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
