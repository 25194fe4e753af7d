"""The house rules, checked on the source: the import direction, module size and function length.

Layers, lowest first (``docs/design.md``): a module imports only from its own layer or below.

    leaves → scenario → engine → metrics/plans → runner → store → experiments
           → reports/training → cli → the public API (``salesim``)

Besides, reports never import the engine or the experiments (they read what the store wrote), and
training uses the public API only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FOLDERS = {"salesim": ROOT / "salesim", "salesim.simulator": ROOT / "simulator",
           "salesim.reports": ROOT / "reports", "salesim.training": ROOT / "training",
           "salesim.scenarios": ROOT / "scenarios"}

LAYERS: tuple[tuple[str, ...], ...] = (
    ("salesim.scenarios", "salesim.simulator.numbers", "salesim.simulator.units",
     "salesim.simulator.workers"),
    ("salesim.simulator.scenario",),
    ("salesim.simulator.engine",),
    ("salesim.simulator.metrics", "salesim.simulator.plans"),
    ("salesim.simulator.runner",),
    ("salesim.simulator.store",),
    ("salesim.simulator.experiments",),
    ("salesim.reports", "salesim.training"),
    ("salesim.simulator.cli",),
    ("salesim.simulator", "salesim"),  # the package docstrings and the public API
)
FORBIDDEN = {"salesim.reports": ("salesim.simulator.engine", "salesim.simulator.experiments")}
PUBLIC_ONLY = ("salesim.training",)

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60  # the body, not counting the docstring


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for prefix, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            if prefix == "salesim" and path.parent != folder:
                continue
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((prefix, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), i
    return rank


def _imports(path: Path) -> set[str]:
    """Every absolute import of salesim, type-only and local ones included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name == "salesim" or name.startswith("salesim.")}


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if _layer(m) < 0] == []


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for module, path in MODULES.items():
        rank = _layer(module)
        for imported in sorted(_imports(path)):
            target = _layer(imported)
            banned = [f for owner, bans in FORBIDDEN.items() if module.startswith(owner)
                      for f in bans if imported.startswith(f)]
            public = any(module.startswith(p) for p in PUBLIC_ONLY) and imported != "salesim"
            if target > rank or banned or public:
                wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert wrong == []


def test_the_contract_sees_a_violation() -> None:
    """The check itself: an engine module importing the CLI is caught."""
    assert _layer("salesim.simulator.cli.main") > _layer("salesim.simulator.engine.model")
    assert _layer("salesim.simulator.metrics.measure") == _layer("salesim.simulator.plans.forecast")
    assert _layer("salesim.simulator.numbers") < _layer("salesim.simulator.scenario.schema")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_short(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines (split it by concern)"


def _long_functions(path: Path) -> set[str]:
    long = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            body = node.body
            has_doc = (len(body) > 1 and isinstance(body[0], ast.Expr)
                       and isinstance(body[0].value, ast.Constant))
            start = body[1].lineno if has_doc else body[0].lineno
            if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                long.add(node.name)
    return long


@pytest.mark.parametrize("module", sorted(MODULES))
def test_functions_are_short(module: str) -> None:
    assert _long_functions(MODULES[module]) == set()
