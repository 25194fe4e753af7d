"""``--vary`` grids: every combination of a few fields' values, each a validated variant."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from salesim.simulator.experiments.variants import (
    UNVARIED_FIELDS,
    WORK_TIME,
    Change,
    ExperimentError,
    Variant,
    apply,
    dump,
    resolve,
)
from salesim.simulator.scenario.schema import Scenario

__all__ = ["MAX_GRID", "Axis", "check_path", "grid", "parse_vary"]

MAX_GRID = 10_000


@dataclass(frozen=True)
class Axis:
    """One ``--vary PATH=VALUES``: a field and the values it takes."""

    path: str
    values: tuple[Any, ...]


def parse_vary(spec: str) -> Axis:
    """``roles.closer.headcount=2..6`` / ``channels.website.rate=10,20,40`` / ``x=0.5..1..0.25``.

    Ranges include both ends. Raises ExperimentError on anything else.
    """
    path, eq, text = spec.partition("=")
    path, text = path.strip(), text.strip()
    if not eq or not path:
        raise ExperimentError(f"--vary {spec}: expected PATH=VALUES, e.g. "
                              f"roles.closer.headcount=2..6 or channels.website.rate=10,20,40")
    if not text:
        raise ExperimentError(f"--vary {spec}: no values after '='")
    if ".." in text and "," not in text:
        values = _range(text, spec)
    else:
        items = [t.strip() for t in text.split(",")]
        if any(not t for t in items):
            raise ExperimentError(f"--vary {spec}: an empty value in the list")
        values = tuple(_scalar(t) for t in items)
    return Axis(path, values)


def _range(text: str, spec: str) -> tuple[Any, ...]:
    parts = text.split("..")
    if len(parts) not in (2, 3):
        raise ExperimentError(f"--vary {spec}: a range is START..STOP or START..STOP..STEP")
    nums = [_scalar(p.strip()) for p in parts]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
               for n in nums):
        raise ExperimentError(f"--vary {spec}: range bounds must be finite numbers "
                              f"(START..STOP or START..STOP..STEP)")
    start, stop = nums[0], nums[1]
    step = nums[2] if len(nums) == 3 else 1
    if step <= 0:
        raise ExperimentError(f"--vary {spec}: the step must be positive")
    if stop < start:
        raise ExperimentError(f"--vary {spec}: empty range ({start} is above {stop})")
    steps = (float(stop) - float(start)) / float(step)  # inf when the span overflows a float
    if not steps < MAX_GRID:
        raise ExperimentError(f"--vary {spec}: more than {MAX_GRID:,} values; at most "
                              f"{MAX_GRID:,}")
    count = math.floor(steps + 1e-9) + 1
    if all(isinstance(n, int) for n in (start, stop, step)):
        return tuple(start + i * step for i in range(count))
    return tuple(round(start + i * step, 12) for i in range(count))


def _scalar(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):  # deep nesting, odd scalars
        return text


def grid(base: Scenario, axes: Sequence[Axis]) -> list[Variant]:
    """Every combination of the axes' values (the first axis varies slowest), validated.

    Raises:
        ExperimentError: an unknown path, a repeated path, too many points, or a variant the
            scenario format refuses (named by its settings).
    """
    if not axes:
        raise ExperimentError("nothing to vary: give at least one --vary PATH=VALUES")
    seen: set[str] = set()
    data = dump(base)
    for axis in axes:
        if axis.path in UNVARIED_FIELDS:
            raise ExperimentError(f"--vary {axis.path}: cannot be varied"
                                  + (": every variant runs on the experiment's seed (--seed)"
                                     if axis.path == "seed" else ""))
        if axis.path in seen:
            raise ExperimentError(f"--vary {axis.path} is given twice")
        seen.add(axis.path)
        try:
            check_path(data, axis.path)
        except ExperimentError as exc:
            raise ExperimentError(f"--vary {axis.path}: {exc}") from None
    size = math.prod(len(a.values) for a in axes)
    if size > MAX_GRID:
        raise ExperimentError(f"the grid has {size:,} variants; at most {MAX_GRID:,}")
    variants = []
    for values in itertools.product(*(a.values for a in axes)):
        changes = tuple(Change(a.path, v) for a, v in zip(axes, values, strict=True))
        label = " ".join(f"{c.path}={_show(c.value)}" for c in changes)
        try:
            scenario = apply(base, changes, source=f"--vary {label}")
        except ExperimentError as exc:
            raise ExperimentError(str(exc) if str(exc).startswith("--vary")
                                  else f"--vary {label}: {exc}") from None
        variants.append(Variant(label, scenario, f"--vary {label}", changes))
    return variants


def check_path(data: dict[str, Any], path: str) -> None:
    """Raise ExperimentError unless ``path`` names a field (or a role's work_time lever)."""
    head, _, last = path.rpartition(".")
    if last == WORK_TIME and head.startswith("roles."):
        resolve(data, head)
        return
    resolve(data, path)


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)
