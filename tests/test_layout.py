"""The code's layout: packages by role, imports only pointing down, no cycles, tests mirror sim/.

The layers, lowest first (a module may import from its own package or a lower one only):
core < abm < runs < sweep < analysis < validation < viz < the top (``sim/__init__.py``,
``sim/__main__.py``, ``sim/cli.py``). Every module under ``sim/`` is parsed with :mod:`ast`,
imports inside functions (lazy imports) included: they hid the old calibrate <->
calibration_output cycle. Each checker is also run on a small fake tree with a known violation,
so each can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

LAYERS = ("core", "abm", "runs", "sweep", "analysis", "validation", "viz")
"""The packages under sim/, lowest first; anything else (the top) sits above them all."""

TOP = len(LAYERS)
"""The layer of ``sim/__init__.py``, ``sim/__main__.py`` and ``sim/cli.py``."""

CROSS_CUTTING_TESTS = {
    "test_cli.py",
    "test_bad_inputs.py",
    "test_docs_references.py",
    "test_tracked_files.py",
    "test_layout.py",
    "test_golden.py",
    "test_benchmarks.py",
    "test_api_docs.py",
    "test_notebook.py",
}
"""The test files that test the whole package rather than one sub-package: they stay in tests/."""

MIN_DOCSTRING_WORDS = 8
"""A package's docstring says what it owns: more than a few words."""


def module_name(root: Path, path: Path) -> str:
    """``sim/core/params.py`` -> ``sim.core.params``; ``sim/core/__init__.py`` -> ``sim.core``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, package: str = "sim") -> dict[str, Path]:
    """Every module under ``root/package``, by dotted name."""
    return {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The most specific known module a dotted import name refers to (None: not ours)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST, type_checking: bool) -> list[ast.AST]:
    """Every node of ``tree``, without the bodies of ``if TYPE_CHECKING:`` unless asked."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if not type_checking and _is_type_checking(node):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def imports_of(
    name: str, path: Path, known: dict[str, Path], *, type_checking: bool = True
) -> set[str]:
    """The known modules that ``path`` imports, wherever the import statement is.

    Imports inside functions count. Imports under ``if TYPE_CHECKING:`` count only with
    ``type_checking`` (they are dependencies, but never executed, so they make no cycle).
    """
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _nodes(ast.parse(path.read_text(), filename=str(path)), type_checking):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join([*parts[:keep], *([base] if base else [])])
            # `from pkg import mod` imports the module pkg.mod when there is one
            targets = [f"{base}.{alias.name}" for alias in node.names] or [base]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, known)
            if resolved is not None and resolved != name:
                found.add(resolved)
    return found


def import_graph(
    root: Path, package: str = "sim", *, type_checking: bool = True
) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (``package.*`` imports only)."""
    known = modules(root, package)
    return {
        name: imports_of(name, path, known, type_checking=type_checking)
        for name, path in known.items()
    }


def layer(module: str) -> int:
    """The layer of a module: the index of its package in :data:`LAYERS`, or :data:`TOP`."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else TOP


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for every import of a module from a higher layer."""
    return sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if layer(target) > layer(source)
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected component of more than one module, sorted.

    Tarjan's algorithm (a depth-first search keeping the modules still on its stack).
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def packages(root: Path, package: str = "sim") -> dict[str, Path]:
    """Every package (a folder with ``__init__.py``) under ``root/package``, by dotted name."""
    return {module_name(root, init): init for init in sorted((root / package).rglob("__init__.py"))}


def thin_docstrings(root: Path, package: str = "sim") -> list[str]:
    """The packages whose docstring is missing or shorter than :data:`MIN_DOCSTRING_WORDS`."""
    thin = []
    for name, init in packages(root, package).items():
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        if len(doc.split()) < MIN_DOCSTRING_WORDS:
            thin.append(f"{name}: {doc!r}")
    return thin


def misplaced_tests(tests: Path, root: Path, package: str = "sim") -> list[str]:
    """Test files that are neither cross-cutting nor in a folder mirroring a package of sim/."""
    package_dirs = {
        init.parent.relative_to(root / package) for init in (root / package).rglob("__init__.py")
    }
    misplaced = []
    for path in sorted(tests.rglob("test_*.py")):
        folder = path.parent.relative_to(tests)
        if folder == Path("."):
            ok = path.name in CROSS_CUTTING_TESTS
        else:
            ok = folder in package_dirs
        if not ok:
            misplaced.append(str(path.relative_to(tests)))
    return misplaced


# --- the checks on the real tree -------------------------------------------------------------


def _cycle_name(component: list[str]) -> str:
    return " <-> ".join(component)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """The import graph of sim/, type-only imports included (they are dependencies too)."""
    return import_graph(ROOT)


@pytest.fixture(scope="module")
def runtime_graph() -> dict[str, set[str]]:
    """The import graph of sim/ as executed (without ``if TYPE_CHECKING:`` imports)."""
    return import_graph(ROOT, type_checking=False)


def test_every_package_has_a_docstring_saying_what_it_owns() -> None:
    assert set(LAYERS) <= {name.split(".")[1] for name in packages(ROOT) if "." in name}
    assert thin_docstrings(ROOT) == []


def test_imports_only_point_down_the_layers(graph: dict[str, set[str]]) -> None:
    assert sorted(upward_imports(graph)) == []


def test_there_are_no_import_cycles(runtime_graph: dict[str, set[str]]) -> None:
    assert sorted(_cycle_name(c) for c in cycles(runtime_graph)) == []


def test_the_graph_sees_lazy_imports(graph: dict[str, set[str]]) -> None:
    """sim.cli imports sim.runs.run inside cmd_run only: the graph must still have that edge."""
    assert "sim.runs.run" in graph["sim.cli"]


def test_tests_mirror_the_packages() -> None:
    assert misplaced_tests(TESTS, ROOT) == []


# --- each checker can fail: a small fake tree with known violations ---------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def fake_tree(tmp_path: Path) -> Path:
    """A fake sim/ with one upward import (lazy, inside a function) and one cycle."""
    _write(
        tmp_path,
        {
            "sim/__init__.py": '"""The fake package: enough words to count as a docstring."""\n',
            "sim/cli.py": "from sim.viz import app\n",
            "sim/core/__init__.py": '"""Core."""\n',
            "sim/core/params.py": "import numpy\n",
            "sim/core/dynamics.py": (
                "from sim.core import params\n\n\ndef step():\n    from sim.runs.run import go\n"
            ),
            "sim/runs/__init__.py": "",
            "sim/runs/run.py": "from .outputs import write\n",
            "sim/runs/outputs.py": "def f():\n    import sim.runs.run\n",
            "sim/viz/__init__.py": '"""The web page: its app, controls and plots, all in one."""\n',
            "sim/viz/app.py": "from sim.core.params import x\nfrom sim.runs import run\n",
            "sim/viz/plots.py": (
                "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                "    from sim.viz.app import x\n"
            ),
        },
    )
    return tmp_path


def test_the_checker_reports_an_upward_import_and_a_cycle(fake_tree: Path) -> None:
    graph = import_graph(fake_tree)
    assert graph["sim.core.dynamics"] == {"sim.core.params", "sim.runs.run"}
    assert graph["sim.viz.app"] == {"sim.core.params", "sim.runs.run"}
    assert upward_imports(graph) == ["sim.core.dynamics -> sim.runs.run"]
    assert cycles(graph) == [["sim.runs.outputs", "sim.runs.run"]]


def test_type_only_imports_are_dependencies_but_no_cycle(fake_tree: Path) -> None:
    _write(fake_tree, {"sim/viz/app.py": "from sim.viz.plots import y\n"})
    assert cycles(import_graph(fake_tree)) == [
        ["sim.runs.outputs", "sim.runs.run"],
        ["sim.viz.app", "sim.viz.plots"],
    ]
    assert cycles(import_graph(fake_tree, type_checking=False)) == [
        ["sim.runs.outputs", "sim.runs.run"]
    ]


def test_the_checker_reports_thin_docstrings(fake_tree: Path) -> None:
    assert thin_docstrings(fake_tree) == ["sim.core: 'Core.'", "sim.runs: ''"]


def test_the_checker_reports_misplaced_tests(fake_tree: Path) -> None:
    _write(
        fake_tree,
        {
            "tests/test_cli.py": "",
            "tests/test_dynamics.py": "",
            "tests/core/test_params.py": "",
            "tests/sweep/test_runner.py": "",
            "tests/core/helpers.py": "",
        },
    )
    assert misplaced_tests(fake_tree / "tests", fake_tree) == [
        "sweep/test_runner.py",
        "test_dynamics.py",
    ]


MAX_MODULE_LINES = 400
"""Issue 12: no module over 400 lines (a module that grows past it is doing more than one job)."""
MAX_FUNCTION_LINES = 60
"""Issue 12: no function over 60 lines, decorators excluded (``end_lineno - lineno + 1``)."""


def oversized(root: Path) -> list[str]:
    """Modules over MAX_MODULE_LINES lines and functions over MAX_FUNCTION_LINES, under sim/."""
    found = []
    for path in sorted((root / "sim").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            found.append(f"{rel}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                span = node.end_lineno - node.lineno + 1
                if span > MAX_FUNCTION_LINES:
                    found.append(f"{rel}:{node.lineno} {node.name}: {span} lines")
    return found


def test_no_module_or_function_is_oversized() -> None:
    assert oversized(ROOT) == []


def test_the_size_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "sim").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (tmp_path / "sim" / "big.py").write_text(f"def f():\n{body}\n" + "#\n" * 340)
    assert oversized(tmp_path) == ["sim/big.py: 402 lines", "sim/big.py:1 f: 62 lines"]
