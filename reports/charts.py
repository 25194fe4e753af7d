"""Charts: tables in, matplotlib ``Figure`` out (pure; object-oriented API, never pyplot).

Each function draws one chart from data that is already computed (by :mod:`metrics.measure`
or :mod:`metrics.timeseries`) and returns the figure; :func:`render` turns it into PNG bytes.
Colours come from one :class:`Palette` per report, so a stage or a role has the same colour in
every chart, and numbers go through the report's :class:`~salesim.reports.formatting.NumberStyle`.

Readability rules every chart follows: a title that says what it shows, axis labels with units,
grouped thousands, no label drawn over another (rows and panels grow with the data; tick
labels are thinned when they would collide).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from salesim.reports.formatting import NumberStyle, ci_rounding
from salesim.reports.layout import Figure as FigureBlock

__all__ = [
    "ALERT",
    "Palette",
    "RenderedChart",
    "bottleneck_chart",
    "bottleneck_votes_chart",
    "cash_chart",
    "channel_return_chart",
    "chart_style",
    "cumulative_revenue_chart",
    "difference_chart",
    "figure_block",
    "funnel_chart",
    "heatmap_chart",
    "loss_reasons_chart",
    "monthly_revenue_chart",
    "plan_fact_chart",
    "pnl_chart",
    "render",
    "role_utilisation_chart",
    "time_split_chart",
    "utilisation_by_variant_chart",
    "variant_metrics_chart",
    "wip_chart",
]

# Stages: Tableau 10 without its red and grey (kept for alerts and "other"), then lighter tones.
STAGE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
                 "#ff9da7", "#2f5d8a", "#b6992d", "#499894", "#d37295", "#86bcb6", "#a0cbe8")
# Roles: dark, saturated tones (also readable as text colour on white).
ROLE_COLOURS = ("#1b7f63", "#c2570c", "#5c55a3", "#c21d73", "#4f7d15", "#a77c00", "#7d5716",
                "#1f5f99", "#8c2d19", "#4d4d4d", "#6b3fa0", "#00757a")
ALERT = "#d62728"
WAIT_COLOUR = "#e15759"
WORK_COLOUR = "#4e79a7"
CLIENT_COLOUR = "#bab0ac"
NEUTRAL = "#4e79a7"
MUTED = "#9a9a9a"
GOOD = "#1b7f63"  # better for the business (the report's --good)
BASE_COLOUR = "#7a7a7a"  # the base of a comparison
VARIANT_COLOUR = NEUTRAL

DPI = 110
WIDTH_IN = 10.0
ROW_IN = 0.27  # height of one bar row: 9 pt labels never touch
MAX_LABELLED_CELLS = 160  # a heat map writes its values in the cells up to this size

RC: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 9.5,
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#888888",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.8,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "image.interpolation": "nearest",
    "axes.unicode_minus": True,
    "text.parse_math": False,  # "$ per $" is two dollar signs, not a formula
}


@contextmanager
def chart_style() -> Iterator[None]:
    """The report's matplotlib settings, for the figures made inside the block only."""
    with matplotlib.rc_context(RC):
        yield


@dataclass(frozen=True)
class Palette:
    """One colour per stage and per role, fixed for the whole report (scenario order)."""

    stages: dict[str, str]
    roles: dict[str, str]

    @classmethod
    def for_names(cls, stages: Sequence[str], roles: Sequence[str]) -> Palette:
        return cls({s: STAGE_COLOURS[i % len(STAGE_COLOURS)] for i, s in enumerate(stages)},
                   {r: ROLE_COLOURS[i % len(ROLE_COLOURS)] for i, r in enumerate(roles)})

    def stage(self, name: str) -> str:
        return self.stages.get(name, MUTED)

    def role(self, name: str) -> str:
        return self.roles.get(name, MUTED)


@dataclass(frozen=True)
class RenderedChart:
    png: bytes
    width_px: int
    height_px: int


def render(fig: Figure) -> RenderedChart:
    """PNG bytes of a figure (the same image goes into the HTML and beside the Markdown).

    One raster per chart, not SVG as well: drawing a figure twice would double the report's
    build time, and the PNG is what was looked at when the chart was designed.
    """
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI, metadata={"Software": "salesim"})
    width, height = fig.get_size_inches()
    return RenderedChart(png.getvalue(), round(width * DPI), round(height * DPI))


def figure_block(pngs: dict[str, bytes], charts_dir: str, name: str, title: str, caption: str,
                 draw: Callable[[], Figure]) -> FigureBlock:
    """Draw a chart in the report's style, keep its PNG in ``pngs`` (numbered in reading order:
    ``03-funnel.png``) and return the report block that shows it.

    Args:
        pngs: The report's charts so far, by file name; the new one is added.
        charts_dir: The folder the PNGs are written to, relative to the report.
    """
    with chart_style():
        fig = draw()
        rendered = render(fig)
    png_name = f"{len(pngs) + 1:02d}-{name}.png"
    pngs[png_name] = rendered.png
    return FigureBlock(name=name, title=title, caption=caption, png=rendered.png,
                       png_path=f"{charts_dir}/{png_name}", width_px=rendered.width_px,
                       height_px=rendered.height_px)


# -- helpers -----------------------------------------------------------------------------------


def _figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    return Figure(figsize=(width_in, max(height_in, 2.0)),
                  layout=ConstrainedLayoutEngine(h_pad=0.06, w_pad=0.06))


def _fmt(fn: Callable[[float], str]) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: fn(float(x)))


def _money_axis(ax: Axes, style: NumberStyle, values: Sequence[float], label: str,
                axis: str = "y") -> float:
    """Money ticks at a readable scale (``million ₽``); returns the scale factor."""
    scale = style.scale_for(values)
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(_fmt(lambda v: _plain_number(style, v / scale.factor)))
    target.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    unit = style.money_unit(scale)
    if axis == "y":
        ax.set_ylabel(f"{label}, {unit}")
    else:
        ax.set_xlabel(f"{label}, {unit}")
    return scale.factor


def _count_axis(ax: Axes, style: NumberStyle, axis: str = "x", integer: bool = True) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=6, integer=integer, steps=[1, 2, 2.5, 5, 10]))
    target.set_major_formatter(_fmt(lambda v: _plain_number(style, v)))


def _pct_axis(ax: Axes, style: NumberStyle, axis: str = "x") -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(_fmt(lambda v: style.pct(v)))


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator, show_offset=False))  # type: ignore[no-untyped-call]


def _dates(days: Sequence[dt.date]) -> npt.NDArray[np.datetime64]:
    """Calendar days as numpy date-times, which matplotlib plots on a date axis."""
    return np.array([np.datetime64(d, "s") for d in days], dtype="datetime64[s]")


def _x(day: dt.date) -> float:
    """A day as matplotlib's float date (for spans and limits)."""
    moment = dt.datetime(day.year, day.month, day.day)
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def _no_data(fig: Figure, ax: Axes, title: str, text: str) -> Figure:
    ax.set_title(title)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=MUTED)
    ax.set_axis_off()
    return fig


def _lighten(colour: str, amount: float) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _text_colour(colour: str | tuple[float, float, float]) -> str:
    r, g, b = to_rgb(colour)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else "#222222"


def _ci_err(values: pd.Series, low: pd.Series | None, high: pd.Series | None
            ) -> np.ndarray | None:
    if low is None or high is None:
        return None
    v = values.to_numpy(dtype=np.float64)
    lo = np.nan_to_num(v - low.to_numpy(dtype=np.float64), nan=0.0).clip(min=0)
    hi = np.nan_to_num(high.to_numpy(dtype=np.float64) - v, nan=0.0).clip(min=0)
    return np.vstack([lo, hi])


def _ci_columns(table: pd.DataFrame, column: str) -> tuple[pd.Series | None, pd.Series | None]:
    low, high = f"{column}_ci95_low", f"{column}_ci95_high"
    if low in table.columns and high in table.columns:
        return table[low], table[high]
    return None, None


def _bar_labels(ax: Axes, positions: Sequence[float], values: Sequence[float],
                texts: Sequence[str], horizontal: bool = True, pad_frac: float = 0.015,
                beyond: pd.Series | None = None) -> None:
    """Value labels just beyond each bar's end (or its CI whisker); the axis grows to fit."""
    if beyond is not None:
        values = [max(v, float(b)) if np.isfinite(b) else v
                  for v, b in zip(values, beyond, strict=True)]
    finite = [v for v in values if np.isfinite(v)]
    top = max(finite, default=0.0)
    pad = (top or 1.0) * pad_frac
    for pos, value, text in zip(positions, values, texts, strict=True):
        if not np.isfinite(value):
            continue
        if horizontal:
            ax.text(value + pad, pos, text, va="center", ha="left", fontsize=8.5,
                    color="#222222")
        else:
            ax.text(pos, value + pad, text, va="bottom", ha="center", fontsize=8.5,
                    color="#222222")
    if horizontal:
        ax.set_xlim(0, (top or 1.0) * 1.18)
    else:
        ax.set_ylim(0, (top or 1.0) * 1.15)


def _util_labels(ax: Axes, values: Sequence[float],
                 colours: Sequence[str | tuple[float, float, float]], style: NumberStyle,
                 highs: Sequence[float] | None = None) -> None:
    """Percentages at the start of long bars (clear of the threshold line and of CI whiskers),
    else after the bar's CI whisker."""
    for i, (v, colour) in enumerate(zip(values, colours, strict=True)):
        if v >= 0.3:
            ax.text(0.012, i, style.pct(v), va="center", ha="left", fontsize=8.5,
                    color=_text_colour(colour), fontweight="bold")
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
    fig = _figure(1.4 + ROW_IN * n)
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    capacity = bottleneck.get("kind") == "capacity"
    focus_stage = bottleneck.get("stage")
    focus_role = bottleneck.get("role")
    names = stages["stage"].astype(str).tolist()
    y = np.arange(len(names))
    if capacity:
        column, label = "wait_days_mean", "mean wait for staff, days"
        values = stages[column].astype(float).fillna(0.0)
        texts = [style.days(v) for v in values]
        left.set_title("Where leads wait for staff")
    else:
        column, label = "conversion", "share of decided leads lost"
        values = (1 - stages[column].astype(float)).fillna(0.0)
        texts = [style.pct(v) for v in values]
        left.set_title("Where leads are lost")
    low, high = _ci_columns(stages, column)
    if low is not None and high is not None and not capacity:
        low, high = 1 - high, 1 - low
    colours = [palette.stage(s) if s == focus_stage else _lighten(palette.stage(s), 0.55)
               for s in names]
    left.barh(y, values, color=colours, xerr=_ci_err(values, low, high),
              error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    for i, s in enumerate(names):
        if s == focus_stage:
            left.barh(i, values.iloc[i], fill=False, edgecolor=ALERT, linewidth=1.8)
    _bar_labels(left, y.tolist(), values.tolist(), texts, beyond=high)
    left.set_yticks(y, names)
    for tick, s in zip(left.get_yticklabels(), names, strict=True):
        if s == focus_stage:
            tick.set_fontweight("bold")
            tick.set_color(ALERT)
    left.invert_yaxis()
    left.set_xlabel(label)
    if not capacity:
        _pct_axis(left, style)
    left.grid(axis="y", visible=False)

    rnames = roles["role"].astype(str).tolist()
    ry = np.arange(len(rnames))
    util = roles["utilization"].astype(float).fillna(0.0)
    rcolours = [palette.role(r) if r == focus_role else _lighten(palette.role(r), 0.5)
                for r in rnames]
    rlow, rhigh = _ci_columns(roles, "utilization")
    right.barh(ry, util, color=rcolours, xerr=_ci_err(util, rlow, rhigh),
               error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    for tick_i, r in enumerate(rnames):
        if r == focus_role:
            right.barh(tick_i, util.iloc[tick_i], fill=False, edgecolor=ALERT, linewidth=1.8)
    _util_labels(right, util.tolist(), rcolours, style,
                 rhigh.tolist() if rhigh is not None else None)
    heads = roles["headcount"].tolist() if "headcount" in roles.columns else [None] * len(rnames)
    right.set_yticks(ry, [f"{r} ({style.integer(h)})" if h is not None else r
                          for r, h in zip(rnames, heads, strict=True)])
    for tick, r in zip(right.get_yticklabels(), rnames, strict=True):
        if r == focus_role:
            tick.set_fontweight("bold")
            tick.set_color(ALERT)
    right.invert_yaxis()
    right.axvline(threshold, color=ALERT, linestyle="--", linewidth=1)
    right.text(threshold, -0.6, f" {style.pct(threshold)}", color=ALERT, fontsize=8.5,
               va="bottom", ha="left")
    right.set_xlim(0, max(1.12, float(util.max()) + 0.15))
    right.set_ylim(len(rnames) - 0.5, -1.0)
    _pct_axis(right, style)
    right.set_xlabel("utilisation, % of working time")
    right.set_title("How busy each role is")
    right.grid(axis="y", visible=False)
    return fig


# -- the funnel -----------------------------------------------------------------------------------


def funnel_chart(steps: pd.DataFrame, stages: pd.DataFrame, palette: Palette,
                 style: NumberStyle) -> Figure:
    """The CRM funnel: leads entering each stage and step, and the share that moved on.

    Args:
        steps: ``steps.csv`` in pipeline order (``stage``, ``step``, ``entered``, ``conversion``).
        stages: ``stages.csv`` (``stage``, ``entered``, ``conversion``).
    """
    rows: list[tuple[str, str, float, float, bool]] = []  # label, stage, entered, conv, header
    for _, st in stages.iterrows():
        name = str(st["stage"])
        rows.append((name, name, float(st["entered"]), float(st["conversion"]), True))
        for _, sp in steps[steps["stage"].astype(str) == name].iterrows():
            rows.append((str(sp["step"]), name, float(sp["entered"]), float(sp["conversion"]),
                         False))
    fig = _figure(1.3 + ROW_IN * len(rows))
    ax = fig.subplots()
    ax.set_title("Funnel: leads entering each stage and step, and the share that moves on")
    top = max((r[2] for r in rows if np.isfinite(r[2])), default=1.0) or 1.0
    y = np.arange(len(rows))
    for i, (_label, stage, entered, _conv, header) in enumerate(rows):
        colour = palette.stage(stage) if header else _lighten(palette.stage(stage), 0.45)
        width = entered if np.isfinite(entered) else 0.0
        ax.barh(i, width, left=-width / 2, height=0.8 if header else 0.62, color=colour)
        text = style.integer(entered)
        if width >= top * 0.14:
            ax.text(0, i, text, ha="center", va="center", fontsize=8.5,
                    color=_text_colour(colour), fontweight="bold" if header else "normal")
        else:
            ax.text(width / 2 + top * 0.01, i, text, ha="left", va="center", fontsize=8.5,
                    color="#222222")
    ax.set_yticks(y, [r[0] if r[4] else "   " + r[0] for r in rows])
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row[4]:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(-top * 0.55, top * 0.55)
    ax.xaxis.set_major_formatter(_fmt(lambda v: style.integer(abs(v))))
    ax.set_xlabel("leads entering (bar width, centred)")
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    # the conversion column, outside the plot on the right
    trans = ax.get_yaxis_transform()
    ax.text(1.01, -0.9, "moves on", transform=trans, ha="left", va="center", fontsize=8.5,
            color="#555555", fontweight="bold")
    for i, row in enumerate(rows):
        ax.text(1.01, i, style.pct(row[3]), transform=trans, ha="left", va="center",
                fontsize=8.5, fontweight="bold" if row[4] else "normal",
                color="#222222" if np.isfinite(row[3]) else MUTED)
    ax.set_ylim(len(rows) - 0.5, -1.3)
    return fig


# -- time ------------------------------------------------------------------------------------------


def time_split_chart(split: pd.DataFrame, style: NumberStyle) -> Figure:
    """Mean days per lead in each stage: waiting for staff, being worked on, with the client.

    Args:
        split: :func:`metrics.timeseries.time_split_by_stage`.
    """
    fig = _figure(1.5 + ROW_IN * 1.25 * max(len(split), 1))
    ax = fig.subplots()
    ax.set_title("Where a lead's time goes in each stage (mean days per lead)")
    names = split["stage"].astype(str).tolist()
    y = np.arange(len(names))
    left = np.zeros(len(names))
    parts = (("queue_days", "waiting for staff", WAIT_COLOUR),
             ("work_days", "being worked on", WORK_COLOUR),
             ("client_days", "with the client", CLIENT_COLOUR))
    for column, label, colour in parts:
        values = split[column].astype(float).fillna(0.0).to_numpy()
        ax.barh(y, values, left=left, color=colour, label=label, height=0.66)
        left = left + values
    total = split["cycle_days"].astype(float)
    _bar_labels(ax, y.tolist(), left.tolist(), [style.days(v) for v in total])
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("calendar days per lead (nights and weekends included)")
    _count_axis(ax, style, "x", integer=False)
    ax.grid(axis="y", visible=False)
    _legend_below(fig, ax)
    return fig


def wip_chart(wip: pd.DataFrame, stage_order: Sequence[str], palette: Palette,
              style: NumberStyle, average: str, end: dt.date,
              warmup_until: dt.date | None = None) -> Figure:
    """Leads in each stage over time, and how many of them queue for staff; one panel a stage.

    Args:
        wip: :func:`metrics.timeseries.wip_by_stage` (``date``, ``stage``, ``wip``, ``queued``).
        average: ``"daily"`` or ``"weekly"``, for the title.
        end: The day after the last period (where its step ends).
        warmup_until: Shade the warm-up (not counted in the KPIs) up to this date.
    """
    n = max(len(stage_order), 1)
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / cols)
    fig = _figure(0.9 + 1.75 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, cols, sharex=True, squeeze=False)).ravel()
    fig.suptitle(f"Leads in each stage over time ({average} average), and how many wait for "
                 f"staff", x=0.01, ha="left", fontsize=12, fontweight="bold")
    for k, (ax, stage) in enumerate(zip(axes, stage_order, strict=False)):
        data = wip[wip["stage"] == stage]
        days = [*data["date"], end]
        when = _dates(days)
        queued = [*data["queued"].astype(float), float(data["queued"].iloc[-1])] if len(data) \
            else [0.0]
        level = [*data["wip"].astype(float), float(data["wip"].iloc[-1])] if len(data) \
            else [0.0]
        colour = palette.stage(stage)
        ax.fill_between(when, 0, queued, color=WAIT_COLOUR, alpha=0.35, linewidth=0,
                        step="post")
        ax.step(when, level, where="post", color=colour, linewidth=1.6)
        ax.set_title(stage, fontsize=10, color="#222222", loc="left", pad=4)
        ax.spines["left"].set(color=colour, linewidth=3)
        ax.set_ylim(bottom=0)
        top = float(np.nanmax(level))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=top >= 4, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(_fmt(lambda v: _plain_number(style, v)))
        if warmup_until is not None:
            ax.axvspan(_x(days[0]), _x(warmup_until), color="#eeeeee", zorder=0)
        ax.set_xlim(_x(days[0]), _x(days[-1]))
        _date_axis(ax)
        # x labels under the lowest panel of each column only
        ax.tick_params(labelbottom=k + cols >= n)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel("leads")
    handles = [Line2D([], [], color="#555555", linewidth=1.6, label="leads in the stage"),
               Patch(color=WAIT_COLOUR, alpha=0.35, label="of them waiting for staff")]
    if warmup_until is not None:
        handles.append(Patch(color="#eeeeee", label="warm-up (not in the KPIs)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    return fig


def _legend_below(fig: Figure, ax: Axes) -> None:
    """The axes' legend under the plot, where it cannot cover a bar or a label."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4))


def _plain_number(style: NumberStyle, value: float) -> str:
    """A tick value with as many decimals as it needs (0, 0,5, 0,25)."""
    for digits in (0, 1, 2):
        if abs(value - round(value, digits)) < 1e-9:
            return style.number(value, digits)
    return style.number(value, 2)


# -- utilisation --------------------------------------------------------------------------------


def role_utilisation_chart(roles: pd.DataFrame, palette: Palette, style: NumberStyle,
                           threshold: float = 0.85) -> Figure:
    """Share of working time each role spends working, with its headcount."""
    fig = _figure(1.4 + ROW_IN * 1.2 * max(len(roles), 1))
    ax = fig.subplots()
    ax.set_title("Utilisation per role: share of working time spent on leads")
    names = roles["role"].astype(str).tolist()
    y = np.arange(len(names))
    util = roles["utilization"].astype(float).fillna(0.0)
    low, high = _ci_columns(roles, "utilization")
    ax.barh(y, util, color=[palette.role(r) for r in names], height=0.66,
            xerr=_ci_err(util, low, high),
            error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    _util_labels(ax, util.tolist(), [palette.role(r) for r in names], style,
                 high.tolist() if high is not None else None)
    heads = roles["headcount"].tolist() if "headcount" in roles.columns else [None] * len(names)
    ax.set_yticks(y, [f"{r} ({style.integer(h)})" if h is not None else r
                      for r, h in zip(names, heads, strict=True)])
    ax.invert_yaxis()
    ax.axvline(threshold, color=ALERT, linestyle="--", linewidth=1)
    ax.text(threshold, -0.6, f" {style.pct(threshold)}: leads start to queue", color=ALERT,
            fontsize=8.5, va="bottom", ha="left")
    ax.set_ylim(len(names) - 0.5, -1.0)
    ax.set_xlim(0, max(1.12, float(util.max()) + 0.15))
    _pct_axis(ax, style)
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
    fig = _figure(1.7 + 0.2 * max(n_rows, 3))
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
                        color=_text_colour(rgba[:3]))
    bar = fig.colorbar(image, ax=ax, shrink=min(1.0, 6 / max(n_rows, 1) + 0.3), pad=0.01,
                       aspect=30)
    bar.set_label(colour_label)
    if ticks is not None:
        bar.set_ticks(list(ticks))
        if tick_labels is not None:
            bar.set_ticklabels(list(tick_labels))
        bar.ax.invert_yaxis()  # the best at the top
    else:
        bar.formatter = _fmt(tick_format)
        bar.update_ticks()
    bar.outline.set_visible(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return fig


def _short_date(day: object) -> str:
    if isinstance(day, dt.date):
        return f"{day.day} {day.strftime('%b')}" + (f" {day.year}" if day.month == 1 else "")
    return str(day)


# -- money ---------------------------------------------------------------------------------------


def monthly_revenue_chart(monthly: pd.DataFrame, style: NumberStyle) -> Figure:
    """Revenue per calendar month (bars), with the number of deals won on each bar."""
    fig = _figure(3.8)
    ax = fig.subplots()
    ax.set_title("Revenue by month, with the number of first deals won")
    if monthly.empty:
        return _no_data(fig, ax, ax.get_title(), "no deal was won")
    months = monthly["month"].astype(str).tolist()
    x = np.arange(len(months))
    revenue = monthly["revenue"].astype(float)
    low, high = _ci_columns(monthly, "revenue")
    scale = _money_axis(ax, style, revenue.tolist(), "revenue")
    if "revenue_repeat" in monthly.columns and float(monthly["revenue_repeat"].sum()) > 0:
        repeat = monthly["revenue_repeat"].astype(float)
        ax.bar(x, revenue - repeat, color=NEUTRAL, width=0.7, label="first deals")
        ax.bar(x, repeat, bottom=revenue - repeat, color="#a0cbe8", width=0.7,
               label="repeat orders and upsells", yerr=_ci_err(revenue, low, high),
               error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
        _legend_below(fig, ax)
    else:
        ax.bar(x, revenue, color=NEUTRAL, width=0.7, yerr=_ci_err(revenue, low, high),
               error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    ends = revenue if high is None else np.fmax(revenue, high.astype(float))
    top = float(np.nanmax(ends)) or 1.0
    for i, (r, won) in enumerate(zip(ends, monthly["won"], strict=True)):
        ax.text(i, r + top * 0.015, style.integer(won), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, top * 1.2)
    labels = [_month_label(m) for m in months]
    ax.set_xticks(x, labels, rotation=0 if len(months) <= 14 else 90)
    ax.set_xlabel("month (partial months at the ends of the run)")
    del scale
    ax.grid(axis="x", visible=False)
    return fig


def _month_label(month: str) -> str:
    try:
        day = dt.date.fromisoformat(month + "-01")
    except ValueError:
        return month
    return day.strftime("%b") + (f"\n{day.year}" if day.month == 1 else "")


def cumulative_revenue_chart(daily: pd.DataFrame, style: NumberStyle,
                             warmup_until: dt.date | None = None) -> Figure:
    """Revenue accumulated day by day over the run (from the event log)."""
    fig = _figure(3.6)
    ax = fig.subplots()
    ax.set_title("Revenue accumulated over the run, day by day")
    days = list(daily["date"])
    when = _dates(days)
    cum = daily["cum_revenue"].astype(float)
    _money_axis(ax, style, cum.tolist(), "cumulative revenue")
    ax.fill_between(when, 0, cum, color=NEUTRAL, alpha=0.12, step="post", linewidth=0)
    ax.step(when, cum, where="post", color=NEUTRAL, linewidth=1.8, label="all revenue")
    if "revenue_repeat" in daily.columns and float(daily["revenue_repeat"].sum()) > 0:
        first = daily["revenue_first"].astype(float).cumsum()
        ax.step(when, first, where="post", color="#555555", linewidth=1.2, linestyle="--",
                label="first deals only")
        ax.legend(loc="upper left")
    if len(cum):
        ax.annotate(style.money_short(float(cum.iloc[-1])), (when[-1], float(cum.iloc[-1])),
                    xytext=(-4, 6), textcoords="offset points", ha="right", fontsize=9,
                    fontweight="bold")
    if warmup_until is not None and days:
        ax.axvspan(_x(days[0]), _x(warmup_until), color="#eeeeee", zorder=0, label="warm-up")
    if ax.get_legend_handles_labels()[0] and (warmup_until is not None or len(ax.lines) > 1):
        ax.legend(loc="upper left")
    ax.set_ylim(bottom=0)
    _date_axis(ax)
    ax.set_xlabel("date")
    return fig


def channel_return_chart(channels: pd.DataFrame, style: NumberStyle) -> Figure:
    """Revenue won per unit of money spent on each channel's leads."""
    fig = _figure(1.5 + ROW_IN * 1.3 * max(len(channels), 1))
    ax = fig.subplots()
    ax.set_title(f"Return on lead spend: revenue per 1 {style.symbol} spent, by channel")
    names = channels["channel"].astype(str).tolist()
    y = np.arange(len(names))
    cost = channels["cost"].astype(float)
    ratio = channels["revenue"].astype(float) / cost.where(cost > 0)
    shown = ratio.fillna(0.0)
    ax.barh(y, shown, color=NEUTRAL, height=0.62)
    texts = []
    for r, c in zip(ratio, cost, strict=True):
        texts.append("no lead cost" if not c > 0 else f"×{style.number(r, 1)}")
    top = float(shown.max()) if len(shown) else 1.0
    for i, (v, t) in enumerate(zip(shown, texts, strict=True)):
        ax.text(v + (top or 1) * 0.01, i, t, va="center", ha="left", fontsize=8.5,
                color="#222222" if cost.iloc[i] > 0 else MUTED)
    ax.set_xlim(0, (top or 1.0) * 1.2)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(f"revenue ÷ lead cost ({style.symbol} per {style.symbol})")
    _count_axis(ax, style, "x", integer=False)
    ax.grid(axis="y", visible=False)
    return fig


def loss_reasons_chart(losses: pd.DataFrame, stage_order: Sequence[str], palette: Palette,
                       style: NumberStyle) -> Figure:
    """Lost leads by reason, split by the stage that lost them."""
    by = losses.assign(reason=losses["reason"].astype(str), stage=losses["stage"].astype(str),
                       lost=losses["lost"].astype(float))
    table = by.pivot_table(index="reason", columns="stage", values="lost", aggfunc="sum",
                           fill_value=0.0)
    table = table.reindex(columns=[s for s in stage_order if s in table.columns])
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
    legend_rows = math.ceil(len(table.columns) / 4)
    fig = _figure(1.9 + ROW_IN * max(len(table), 1) + 0.22 * legend_rows)
    ax = fig.subplots()
    ax.set_title("Why leads are lost: lost leads by reason and by the stage that lost them")
    if table.empty:
        return _no_data(fig, ax, ax.get_title(), "no lead was lost")
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for stage in table.columns:
        values = table[stage].to_numpy(dtype=np.float64)
        ax.barh(y, values, left=left, color=palette.stage(stage), label=stage, height=0.66)
        left = left + values
    total = float(left.sum()) or 1.0
    _bar_labels(ax, y.tolist(), left.tolist(),
                [f"{style.integer(v)} ({style.pct(v / total, 0 if v / total >= 0.01 else 1)})"
                 for v in left])
    ax.set_xlim(0, float(left.max()) * 1.25)
    labels = [f"{r} (waited too long)" if r == "cooled" else r for r in table.index]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("lost leads")
    _count_axis(ax, style, "x")
    ax.grid(axis="y", visible=False)
    fig.legend(handles=[Patch(color=palette.stage(s), label=s) for s in table.columns],
               title="stage that lost them", loc="outside lower center",
               ncol=min(4, len(table.columns)), fontsize=8.5, title_fontsize=8.5)
    return fig


def plan_fact_chart(plan_fact: pd.DataFrame, order: Sequence[str], style: NumberStyle) -> Figure:
    """Plan vs fact, cumulative within each calendar month, one panel per manager.

    Args:
        plan_fact: ``date``, ``who``, ``cum_plan``, ``cum_actual`` (month to date), one row per
            working day and person (``plan_fact_daily.csv``).
        order: Panels in order, the department first.
    """
    n = max(len(order), 1)
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / cols)
    fig = _figure(1.0 + 2.0 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, cols, sharex=True, squeeze=False)).ravel()
    fig.suptitle("Plan vs fact: sales accumulated within each month", x=0.01, ha="left",
                 fontsize=12, fontweight="bold")
    values = plan_fact[["cum_plan", "cum_actual"]].astype(float).to_numpy().ravel().tolist()
    scale = style.scale_for(values)
    for ax, who in zip(axes, order, strict=False):
        data = plan_fact[plan_fact["who"].astype(str) == who]
        days = [dt.date.fromisoformat(str(d)[:10]) for d in data["date"]]
        when = _dates(days)
        month = [(d.year, d.month) for d in days]
        for key in sorted(set(month)):
            idx = [i for i, m in enumerate(month) if m == key]
            w = when[idx]
            ax.plot(w, data["cum_plan"].astype(float).iloc[idx] / scale.factor, color="#555555",
                    linestyle="--", linewidth=1.3)
            ax.plot(w, data["cum_actual"].astype(float).iloc[idx] / scale.factor, color=NEUTRAL,
                    linewidth=1.8)
        ax.set_title(who, fontsize=10, loc="left", pad=4)
        ax.yaxis.set_major_formatter(_fmt(lambda v: _plain_number(style, v)))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax.set_ylim(bottom=0)
        _date_axis(ax)
        ax.tick_params(labelbottom=True)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel(style.money_unit(scale))
    fig.legend(handles=[Line2D([], [], color="#555555", linestyle="--", label="plan"),
                        Line2D([], [], color=NEUTRAL, linewidth=1.8, label="fact")],
               loc="outside upper right", ncol=2)
    return fig


def cash_chart(cash: pd.DataFrame, style: NumberStyle) -> Figure:
    """Invoiced vs cash received per month; receivables (and the overdue part) at month end.

    Args:
        cash: ``cash.csv``: ``month``, ``invoiced``, ``cash_in``, optionally ``receivables``
            and ``overdue``.
    """
    fig = _figure(3.8)
    ax = fig.subplots()
    ax.set_title("Cash vs invoiced by month, and what clients owe at the end of each month")
    months = cash["month"].astype(str).tolist()
    x = np.arange(len(months))
    invoiced = cash["invoiced"].astype(float)
    received = cash["cash_in"].astype(float)
    owed = cash["receivables"].astype(float) if "receivables" in cash.columns else None
    overdue = cash["overdue"].astype(float) if "overdue" in cash.columns else None
    values = [*invoiced, *received, *(owed if owed is not None else [])]
    _money_axis(ax, style, values, "amount")
    ax.bar(x - 0.2, invoiced, width=0.4, color="#9a9a9a", label="invoiced")
    ax.bar(x + 0.2, received, width=0.4, color=NEUTRAL, label="cash received")
    if owed is not None:
        ax.plot(x, owed, color=WAIT_COLOUR, marker="o", linewidth=1.8,
                label="owed at month end")
    if overdue is not None and float(overdue.max()) > 0:
        ax.plot(x, overdue, color=ALERT, marker="s", linewidth=1.2, linestyle="--",
                label="of it overdue")
    ax.set_xticks(x, [_month_label(m) for m in months],
                  rotation=0 if len(months) <= 14 else 90)
    ax.set_ylim(bottom=0)
    ax.grid(axis="x", visible=False)
    _legend_below(fig, ax)
    return fig


def pnl_chart(pnl: pd.DataFrame, style: NumberStyle) -> Figure:
    """Monthly P&L: revenue and costs as bars, profit as a line."""
    fig = _figure(3.8)
    ax = fig.subplots()
    ax.set_title("Monthly P&L: revenue, costs and profit")
    months = pnl["month"].astype(str).tolist()
    x = np.arange(len(months))
    revenue = pnl["revenue"].astype(float)
    profit = pnl["profit"].astype(float)
    costs = revenue - profit
    scale = _money_axis(ax, style, [*revenue, *costs, *profit], "amount")
    del scale
    ax.bar(x - 0.2, revenue, width=0.4, color=NEUTRAL, label="revenue")
    ax.bar(x + 0.2, costs, width=0.4, color=CLIENT_COLOUR, label="costs")
    ax.plot(x, profit, color="#1b7f63", marker="o", linewidth=1.8, label="profit")
    ax.axhline(0, color="#666666", linewidth=0.8)
    ax.set_xticks(x, [_month_label(m) for m in months],
                  rotation=0 if len(months) <= 14 else 90)
    ax.grid(axis="x", visible=False)
    _legend_below(fig, ax)
    return fig



# -- comparisons of variants -----------------------------------------------------------------------
#
# A comparison puts the base (grey) and its variants (blue) side by side, in one order in every
# chart and panel. Figures that differ in unit get a panel each, with the unit on its axis.

_PER_MONTH = {"money/month": " a month", "deals/month": " a month"}


def _unit_kind(unit: str) -> str:
    """``compare.json``'s metric units as formats: money, days, share, or a count."""
    if unit.startswith("money"):
        return "money"
    if unit in ("days", "share"):
        return unit
    return "number"


def _panels(fig: Figure, n: int, cols: int, sharex: bool = False
            ) -> tuple[list[Axes], int]:
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharey=True,
                                           sharex=sharex)).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n], cols


def _short_value(style: NumberStyle, value: float, kind: str, signed: bool = False,
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


def _variant_labels(variants: Sequence[str]) -> list[str]:
    """Variant names as tick labels, the base (the first) marked."""
    return [f"{v} (base)" if i == 0 else v for i, v in enumerate(variants)]


def _axis_for(ax: Axes, style: NumberStyle, kind: str, unit: str, values: Sequence[float],
              label: str) -> None:
    """Ticks and an axis label with the unit, for a panel of one metric (x axis)."""
    per = _PER_MONTH.get(unit, "")
    if kind == "money":
        scale = style.scale_for(values)
        ax.xaxis.set_major_formatter(_fmt(lambda v: _plain_number(style, v / scale.factor)))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.set_xlabel(f"{label}{style.money_unit(scale)}{per}")
    elif kind == "share":
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(_fmt(lambda v: _plain_number(style, v * 100)))
        ax.set_xlabel(f"{label}{'percentage points' if label else '%'}")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(_fmt(lambda v: _plain_number(style, v)))
        ax.set_xlabel(f"{label}{'days' if kind == 'days' else unit.split('/')[0]}{per}")


def _room(low: float, high: float, left_text: bool, right_text: bool,
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
    fig = _figure(0.75 + rows * (0.85 + ROW_IN * 1.25 * len(variants)))
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    axes, cols = _panels(fig, n, cols)
    y = np.arange(len(variants))
    colours = [BASE_COLOUR if i == 0 else VARIANT_COLOUR for i in range(len(variants))]
    for k, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        data = estimates[estimates["metric"].astype(str) == metric].set_index(
            estimates["variant"].astype(str)[estimates["metric"].astype(str) == metric])
        data = data.reindex(variants)
        unit = str(data["unit"].dropna().iloc[0]) if data["unit"].notna().any() else ""
        label = str(data["label"].dropna().iloc[0]) if data["label"].notna().any() else metric
        kind = _unit_kind(unit)
        mean = data["mean"].astype(float)
        low = data["ci95_low"].astype(float).fillna(mean)
        high = data["ci95_high"].astype(float).fillna(mean)
        shown = mean.fillna(0.0)
        ax.barh(y, shown, color=colours, height=0.62, xerr=_ci_err(shown, low, high),
                error_kw={"ecolor": "#333333", "elinewidth": 1, "capsize": 3})
        finite_vals = [v for v in [*low, *high, *shown] if np.isfinite(v)]
        lo, hi = min(finite_vals, default=0.0), max(finite_vals, default=1.0)
        data_span = (max(hi, 0.0) - min(lo, 0.0)) or 1.0
        # a bar whose value fits between 0 and its CI whisker carries it at its start; the
        # others after the whisker (widths estimated: 8.5 pt bold ≈ 0.075 in a character)
        per_inch = data_span * 1.35 / ((WIDTH_IN - 2.4) / cols)
        texts = [_short_value(style, v, kind, half=(h - lo_) / 2)
                 for v, lo_, h in zip(mean, low, high, strict=True)]
        inside = []
        for v, text, lo_i, hi_i in zip(mean, texts, low, high, strict=True):
            need = (len(text) * 0.075 + 0.15) * per_inch
            clear = lo_i if v >= 0 else -hi_i
            inside.append(bool(np.isfinite(v) and abs(v) >= need and clear >= need))
        outside = [np.isfinite(v) and not ins for v, ins in zip(mean, inside, strict=True)]
        ax.set_xlim(*_room(lo, hi, left_text=any(o and v < 0 for o, v in
                                                 zip(outside, mean, strict=True)),
                           right_text=any(o and v >= 0 for o, v in
                                          zip(outside, mean, strict=True))))
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
                        fontsize=8.5, color=_text_colour(colours[i]), fontweight="bold")
                continue
            end = float(high.iloc[i]) if v >= 0 else float(low.iloc[i])
            ax.text(end + pad, i, text, va="center", ha="left" if v >= 0 else "right",
                    fontsize=8.5, color="#222222")
        ax.axvline(0, color="#666666", linewidth=0.8)
        ax.set_title(label[:1].upper() + label[1:] + _PER_MONTH.get(unit, ""), fontsize=10,
                     loc="left", pad=4)
        _axis_for(ax, style, kind, unit, finite_vals, "")
        ax.grid(axis="y", visible=False)
        if k % cols == 0:
            ax.set_yticks(y, _variant_labels(variants))
        ax.tick_params(axis="y", length=0)
    if axes:
        axes[0].invert_yaxis()
    return fig


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
    fig = _figure(1.0 + rows * (0.95 + ROW_IN * (1.5 if len(variants) <= 5 else 1.15)
                                * len(variants)))
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    axes, cols = _panels(fig, n, cols)
    y = np.arange(len(variants))
    for k, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        rows_of = differences[differences["metric"].astype(str) == metric]
        data = rows_of.set_index(rows_of["variant"].astype(str)).reindex(variants)
        unit = str(data["unit"].dropna().iloc[0]) if data["unit"].notna().any() else ""
        label = str(data["label"].dropna().iloc[0]) if data["label"].notna().any() else metric
        better = str(data["better"].dropna().iloc[0]) if data["better"].notna().any() else ""
        kind = _unit_kind(unit)
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
        for i, variant in enumerate(variants):
            m = float(mean.loc[variant])
            if not np.isfinite(m):
                ax.text(0.5, i, "no value", transform=ax.get_yaxis_transform(), ha="center",
                        va="center", fontsize=8.5, color=MUTED)
                continue
            colour = _verdict_colour(bool(significant.loc[variant]), m, better)
            ax.plot([low.loc[variant], high.loc[variant]], [i, i], color=colour, linewidth=2.6,
                    solid_capstyle="butt", zorder=2)
            for end in (low.loc[variant], high.loc[variant]):
                ax.plot([end, end], [i - 0.18, i + 0.18], color=colour, linewidth=1.4, zorder=2)
            ax.plot([m], [i], marker="D", markersize=6.5, color=colour,
                    markeredgecolor="white", markeredgewidth=0.8, zorder=3)
            same = m == 0 and low.loc[variant] == high.loc[variant] == 0
            half = (high.loc[variant] - low.loc[variant]) / 2
            text = "no change" if same else _short_value(style, m, kind, signed=True, half=half)
            ax.text(1.02, i, text,
                    transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8.5,
                    color=colour if colour != MUTED else "#555555",
                    fontweight="bold" if colour != MUTED else "normal")
        hint = {"higher": " (higher is better)", "lower": " (lower is better)"}.get(better, "")
        ax.set_title(label[:1].upper() + label[1:] + _PER_MONTH.get(unit, "") + hint,
                     fontsize=10, loc="left", pad=4)
        _axis_for(ax, style, kind, unit, finite_vals, "change, ")
        ax.set_ylim(len(variants) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        if k % cols == 0:
            ax.set_yticks(y, variants)
        ax.tick_params(axis="y", length=0)
    fig.legend(handles=[
        Line2D([], [], color=GOOD, linewidth=2.6, marker="D", label="better, 95% CI excludes 0"),
        Line2D([], [], color=ALERT, linewidth=2.6, marker="D", label="worse, 95% CI excludes 0"),
        Line2D([], [], color=MUTED, linewidth=2.6, marker="D",
               label="no clear difference: 95% CI includes 0")],
        loc="outside lower center", ncol=3)
    return fig


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
    fig = _figure(0.95 + rows * (0.75 + ROW_IN * 1.25 * len(variants)))
    fig.suptitle("Utilisation per role in each variant (% of working time, headcount in "
                 "brackets)", x=0.01, ha="left", fontsize=12, fontweight="bold")
    axes, cols = _panels(fig, n, cols, sharex=True)
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
        ax.barh(y, shown, color=colours, height=0.62, xerr=_ci_err(shown, low, high),
                error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
        heads = data["headcount"]
        for i, (v, h) in enumerate(zip(util, heads, strict=True)):
            text = ("not in this variant" if not np.isfinite(v) else
                    style.pct(v) + (f" ({style.integer(_finite(h))})"
                                    if _finite(h) is not None else ""))
            end = float(high.iloc[i]) if np.isfinite(high.iloc[i]) else float(shown.iloc[i])
            inside = np.isfinite(v) and v >= 0.45
            ink = _text_colour(colour) if inside else "#222222" if np.isfinite(v) else MUTED
            ax.text(0.015 if inside else end + 0.015, i, text, va="center", ha="left",
                    fontsize=8.5, color=ink, fontweight="bold" if inside else "normal")
        ax.axvline(threshold, color=ALERT, linestyle="--", linewidth=1)
        ax.set_xlim(0, top)
        ax.set_ylim(len(variants) - 0.5, -0.5)
        ax.set_title(role, fontsize=10, loc="left", pad=4, color=colour, fontweight="bold")
        ax.spines["left"].set(color=colour, linewidth=3)
        _pct_axis(ax, style)
        ax.xaxis.set_major_locator(FixedLocator([0.0, 0.25, 0.5, 0.75, 1.0]))
        ax.tick_params(labelbottom=k + cols >= n)
        ax.grid(axis="y", visible=False)
        if k % cols == 0:
            ax.set_yticks(y, _variant_labels(variants))
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
    fig = _figure(1.45 + ROW_IN * 1.5 * max(len(variants), 1) + 0.22 * legend_rows)
    ax = fig.subplots()
    ax.set_title("Where the bottleneck is in each variant (share of the replications)")

    def look(key: tuple[str, str, str]) -> tuple[Any, str, str, str]:
        """Colour, hatch, legend label and in-bar label of one verdict."""
        kind, stage, role = key
        if kind == "capacity":
            return (palette.stage(stage), "", f"{stage} ({role}): leads queue for staff",
                    f"{stage} ({role})")
        if kind == "conversion":
            return (_lighten(palette.stage(stage), 0.55), "///",
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
                        fontsize=8.5, color=_text_colour(colour), fontweight="bold")
            left += share
    ax.set_yticks(np.arange(len(variants)), _variant_labels(variants))
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    _pct_axis(ax, style)
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
