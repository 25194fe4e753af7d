"""The Python examples of the README and docs/ import what exists (a moved name breaks them)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _imports(page: Path) -> list[tuple[str, str]]:
    found = []
    for block in BLOCK.findall(page.read_text(encoding="utf-8")):
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("salesim"):
                found += [(str(node.module), alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [(a.name, "") for a in node.names if a.name.startswith("salesim")]
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_import_what_exists(page: Path) -> None:
    missing = []
    for module, name in _imports(page):
        try:
            loaded = importlib.import_module(module)
        except ImportError as exc:
            missing.append(f"{module}: {exc}")
            continue
        if name and not hasattr(loaded, name):
            missing.append(f"{module}.{name}")
    assert missing == [], f"{page.name}: examples import names that do not exist"


def test_the_pages_have_examples() -> None:
    assert sum(len(_imports(p)) for p in PAGES) >= 10
