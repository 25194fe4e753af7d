"""What every chart shares: colours, the matplotlib style, the figure and axis helpers, and
:func:`render` (a figure to PNG bytes) with :func:`figure_block` (a chart as a report block).
"""

from __future__ import annotations

import datetime as dt
import io
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
from matplotlib.ticker import FuncFormatter, MaxNLocator

from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import Figure as FigureBlock

__all__ = ["ALERT", "Palette", "RenderedChart", "ReportCharts", "chart_style", "figure_block",
           "render"]

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


@dataclass
class ReportCharts:
    """The charts of one report so far: each new one drawn by :meth:`figure` in reading order.

    Attributes:
        pngs: The PNGs by file name (``03-funnel.png``), what the report writes beside it.
        charts_dir: The folder they are written to, relative to the report.
    """

    pngs: dict[str, bytes]
    charts_dir: str

    def figure(self, name: str, title: str, caption: str,
               draw: Callable[[], Figure]) -> FigureBlock:
        return figure_block(self.pngs, self.charts_dir, name, title, caption, draw)


# -- helpers -----------------------------------------------------------------------------------


def new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    return Figure(figsize=(width_in, max(height_in, 2.0)),
                  layout=ConstrainedLayoutEngine(h_pad=0.06, w_pad=0.06))


def formatter(fn: Callable[[float], str]) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: fn(float(x)))


def money_axis(ax: Axes, style: NumberStyle, values: Sequence[float], label: str,
                axis: str = "y") -> float:
    """Money ticks at a readable scale (``million ₽``); returns the scale factor."""
    scale = style.scale_for(values)
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(formatter(lambda v: plain_number(style, v / scale.factor)))
    target.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    unit = style.money_unit(scale)
    if axis == "y":
        ax.set_ylabel(f"{label}, {unit}")
    else:
        ax.set_xlabel(f"{label}, {unit}")
    return scale.factor


def count_axis(ax: Axes, style: NumberStyle, axis: str = "x", integer: bool = True) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=6, integer=integer, steps=[1, 2, 2.5, 5, 10]))
    target.set_major_formatter(formatter(lambda v: plain_number(style, v)))


def pct_axis(ax: Axes, style: NumberStyle, axis: str = "x") -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(formatter(lambda v: style.pct(v)))


def date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator, show_offset=False))  # type: ignore[no-untyped-call]


def as_dates(days: Sequence[dt.date]) -> npt.NDArray[np.datetime64]:
    """Calendar days as numpy date-times, which matplotlib plots on a date axis."""
    return np.array([np.datetime64(d, "s") for d in days], dtype="datetime64[s]")


def date_x(day: dt.date) -> float:
    """A day as matplotlib's float date (for spans and limits)."""
    moment = dt.datetime(day.year, day.month, day.day)
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def no_data(fig: Figure, ax: Axes, title: str, text: str) -> Figure:
    ax.set_title(title)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=MUTED)
    ax.set_axis_off()
    return fig


def lighten(colour: str, amount: float) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def text_colour(colour: str | tuple[float, float, float]) -> str:
    r, g, b = to_rgb(colour)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else "#222222"


def ci_err(values: pd.Series, low: pd.Series | None, high: pd.Series | None
            ) -> np.ndarray | None:
    if low is None or high is None:
        return None
    v = values.to_numpy(dtype=np.float64)
    lo = np.nan_to_num(v - low.to_numpy(dtype=np.float64), nan=0.0).clip(min=0)
    hi = np.nan_to_num(high.to_numpy(dtype=np.float64) - v, nan=0.0).clip(min=0)
    return np.vstack([lo, hi])


def ci_columns(table: pd.DataFrame, column: str) -> tuple[pd.Series | None, pd.Series | None]:
    low, high = f"{column}_ci95_low", f"{column}_ci95_high"
    if low in table.columns and high in table.columns:
        return table[low], table[high]
    return None, None


def bar_labels(ax: Axes, positions: Sequence[float], values: Sequence[float],
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


def legend_below(fig: Figure, ax: Axes) -> None:
    """The axes' legend under the plot, where it cannot cover a bar or a label."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4))


def plain_number(style: NumberStyle, value: float) -> str:
    """A tick value with as many decimals as it needs (0, 0,5, 0,25)."""
    for digits in (0, 1, 2):
        if abs(value - round(value, digits)) < 1e-9:
            return style.number(value, digits)
    return style.number(value, 2)

