"""The comparison report: a ``salesim compare`` folder in, ``report.html`` + ``report.md`` + chart
PNGs out — the consultant's before/after page.

:func:`build_compare_report` is what ``salesim compare … --report`` calls. It reads the folder's
``compare.json`` (schema ``salesim.compare/1``, ``docs/experiments.md``) and, for the colours
only, the base scenario as run (``variant-<base>.yaml``, for the order of its stages). Everything
shown is a number of ``compare.json``; nothing here simulates or computes a statistic.
:func:`assemble_comparison` is the pure part: a :class:`Comparison` in, a
:class:`~reports.layout.Report` and its chart PNGs out, with the run report's building blocks
(layout, number style of the currency, stage and role colours, atomic writing).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure as MplFigure

from salesim.reports import charts
from salesim.reports.charts import Palette
from salesim.reports.formatting import NumberStyle, number_style
from salesim.reports.layout import (
    REPORT_FILES,
    Assembled,
    Column,
    Delta,
    DeltaGrid,
    DeltaRow,
    Figure,
    Paragraph,
    Report,
    Section,
    Table,
    existing_output,
    render_html,
    render_markdown,
    write_report_files,
)
from salesim.simulator.numbers import DEFAULT_LOCALE, finite
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.names import variant_file
from salesim.simulator.store.run_folder import OutputError
from salesim.simulator.store.run_reader import ReportError
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["COMPARE_JSON", "SCHEMA", "Comparison", "assemble_comparison", "build_compare_report",
           "load_comparison"]

COMPARE_JSON = "compare.json"
SCHEMA = "salesim.compare/1"
HTML_TEMPLATE = "compare_report.html.j2"
MD_TEMPLATE = "compare_report.md.j2"
CHARTS_DIR = REPORT_FILES.charts

# the four figures a client asks about first: the summary's cards
HEADLINE = ("revenue_per_month", "profit_per_month", "won_per_month", "cycle_days")
# the side-by-side charts: key figures per variant, and the changes against the base
KEY_FIGURES = (*HEADLINE, "lead_to_deal", "plan_attainment")
CHANGE_FIGURES = (*HEADLINE, "payroll_per_month", "plan_attainment", "lead_to_deal")
MAX_CHANGE_PANELS = 6
UTILISATION_SHIFT = 0.05  # a role's utilisation change worth a mention in a sentence
SHORT_LABELS = {"cycle_days": "lead-to-cash time", "won_per_month": "won deals",
                "lead_to_deal": "lead-to-deal conversion"}
_FORMAT_OF_UNIT = {"money": "money", "money/month": "money", "days": "days", "share": "pct"}


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

    def fail(where: str, what: str) -> ReportError:
        return ReportError(f"{path}: {where}: {what}")

    lacking = [k for k in ("base", "replications", "currency", "metrics", "variants")
               if k not in doc]
    if lacking:
        raise fail("top level", f"missing key(s) {', '.join(lacking)}")
    if not isinstance(doc["replications"], int) or isinstance(doc["replications"], bool) \
            or doc["replications"] < 1:
        raise fail("replications", "expected a whole number of at least 1")
    if not isinstance(doc["currency"], str) or not doc["currency"]:
        raise fail("currency", "expected a currency code such as RUB")
    metrics = doc["metrics"]
    if not isinstance(metrics, list) or not all(isinstance(m, dict) and "key" in m
                                                for m in metrics):
        raise fail("metrics", "expected a list of {key, label, unit, better}")
    keys = [str(m["key"]) for m in metrics]
    variants = doc["variants"]
    if not isinstance(variants, list) or len(variants) < 2:
        raise fail("variants", "expected a list of the base and at least one variant")
    for i, v in enumerate(variants):
        where = f"variants[{i}]"
        if not isinstance(v, dict):
            raise fail(where, "expected an object")
        need = ["name", "means", "roles", "bottleneck"] + ([] if i == 0 else ["differences"])
        lacking = [k for k in need if k not in v]
        if lacking:
            raise fail(where, f"missing key(s) {', '.join(lacking)}")
        if not isinstance(v["roles"], list) or not all(
                isinstance(r, dict) and "name" in r for r in v["roles"]):
            raise fail(f"{where}.roles", "expected a list of {name, headcount, utilization}")
        if not isinstance(v["bottleneck"], dict):
            raise fail(f"{where}.bottleneck", "expected an object")
        tables = [("means", v["means"])] + ([] if i == 0 else [("differences",
                                                                v["differences"])])
        for name, table in tables:
            if not isinstance(table, dict):
                raise fail(f"{where}.{name}", "expected an object of estimates by metric")
            for key in keys:
                if key in table and not _is_estimate(table[key]):
                    raise fail(f"{where}.{name}.{key}",
                               "expected an estimate {mean, ci95: [low, high], …}")
    if doc["base"] != variants[0]["name"]:
        raise fail("base", f"{doc['base']!r} is not variants[0] ({variants[0]['name']!r})")


def _list(value: Any) -> list[Any]:
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
        for vote in [v["bottleneck"], *_list(v["bottleneck"].get("votes"))]:
            stage = vote.get("stage") if isinstance(vote, dict) else None
            if stage and str(stage) not in names:
                names.append(str(stage))
    return names


def _base_scenario(comparison: Comparison) -> Scenario | None:
    """The base scenario as run (``variant-<base>.yaml``), for its labels and locale."""
    from salesim.simulator.scenario.loader import load_scenario

    path = comparison.folder / variant_file(str(comparison.base['name']))
    try:
        return load_scenario(path) if path.is_file() else None
    except ScenarioError:
        return None  # names instead of labels; the comparison itself is intact


# -- entry point -----------------------------------------------------------------------------------


def build_compare_report(compare_dir: Path, *, force: bool = False,
                         locale: str | None = None) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``report_charts/*.png`` into a comparison folder.

    Args:
        compare_dir: The folder ``salesim compare`` wrote (with ``compare.json``).
        force: Replace an existing report; without it an existing report is an error.
        locale: ``en`` or ``ru`` for the numbers (default: the base scenario's ``locale``).

    Returns:
        The files written: the HTML, the Markdown, then the PNGs.

    Raises:
        ReportError: the folder is missing, has no ``compare.json`` or one of another schema, a
            file cannot be read, or a report exists and ``force`` is false. One line.
    """
    compare_dir = Path(compare_dir)
    comparison = load_comparison(compare_dir)
    existing = None if force else existing_output(compare_dir)
    if existing is not None:
        raise ReportError(f"{existing}: already exists; add --force to replace the report")
    assembled = assemble_comparison(comparison, locale)
    html = render_html(assembled.report, HTML_TEMPLATE).encode("utf-8")
    markdown = render_markdown(assembled.report, MD_TEMPLATE).encode("utf-8")
    try:
        return write_report_files(compare_dir, html, markdown, assembled.pngs)
    except (OSError, OutputError) as exc:
        raise ReportError(f"{compare_dir}: cannot write the report ({exc})") from None


# -- assembling ------------------------------------------------------------------------------------


@dataclass
class _Context:
    comparison: Comparison
    style: NumberStyle
    palette: Palette
    pngs: dict[str, bytes]
    labels: Labels

    def figure(self, name: str, title: str, caption: str,
               draw: Callable[[], MplFigure]) -> Figure:
        return charts.figure_block(self.pngs, CHARTS_DIR, name, title, caption, draw)

    def metric(self, key: str) -> dict[str, Any]:
        return self.comparison.metrics.get(key, {"key": key, "label": key.replace("_", " "),
                                                 "unit": "", "better": "neither"})

    def has(self, key: str) -> bool:
        return key in self.comparison.metrics


def assemble_comparison(comparison: Comparison, locale: str | None = None) -> Assembled:
    """The comparison report, with its charts rendered (pure apart from matplotlib).

    ``locale`` (``en`` or ``ru``) decides how numbers are written; default: the base
    scenario's ``locale`` when the folder holds it, else ``en``.
    """
    doc = comparison.doc
    base_scenario = _base_scenario(comparison)
    locale = locale or (base_scenario.locale if base_scenario is not None else DEFAULT_LOCALE)
    style = number_style(str(doc["currency"]), locale)
    palette = Palette.for_names(list(comparison.stages), list(comparison.roles))
    ctx = _Context(comparison, style, palette, {}, Labels(base_scenario, locale))
    sections = (_summary(ctx), _side_by_side(ctx), _differences(ctx), _method(ctx))
    base = comparison.base
    names = [str(v["name"]) for v in comparison.alternatives]
    horizon = finite(doc.get("horizon_days"))
    warmup = finite(doc.get("warmup_days")) or 0.0
    facts = (
        ("base", str(base["name"])),
        ("compared with", ", ".join(names)),
        ("replications", f"{style.integer(comparison.replications)} per variant, paired"),
        ("seed", str(doc.get("seed", "—"))),
        ("horizon", (f"{style.number(horizon)} days" if horizon is not None else "—")
         + (f", first {style.number(warmup)} warm-up" if warmup else "")),
        ("currency", str(doc["currency"]).upper()),
    )
    info = comparison.experiment
    footer = (f"salesim {info.get('salesim_version', 'unknown')} · comparison finished "
              f"{info.get('finished_at', 'unknown')} · illustrative simulation, not a forecast")
    report = Report(
        title=f"What the changes are worth: {base['name']} against "
              f"{_count(len(names), 'alternative')}",
        subtitle=str(base.get("description") or ""),
        facts=facts, sections=sections, footer=footer)
    return Assembled(report, ctx.pngs)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- estimates as text -----------------------------------------------------------------------------


def _mean(est: Any) -> float | None:
    return finite(est.get("mean")) if isinstance(est, dict) else None


def _ci(est: Any) -> tuple[float | None, float | None]:
    ci = est.get("ci95") if isinstance(est, dict) else None
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return finite(ci[0]), finite(ci[1])
    return None, None


def _half(est: Any, key: str = "ci95") -> float | None:
    if not isinstance(est, dict):
        return None
    if key == "ci95" and finite(est.get("half_width")) is not None:
        return finite(est.get("half_width"))
    ci = est.get(key)
    if isinstance(ci, list | tuple) and len(ci) == 2:
        low, high = finite(ci[0]), finite(ci[1])
        if low is not None and high is not None:
            return (high - low) / 2
    return None


def _fmt(unit: str, difference: bool = False) -> str:
    fmt = _FORMAT_OF_UNIT.get(unit, "number")
    return "points" if difference and fmt == "pct" else fmt


def _significant(diff: Any) -> bool:
    if not isinstance(diff, dict):
        return False
    if isinstance(diff.get("significant"), bool):
        return bool(diff["significant"])
    low, high = _ci(diff)
    return low is not None and high is not None and (low > 0 or high < 0)


def _direction(diff: Any, better: str) -> str:
    """``good``/``bad`` when the change is clear and better/worse; ``unclear`` otherwise."""
    mean = _mean(diff)
    if mean is None or mean == 0 or better not in ("higher", "lower"):
        return "unclear"
    if not _significant(diff):
        return "unclear"
    return "good" if (mean > 0) == (better == "higher") else "bad"


def _lean(diff: Any, better: str) -> str:
    mean = _mean(diff)
    if mean is None or mean == 0 or better not in ("higher", "lower"):
        return ""
    return "good" if (mean > 0) == (better == "higher") else "bad"


def _identical(diff: Any) -> bool:
    """The same figure in every paired replication (the change does not touch it)."""
    return isinstance(diff, dict) and finite(diff.get("sd")) == 0.0 and _mean(diff) == 0.0


def _label(metric: dict[str, Any], key: str) -> str:
    label = SHORT_LABELS.get(key, str(metric.get("label") or key))
    return label


def _per(metric: dict[str, Any]) -> str:
    return " a month" if str(metric.get("unit", "")).endswith("/month") else ""


def _describe_bottleneck(b: dict[str, Any], labels: Labels) -> str:
    kind = b.get("kind")
    if kind == "capacity":
        return f"{labels.stage(b.get('stage'))} ({labels.role(b.get('role'))})"
    if kind == "conversion":
        return f"no team holds it back (biggest leak: {labels.stage(b.get('stage'))})"
    return "no bottleneck"


def _bottleneck_key(b: dict[str, Any]) -> tuple[Any, Any, Any]:
    return (b.get("stage"), b.get("role"), b.get("kind"))


def _bottleneck_move(base: dict[str, Any], variant: dict[str, Any], labels: Labels) -> str:
    """How the bottleneck changes against the base, in words a client reads."""
    if _bottleneck_key(base) == _bottleneck_key(variant):
        if base.get("kind") == "capacity":
            return f"the bottleneck stays at {_describe_bottleneck(base, labels)}"
        return f"still {_describe_bottleneck(base, labels)}"
    if base.get("kind") == "capacity" and variant.get("kind") == "capacity":
        return (f"the bottleneck moves from {_describe_bottleneck(base, labels)} to "
                f"{_describe_bottleneck(variant, labels)}")
    if base.get("kind") == "capacity":
        tail = (f"; the biggest leak is {labels.stage(variant.get('stage'))}"
                if variant.get("kind") == "conversion" else "")
        return (f"the bottleneck at {_describe_bottleneck(base, labels)} is gone: no stage "
                f"queues for staff any more{tail}")
    if variant.get("kind") == "capacity":
        return f"a bottleneck appears at {_describe_bottleneck(variant, labels)}"
    return (f"the bottleneck moves from {_describe_bottleneck(base, labels)} to "
            f"{_describe_bottleneck(variant, labels)}")


def _bottleneck_shift(base: dict[str, Any], variant: dict[str, Any], labels: Labels) -> str:
    """:func:`_bottleneck_move` in a few words, for a table cell."""
    if _bottleneck_key(base) == _bottleneck_key(variant):
        return "unchanged"
    if base.get("kind") == "capacity" and variant.get("kind") != "capacity":
        return f"removed from {labels.stage(base.get('stage'))}: nothing queues"
    if base.get("kind") == "capacity":
        return f"moved from {_describe_bottleneck(base, labels)}"
    return "new" if variant.get("kind") == "capacity" else "changed"


# -- 1. summary ------------------------------------------------------------------------------------


def _summary(ctx: _Context) -> Section:
    comparison, style = ctx.comparison, ctx.style
    doc = comparison.doc
    base = comparison.base
    horizon = finite(doc.get("horizon_days"))
    r = comparison.replications
    intro = (f"We simulated the department as it is ({base['name']}, the base) and "
             f"{_count(len(comparison.alternatives), 'alternative')}, each "
             f"{_count(r, 'time')}"
             + (f" over {style.number(horizon)} days" if horizon is not None else "")
             + ", on exactly the same leads, deal sizes and chances, so that a difference "
               "comes from the change itself. A figure ± a margin is an average with its "
               "margin of error; how it is computed is in the appendix.")
    blocks: list[Any] = [Paragraph(intro), Paragraph(_bottom_line(ctx), "summary")]
    blocks.append(Paragraph(_base_sentence(ctx), "variant"))
    for v in comparison.alternatives:
        blocks.append(Paragraph(_variant_sentence(ctx, v), "variant"))
    blocks.append(_cards(ctx))
    blocks.append(_bottleneck_table(ctx))
    return Section("summary", "Summary", tuple(blocks))


def _bottom_line(ctx: _Context) -> str:
    """Which alternatives clearly gain or lose profit (else revenue), in one sentence."""
    key = "profit_per_month" if ctx.has("profit_per_month") else "revenue_per_month"
    metric = ctx.metric(key)
    what = _label(metric, key)
    gains: list[str] = []
    losses: list[str] = []
    unclear: list[str] = []
    same: list[str] = []
    for v in ctx.comparison.alternatives:
        diff = (v.get("differences") or {}).get(key)
        value = ctx.style.estimate(_mean(diff), _half(diff), _fmt(str(metric.get("unit", ""))),
                                   signed=True)
        direction = _direction(diff, "higher")
        if direction == "good":
            gains.append(f"{v['name']} ({value}{_per(metric)})")
        elif direction == "bad":
            losses.append(f"{v['name']} ({value}{_per(metric)})")
        elif _identical(diff):
            same.append(str(v["name"]))
        else:
            unclear.append(str(v["name"]))
    parts = []
    if gains:
        parts.append(f"{_join(gains, 'and')} clearly raise{'s' if len(gains) == 1 else ''} "
                     f"{what}")
    if losses:
        parts.append(f"{_join(losses, 'and')} clearly lower{'s' if len(losses) == 1 else ''} "
                     f"{what}")
    if unclear:
        parts.append(f"{_join(unclear, 'and')} make{'s' if len(unclear) == 1 else ''} no clear "
                     f"difference to {what}")
    if same:
        parts.append(f"{_join(same, 'and')} leave{'s' if len(same) == 1 else ''} {what} "
                     f"exactly as it is")
    text = "In short: " + "; ".join(parts) + "."
    if unclear and ctx.comparison.replications < 20:
        text += " More replications would narrow the intervals."
    return text


def _sentence_figures(ctx: _Context, v: dict[str, Any]) -> list[str]:
    return [k for k in HEADLINE if ctx.has(k) and k in (v.get("means") or {})]


def _base_sentence(ctx: _Context) -> str:
    base, style = ctx.comparison.base, ctx.style
    parts = []
    for key in _sentence_figures(ctx, base):
        metric = ctx.metric(key)
        est = base["means"][key]
        text = style.estimate(_mean(est), _half(est), _fmt(str(metric.get("unit", ""))))
        parts.append(f"{_label(metric, key)} {text}{_per(metric)}")
    b = base["bottleneck"]
    agreement = finite(b.get("agreement"))
    where = f"bottleneck: {_describe_bottleneck(b, ctx.labels)}"
    if agreement is not None and agreement < 1:
        where += f" in {style.pct(agreement)} of the replications"
    return f"{base['name']} (the base, the department as it is): " + ", ".join(parts) + \
        f"; {where}."


def _variant_sentence(ctx: _Context, v: dict[str, Any]) -> str:
    style, base = ctx.style, ctx.comparison.base
    diffs = v.get("differences") or {}
    clear, unclear = [], []
    for key in _sentence_figures(ctx, v):
        metric = ctx.metric(key)
        diff = diffs.get(key)
        label = _label(metric, key)
        if not _significant(diff) or _mean(diff) in (None, 0.0):
            unclear.append(label)
            continue
        mean = _mean(diff)
        assert mean is not None
        amount = style.estimate(abs(mean), _half(diff), _fmt(str(metric.get("unit", "")), True))
        if key == "cycle_days":
            verb = "shortens by" if mean < 0 else "lengthens by"
        else:
            verb = ("rise by" if label.endswith("s") else "rises by") if mean > 0 else \
                ("fall by" if label.endswith("s") else "falls by")
        clear.append(f"{label} {verb} {amount}{_per(metric)}")
    parts = list(clear)
    if unclear:
        parts.append("no clear change in " + _join(unclear))
    shifts = _utilisation_shifts(ctx, v)
    parts.extend(shifts)
    head = str(v["name"]) + (f" ({_description(v)})" if _description(v) else "")
    move = _bottleneck_move(base["bottleneck"], v["bottleneck"], ctx.labels)
    return f"{head}: " + "; ".join(parts) + f"; {move}."


def _description(v: dict[str, Any]) -> str:
    """A variant's description as part of a sentence (no full stop of its own)."""
    return str(v.get("description") or "").strip().rstrip(".")


def _join(words: list[str], conjunction: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def _utilisation_shifts(ctx: _Context, v: dict[str, Any]) -> list[str]:
    """``warehouse 90 % → 72 %`` for each role whose utilisation clearly moved."""
    style = ctx.style
    base_roles = {str(r["name"]): r for r in ctx.comparison.base["roles"]}
    diffs = v.get("differences") or {}
    out = []
    for role in v["roles"]:
        name = str(role["name"])
        diff = diffs.get(f"utilization.{name}")
        before = _mean(base_roles.get(name, {}).get("utilization"))
        after = _mean(role.get("utilization"))
        change = _mean(diff)
        if before is None or after is None or change is None:
            continue
        if _significant(diff) and abs(change) >= UTILISATION_SHIFT:
            out.append(f"{name} busy {style.pct(before)} → {style.pct(after)} of the time")
    return out


def _cards(ctx: _Context) -> DeltaGrid:
    style = ctx.style
    keys = [k for k in HEADLINE if ctx.has(k)]
    rows = []
    for v in ctx.comparison.alternatives:
        diffs = v.get("differences") or {}
        items = []
        for key in keys:
            metric = ctx.metric(key)
            diff = diffs.get(key)
            better = str(metric.get("better", ""))
            value, half = style.estimate_parts(_mean(diff), _half(diff),
                                               _fmt(str(metric.get("unit", "")), True),
                                               signed=True)
            tone = _direction(diff, better)
            if _identical(diff):
                note = "the same in every replication"
            elif tone == "unclear":
                note = "no clear change"
            else:
                note = "clearly better" if tone == "good" else "clearly worse"
            label = _label(metric, key)
            items.append(Delta(label=label[:1].upper() + label[1:] + _per(metric),
                               value=value,
                               ci=f"± {half}" if half and not _identical(diff) else "",
                               tone=tone, lean=_lean(diff, better), note=note))
        rows.append(DeltaRow(str(v["name"]), str(v.get("description") or ""), tuple(items)))
    return DeltaGrid(
        columns=tuple(_label(ctx.metric(k), k)[:1].upper() + _label(ctx.metric(k), k)[1:]
                      + _per(ctx.metric(k)) for k in keys),
        rows=tuple(rows),
        note=f"Change against {ctx.comparison.base['name']}. Green or red: clearly better or "
             f"worse for the business, beyond the margin of error; grey: no clear change (the "
             f"change is within the margin of error), and the colour of the figure shows which "
             f"way it leans.")


def _bottleneck_table(ctx: _Context) -> Table:
    style, base = ctx.style, ctx.comparison.base
    rows, tones = [], []
    for i, v in enumerate(ctx.comparison.variants):
        b = v["bottleneck"]
        agreement = finite(b.get("agreement"))
        move = "(the base)" if i == 0 else _bottleneck_shift(base["bottleneck"], b, ctx.labels)
        rows.append((str(v["name"]), _describe_bottleneck(b, ctx.labels), style.pct(agreement),
                     move))
        tones.append("strong" if i == 0 else "")
    return Table(
        columns=(Column("variant", "left"), Column("bottleneck", "left"),
                 Column("replications agreeing"), Column("against the base", "left")),
        rows=tuple(rows), tones=tuple(tones), caption="Where the bottleneck is",
        note="The verdict most replications reached. A capacity bottleneck is a stage where "
             "leads queue for busy staff; without one, the department is limited by lead flow "
             "and conversion, and the biggest leak is named.")


# -- 2. side by side -------------------------------------------------------------------------------


def _side_by_side(ctx: _Context) -> Section:
    comparison, style = ctx.comparison, ctx.style
    variants = comparison.variants
    blocks: list[Any] = []
    keys = [k for k in KEY_FIGURES if ctx.has(k)]
    if keys:
        rows = []
        for key in keys:
            metric = ctx.metric(key)
            for v in variants:
                est = (v.get("means") or {}).get(key)
                low, high = _ci(est)
                rows.append({"metric": key, "label": _label(metric, key),
                             "unit": str(metric.get("unit", "")), "variant": str(v["name"]),
                             "mean": _mean(est), "ci95_low": low, "ci95_high": high})
        estimates = _frame(rows)
        blocks.append(ctx.figure(
            "key_figures", "Key figures per variant",
            f"The average of {_count(comparison.replications, 'simulated run')} per variant "
            f"(the base in grey); whiskers: the margin of error. A variant's own margin is wide "
            f"when runs differ a lot; the changes below, run against run, are what tells the "
            f"variants apart.",
            lambda: charts.variant_metrics_chart(estimates, style)))
    keys = [k for k in CHANGE_FIGURES if ctx.has(k)][:MAX_CHANGE_PANELS]
    if keys:
        rows = []
        for key in keys:
            metric = ctx.metric(key)
            for v in comparison.alternatives:
                diff = (v.get("differences") or {}).get(key)
                low, high = _ci(diff)
                rows.append({"metric": key, "label": _label(metric, key),
                             "unit": str(metric.get("unit", "")),
                             "better": str(metric.get("better", "")), "variant": str(v["name"]),
                             "mean": _mean(diff), "ci95_low": low, "ci95_high": high,
                             "significant": _significant(diff)})
        differences = _frame(rows)
        blocks.append(ctx.figure(
            "differences", "Change against the base, with the margin of error",
            f"Each variant minus {comparison.base['name']}, run against run on the same leads "
            f"and chances: the diamond is the average change, the bar its margin of error. A "
            f"bar that crosses the 0 line means no clear change. Conversion and plan "
            f"attainment change in percentage points (pp).",
            lambda: charts.difference_chart(differences, style)))
    rows = []
    for role in comparison.roles:
        for v in variants:
            entry = next((r for r in v["roles"] if str(r["name"]) == role), None)
            est = entry.get("utilization") if entry else None
            low, high = _ci(est)
            rows.append({"role": role, "variant": str(v["name"]),
                         "headcount": finite(entry.get("headcount")) if entry else None,
                         "utilization": _mean(est), "ci95_low": low, "ci95_high": high})
    if rows:
        utilisation = _frame(rows)
        blocks.append(ctx.figure(
            "utilisation", "Utilisation per role in each variant",
            f"Busy working hours ÷ available working hours of each role, in the role's colour "
            f"(the same as in the run reports); the number of people in brackets. Above about "
            f"{style.pct(HIGH_UTILIZATION)} leads start to queue for the role.",
            lambda: charts.utilisation_by_variant_chart(utilisation, ctx.palette, style,
                                                        HIGH_UTILIZATION)))
    rows = []
    for v in variants:
        b = v["bottleneck"]
        votes = [vote for vote in _list(b.get("votes")) if isinstance(vote, dict)] or [
            {"stage": b.get("stage"), "role": b.get("role"), "kind": b.get("kind"),
             "share": b.get("agreement", 1.0)}]
        for vote in votes:
            rows.append({"variant": str(v["name"]), "stage": vote.get("stage"),
                         "role": vote.get("role"), "kind": vote.get("kind"),
                         "share": finite(vote.get("share")) or 0.0})
    votes_table = _frame(rows)
    blocks.append(ctx.figure(
        "bottleneck", "Where the bottleneck is in each variant",
        "Each replication names its bottleneck; the bar splits the replications by their "
        "verdict, in the stage's colour (hatched: no stage queues, the colour is the stage that "
        "loses the most leads).",
        lambda: charts.bottleneck_votes_chart(votes_table, ctx.palette, style)))
    return Section("side-by-side", "Side by side", tuple(blocks))


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("mean", "ci95_low", "ci95_high", "utilization", "headcount", "share"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


# -- 3. every difference ---------------------------------------------------------------------------


def _differences(ctx: _Context) -> Section:
    comparison, style = ctx.comparison, ctx.style
    base = comparison.base
    unpaired = any(isinstance(d, dict) and d.get("ci95_unpaired") is not None
                   for v in comparison.alternatives
                   for d in (v.get("differences") or {}).values())
    shares = any(isinstance(d, dict) and d.get("share_higher") is not None
                 for v in comparison.alternatives
                 for d in (v.get("differences") or {}).values())
    blocks: list[Any] = []
    for v in comparison.alternatives:
        diffs = v.get("differences") or {}
        rows, tones = [], []
        for key, metric in comparison.metrics.items():
            if key not in diffs and key not in (v.get("means") or {}):
                continue
            unit = str(metric.get("unit", ""))
            better = str(metric.get("better", ""))
            diff = diffs.get(key)
            fmt = _fmt(unit)
            b_est, v_est = (base.get("means") or {}).get(key), (v.get("means") or {}).get(key)
            row = [str(metric.get("label") or key) + _per(metric),
                   style.estimate_parts(_mean(b_est), _half(b_est), fmt)[0],
                   style.estimate_parts(_mean(v_est), _half(v_est), fmt)[0],
                   style.estimate(_mean(diff), _half(diff), _fmt(unit, True), signed=True)]
            if unpaired:
                row.append(_plus_minus(style, diff, _half(diff, "ci95_unpaired"),
                                       _fmt(unit, True)))
            if shares:
                share = finite(diff.get("share_higher")) if isinstance(diff, dict) else None
                row.append(style.pct(share))
            direction = _direction(diff, better)
            row.append(_verdict_word(diff, direction))
            rows.append(tuple(row))
            tones.append(direction if direction in ("good", "bad") else "")
        columns = [Column("figure", "left"), Column("base"), Column("variant"),
                   Column("difference ± margin")]
        if unpaired:
            columns.append(Column("± unpaired"))
        if shares:
            columns.append(Column("higher in"))
        columns.append(Column("verdict", "left"))
        blocks.append(Table(columns=tuple(columns), rows=tuple(rows), tones=tuple(tones),
                            caption=f"{v['name']} (variant) against {base['name']} (base)"))
    intro = ("Every figure of the comparison: the base, the variant, and the difference "
             "variant − base with its margin of error. "
             + ("'± unpaired' is the margin the same runs would give without pairing them, for "
                "contrast. " if unpaired else "")
             + ("'Higher in' is the share of runs in which the variant's figure is the higher "
                "one. " if shares else "")
             + "Green rows: clearly better for the business; red rows: clearly worse; pp: "
               "percentage points. How the margins are computed: see the appendix.")
    return Section("differences", "All differences", tuple(blocks), intro=intro)


def _verdict_word(diff: Any, direction: str) -> str:
    if direction in ("good", "bad"):
        return "better" if direction == "good" else "worse"
    if _identical(diff):
        return "no change"
    if _significant(diff) and _mean(diff):
        return "changed"  # a figure that is neither better nor worse when higher (utilisation)
    return "no clear change" if diff is not None else "—"


def _plus_minus(style: NumberStyle, diff: Any, half: float | None, fmt: str) -> str:
    """``± 767 000 ₽``: a half-width rounded as the paired difference beside it."""
    if half is None:
        return "—"
    mean = _mean(diff)
    _value, text = style.estimate_parts(mean if mean is not None else 0.0, half, fmt)
    return f"± {text}"


# -- 4. method -------------------------------------------------------------------------------------


def _method(ctx: _Context) -> Section:
    comparison, style = ctx.comparison, ctx.style
    doc = comparison.doc
    r = comparison.replications
    info = comparison.experiment
    blocks: list[Any] = [
        Paragraph(f"Replications: every variant was simulated {_count(r, 'time')} (replications "
                  f"0 to {r - 1} of seed {doc.get('seed', '—')}). Common random numbers: "
                  f"replication r of every variant sees the same leads, deal sizes, work "
                  f"efforts and decisions, so the variants are compared pair by pair and the "
                  f"difference of a pair is the effect of the change alone."),
        Paragraph("What a 95% confidence interval means: if the whole experiment were repeated "
                  "many times with new random numbers, 95 of 100 intervals computed this way "
                  "would contain the true long-run value; a difference whose interval excludes "
                  "0 is called clear (significant). The margin of error (±) shown throughout "
                  "the report is the half-width of that interval."),
        Paragraph("The differences are paired: variant − base is computed replication by "
                  "replication on the same random numbers, and its 95% CI (Student's t over "
                  "the replications) is the paired interval. The means of the base and of the "
                  "variant are rounded to their own precision; their own, wider, intervals are "
                  "in the chart of key figures. '± unpaired', where shown, is the half-width "
                  "of the interval the same runs would give if they were independent (Welch's "
                  "interval): pairing removes the noise both variants share, so the paired "
                  "interval is usually much narrower."),
    ]
    rows: list[tuple[str, str]] = [
        ("base", str(doc["base"])),
        ("replications", f"{style.integer(r)} per variant"),
        ("seed", str(doc.get("seed", "—"))),
        ("pairing", str(doc.get("pairing") or "common random numbers")),
        ("horizon", f"{style.number(finite(doc.get('horizon_days')))} days"),
        ("warm-up cut", f"{style.number(finite(doc.get('warmup_days')) or 0.0)} days"),
        ("currency", str(doc["currency"]).upper()),
    ]
    warm = doc.get("warmup")
    if isinstance(warm, dict):
        reliable = "" if warm.get("reliable", True) else " (the series had not settled)"
        blocks.append(Paragraph(
            "Warm-up detection (MSER-5, White 1997): deals won per day, averaged over the "
            "base's replications, are cut into batches of five days; the warm-up is the cut, "
            "within the first half of the run, that minimises the marginal standard error of "
            "what remains. A minimum at the edge of that half means the series had not "
            "settled."))
        rows.append(("warm-up detected", f"{warm.get('method', 'MSER-5')}: "
                     f"{style.number(finite(warm.get('detected_days')))} days{reliable}; "
                     f"{style.number(finite(warm.get('applied_days')) or 0.0)} days applied"))
    precision = doc.get("precision")
    if isinstance(precision, dict):
        target = finite(precision.get("target"))
        target_text = (style.pct(target, 1) + " of the mean" if precision.get("relative")
                       else style.number(target))
        rows.append(("precision target", f"{precision.get('metric')}: ± {target_text}, "
                     f"{'met' if precision.get('met') else 'NOT met'} with "
                     f"{style.integer(finite(precision.get('replications')))} replications"))
    if doc.get("plan_source"):
        plan = finite(doc.get("plan_per_month"))
        rows.append(("plan", (f"{style.money(plan)} a month (--plan)" if plan is not None
                              else "the scenario's own plan")))
    if doc.get("profit_definition"):
        rows.append(("profit", str(doc["profit_definition"])))
    if info.get("salesim_version"):
        rows.append(("salesim version", str(info["salesim_version"])))
    elapsed = finite(info.get("elapsed_seconds"))
    if elapsed is not None:
        rows.append(("simulated in", f"{style.number(elapsed, 1)} s"
                     + (f" ({info['backend']})" if info.get("backend") else "")))
    blocks.append(Table(columns=(Column("", "left"), Column("", "left")), rows=tuple(rows)))
    changes = []
    for v in comparison.alternatives:
        for c in _list(v.get("changes")):
            if isinstance(c, dict):
                changes.append((str(v["name"]), str(c.get("path", "")),
                                _plain(style, c.get("base")), _plain(style, c.get("variant"))))
    if changes:
        blocks.append(Table(columns=(Column("variant", "left"), Column("field", "left"),
                                     Column("base"), Column("variant")),
                            rows=tuple(changes), caption="What each variant changes",
                            note="Every field of the scenario that differs from the base."))
    for v in comparison.alternatives:
        if v.get("verdict"):
            blocks.append(Paragraph(f"As salesim compare states it: {v['verdict']}", "note"))
    return Section("method", "Appendix: method notes", tuple(blocks))


def _plain(style: NumberStyle, value: Any) -> str:
    """A scenario field's value: numbers in the report's style (``0,96``), text as it is."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value).lower()
    if isinstance(value, int | float) and math.isfinite(value):
        for digits in range(7):
            if abs(value - round(value, digits)) < 1e-9:
                return style.number(value, digits)
        return style.number(value, 6)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
