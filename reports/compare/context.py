"""What every section of the comparison report reads, and the estimates of ``compare.json``
as text: means, margins, verdicts, the bottleneck in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salesim.reports.charts.base import Palette, ReportCharts
from salesim.reports.compare.reading import Comparison
from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import REPORT_FILES
from salesim.simulator.numbers import finite
from salesim.simulator.scenario.labels import Labels

__all__ = ["CHANGE_FIGURES", "CHARTS_DIR", "HEADLINE", "KEY_FIGURES", "MAX_CHANGE_PANELS",
           "SHORT_LABELS", "UTILISATION_SHIFT", "CompareContext", "bottleneck_move",
           "bottleneck_shift", "ci_of", "describe_bottleneck", "direction_of", "fmt_of",
           "half_width", "is_identical", "is_significant", "label_of", "lean_of", "mean_of",
           "per_month", "plural"]

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


@dataclass
class CompareContext(ReportCharts):
    """What a section of the comparison report reads, and the report's charts so far."""

    comparison: Comparison
    style: NumberStyle
    palette: Palette
    labels: Labels

    def metric(self, key: str) -> dict[str, Any]:
        return self.comparison.metrics.get(key, {"key": key, "label": key.replace("_", " "),
                                                 "unit": "", "better": "neither"})

    def has(self, key: str) -> bool:
        return key in self.comparison.metrics


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- estimates as text -----------------------------------------------------------------------------


def mean_of(est: Any) -> float | None:
    return finite(est.get("mean")) if isinstance(est, dict) else None


def ci_of(est: Any) -> tuple[float | None, float | None]:
    ci = est.get("ci95") if isinstance(est, dict) else None
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return finite(ci[0]), finite(ci[1])
    return None, None


def half_width(est: Any, key: str = "ci95") -> float | None:
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


def fmt_of(unit: str, difference: bool = False) -> str:
    fmt = _FORMAT_OF_UNIT.get(unit, "number")
    return "points" if difference and fmt == "pct" else fmt


def is_significant(diff: Any) -> bool:
    if not isinstance(diff, dict):
        return False
    if isinstance(diff.get("significant"), bool):
        return bool(diff["significant"])
    low, high = ci_of(diff)
    return low is not None and high is not None and (low > 0 or high < 0)


def direction_of(diff: Any, better: str) -> str:
    """``good``/``bad`` when the change is clear and better/worse; ``unclear`` otherwise."""
    mean = mean_of(diff)
    if mean is None or mean == 0 or better not in ("higher", "lower"):
        return "unclear"
    if not is_significant(diff):
        return "unclear"
    return "good" if (mean > 0) == (better == "higher") else "bad"


def lean_of(diff: Any, better: str) -> str:
    mean = mean_of(diff)
    if mean is None or mean == 0 or better not in ("higher", "lower"):
        return ""
    return "good" if (mean > 0) == (better == "higher") else "bad"


def is_identical(diff: Any) -> bool:
    """The same figure in every paired replication (the change does not touch it)."""
    return isinstance(diff, dict) and finite(diff.get("sd")) == 0.0 and mean_of(diff) == 0.0


def label_of(metric: dict[str, Any], key: str) -> str:
    label = SHORT_LABELS.get(key, str(metric.get("label") or key))
    return label


def per_month(metric: dict[str, Any]) -> str:
    return " a month" if str(metric.get("unit", "")).endswith("/month") else ""


def describe_bottleneck(b: dict[str, Any], labels: Labels) -> str:
    kind = b.get("kind")
    if kind == "capacity":
        return f"{labels.stage(b.get('stage'))} ({labels.role(b.get('role'))})"
    if kind == "conversion":
        return f"no team holds it back (biggest leak: {labels.stage(b.get('stage'))})"
    return "no bottleneck"


def _bottleneck_key(b: dict[str, Any]) -> tuple[Any, Any, Any]:
    return (b.get("stage"), b.get("role"), b.get("kind"))


def bottleneck_move(base: dict[str, Any], variant: dict[str, Any], labels: Labels) -> str:
    """How the bottleneck changes against the base, in words a client reads."""
    if _bottleneck_key(base) == _bottleneck_key(variant):
        if base.get("kind") == "capacity":
            return f"the bottleneck stays at {describe_bottleneck(base, labels)}"
        return f"still {describe_bottleneck(base, labels)}"
    if base.get("kind") == "capacity" and variant.get("kind") == "capacity":
        return (f"the bottleneck moves from {describe_bottleneck(base, labels)} to "
                f"{describe_bottleneck(variant, labels)}")
    if base.get("kind") == "capacity":
        tail = (f"; the biggest leak is {labels.stage(variant.get('stage'))}"
                if variant.get("kind") == "conversion" else "")
        return (f"the bottleneck at {describe_bottleneck(base, labels)} is gone: no stage "
                f"queues for staff any more{tail}")
    if variant.get("kind") == "capacity":
        return f"a bottleneck appears at {describe_bottleneck(variant, labels)}"
    return (f"the bottleneck moves from {describe_bottleneck(base, labels)} to "
            f"{describe_bottleneck(variant, labels)}")


def bottleneck_shift(base: dict[str, Any], variant: dict[str, Any], labels: Labels) -> str:
    """:func:`bottleneck_move` in a few words, for a table cell."""
    if _bottleneck_key(base) == _bottleneck_key(variant):
        return "unchanged"
    if base.get("kind") == "capacity" and variant.get("kind") != "capacity":
        return f"removed from {labels.stage(base.get('stage'))}: nothing queues"
    if base.get("kind") == "capacity":
        return f"moved from {describe_bottleneck(base, labels)}"
    return "new" if variant.get("kind") == "capacity" else "changed"
