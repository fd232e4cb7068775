"""The import graph of the product code: no cycle between files, no import pointing up the layers.

Every ``.py`` under ``fanxiang/`` is parsed (not imported) with :mod:`ast`; module-level imports and imports
inside functions count the same. Product code only: ``migrations/`` and ``tests/`` directories are left out
(tests may use any factory; nothing in the product imports a test).

Layers (DESIGN.md, Architecture) — an import may point to the same or a lower layer, never higher:

    0 core  ←  1 regions  ←  2 accounts  ←  3 registry apps  ←  4 workflow apps  ←  5 dashboards  ←  6 top

Imports between apps of one layer are allowed as long as they make no cycle.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = "fanxiang"
ROOT = Path(__file__).resolve().parents[2]  # .../fanxiang

# app (second component of the module name) -> layer
LAYERS: dict[str, int] = {
    "core": 0,
    "regions": 1,
    "accounts": 2,
    # registry apps: the records every workflow refers to
    "entrepreneurs": 3,
    "policies": 3,
    "finance": 3,
    "credit": 3,
    # workflow apps: cases that move through steps over registry records
    "loans": 4,
    "portal": 4,
    "notifications": 4,
    "onestop": 4,
    "training": 4,
    # dashboards: read everything, written by nobody below
    "targets": 5,
    "demo": 5,
}
# project modules: settings, the root URLconf, the one API, the shared test fixtures, WSGI
TOP = 6
TOP_MODULES = {"settings", "urls", "api", "conftest", "wsgi"}
# helpers with no project imports that settings read before any app exists
BOTTOM_MODULES = {"env", "__init__"}

# Edges (importer, imported) that close a known cycle being removed elsewhere, as a temporary exception:
# delete the entry together with the cycle (test_pending_cycle_fixes_are_still_needed fails as soon as an
# entry no longer closes a cycle). Empty: the last one, loans.workflow -> notifications.loan_events, went
# when the loan notices began to subscribe to the workflow's on-commit hook.
PENDING_CYCLE_FIX: set[tuple[str, str]] = set()


def _skipped(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "migrations" in parts or "tests" in parts


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py")) if not _skipped(p)}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` is or lies in (``a.b.func`` -> ``a.b``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            # "from pkg import sub" imports the sub-module; "from mod import name" imports mod
            names = []
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                names.append(sub if sub in modules else source)
        else:
            continue
        for name in names:
            if name == PACKAGE or not name.startswith(PACKAGE + "."):
                continue
            target = _resolve(name, modules)
            if target and target != module:
                found.add(target)
    return found


def _parse_all() -> dict[str, list[str]]:
    modules = product_modules()
    return {m: sorted(_imports(m, p, modules)) for m, p in modules.items()}


@functools.cache
def _graph() -> dict[str, frozenset[str]]:
    # Parsed in a child interpreter: CPython 3.11.7 keeps the AST converter's recursion counter in shared
    # state, so an ast.parse while another thread of the test process converts an AST (a live server, a
    # worker thread) can fail with "AST constructor recursion depth mismatch".
    done = subprocess.run([sys.executable, __file__], capture_output=True, text=True, check=True, timeout=120)
    return {m: frozenset(targets) for m, targets in json.loads(done.stdout).items()}


def import_graph() -> dict[str, set[str]]:
    return {m: set(targets) for m, targets in _graph().items()}


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return 0
    head = parts[1]
    if head in TOP_MODULES:
        return TOP
    if head in BOTTOM_MODULES:
        return 0
    if head not in LAYERS:
        raise AssertionError(f"{module}: app {head!r} has no layer in test_import_graph.LAYERS; add it")
    return LAYERS[head]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def test_layer_map_covers_every_app():
    apps = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(LAYERS) == set(), "declare the layer of every app in LAYERS"


def test_no_upward_import():
    graph = import_graph()
    upward = sorted(
        f"{src} (layer {layer(src)}) -> {dst} (layer {layer(dst)})"
        for src, targets in graph.items()
        for dst in targets
        if layer(dst) > layer(src)
    )
    assert not upward, "imports pointing up the layers:\n  " + "\n  ".join(upward)


def test_no_import_cycle():
    graph = import_graph()
    pending = {src: graph[src] - {dst for s, dst in PENDING_CYCLE_FIX if s == src} for src in graph}
    cycles = strongly_connected(pending)
    lines = []
    for component in cycles:
        members = set(component)
        edges = sorted(f"{src} -> {dst}" for src in component for dst in pending[src] if dst in members)
        lines.append("cycle among " + ", ".join(component) + ":\n    " + "\n    ".join(edges))
    assert not cycles, "import cycles between files:\n  " + "\n  ".join(lines)


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for child in graph.get(node, ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def test_pending_cycle_fixes_are_still_needed():
    """An entry of PENDING_CYCLE_FIX whose import is gone, or no longer closes a cycle, must be removed."""
    graph = import_graph()
    stale = sorted(
        f"{src} -> {dst}"
        for src, dst in PENDING_CYCLE_FIX
        if dst not in graph.get(src, set()) or not _reaches(graph, dst, src)
    )
    assert not stale, "remove from PENDING_CYCLE_FIX, the cycle is gone:\n  " + "\n  ".join(stale)


if __name__ == "__main__":  # the child of _graph()
    print(json.dumps(_parse_all()))
