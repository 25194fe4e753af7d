"""How busy the staff are: the bottleneck evidence, utilisation per role, and the
people × weeks heat maps (utilisation, weekly ranking).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from salesim.reports.charts.base import (
    ALERT,
    MAX_LABELLED_CELLS,
    ROW_IN,
    Palette,
    bar_labels,
    ci_columns,
    ci_err,
    formatter,
    lighten,
    new_figure,
    pct_axis,
    text_colour,
)
from salesim.reports.formatting import NumberStyle
from salesim.simulator.numbers import finite

__all__ = ["bottleneck_chart", "heatmap_chart", "role_utilisation_chart"]


def _util_labels(ax: Axes, values: Sequence[float],
                 colours: Sequence[str | tuple[float, float, float]], style: NumberStyle,
                 highs: Sequence[float] | None = None, nobody: Sequence[bool] = ()) -> None:
    """Percentages at the start of long bars (clear of the threshold line and of CI whiskers),
    else after the bar's CI whisker; "nobody" for a role with no working time (no one on it)."""
    for i, (v, colour) in enumerate(zip(values, colours, strict=True)):
        if i < len(nobody) and nobody[i]:
            ax.text(0.012, i, "nobody", va="center", ha="left", fontsize=8.5)
        elif v >= 0.3:
            ax.text(0.012, i, style.pct(v), va="center", ha="left", fontsize=8.5,
                    color=text_colour(colour), fontweight="bold")
        else:
            end = v if highs is None or not np.isfinite(highs[i]) else max(v, float(highs[i]))
            ax.text(end + 0.012, i, style.pct(v), va="center", ha="left", fontsize=8.5)


# -- the bottleneck ------------------------------------------------------------------------------


def bottleneck_chart(stages: pd.DataFrame, roles: pd.DataFrame, bottleneck: dict[str, Any],
                     palette: Palette, style: NumberStyle, threshold: float = 0.85) -> Figure:
    """Evidence for the verdict: where leads wait (or leak) per stage, and how busy each role is.

    Args:
        stages: ``stages.csv`` (``stage``, ``wait_days_mean``, ``conversion``, CI columns).
        roles: ``roles.csv`` (``role``, ``utilization``, ``headcount``).
        bottleneck: ``summary.json``'s ``bottleneck``.
        threshold: Utilisation above which the engine calls a role overloaded.
    """
    n = max(len(stages), len(roles), 1)
    fig = new_figure(1.4 + ROW_IN * n)
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    _stage_evidence(left, stages, bottleneck, palette, style)
    _role_evidence(right, roles, bottleneck.get("role"), palette, style, threshold)
    return fig


def _stage_evidence(ax: Axes, stages: pd.DataFrame, bottleneck: dict[str, Any],
                    palette: Palette, style: NumberStyle) -> None:
    """Mean wait for staff per stage (a capacity bottleneck), else the share each stage loses."""
    capacity = bottleneck.get("kind") == "capacity"
    focus = bottleneck.get("stage")
    names = stages["stage"].astype(str).tolist()
    y = np.arange(len(names))
    if capacity:
        column, label = "wait_days_mean", "mean wait for staff, days"
        values = stages[column].astype(float).fillna(0.0)
        # a team of nobody: its leads' waits never end, so they are in no mean
        evidence = bottleneck.get("evidence") or {}
        unserved = "utilization" in evidence and finite(evidence["utilization"]) is None
        texts = ["nobody picks leads up" if unserved and name == focus else style.days(v)
                 for name, v in zip(names, values, strict=True)]
        ax.set_title("Where leads wait for staff")
    else:
        column, label = "conversion", "share of decided leads lost"
        values = (1 - stages[column].astype(float)).fillna(0.0)
        texts = [style.pct(v) for v in values]
        ax.set_title("Where leads are lost")
    low, high = ci_columns(stages, column)
    if low is not None and high is not None and not capacity:
        low, high = 1 - high, 1 - low
    colours = [palette.stage(s) if s == focus else lighten(palette.stage(s), 0.55)
               for s in names]
    _bars_outlining(ax, values, colours, low, high, names, focus)
    bar_labels(ax, y.tolist(), values.tolist(), texts, beyond=high)
    ax.set_yticks(y, names)
    _alert_tick(ax, names, focus)
    ax.invert_yaxis()
    ax.set_xlabel(label)
    if not capacity:
        pct_axis(ax, style)
    ax.grid(axis="y", visible=False)


def _role_evidence(ax: Axes, roles: pd.DataFrame, focus: str | None, palette: Palette,
                   style: NumberStyle, threshold: float) -> None:
    """How busy each role is, the bottleneck's role outlined, the overload line dashed."""
    names = roles["role"].astype(str).tolist()
    raw = roles["utilization"].astype(float)
    util = raw.fillna(0.0)
    colours = [palette.role(r) if r == focus else lighten(palette.role(r), 0.5) for r in names]
    low, high = ci_columns(roles, "utilization")
    _bars_outlining(ax, util, colours, low, high, names, focus)
    _util_labels(ax, util.tolist(), colours, style, high.tolist() if high is not None else None,
                 nobody=raw.isna().tolist())
    ax.set_yticks(np.arange(len(names)), _with_headcount(roles, names, style))
    _alert_tick(ax, names, focus)
    ax.invert_yaxis()
    ax.axvline(threshold, color=ALERT, linestyle="--", linewidth=1)
    ax.text(threshold, -0.6, f" {style.pct(threshold)}", color=ALERT, fontsize=8.5,
            va="bottom", ha="left")
    ax.set_xlim(0, max(1.12, float(util.max()) + 0.15))
    ax.set_ylim(len(names) - 0.5, -1.0)
    pct_axis(ax, style)
    ax.set_xlabel("utilisation, % of working time")
    ax.set_title("How busy each role is")
    ax.grid(axis="y", visible=False)


def _bars_outlining(ax: Axes, values: pd.Series, colours: Sequence[Any], low: pd.Series | None,
                    high: pd.Series | None, names: Sequence[str], focus: str | None) -> None:
    """Horizontal bars with CI whiskers, the bar of ``focus`` outlined in red."""
    ax.barh(np.arange(len(names)), values, color=colours, xerr=ci_err(values, low, high),
            error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    for i, name in enumerate(names):
        if name == focus:
            ax.barh(i, values.iloc[i], fill=False, edgecolor=ALERT, linewidth=1.8)


def _alert_tick(ax: Axes, names: Sequence[str], focus: str | None) -> None:
    """The tick label of ``focus`` in bold red."""
    for tick, name in zip(ax.get_yticklabels(), names, strict=True):
        if name == focus:
            tick.set_fontweight("bold")
            tick.set_color(ALERT)


def _with_headcount(roles: pd.DataFrame, names: Sequence[str], style: NumberStyle) -> list[str]:
    """Role tick labels with the number of people in brackets: ``closer (4)``."""
    heads = roles["headcount"].tolist() if "headcount" in roles.columns else [None] * len(names)
    return [f"{r} ({style.integer(h)})" if h is not None else r
            for r, h in zip(names, heads, strict=True)]


# -- utilisation --------------------------------------------------------------------------------


def role_utilisation_chart(roles: pd.DataFrame, palette: Palette, style: NumberStyle,
                           threshold: float = 0.85) -> Figure:
    """Share of working time each role spends working, with its headcount."""
    fig = new_figure(1.4 + ROW_IN * 1.2 * max(len(roles), 1))
    ax = fig.subplots()
    ax.set_title("Utilisation per role: share of working time spent on leads")
    names = roles["role"].astype(str).tolist()
    y = np.arange(len(names))
    util = roles["utilization"].astype(float).fillna(0.0)
    low, high = ci_columns(roles, "utilization")
    ax.barh(y, util, color=[palette.role(r) for r in names], height=0.66,
            xerr=ci_err(util, low, high),
            error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    _util_labels(ax, util.tolist(), [palette.role(r) for r in names], style,
                 high.tolist() if high is not None else None)
    ax.set_yticks(y, _with_headcount(roles, names, style))
    ax.invert_yaxis()
    ax.axvline(threshold, color=ALERT, linestyle="--", linewidth=1)
    ax.text(threshold, -0.6, f" {style.pct(threshold)}: leads start to queue", color=ALERT,
            fontsize=8.5, va="bottom", ha="left")
    ax.set_ylim(len(names) - 0.5, -1.0)
    ax.set_xlim(0, max(1.12, float(util.max()) + 0.15))
    pct_axis(ax, style)
    ax.set_xlabel("utilisation, % of the role's working hours (people in brackets)")
    ax.grid(axis="y", visible=False)
    return fig


def heatmap_chart(matrix: pd.DataFrame, roles_of_rows: Sequence[str], palette: Palette,
                  title: str, colour_label: str, cmap: str, vmin: float, vmax: float,
                  tick_format: Callable[[float], str], ticks: Sequence[float] | None = None,
                  tick_labels: Sequence[str] | None = None,
                  cell_labels: pd.DataFrame | None = None) -> Figure:
    """People (rows, grouped by role, labels in the role's colour) × weeks (columns).

    Args:
        matrix: Values indexed by person, one column per week (column labels are dates).
        roles_of_rows: The role of each row, for the label colours and the group lines.
        cell_labels: Text for each cell (same shape as ``matrix``), written only when the
            grid is small enough to read it.
    """
    n_rows, n_cols = matrix.shape
    fig = new_figure(1.7 + 0.2 * max(n_rows, 3))
    ax = fig.subplots()
    ax.set_title(title)
    values = matrix.to_numpy(dtype=np.float64)
    colours = matplotlib.colormaps[cmap].with_extremes(bad="#f0f0f0")
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=colours, vmin=vmin,
                      vmax=vmax, interpolation="nearest")
    ax.grid(False)
    ax.set_yticks(np.arange(n_rows), [str(i) for i in matrix.index])
    ax.tick_params(axis="y", labelsize=8 if n_rows > 24 else 9, length=0)
    for tick, role in zip(ax.get_yticklabels(), roles_of_rows, strict=True):
        tick.set_color(palette.role(role))
    for i in range(1, n_rows):
        if roles_of_rows[i] != roles_of_rows[i - 1]:
            ax.axhline(i - 0.5, color="white", linewidth=2.5)
    dates = list(matrix.columns)
    every = max(1, math.ceil(n_cols / 13))
    positions = list(range(0, n_cols, every))
    ax.xaxis.set_major_locator(FixedLocator(positions))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _p: _short_date(dates[int(x)]) if 0 <= int(x) < n_cols else ""))
    ax.set_xlabel("week starting")
    if cell_labels is not None and n_cols <= 26 and n_rows * n_cols <= MAX_LABELLED_CELLS:
        texts = cell_labels.to_numpy(dtype=object)
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                rgba = colours((v - vmin) / ((vmax - vmin) or 1))
                ax.text(j, i, str(texts[i, j]), ha="center", va="center", fontsize=7,
                        color=text_colour(rgba[:3]))
    bar = fig.colorbar(image, ax=ax, shrink=min(1.0, 6 / max(n_rows, 1) + 0.3), pad=0.01,
                       aspect=30)
    bar.set_label(colour_label)
    if ticks is not None:
        bar.set_ticks(list(ticks))
        if tick_labels is not None:
            bar.set_ticklabels(list(tick_labels))
        bar.ax.invert_yaxis()  # the best at the top
    else:
        bar.formatter = formatter(tick_format)
        bar.update_ticks()
    bar.outline.set_visible(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return fig


def _short_date(day: object) -> str:
    if isinstance(day, dt.date):
        return f"{day.day} {day.strftime('%b')}" + (f" {day.year}" if day.month == 1 else "")
    return str(day)


