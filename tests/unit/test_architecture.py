"""The package's layering, read from its source: no import cycle, data flowing one way.

Every import counts, late ones inside functions included. Data flows strategy ->
scenario -> adapter (runner) -> outcome -> invariants -> violations -> report, so a
family's scenario, outcome, invariants and renderer never import its adapter, OAR3 or a
database, a renderer never imports invariants, and the shared layers never import the
families or the front ends.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pytest

import oar_conformance

PACKAGE = Path(oar_conformance.__file__).parent
NAME = "oar_conformance"

PLAIN_VALUE_MODULES = ("scenario", "outcome", "occupation", "invariants", "render")
"""Family modules that read plain values only."""
ADAPTER_MODULES = (".runner", ".oar_round", ".load")
OUTSIDE_WORLD = ("oar", "sqlalchemy", f"{NAME}.oar3", f"{NAME}.db")
SHARED_LAYERS = (
    "_guard",
    "config",
    "db",
    "errors",
    "find_functions",
    "hierarchy",
    "invariant",
    "model",
    "oar3",
    "oar_jobs",
    "options",
    "options_table",
    "outcome",
    "plugins",
    "profiles",
    "reproducer",
    "stats",
    "violations",
)
"""Modules every family builds on; they must not know the families or the front ends."""
UPPER_LAYERS = ("families", "catalogue", "driver", "report", "replay", "cli", "_pytest_plugin")


def imports(module: str, source: str, *, is_package: bool = False) -> frozenset[str]:
    """Every name ``module`` imports (absolute), late imports inside functions included."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def graph(imported: Mapping[str, frozenset[str]]) -> dict[str, set[str]]:
    """Module -> the known modules it depends on (``from pkg import mod`` counts as mod)."""
    out: dict[str, set[str]] = {}
    for module, names in imported.items():
        deps = out.setdefault(module, set())
        for imported_name in names:
            name = imported_name
            while name and name not in imported:
                name = name.rpartition(".")[0]
            if name and name != module and not name.startswith(f"{module}."):
                deps.add(name)
    return out


def cycles(deps: Mapping[str, set[str]]) -> list[list[str]]:
    """One import cycle through each module that is on one."""
    found = []
    for start in sorted(deps):
        stack, seen = [(start, [start])], {start}
        while stack:
            node, path = stack.pop()
            if start in deps[node]:
                found.append([*path, start])
                break
            for nxt in sorted(deps[node] - seen):
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return found


@cache
def _package_imports() -> dict[str, frozenset[str]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        if "strategies" in path.relative_to(PACKAGE).parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        out[module] = imports(module, path.read_text(encoding="utf-8"), is_package=is_package)
    return out


def _family_modules(kinds: tuple[str, ...]) -> list[str]:
    return [
        m
        for m in sorted(_package_imports())
        if m.startswith(f"{NAME}.families.") and m.rpartition(".")[2] in kinds
    ]


def test_the_checker_finds_a_cycle_made_by_a_late_import() -> None:
    sources = {
        "pkg": "",
        "pkg.a": "from pkg import b\n",
        "pkg.b": "def f():\n    from . import c\n",
        "pkg.c": "import pkg.a\n",
        "pkg.d": "from pkg.a import thing\n",
    }
    imported = {m: imports(m, s, is_package=m == "pkg") for m, s in sources.items()}
    assert cycles(graph(imported)) == [
        ["pkg.a", "pkg.b", "pkg.c", "pkg.a"],
        ["pkg.b", "pkg.c", "pkg.a", "pkg.b"],
        ["pkg.c", "pkg.a", "pkg.b", "pkg.c"],
    ]
    del sources["pkg.b"]
    imported = {m: imports(m, s, is_package=m == "pkg") for m, s in sources.items()}
    assert cycles(graph(imported)) == []


def test_no_import_cycle_in_the_package() -> None:
    assert f"{NAME}.families.find.invariants" in _package_imports()
    found = cycles(graph(_package_imports()))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize("module", _family_modules(PLAIN_VALUE_MODULES))
def test_plain_value_modules_never_import_the_adapter_oar3_or_a_database(module: str) -> None:
    wrong = sorted(
        name
        for name in _package_imports()[module]
        if name.endswith(ADAPTER_MODULES)
        or any(name == w or name.startswith(f"{w}.") for w in OUTSIDE_WORLD)
    )
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize("module", _family_modules(("render",)))
def test_renderers_never_import_invariants(module: str) -> None:
    wrong = sorted(name for name in _package_imports()[module] if ".invariants" in name)
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize(
    "module",
    [
        m
        for m in sorted(_package_imports())
        if m.removeprefix(f"{NAME}.").split(".")[0] in SHARED_LAYERS
    ],
)
def test_shared_layers_never_import_families_or_front_ends(module: str) -> None:
    upper = tuple(f"{NAME}.{u}" for u in UPPER_LAYERS)
    wrong = sorted(n for n in graph(_package_imports())[module] if n.startswith(upper))
    assert not wrong, f"{module} imports {wrong}"
