"""How leads flow: the funnel, where their time goes, work in progress over time, and
why they are lost.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from salesim.reports.charts.base import (
    CLIENT_COLOUR,
    MUTED,
    ROW_IN,
    WAIT_COLOUR,
    WORK_COLOUR,
    Palette,
    as_dates,
    bar_labels,
    count_axis,
    date_axis,
    date_x,
    formatter,
    legend_below,
    lighten,
    new_figure,
    no_data,
    plain_number,
    text_colour,
)
from salesim.reports.formatting import NumberStyle

__all__ = ["funnel_chart", "loss_reasons_chart", "time_split_chart", "wip_chart"]


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
    fig = new_figure(1.3 + ROW_IN * len(rows))
    ax = fig.subplots()
    ax.set_title("Funnel: leads entering each stage and step, and the share that moves on")
    top = max((r[2] for r in rows if np.isfinite(r[2])), default=1.0) or 1.0
    y = np.arange(len(rows))
    for i, (_label, stage, entered, _conv, header) in enumerate(rows):
        colour = palette.stage(stage) if header else lighten(palette.stage(stage), 0.45)
        width = entered if np.isfinite(entered) else 0.0
        ax.barh(i, width, left=-width / 2, height=0.8 if header else 0.62, color=colour)
        text = style.integer(entered)
        if width >= top * 0.14:
            ax.text(0, i, text, ha="center", va="center", fontsize=8.5,
                    color=text_colour(colour), fontweight="bold" if header else "normal")
        else:
            ax.text(width / 2 + top * 0.01, i, text, ha="left", va="center", fontsize=8.5,
                    color="#222222")
    ax.set_yticks(y, [r[0] if r[4] else "   " + r[0] for r in rows])
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row[4]:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(-top * 0.55, top * 0.55)
    ax.xaxis.set_major_formatter(formatter(lambda v: style.integer(abs(v))))
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
    fig = new_figure(1.5 + ROW_IN * 1.25 * max(len(split), 1))
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
    bar_labels(ax, y.tolist(), left.tolist(), [style.days(v) for v in total])
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("calendar days per lead (nights and weekends included)")
    count_axis(ax, style, "x", integer=False)
    ax.grid(axis="y", visible=False)
    legend_below(fig, ax)
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
    fig = new_figure(0.9 + 1.75 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, cols, sharex=True, squeeze=False)).ravel()
    fig.suptitle(f"Leads in each stage over time ({average} average), and how many wait for "
                 f"staff", x=0.01, ha="left", fontsize=12, fontweight="bold")
    for k, (ax, stage) in enumerate(zip(axes, stage_order, strict=False)):
        data = wip[wip["stage"] == stage]
        days = [*data["date"], end]
        when = as_dates(days)
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
        ax.yaxis.set_major_formatter(formatter(lambda v: plain_number(style, v)))
        if warmup_until is not None:
            ax.axvspan(date_x(days[0]), date_x(warmup_until), color="#eeeeee", zorder=0)
        first, last = date_x(days[0]), date_x(days[-1])
        ax.set_xlim(first, last if last > first else first + 1)  # at least a day wide
        date_axis(ax)
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
    fig = new_figure(1.9 + ROW_IN * max(len(table), 1) + 0.22 * legend_rows)
    ax = fig.subplots()
    ax.set_title("Why leads are lost: lost leads by reason and by the stage that lost them")
    if table.empty:
        return no_data(fig, ax, ax.get_title(), "no lead was lost")
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for stage in table.columns:
        values = table[stage].to_numpy(dtype=np.float64)
        ax.barh(y, values, left=left, color=palette.stage(stage), label=stage, height=0.66)
        left = left + values
    total = float(left.sum()) or 1.0
    bar_labels(ax, y.tolist(), left.tolist(),
                [f"{style.integer(v)} ({style.pct(v / total, 0 if v / total >= 0.01 else 1)})"
                 for v in left])
    ax.set_xlim(0, float(left.max()) * 1.25)
    labels = [f"{r} (waited too long)" if r == "cooled" else r for r in table.index]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("lost leads")
    count_axis(ax, style, "x")
    ax.grid(axis="y", visible=False)
    fig.legend(handles=[Patch(color=palette.stage(s), label=s) for s in table.columns],
               title="stage that lost them", loc="outside lower center",
               ncol=min(4, len(table.columns)), fontsize=8.5, title_fontsize=8.5)
    return fig


