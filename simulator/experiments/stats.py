"""Statistics of experiments: means and paired differences with 95% CIs, precision, MSER-5.

Pure functions of numbers. Replications are independent; variants share their random numbers
replication by replication (common random numbers), so variant B's replication r is paired with
the base's replication r and the CI of the difference is the t-interval of the r-wise
differences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from salesim.simulator.metrics.summary import t_critical


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95% Student-t confidence interval (NaN bounds when n < 2)."""

    mean: float
    low: float
    high: float
    sd: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return bool(self.low > 0 or self.high < 0)

    def to_json(self) -> dict[str, Any]:
        return {"mean": number(self.mean), "ci95": [number(self.low), number(self.high)],
                "half_width": number(self.half_width), "sd": number(self.sd), "n": self.n}


def _clean(values: Sequence[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
    arr = np.asarray(values, dtype=np.float64)
    return arr[~np.isnan(arr)]


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95% CI of independent replications (NaNs left out)."""
    arr = _clean(values)
    n = len(arr)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(arr.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, math.nan, 1)
    sd = float(arr.std(ddof=1))
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, sd, n)


def paired_difference(base: Sequence[float], variant: Sequence[float]) -> Estimate:
    """variant − base, replication by replication (common random numbers), with its 95% CI.

    Pairs where either side is NaN (a figure undefined in that replication) are left out.
    """
    if len(base) != len(variant):
        raise ValueError("paired samples must have the same length")
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(variant, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    return estimate((b[keep] - a[keep]).tolist())


def unpaired_difference(base: Sequence[float], variant: Sequence[float]) -> Estimate:
    """variant − base as if the two had been run on independent streams (Welch's interval).

    Given for comparison: with common random numbers the paired interval is the right one and is
    usually much narrower.
    """
    a, b = _clean(base), _clean(variant)
    if len(a) < 2 or len(b) < 2:
        mean = float(b.mean() - a.mean()) if len(a) and len(b) else math.nan
        return Estimate(mean, math.nan, math.nan, math.nan, min(len(a), len(b)))
    va, vb = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    mean = float(b.mean() - a.mean())
    if se == 0:
        return Estimate(mean, mean, mean, 0.0, min(len(a), len(b)))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = t_critical(max(1, math.floor(df))) * se
    return Estimate(mean, mean - half, mean + half, se * math.sqrt(min(len(a), len(b))),
                    min(len(a), len(b)))


# -- precision -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    """A target for the 95% CI half-width of a metric's mean: relative (0.02 = 2%) or absolute."""

    metric: str
    target: float
    relative: bool

    def limit(self, mean: float) -> float:
        return self.target * abs(mean) if self.relative else self.target

    def met(self, e: Estimate) -> bool:
        return e.n >= 2 and not math.isnan(e.half_width) and e.half_width <= self.limit(e.mean)

    def describe(self) -> str:
        amount = f"{self.target * 100:g}% of the mean" if self.relative else f"{self.target:g}"
        return f"95% CI half-width of {self.metric} at most {amount}"


def parse_precision(text: str, metric: str) -> Precision:
    """``2%`` → relative 0.02; ``50000`` → absolute. Raises ValueError with a readable message."""
    t = text.strip().replace(" ", "").replace("_", "")
    relative = t.endswith("%")
    try:
        value = float(t[:-1] if relative else t)
    except ValueError:
        raise ValueError(f"--precision must be like 2% or 50000, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"--precision must be positive, not {text!r}")
    return Precision(metric, value / 100 if relative else value, relative)


def replications_needed(e: Estimate, precision: Precision) -> int:
    """Replications the half-width needs, from the current sd (n·(h/target)², at least n)."""
    if precision.met(e):
        return e.n
    limit = precision.limit(e.mean)
    if e.n < 2 or math.isnan(e.half_width) or limit <= 0:
        return max(2 * e.n, e.n + 2)
    return max(e.n + 1, math.ceil(e.n * (e.half_width / limit) ** 2))


# -- warm-up: MSER-5 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warmup:
    """Result of MSER-5 on a daily series: cut the first ``days`` days."""

    days: int
    batches: int
    truncated_batches: int
    reliable: bool  # the minimum lies in the first half of the series

    def to_json(self) -> dict[str, Any]:
        return {"method": "MSER-5", "detected_days": self.days, "batches": self.batches,
                "truncated_batches": self.truncated_batches, "reliable": self.reliable}


def mser5(series: Sequence[float], batch: int = 5) -> Warmup:
    """Marginal Standard Error Rule on batch means of ``batch`` days (White 1997, MSER-5).

    The series (e.g. deals won per day, averaged over replications) is cut into batches of
    ``batch`` observations; the truncation d (in batches) minimises
    ``Σ_{j>d} (Z_j − mean_{>d})² / (m − d)²``, searched over the first half of the batches. A
    minimum at the edge of that half means the series has not settled: ``reliable`` is False.
    """
    arr = np.asarray(series, dtype=np.float64)
    m = len(arr) // batch
    if m < 4:
        return Warmup(0, m, 0, False)
    z = arr[: m * batch].reshape(m, batch).mean(axis=1)
    best_d, best = 0, math.inf
    for d in range(m // 2 + 1):
        tail = z[d:]
        stat = float(((tail - tail.mean()) ** 2).sum()) / (m - d) ** 2
        if stat < best - 1e-15:
            best_d, best = d, stat
    return Warmup(best_d * batch, m, best_d, best_d < m // 2)


def number(value: float) -> float | None:
    """A JSON-ready float: rounded to 6 decimals, NaN and infinities as null."""
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        return None
    return round(v, 6)
