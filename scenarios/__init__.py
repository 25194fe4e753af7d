"""The shipped scenarios, installed with the package as data (``salesim.scenarios``).

``shipped_scenario("b2b_baseline.yaml")`` is the path of one of them wherever salesim is installed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_scenario(name: str) -> Path:
    """The path of a shipped scenario file, e.g. ``"b2b_baseline.yaml"`` or ``"cases/x.yaml"``."""
    return Path(str(files(__name__).joinpath(name)))
