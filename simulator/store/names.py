"""The names of the files an experiment folder holds, for the writer and every reader."""

from __future__ import annotations

import re


def variant_file(name: str) -> str:
    """The file of a variant's scenario in an experiment folder: ``variant-<safe name>.yaml``."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "variant"
    return f"variant-{safe}.yaml"
