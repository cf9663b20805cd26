"""The library's import graph: no cycle (not even one hidden behind an import inside a function),
every import inside a function on an allow-list with its reason, and each flow's function loading
its own flow, the shared ids, the data layer and the platform, never another flow's modules.
(Nothing is timed here: bench/ measures cold starts.)"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared"

# Imports of Kring modules made inside a function on purpose: each saves a cold start the cost of
# what it imports. None may close a cycle (checked below); a new one needs a line here.
LAZY_KRING_IMPORTS: dict[tuple[str, str], str] = {
    (
        "kring.intake.vacancies",
        "kring.intake.vacancy_urls",
    ): "the URL checks, only where a vacancy is written",
    ("kring.intake.vacancy_urls", "kring.integrations.ats.registry"): "every ATS module, only to check a URL",
    (
        "kring.programme.campaigns",
        "kring.redirect.classify",
    ): "isbot's pattern, compiled on import, only where an invitation is opened (not in the mail sender)",
    (
        "kring.web.html",
        "kring.roster.csv_files",
    ): "the multipart reader, only for the page that takes a file (not the portal's pages)",
}

# The platform every function may load, besides its own flow, the shared ids, models and dal/.
PLATFORM = {
    "kring",
    "kring.aws",
    "kring.config",
    "kring.errors",
    "kring.events",
    "kring.idempotency",
    "kring.observability",
    "kring.queues",
    "kring.safe_json",
    "kring.integrations",
    "kring.integrations.eventbridge",
    "kring.integrations.sqs",
    "kring.integrations.secrets",
}
SHARED_PACKAGES = ("kring.links", "kring.models", "kring.dal")


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p, SHARED): p for p in SHARED.rglob("*.py")}


def _imports(path: Path) -> Iterator[tuple[str, bool]]:
    """Every Kring module ``path`` imports, and whether the import is inside a function."""
    tree = ast.parse(path.read_text())
    in_function = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from kring.x import y``: the module y if it is one, else the module kring.x.
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                for a in node.names
            ]
        for name in names:
            if name in MODULES:
                yield name, id(node) in in_function


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts))}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        own = _ancestors(name)
        for target, _lazy in _imports(path):
            # Importing a module imports its packages too, but for the ones the importer is in itself.
            graph[name].update({*_ancestors(target), target} - own)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start, targets in graph.items():
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(targets)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_back_even_through_an_import_inside_a_function() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle_hidden_inside_a_function() -> None:
    graph = {"kring.a": {"kring.b"}, "kring.b": {"kring.c"}, "kring.c": {"kring.a"}, "kring.d": set()}
    assert _cycles(graph) == [["kring.a", "kring.b", "kring.c"]]


def test_every_import_of_a_kring_module_inside_a_function_is_on_the_list_with_its_reason() -> None:
    roots = [(SHARED, path) for path in SHARED.rglob("*.py")]
    roots += [(ROOT, path) for path in (ROOT / "functions").rglob("*.py")]
    lazy = {
        (_module_name(path, root), target)
        for root, path in roots
        for target, inside in _imports(path)
        if inside
    }
    assert lazy == set(LAZY_KRING_IMPORTS)


SCRIPT = """
import json, os, sys, importlib.util
sys.path[:0] = [{shared!r}, {root!r}]
os.environ.update({{
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "eu-west-1",
}})
spec = importlib.util.spec_from_file_location("app", {app!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(sorted(name for name in sys.modules if name == "kring" or name.startswith("kring."))))
"""


def _loaded_by(function: str) -> set[str]:
    """The Kring modules a fresh process has loaded after importing ``functions/<function>/app.py``."""
    app = ROOT / "functions" / function / "app.py"
    script = SCRIPT.format(shared=str(SHARED), root=str(ROOT), app=str(app))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KRING_"))}
    command = [sys.executable, "-c", script]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603 - our script
    loaded: list[str] = json.loads(out.stdout)
    return set(loaded)


def _reachable(function: str) -> set[str]:
    """The Kring modules ``functions/<function>/app.py`` can ever load, imports inside functions
    included (read from the source, not run)."""
    graph = _graph()
    todo = [target for target, _ in _imports(ROOT / "functions" / function / "app.py")]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_ancestors(name))
            todo.extend(graph[name])
    return seen


def _outside(modules: set[str], *flows: str) -> set[str]:
    allowed = (*flows, *SHARED_PACKAGES)
    return {
        name
        for name in modules
        if name not in PLATFORM and not any(name == p or name.startswith(f"{p}.") for p in allowed)
    }


@pytest.mark.parametrize("closure", [_loaded_by, _reachable], ids=["loaded", "reachable"])
def test_the_attribution_function_never_loads_the_intake_or_the_ats_modules(
    closure: Callable[[str], set[str]],
) -> None:
    modules = closure("attribution")
    assert "kring.attribution.recorder" in modules
    assert {m for m in modules if m.startswith(("kring.intake", "kring.integrations.ats"))} == set()


@pytest.mark.parametrize("closure", [_loaded_by, _reachable], ids=["loaded", "reachable"])
def test_the_click_recorder_loads_its_flow_points_the_shared_ids_the_data_layer_and_the_platform_only(
    closure: Callable[[str], set[str]],
) -> None:
    # Points ride along with every click and share intent recorded (kring.points.ledger).
    modules = closure("click_recorder")
    assert "kring.clicks.recorder" in modules
    assert _outside(modules, "kring.clicks", "kring.points") == set()
