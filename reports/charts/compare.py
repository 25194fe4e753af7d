"""A comparison of variants: key figures side by side and the paired differences.

The base (grey) and its variants (blue) stand in one order in every chart and panel.
Figures that differ in unit get a panel each, with the unit on its axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from salesim.reports.charts.base import (
    ALERT,
    BASE_COLOUR,
    GOOD,
    MUTED,
    ROW_IN,
    VARIANT_COLOUR,
    WIDTH_IN,
    ci_err,
    formatter,
    new_figure,
    plain_number,
    text_colour,
)
from salesim.reports.formatting import NumberStyle, ci_rounding

__all__ = ["difference_chart", "variant_metrics_chart"]



PER_MONTH = {"money/month": " a month", "deals/month": " a month"}


def unit_kind(unit: str) -> str:
    """``compare.json``'s metric units as formats: money, days, share, or a count."""
    if unit.startswith("money"):
        return "money"
    if unit in ("days", "share"):
        return unit
    return "number"


def panels(fig: Figure, n: int, cols: int, sharex: bool = False
            ) -> tuple[list[Axes], int]:
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharey=True,
                                           sharex=sharex)).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n], cols


def short_value(style: NumberStyle, value: float, kind: str, signed: bool = False,
                 half: float | None = None) -> str:
    """A value beside a bar or a point: ``12,4 million ₽``, ``6,3 days``, ``72 %``.

    With ``half`` (a CI half-width) the value is rounded as the report's tables round it
    (two significant digits of the half-width), so that a chart and a table agree.
    """
    if not np.isfinite(value):
        return "—"
    digits = None
    if half is not None and np.isfinite(half):
        factor = 100.0 if kind == "share" else 1.0
        rounded, _h, digits = ci_rounding(value * factor, half * factor)
        value = rounded / factor
    sign = "+" if signed and value > 0 else ""
    if kind == "money":
        return sign + style.money_short(value)
    if kind == "days":
        return sign + style.days(value, 1 if digits is None else min(digits, 2))
    if kind == "share":
        shown = 1 if digits is None else min(digits, 2)
        if signed:
            return sign + style.number(value * 100, shown) + "\u00a0pp"
        return style.pct(value, shown)
    shown = (0 if abs(value) >= 100 else 1) if digits is None else min(digits, 3)
    return sign + style.number(value, shown)


def variant_labels(variants: Sequence[str]) -> list[str]:
    """Variant names as tick labels, the base (the first) marked."""
    return [f"{v} (base)" if i == 0 else v for i, v in enumerate(variants)]


def axis_for(ax: Axes, style: NumberStyle, kind: str, unit: str, values: Sequence[float],
              label: str) -> None:
    """Ticks and an axis label with the unit, for a panel of one metric (x axis)."""
    per = PER_MONTH.get(unit, "")
    if kind == "money":
        scale = style.scale_for(values)
        ax.xaxis.set_major_formatter(formatter(lambda v: plain_number(style, v / scale.factor)))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.set_xlabel(f"{label}{style.money_unit(scale)}{per}")
    elif kind == "share":
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(formatter(lambda v: plain_number(style, v * 100)))
        ax.set_xlabel(f"{label}{'percentage points' if label else '%'}")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(formatter(lambda v: plain_number(style, v)))
        ax.set_xlabel(f"{label}{'days' if kind == 'days' else unit.split('/')[0]}{per}")


def room(low: float, high: float, left_text: bool, right_text: bool,
          text_share: float = 0.26) -> tuple[float, float]:
    """Axis limits around [low, high] (0 included) that leave room for value labels."""
    lo, hi = min(low, 0.0), max(high, 0.0)
    span = (hi - lo) or abs(hi) or 1.0
    room = span * text_share / (1 - text_share)
    return lo - (room if left_text else span * 0.02), hi + (room if right_text else span * 0.02)


def variant_metrics_chart(estimates: pd.DataFrame, style: NumberStyle,
                          title: str = "Key figures per variant: mean with its 95% CI") -> Figure:
    """Key figures of every variant side by side: one panel per metric, one bar per variant.

    Args:
        estimates: One row per metric × variant, metrics and variants in reading order, the
            base first: ``metric``, ``label``, ``unit`` (``compare.json``'s units), ``variant``,
            ``mean``, ``ci95_low``, ``ci95_high``.
    """
    metrics = list(dict.fromkeys(estimates["metric"].astype(str)))
    variants = list(dict.fromkeys(estimates["variant"].astype(str)))
    n = max(len(metrics), 1)
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    fig = new_figure(0.75 + rows * (0.85 + ROW_IN * 1.25 * len(variants)))
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    axes, cols = panels(fig, n, cols)
    colours = [BASE_COLOUR if i == 0 else VARIANT_COLOUR for i in range(len(variants))]
    for k, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        data = _rows_of(estimates, metric, variants)
        unit = _first(data, "unit", "")
        label = _first(data, "label", metric)
        kind = unit_kind(unit)
        finite_vals = _estimate_bars(ax, data, colours, style, kind, cols)
        ax.axvline(0, color="#666666", linewidth=0.8)
        ax.set_title(_panel_title(label, unit), fontsize=10, loc="left", pad=4)
        axis_for(ax, style, kind, unit, finite_vals, "")
        _finish_panel(ax, k, cols, variant_labels(variants))
    if axes:
        axes[0].invert_yaxis()
    return fig


def _rows_of(table: pd.DataFrame, metric: str, variants: list[str]) -> pd.DataFrame:
    """The rows of one metric, indexed by variant in ``variants`` order (gaps as NaN)."""
    rows = table[table["metric"].astype(str) == metric]
    return rows.set_index(rows["variant"].astype(str)).reindex(variants)


def _first(data: pd.DataFrame, column: str, default: str) -> str:
    """The first value given in a column (a metric's unit, label…), else ``default``."""
    return str(data[column].dropna().iloc[0]) if data[column].notna().any() else default


def _panel_title(label: str, unit: str, hint: str = "") -> str:
    return label[:1].upper() + label[1:] + PER_MONTH.get(unit, "") + hint


def _finish_panel(ax: Axes, k: int, cols: int, tick_labels: Sequence[str]) -> None:
    """No horizontal grid; variant names on the panels of the first column only."""
    ax.grid(axis="y", visible=False)
    if k % cols == 0:
        ax.set_yticks(np.arange(len(tick_labels)), tick_labels)
    ax.tick_params(axis="y", length=0)


def _estimate_bars(ax: Axes, data: pd.DataFrame, colours: Sequence[str], style: NumberStyle,
                   kind: str, cols: int) -> list[float]:
    """One bar a variant with its CI whisker and its value; returns the finite values drawn."""
    mean = data["mean"].astype(float)
    low = data["ci95_low"].astype(float).fillna(mean)
    high = data["ci95_high"].astype(float).fillna(mean)
    shown = mean.fillna(0.0)
    ax.barh(np.arange(len(data)), shown, color=colours, height=0.62,
            xerr=ci_err(shown, low, high),
            error_kw={"ecolor": "#333333", "elinewidth": 1, "capsize": 3})
    finite_vals = [v for v in [*low, *high, *shown] if np.isfinite(v)]
    lo, hi = min(finite_vals, default=0.0), max(finite_vals, default=1.0)
    data_span = (max(hi, 0.0) - min(lo, 0.0)) or 1.0
    # a bar whose value fits between 0 and its CI whisker carries it at its start; the
    # others after the whisker (widths estimated: 8.5 pt bold ≈ 0.075 in a character)
    per_inch = data_span * 1.35 / ((WIDTH_IN - 2.4) / cols)
    texts = [short_value(style, v, kind, half=(h - lo_) / 2)
             for v, lo_, h in zip(mean, low, high, strict=True)]
    inside = []
    for v, text, lo_i, hi_i in zip(mean, texts, low, high, strict=True):
        need = (len(text) * 0.075 + 0.15) * per_inch
        clear = lo_i if v >= 0 else -hi_i
        inside.append(bool(np.isfinite(v) and abs(v) >= need and clear >= need))
    outside = [np.isfinite(v) and not ins for v, ins in zip(mean, inside, strict=True)]
    ax.set_xlim(*room(lo, hi, left_text=any(o and v < 0 for o, v in
                                             zip(outside, mean, strict=True)),
                      right_text=any(o and v >= 0 for o, v in
                                     zip(outside, mean, strict=True))))
    _estimate_labels(ax, mean, low, high, texts, inside, colours)
    return finite_vals


def _estimate_labels(ax: Axes, mean: pd.Series, low: pd.Series, high: pd.Series,
                     texts: Sequence[str], inside: Sequence[bool], colours: Sequence[str]
                     ) -> None:
    """Each value at its bar's start (``inside``), else beyond its CI whisker."""
    span = ax.get_xlim()[1] - ax.get_xlim()[0]
    for i, v in enumerate(mean):
        if not np.isfinite(v):
            ax.text(0, i, " no value (no deal)", va="center", ha="left", fontsize=8.5,
                    color=MUTED)
            continue
        text = texts[i]
        pad = span * 0.012 if v >= 0 else -span * 0.012
        if inside[i]:
            ax.text(pad, i, text, va="center", ha="left" if v >= 0 else "right",
                    fontsize=8.5, color=text_colour(colours[i]), fontweight="bold")
            continue
        end = float(high.iloc[i]) if v >= 0 else float(low.iloc[i])
        ax.text(end + pad, i, text, va="center", ha="left" if v >= 0 else "right",
                fontsize=8.5, color="#222222")


def _verdict_colour(significant: bool, mean: float, better: str) -> str:
    if not significant or not np.isfinite(mean) or mean == 0 or better not in ("higher", "lower"):
        return MUTED
    return GOOD if (mean > 0) == (better == "higher") else ALERT


def difference_chart(differences: pd.DataFrame, style: NumberStyle,
                     title: str = "Change against the base: paired difference with its 95% CI"
                     ) -> Figure:
    """A forest chart: each variant's paired difference from the base, one panel per metric.

    Green: the change is better for the business and its 95% interval excludes 0; red: worse,
    and the interval excludes 0; grey: the interval includes 0 (no clear difference).

    Args:
        differences: One row per metric × variant (the base left out), in reading order:
            ``metric``, ``label``, ``unit``, ``better`` (``higher``/``lower``), ``variant``,
            ``mean``, ``ci95_low``, ``ci95_high``, ``significant``.
    """
    metrics = list(dict.fromkeys(differences["metric"].astype(str)))
    variants = list(dict.fromkeys(differences["variant"].astype(str)))
    n = max(len(metrics), 1)
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    fig = new_figure(1.0 + rows * (0.95 + ROW_IN * (1.5 if len(variants) <= 5 else 1.15)
                                   * len(variants)))
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    axes, cols = panels(fig, n, cols)
    for k, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        data = _rows_of(differences, metric, variants)
        unit = _first(data, "unit", "")
        better = _first(data, "better", "")
        kind = unit_kind(unit)
        finite_vals = _difference_rows(ax, data, better, style, kind)
        hint = {"higher": " (higher is better)", "lower": " (lower is better)"}.get(better, "")
        ax.set_title(_panel_title(_first(data, "label", metric), unit, hint),
                     fontsize=10, loc="left", pad=4)
        axis_for(ax, style, kind, unit, finite_vals, "change, ")
        ax.set_ylim(len(variants) - 0.5, -0.5)
        _finish_panel(ax, k, cols, variants)
    fig.legend(handles=[
        Line2D([], [], color=GOOD, linewidth=2.6, marker="D", label="better, 95% CI excludes 0"),
        Line2D([], [], color=ALERT, linewidth=2.6, marker="D", label="worse, 95% CI excludes 0"),
        Line2D([], [], color=MUTED, linewidth=2.6, marker="D",
               label="no clear difference: 95% CI includes 0")],
        loc="outside lower center", ncol=3)
    return fig


def _difference_rows(ax: Axes, data: pd.DataFrame, better: str, style: NumberStyle,
                     kind: str) -> list[float]:
    """One interval a variant around the 0 line; returns the finite values drawn."""
    mean = data["mean"].astype(float)
    low = data["ci95_low"].astype(float).fillna(mean)
    high = data["ci95_high"].astype(float).fillna(mean)
    significant = data["significant"].fillna(False).astype(bool)
    finite_vals = [v for v in [*low, *high, *mean] if np.isfinite(v)]
    lo, hi = min(finite_vals, default=-1.0), max(finite_vals, default=1.0)
    if lo == hi == 0.0:
        lo, hi = -1.0, 1.0
    pad = ((max(hi, 0.0) - min(lo, 0.0)) or 1.0) * 0.08
    ax.set_xlim(min(lo, 0.0) - pad, max(hi, 0.0) + pad)
    ax.axvline(0, color="#444444", linewidth=1.0, zorder=1)
    for i, variant in enumerate(data.index):
        m = float(mean.loc[variant])
        if not np.isfinite(m):
            ax.text(0.5, i, "no value", transform=ax.get_yaxis_transform(), ha="center",
                    va="center", fontsize=8.5, color=MUTED)
            continue
        colour = _verdict_colour(bool(significant.loc[variant]), m, better)
        _interval(ax, i, m, low.loc[variant], high.loc[variant], colour)
        same = m == 0 and low.loc[variant] == high.loc[variant] == 0
        half = (high.loc[variant] - low.loc[variant]) / 2
        text = "no change" if same else short_value(style, m, kind, signed=True, half=half)
        ax.text(1.02, i, text,
                transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8.5,
                color=colour if colour != MUTED else "#555555",
                fontweight="bold" if colour != MUTED else "normal")
    return finite_vals


def _interval(ax: Axes, i: int, mean: float, low: float, high: float, colour: str) -> None:
    """A 95% interval with end ticks, the mean as a diamond."""
    ax.plot([low, high], [i, i], color=colour, linewidth=2.6, solid_capstyle="butt", zorder=2)
    for end in (low, high):
        ax.plot([end, end], [i - 0.18, i + 0.18], color=colour, linewidth=1.4, zorder=2)
    ax.plot([mean], [i], marker="D", markersize=6.5, color=colour,
            markeredgecolor="white", markeredgewidth=0.8, zorder=3)
