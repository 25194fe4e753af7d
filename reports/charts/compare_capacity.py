"""A comparison of variants: utilisation per role and where the bottleneck is,
in each variant.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator

from salesim.reports.charts.base import (
    ALERT,
    MUTED,
    ROW_IN,
    WIDTH_IN,
    Palette,
    ci_err,
    lighten,
    new_figure,
    pct_axis,
    text_colour,
)
from salesim.reports.charts.compare import panels, variant_labels
from salesim.reports.formatting import NumberStyle

__all__ = ["bottleneck_votes_chart", "utilisation_by_variant_chart"]


def utilisation_by_variant_chart(utilisation: pd.DataFrame, palette: Palette, style: NumberStyle,
                                 threshold: float = 0.85) -> Figure:
    """How busy each role is in each variant: one panel per role (in the role's colour), one bar
    per variant, with the headcount and the line above which leads start to queue.

    Args:
        utilisation: One row per role × variant, in reading order (the base first): ``role``,
            ``variant``, ``headcount``, ``utilization``, ``ci95_low``, ``ci95_high``.
    """
    roles = list(dict.fromkeys(utilisation["role"].astype(str)))
    variants = list(dict.fromkeys(utilisation["variant"].astype(str)))
    n = max(len(roles), 1)
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    rows = math.ceil(n / cols)
    fig = new_figure(0.95 + rows * (0.75 + ROW_IN * 1.25 * len(variants)))
    fig.suptitle("Utilisation per role in each variant (% of working time, headcount in "
                 "brackets)", x=0.01, ha="left", fontsize=12, fontweight="bold")
    axes, cols = panels(fig, n, cols, sharex=True)
    y = np.arange(len(variants))
    top = max(1.12, float(np.nanmax(utilisation["utilization"].astype(float).to_numpy()))
              + 0.15) if len(utilisation) else 1.12
    for k, (ax, role) in enumerate(zip(axes, roles, strict=True)):
        rows_of = utilisation[utilisation["role"].astype(str) == role]
        data = rows_of.set_index(rows_of["variant"].astype(str)).reindex(variants)
        util = data["utilization"].astype(float)
        shown = util.fillna(0.0)
        colour = palette.role(role)
        colours = [colour if np.isfinite(v) else MUTED for v in util]
        low, high = data["ci95_low"].astype(float), data["ci95_high"].astype(float)
        ax.barh(y, shown, color=colours, height=0.62, xerr=ci_err(shown, low, high),
                error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
        heads = data["headcount"]
        for i, (v, h) in enumerate(zip(util, heads, strict=True)):
            text = ("not in this variant" if not np.isfinite(v) else
                    style.pct(v) + (f" ({style.integer(_finite(h))})"
                                    if _finite(h) is not None else ""))
            end = float(high.iloc[i]) if np.isfinite(high.iloc[i]) else float(shown.iloc[i])
            inside = np.isfinite(v) and v >= 0.45
            ink = text_colour(colour) if inside else "#222222" if np.isfinite(v) else MUTED
            ax.text(0.015 if inside else end + 0.015, i, text, va="center", ha="left",
                    fontsize=8.5, color=ink, fontweight="bold" if inside else "normal")
        ax.axvline(threshold, color=ALERT, linestyle="--", linewidth=1)
        ax.set_xlim(0, top)
        ax.set_ylim(len(variants) - 0.5, -0.5)
        ax.set_title(role, fontsize=10, loc="left", pad=4, color=colour, fontweight="bold")
        ax.spines["left"].set(color=colour, linewidth=3)
        pct_axis(ax, style)
        ax.xaxis.set_major_locator(FixedLocator([0.0, 0.25, 0.5, 0.75, 1.0]))
        ax.tick_params(labelbottom=k + cols >= n)
        ax.grid(axis="y", visible=False)
        if k % cols == 0:
            ax.set_yticks(y, variant_labels(variants))
        ax.tick_params(axis="y", length=0)
    for ax in axes[-cols:]:
        ax.set_xlabel("utilisation, % of working hours")
    fig.legend(handles=[Line2D([], [], color=ALERT, linestyle="--", linewidth=1,
                               label=f"{style.pct(threshold)}: above it leads start to queue"),
                        Line2D([], [], color="#555555", linewidth=1, marker="|",
                               label="whisker: 95% CI")],
               loc="outside lower center", ncol=2)
    return fig


def _finite(value: Any) -> float | None:
    """A number from a table cell, or ``None`` (missing, not finite, not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def bottleneck_votes_chart(votes: pd.DataFrame, palette: Palette, style: NumberStyle) -> Figure:
    """Where the bottleneck is in each variant: the replications' verdicts as a 100% bar.

    Args:
        votes: One row per variant × verdict, variants in reading order: ``variant``,
            ``stage``, ``role``, ``kind`` (``capacity``, ``conversion``, ``none``), ``share``.
    """
    variants = list(dict.fromkeys(votes["variant"].astype(str)))
    keys: list[tuple[str, str, str]] = []
    for _, r in votes.iterrows():
        key = (_text(r["kind"]), _text(r["stage"]), _text(r["role"]))
        if key not in keys:
            keys.append(key)
    legend_rows = math.ceil(len(keys) / 2)
    fig = new_figure(1.45 + ROW_IN * 1.5 * max(len(variants), 1) + 0.22 * legend_rows)
    ax = fig.subplots()
    ax.set_title("Where the bottleneck is in each variant (share of the replications)")

    def look(key: tuple[str, str, str]) -> tuple[Any, str, str, str]:
        """Colour, hatch, legend label and in-bar label of one verdict."""
        kind, stage, role = key
        if kind == "capacity":
            return (palette.stage(stage), "", f"{stage} ({role}): leads queue for staff",
                    f"{stage} ({role})")
        if kind == "conversion":
            return (lighten(palette.stage(stage), 0.55), "///",
                    f"no capacity bottleneck; biggest leak: {stage}",
                    f"no bottleneck, leak: {stage}")
        return "#eeeeee", "", "no bottleneck", "no bottleneck"

    for i, variant in enumerate(variants):
        left = 0.0
        mine = votes[votes["variant"].astype(str) == variant]
        for _, r in mine.iterrows():
            share = float(r["share"])
            colour, hatch, _legend, short = look(
                (_text(r["kind"]), _text(r["stage"]), _text(r["role"])))
            ax.barh(i, share, left=left, color=colour, hatch=hatch, edgecolor="white",
                    linewidth=1.2, height=0.62)
            long_text = f"{short}: {style.pct(share)}"
            room_in = share * WIDTH_IN * 0.8  # the plot is about 80% of the figure's width
            text = long_text if len(long_text) * 0.075 + 0.3 < room_in else style.pct(share)
            if share >= 0.12:
                ax.text(left + share / 2, i, text, ha="center", va="center",
                        fontsize=8.5, color=text_colour(colour), fontweight="bold")
            left += share
    ax.set_yticks(np.arange(len(variants)), variant_labels(variants))
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    pct_axis(ax, style)
    ax.xaxis.set_major_locator(FixedLocator([0.0, 0.25, 0.5, 0.75, 1.0]))
    ax.set_xlabel("share of the replications that reached this verdict")
    ax.grid(False)
    handles = []
    for key in keys:
        colour, hatch, label, _short = look(key)
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="white", label=label))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(2, len(handles)),
               fontsize=8.5)
    return fig


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return str(value)
