"""Every ``:mod:``, ``:func:``, ``:class:`` (and ``:meth:``, ``:data:``, ``:attr:``, ``:exc:``)
cross-reference in a docstring under ``shared/``, ``functions/`` and ``infra/`` still names
something that exists: it is imported and looked up, as Sphinx would resolve it (a name without
a module is looked up in the module, then in its classes)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROLE = re.compile(r":(mod|func|class|meth|data|attr|exc):`([^`]+)`")


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / "shared").rglob("*.py")):
        parts = path.relative_to(ROOT / "shared").with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path
    for path in sorted((ROOT / "functions").rglob("*.py")):
        yield f"functions.{path.parent.name}.{path.stem}", path
    for path in sorted((ROOT / "infra").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _docstrings(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """Every string that stands alone as a statement (docstrings, and those of attributes), with
    its line and the class it is in, if any."""
    tree = ast.parse(path.read_text())

    def walk(node: ast.AST, cls: str | None) -> Iterator[tuple[int, str, str | None]]:
        for child in ast.iter_child_nodes(node):
            if (
                isinstance(child, ast.Expr)
                and isinstance(child.value, ast.Constant)
                and isinstance(child.value.value, str)
            ):
                yield child.lineno, child.value.value, cls
            inner = child.name if isinstance(child, ast.ClassDef) else cls
            yield from walk(child, inner)

    yield from walk(tree, None)


def _references() -> list[tuple[str, str, int, str, str | None]]:
    found = []
    for module, path in _sources():
        for line, text, cls in _docstrings(path):
            for match in ROLE.finditer(text):
                target = match.group(2)
                if "<" in target:  # "title <target>"
                    target = target[target.index("<") + 1 : target.rindex(">")]
                found.append((module, str(path.relative_to(ROOT)), line, target, cls))
    return found


_LOADED: dict[str, ModuleType] = {}


def _module(name: str, path: Path) -> ModuleType:
    if name not in _LOADED:
        if name.startswith("functions."):
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None
            assert spec.loader is not None
            loaded = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaded)
            _LOADED[name] = loaded
        else:
            _LOADED[name] = importlib.import_module(name)
    return _LOADED[name]


def _lookup(base: Any, dotted: str) -> bool:
    for part in dotted.split(".") if dotted else []:
        if not hasattr(base, part):
            # A module's submodule that nobody imported yet.
            if isinstance(base, ModuleType):
                try:
                    base = importlib.import_module(f"{base.__name__}.{part}")
                    continue
                except ImportError:
                    return False
            annotations = getattr(base, "__annotations__", {}) if isinstance(base, type) else {}
            fields = getattr(base, "model_fields", {}) if isinstance(base, type) else {}
            dataclass_fields = getattr(base, "__dataclass_fields__", {})
            return part in annotations or part in fields or part in dataclass_fields
        base = getattr(base, part)
    return True


def resolves(target: str, module: ModuleType, cls: str | None) -> bool:
    target = target.lstrip("~.").removesuffix("()")
    head = target.split(".")[0]
    if head in sys.modules or importlib.util.find_spec(head) is not None:
        try:
            root = importlib.import_module(head)
        except ImportError:
            root = None
        if root is not None and _lookup(root, target.split(".", 1)[1] if "." in target else ""):
            return True
    if _lookup(module, target):
        return True
    classes = [getattr(module, cls)] if cls and hasattr(module, cls) else []
    classes += [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]
    return any(_lookup(c, target) for c in classes)


REFERENCES = _references()


def test_there_are_references_to_check() -> None:
    assert len(REFERENCES) > 100


def test_every_cross_reference_in_a_docstring_resolves() -> None:
    broken = [
        f"{where}:{line}: {target}"
        for module, where, line, target, cls in REFERENCES
        if not resolves(target, _module(module, ROOT / where), cls)
    ]
    assert broken == []


def test_a_reference_to_something_gone_is_found() -> None:
    from kring import events

    assert resolves("kring.events.Envelope", events, None)
    assert resolves("~kring.events.parse_envelope", events, None)
    assert resolves("Envelope", events, None)
    assert resolves("kring.integrations.ats.registry", events, None)
    assert not resolves("kring.events.envelope_model", events, None)
    assert not resolves("envelope_model", events, None)
    assert not resolves("kring.integrations.ats.open_delivery", events, None)
    assert resolves("secrets", events, None)
    assert resolves("KringEvent.detail_type", events, None)
