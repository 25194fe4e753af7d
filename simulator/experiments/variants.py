"""Variants of a scenario: name-keyed paths, variant-set files, levers (grids: ``grid``).

A path names a field the way a person reads a scenario: ``roles.closer.headcount``,
``channels.website.rate``, ``stages.fulfilment.steps.ship_order.effort_hours.mode``. Items of a
list are picked by their ``name`` (or by a 0-based index). One field that is not in the format is
a *lever*: ``roles.<role>.work_time`` multiplies the work effort of every step the role does
(``0.8`` = a process improvement that cuts the work per step by 20%).

Every variant is validated as a whole scenario (``Scenario.from_data``): a bad value fails with
the scenario format's own one-line message.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario, read_yaml
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.names import variant_file

WORK_TIME = "work_time"
# fields of each distribution that are in the distribution's units (scaled by a work-time
# factor); the others (weights) are not. Scaling these scales every draw exactly, so a
# faster variant keeps its common random numbers.
_SCALED_FIELDS = {
    "fixed": ("value",), "exponential": ("mean",), "lognormal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"), "uniform": ("low", "high"), "empirical": ("values",),
}
UNVARIED_FIELDS = frozenset({"name", "description", "seed"})


class ExperimentError(Exception):
    """Bad experiment input; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class Change:
    """Set the field at ``path`` to ``value`` (or scale a role's work time, see module doc)."""

    path: str
    value: Any


@dataclass(frozen=True)
class Variant:
    """One scenario of an experiment, with where it came from and how it differs from the base."""

    name: str
    scenario: Scenario
    source: str
    settings: tuple[Change, ...] = ()
    description: str = ""

    @functools.cached_property
    def key(self) -> str:
        """Content hash of the scenario: equal scenarios share their runs (and checkpoints)."""
        return scenario_key(self.scenario)


def scenario_key(scenario: Scenario) -> str:
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


# -- paths ---------------------------------------------------------------------------------------


def dump(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data, every field present (what paths walk)."""
    data: dict[str, Any] = scenario.model_dump(mode="json", by_alias=True)
    return data


def resolve(data: Any, path: str) -> tuple[Any, str | int, str]:
    """The container and key that ``path`` names, and the readable path walked so far."""
    if not path or path.startswith(".") or path.endswith(".") or ".." in path:
        raise ExperimentError(f"'{path}' is not a field path like roles.closer.headcount")
    node: Any = data
    rest = path
    walked = ""
    while True:
        if isinstance(node, list):
            index, part = _pick_item(node, rest, walked)
            key: str | int = index
            rest = rest[len(part):]
        elif isinstance(node, dict):
            part = rest.split(".", 1)[0]
            if part not in node:
                where = walked or "the scenario"
                raise ExperimentError(f"unknown field '{part}' in {where}; allowed: "
                                      f"{', '.join(map(str, node))}")
            key = part
            rest = rest[len(part):]
        else:
            raise ExperimentError(f"{walked} is a value ({node!r}), it has no field "
                                  f"'{rest.split('.', 1)[0]}'")
        walked = f"{walked}.{part}" if walked else str(part)
        if not rest:
            return node, key, walked
        rest = rest[1:]  # the dot
        node = node[key]


def _pick_item(items: list[Any], rest: str, walked: str) -> tuple[int, str]:
    """The list item ``rest`` starts with: by name (names may hold dots) or by index."""
    names = [it.get("name") if isinstance(it, dict) else None for it in items]
    best = -1
    for i, name in enumerate(names):
        if isinstance(name, str) and (rest == name or rest.startswith(name + ".")) and (
                best < 0 or len(name) > len(str(names[best]))):
            best = i
    if best >= 0:
        return best, str(names[best])
    head = rest.split(".", 1)[0]
    if head.isdigit() and int(head) < len(items):
        return int(head), head
    what = walked.rsplit(".", 1)[-1].rstrip("s") or "item"
    known = [n for n in names if isinstance(n, str)]
    allowed = ", ".join(known) if known else f"0..{len(items) - 1}"
    raise ExperimentError(f"unknown {what} '{head}'; allowed: {allowed}")


def _set(data: dict[str, Any], change: Change) -> None:
    parts = change.path.rsplit(".", 1)
    if len(parts) == 2 and parts[1] == WORK_TIME and parts[0].startswith("roles."):
        container, key, _ = resolve(data, parts[0])
        _scale_work(data, str(container[key]["name"]), change.value)
        return
    container, key, _ = resolve(data, change.path)
    container[key] = change.value


def _scale_work(data: dict[str, Any], role: str, factor: Any) -> None:
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not (
            math.isfinite(factor) and factor > 0):
        raise ExperimentError(f"work_time of {role} must be a factor > 0 (0.8 = 20% less work "
                              f"per step), got {factor!r}")
    for stage in data["stages"]:
        for step in stage["steps"]:
            if step.get("role") == role:
                step["effort_hours"] = _scale_effort(step["effort_hours"], float(factor))


def _scale_effort(effort: Any, factor: float) -> Any:
    """One distribution, or one per segment (a mapping without ``dist``)."""
    if isinstance(effort, dict) and "dist" not in effort:
        return {seg: scale_distribution(spec, factor) for seg, spec in effort.items()}
    return scale_distribution(effort, factor)


def scale_distribution(spec: dict[str, Any], factor: float) -> dict[str, Any]:
    """A distribution (as plain data) whose every draw is ``factor`` times the original's."""
    fields = _SCALED_FIELDS.get(str(spec.get("dist")))
    if fields is None:
        raise ExperimentError(f"cannot scale a '{spec.get('dist')}' distribution")
    out = dict(spec)
    for f in fields:
        value = out[f]
        out[f] = [v * factor for v in value] if isinstance(value, list) else value * factor
    return out


def apply(base: Scenario, changes: Sequence[Change], *, name: str | None = None,
          source: str = "variant") -> Scenario:
    """The base scenario with ``changes`` applied in order, validated.

    Raises:
        ExperimentError: a path that names no field, or a value the format refuses (the
            message is the format's own).
    """
    data = dump(base)
    for change in changes:
        try:
            _set(data, change)
        except ExperimentError as exc:
            raise ExperimentError(f"{change.path}: {exc}") from None
    if name is not None:
        data["name"] = name
    try:
        return Scenario.from_data(data, source=source)
    except ScenarioError as exc:
        raise ExperimentError(str(exc)) from None


def with_settings(scenario: Scenario, *, seed: int | None = None, days: float | None = None,
                  warmup_days: float | None = None, source: str = "command line") -> Scenario:
    """The scenario with the experiment's seed, measured days and warm-up (validated again).

    ``days`` (``--days``) counts the days measured after the warm-up: the horizon is the warm-up
    (``warmup_days``, else the scenario's) plus ``days``.
    """
    data = dump(scenario)
    option = {}
    warmup = scenario.warmup_days if warmup_days is None else warmup_days
    horizon = None if days is None else warmup + days
    for key, value, opt in (("seed", seed, "--seed"), ("horizon_days", horizon, "--days"),
                            ("warmup_days", warmup_days, "--warmup")):
        if value is not None:
            data[key] = value
            option[key] = opt
    try:
        return Scenario.from_data(data, source=source)
    except ScenarioError as exc:
        opt = option.get(exc.path.split(".")[0].split("[")[0], "")
        prefix = f"{opt}: " if opt else ""
        raise ExperimentError(f"{source}: {prefix}{exc.message}") from None


def changes_between(base: Scenario, other: Scenario) -> list[dict[str, Any]]:
    """Every leaf field that differs, as ``{"path", "base", "variant"}`` with name-keyed paths."""
    flat_a, flat_b = _flatten(dump(base)), _flatten(dump(other))
    out = []
    for path in [*flat_a, *(p for p in flat_b if p not in flat_a)]:
        if path.split(".", 1)[0] in UNVARIED_FIELDS:
            continue
        a, b = flat_a.get(path), flat_b.get(path)
        if a != b:
            out.append({"path": path, "base": a, "variant": b})
    return out


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(node, list) and node and all(isinstance(v, dict) and "name" in v
                                               for v in node):
        out = {}
        for v in node:
            out.update(_flatten(v, f"{prefix}.{v['name']}" if prefix else str(v["name"])))
        return out
    return {prefix: node}


# -- files: one scenario, or a base with variants -----------------------------------------------


def load_variants(paths: Sequence[Path]) -> list[Variant]:
    """Variants from scenario files and variant-set files, in order; the first is the base.

    A variant-set file (see ``docs/experiments.md``) contributes its base and then its variants.
    A scenario equal to one already listed (a variant-set's base given again) is kept once.

    Raises:
        ExperimentError: an unreadable or invalid file, with the file, line and field.
    """
    out: list[Variant] = []
    for path in paths:
        for variant in _variants_of(path):
            if any(v.scenario == variant.scenario for v in out):
                continue
            out.append(variant)
    return _unique_names(out)


def _variants_of(path: Path) -> Iterator[Variant]:
    try:
        data, marks = read_yaml(path)
    except ScenarioError as exc:
        raise ExperimentError(str(exc)) from None
    if not (isinstance(data, dict) and "variants" in data):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            raise ExperimentError(str(exc)) from None
        yield Variant(scenario.name, scenario, str(path), description=scenario.description)
        return
    yield from _variant_set(path, data, marks)


def _variant_set(path: Path, data: dict[str, Any], marks: Mapping[tuple[str | int, ...], int]
                 ) -> Iterator[Variant]:
    def where(*keys: str | int) -> str:
        line = next((marks[keys[:n]] for n in range(len(keys), -1, -1) if keys[:n] in marks), None)
        return f"{path}:{line}" if line else str(path)

    unknown = sorted(set(data) - {"base", "variants", "description"})
    if unknown:
        raise ExperimentError(f"{where(unknown[0])}: {unknown[0]}: unknown key in a variant set; "
                              f"allowed: base, description, variants")
    base_ref = data.get("base")
    if not isinstance(base_ref, str) or not base_ref:
        raise ExperimentError(f"{where('base')}: base: needs the scenario file the variants "
                              f"change, relative to this file")
    try:
        base = load_scenario(path.parent / base_ref)
    except ScenarioError as exc:
        raise ExperimentError(f"{where('base')}: base: {exc}") from None
    items = data["variants"]
    if not isinstance(items, list) or not items:
        raise ExperimentError(f"{where('variants')}: variants: needs a list of "
                              f"{{name, set: {{path: value}}}} entries")
    yield Variant(base.name, base, str(path.parent / base_ref), description=base.description)
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        at = where("variants", i)
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ExperimentError(f"{at}: variants[{i}]: needs a name and a set of changes")
        if item["name"] in seen:
            raise ExperimentError(f"{where('variants', i, 'name')}: variants[{i}].name: "
                                  f"'{item['name']}' is already the name of "
                                  f"variants[{seen[item['name']]}]; variant names must differ")
        seen[item["name"]] = i
        extra = sorted(set(item) - {"name", "description", "set"})
        if extra:
            raise ExperimentError(f"{where('variants', i, extra[0])}: variants[{i}].{extra[0]}: "
                                  f"unknown key; allowed: name, description, set")
        settings = item.get("set")
        if not isinstance(settings, dict) or not settings:
            raise ExperimentError(f"{where('variants', i, 'set')}: variants[{i}].set: needs "
                                  f"at least one 'path: value'")
        changes = tuple(Change(str(k), v) for k, v in settings.items())
        name = item["name"]
        try:
            scenario = apply(base, changes, name=name, source=f"{path} variant '{name}'")
        except ExperimentError as exc:
            text = str(exc)
            key = next((c.path for c in changes if text.startswith(c.path + ":")), None)
            line = where("variants", i, "set", key) if key else at
            raise ExperimentError(f"{line}: variants[{i}] ({name}): {text}") from None
        described = item.get("description")
        yield Variant(name, scenario, f"{path}#{name}", changes,
                      described if isinstance(described, str) else "")


def _unique_names(variants: list[Variant]) -> list[Variant]:
    """Variant names must differ, and so must the files they name (``variant-<name>.yaml``).

    A whole scenario file whose ``name`` is taken is named after its file (``b.yaml``: ``b``)
    when that is free; any other clash is refused, never renamed silently.

    Raises:
        ExperimentError: two variants with one name, or with names that write one file.
    """
    by_name: dict[str, Variant] = {}
    by_file: dict[str, str] = {}
    out = []
    for v in variants:
        name = v.name
        if name in by_name and "#" not in v.source:
            stem = Path(v.source).stem
            name = stem if stem not in by_name else name
        if name in by_name:
            raise ExperimentError(f"{v.source}: variant name '{v.name}' is already the name of "
                                  f"{by_name[name].source}; variants need distinct names")
        file = variant_file(name)
        if file in by_file:
            raise ExperimentError(f"{v.source}: variants '{by_file[file]}' and '{name}' would "
                                  f"both be written to {file}; names must differ in their "
                                  f"letters, digits, '_', '.' or '-', not only in the others")
        by_name[name], by_file[file] = v, name
        out.append(Variant(name, v.scenario, v.source, v.settings, v.description))
    return out
