"""Run code with little Python stack left, as a handler runs deep inside a runtime's frames: a
reader that recurses once per level of nesting (``json.loads``) fails there on input that passes
at a test's shallow depth."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def little_stack_left(headroom: int = 300) -> Iterator[None]:
    """Only ``headroom`` more frames (Python or C recursion) may be entered inside the block."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + headroom)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
