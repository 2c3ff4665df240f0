"""The packages' layers, read from every module's imports (AST, imports inside functions
included): ``pep`` imports nothing above it, ``lyapunov`` and ``lowerbounds`` use ``pep`` only
and not each other, nothing below ``cli`` imports it (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pepcert"

# What each top-level part may import (besides itself and the leaf ``_version``). The top-level
# modules (pepcert/*.py: the lazy public API, the plotting helpers) are listed by name.
ALLOWED = {
    "_lazy": set(),
    "_version": set(),
    "plotting": {"pep"},
    "pep": {"_lazy"},
    "lyapunov": {"pep"},
    "lowerbounds": {"pep"},
    "analyses": {"_lazy", "pep", "lyapunov", "lowerbounds"},
    "sweeps": {"pep", "lyapunov", "lowerbounds", "analyses"},
    "saq": {"_lazy", "pep", "lyapunov", "lowerbounds", "analyses", "sweeps", "plotting"},
    "training": {"_lazy", "pep", "plotting"},
    "papers": {"pep", "lyapunov", "lowerbounds", "analyses", "sweeps", "saq", "training", "plotting"},
    "cli": {"pep", "lyapunov", "lowerbounds", "analyses", "sweeps", "saq", "training", "papers", "plotting"},
    "__init__": {"_lazy", "cli"},
    "__main__": {"cli"},
}


def _part(path: Path, package: Path) -> str:
    parts = path.relative_to(package).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported_parts(path: Path, package: Path) -> set[tuple[str, int]]:
    """``(part, line)`` for every import of a pepcert module in ``path``, wherever it is."""
    relative = path.relative_to(package).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = relative[: len(relative) - node.level]
                names = [".".join(("pepcert",) + base + ((node.module,) if node.module else ()))]
            elif node.module:
                names = [node.module]
        for name in names:
            if name == "pepcert" or name.startswith("pepcert."):
                segments = name.split(".")
                found.add((segments[1] if len(segments) > 1 else "__init__", node.lineno))
    return found


def wrong_way_edges(package: Path = PACKAGE) -> list[str]:
    edges = []
    for path in sorted(package.rglob("*.py")):
        part = _part(path, package)
        allowed = ALLOWED.get(part)
        assert allowed is not None, f"{path}: a new top-level part needs a row in ALLOWED (tests/test_layers.py)"
        for target, line in sorted(imported_parts(path, package)):
            if target not in (part, "_version") and target not in allowed:
                edges.append(f"{path.relative_to(package)}:{line} imports pepcert.{target}")
    return edges


def test_no_module_imports_up_the_layers():
    assert not wrong_way_edges()


def test_the_walk_sees_lazy_and_relative_imports(tmp_path):
    """The checker is not fooled by an import inside a function or a relative one."""
    (tmp_path / "pep").mkdir()
    (tmp_path / "pep" / "core.py").write_text("def f():\n    from pepcert.papers import ttd26\n    return ttd26\n")
    (tmp_path / "lyapunov").mkdir()
    (tmp_path / "lyapunov" / "search.py").write_text("from ..lowerbounds import linear\n")
    assert wrong_way_edges(tmp_path) == ["lyapunov/search.py:1 imports pepcert.lowerbounds",
                                         "pep/core.py:2 imports pepcert.papers"]


@pytest.mark.parametrize("low,high", [("pep", "lyapunov"), ("pep", "papers"), ("lyapunov", "lowerbounds"),
                                      ("lowerbounds", "lyapunov"), ("analyses", "cli"), ("saq", "papers")])
def test_the_table_forbids_the_layers_the_architecture_forbids(low, high):
    assert high not in ALLOWED[low]
