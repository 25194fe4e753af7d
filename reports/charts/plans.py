"""Plans: plan vs fact within each month, per manager.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from salesim.reports.charts.base import (
    NEUTRAL,
    as_dates,
    date_axis,
    formatter,
    new_figure,
    plain_number,
)
from salesim.reports.formatting import NumberStyle

__all__ = ["plan_fact_chart"]


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
    fig = new_figure(1.0 + 2.0 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, cols, sharex=True, squeeze=False)).ravel()
    fig.suptitle("Plan vs fact: sales accumulated within each month", x=0.01, ha="left",
                 fontsize=12, fontweight="bold")
    values = plan_fact[["cum_plan", "cum_actual"]].astype(float).to_numpy().ravel().tolist()
    scale = style.scale_for(values)
    for ax, who in zip(axes, order, strict=False):
        data = plan_fact[plan_fact["who"].astype(str) == who]
        days = [dt.date.fromisoformat(str(d)[:10]) for d in data["date"]]
        when = as_dates(days)
        month = [(d.year, d.month) for d in days]
        for key in sorted(set(month)):
            idx = [i for i, m in enumerate(month) if m == key]
            w = when[idx]
            ax.plot(w, data["cum_plan"].astype(float).iloc[idx] / scale.factor, color="#555555",
                    linestyle="--", linewidth=1.3)
            ax.plot(w, data["cum_actual"].astype(float).iloc[idx] / scale.factor, color=NEUTRAL,
                    linewidth=1.8)
        ax.set_title(who, fontsize=10, loc="left", pad=4)
        ax.yaxis.set_major_formatter(formatter(lambda v: plain_number(style, v)))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax.set_ylim(bottom=0)
        date_axis(ax)
        ax.tick_params(labelbottom=True)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel(style.money_unit(scale))
    fig.legend(handles=[Line2D([], [], color="#555555", linestyle="--", label="plan"),
                        Line2D([], [], color=NEUTRAL, linewidth=1.8, label="fact")],
               loc="outside upper right", ncol=2)
    return fig

