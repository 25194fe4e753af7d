"""Reading a ``salesim compare`` folder: ``compare.json`` checked against the parts of
``salesim.compare/1`` the report reads, the base scenario's stage order and labels."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.documents import COMPARE_SCHEMA
from salesim.simulator.store.experiment_folder import document_file
from salesim.simulator.store.names import variant_file
from salesim.simulator.store.run_reader import ReportError

__all__ = ["COMPARE_JSON", "SCHEMA", "Comparison", "as_list", "base_scenario", "load_comparison"]

COMPARE_JSON = document_file("compare")
SCHEMA = COMPARE_SCHEMA


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A ``salesim compare`` folder as read from disk.

    Attributes:
        folder: The folder.
        doc: ``compare.json`` (checked against the parts of the schema the report reads).
        stages: The base scenario's stages in its order (for colours that match the variants'
            run reports); the stages the bottleneck verdicts name when the scenario is absent.
        roles: Every role of the variants, the base's first, in its order.
        experiment: ``experiment.json`` (version, elapsed time), or empty.
    """

    folder: Path
    doc: dict[str, Any]
    stages: tuple[str, ...]
    roles: tuple[str, ...]
    experiment: dict[str, Any] = field(default_factory=dict)

    @property
    def variants(self) -> list[dict[str, Any]]:
        return list(self.doc["variants"])

    @property
    def base(self) -> dict[str, Any]:
        return dict(self.doc["variants"][0])

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        return list(self.doc["variants"][1:])

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return {str(m["key"]): m for m in self.doc["metrics"]}

    @property
    def replications(self) -> int:
        return int(self.doc["replications"])


def load_comparison(folder: Path) -> Comparison:
    """Read a folder ``salesim compare`` wrote.

    Raises:
        ReportError: the folder is missing, has no ``compare.json``, or the file cannot be read
            or does not follow ``salesim.compare/1``. The message is one line.
    """
    folder = Path(folder)
    if not folder.exists():
        raise ReportError(f"{folder}: no such folder; give the folder `salesim compare` wrote")
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a folder; give the folder `salesim compare` wrote")
    path = folder / COMPARE_JSON
    if not path.is_file():
        raise ReportError(f"{folder}: not a comparison folder (no {COMPARE_JSON}); give the "
                          f"folder `salesim compare` wrote")
    doc = _read_json(path)
    _check(doc, path)
    experiment = {}
    if (folder / "experiment.json").is_file():
        try:
            experiment = _read_json(folder / "experiment.json")
        except ReportError:
            experiment = {}  # facts for the footer only; the comparison itself is intact
    roles: list[str] = []
    for v in doc["variants"]:
        roles.extend(str(r["name"]) for r in v["roles"] if str(r["name"]) not in roles)
    return Comparison(folder, doc, tuple(_stage_order(folder, doc)), tuple(roles), experiment)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise ReportError(f"{path}: cannot read as JSON ({reason})") from None
    if not isinstance(doc, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return doc


def _check(doc: dict[str, Any], path: Path) -> None:
    """The parts of ``salesim.compare/1`` the report reads, with a one-line error naming them."""
    schema = doc.get("schema")
    if schema != SCHEMA:
        raise ReportError(f"{path}: schema {schema!r}, expected {SCHEMA!r} (a file written by "
                          f"`salesim compare`)")
    try:
        keys = _check_top_level(doc)
        variants = doc["variants"]
        for i, v in enumerate(variants):
            _check_variant(f"variants[{i}]", v, keys, is_base=i == 0)
        if doc["base"] != variants[0]["name"]:
            raise _Invalid("base", f"{doc['base']!r} is not variants[0] "
                                   f"({variants[0]['name']!r})")
    except _Invalid as bad:
        raise ReportError(f"{path}: {bad.where}: {bad.what}") from None


class _Invalid(Exception):
    """A part of ``compare.json`` off the schema: where it is, and what was expected there."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(where, what)
        self.where, self.what = where, what


def _check_top_level(doc: dict[str, Any]) -> list[str]:
    """The top-level keys; returns the metrics' keys."""
    lacking = [k for k in ("base", "replications", "currency", "metrics", "variants")
               if k not in doc]
    if lacking:
        raise _Invalid("top level", f"missing key(s) {', '.join(lacking)}")
    if not isinstance(doc["replications"], int) or isinstance(doc["replications"], bool) \
            or doc["replications"] < 1:
        raise _Invalid("replications", "expected a whole number of at least 1")
    if not isinstance(doc["currency"], str) or not doc["currency"]:
        raise _Invalid("currency", "expected a currency code such as RUB")
    metrics = doc["metrics"]
    if not isinstance(metrics, list) or not all(isinstance(m, dict) and "key" in m
                                                for m in metrics):
        raise _Invalid("metrics", "expected a list of {key, label, unit, better}")
    variants = doc["variants"]
    if not isinstance(variants, list) or len(variants) < 2:
        raise _Invalid("variants", "expected a list of the base and at least one variant")
    return [str(m["key"]) for m in metrics]


def _check_variant(where: str, v: Any, keys: list[str], is_base: bool) -> None:
    """One variant: its keys, roles, bottleneck, and the estimates of its tables."""
    if not isinstance(v, dict):
        raise _Invalid(where, "expected an object")
    need = ["name", "means", "roles", "bottleneck"] + ([] if is_base else ["differences"])
    lacking = [k for k in need if k not in v]
    if lacking:
        raise _Invalid(where, f"missing key(s) {', '.join(lacking)}")
    if not isinstance(v["roles"], list) or not all(
            isinstance(r, dict) and "name" in r for r in v["roles"]):
        raise _Invalid(f"{where}.roles", "expected a list of {name, headcount, utilization}")
    if not isinstance(v["bottleneck"], dict):
        raise _Invalid(f"{where}.bottleneck", "expected an object")
    tables = [("means", v["means"])] + ([] if is_base else [("differences", v["differences"])])
    for name, table in tables:
        if not isinstance(table, dict):
            raise _Invalid(f"{where}.{name}", "expected an object of estimates by metric")
        for key in keys:
            if key in table and not _is_estimate(table[key]):
                raise _Invalid(f"{where}.{name}.{key}",
                               "expected an estimate {mean, ci95: [low, high], …}")


def as_list(value: Any) -> list[Any]:
    """An optional list of the document (anything else reads as empty)."""
    return value if isinstance(value, list) else []


def _is_estimate(value: Any) -> bool:
    if not isinstance(value, dict) or "mean" not in value:
        return False
    ci = value.get("ci95")
    return ci is None or (isinstance(ci, list) and len(ci) == 2)


def _stage_order(folder: Path, doc: dict[str, Any]) -> list[str]:
    """The base scenario's stages in order, so that a stage has the colour of its run reports.

    The comparison writes each variant as run (``variant-<name>.yaml``); without that file, the
    stages named by the bottleneck verdicts, in order of appearance.
    """
    base = folder / variant_file(str(doc['variants'][0]['name']))
    try:
        scenario = yaml.safe_load(base.read_text(encoding="utf-8")) if base.is_file() else None
        names = [str(s["name"]) for s in scenario["stages"]] if isinstance(scenario, dict) \
            else []
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError):
        names = []  # colours fall back to the verdicts' order; the report is still complete
    for v in doc["variants"]:
        for vote in [v["bottleneck"], *as_list(v["bottleneck"].get("votes"))]:
            stage = vote.get("stage") if isinstance(vote, dict) else None
            if stage and str(stage) not in names:
                names.append(str(stage))
    return names


def base_scenario(comparison: Comparison) -> Scenario | None:
    """The base scenario as run (``variant-<base>.yaml``), for its labels and locale."""
    from salesim.simulator.scenario.loader import load_scenario

    path = comparison.folder / variant_file(str(comparison.base['name']))
    try:
        return load_scenario(path) if path.is_file() else None
    except ScenarioError:
        return None  # names instead of labels; the comparison itself is intact
