"""Money: revenue by month and accumulated, return per channel, cash vs invoiced, P&L.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from salesim.reports.charts.base import (
    ALERT,
    CLIENT_COLOUR,
    MUTED,
    NEUTRAL,
    ROW_IN,
    WAIT_COLOUR,
    as_dates,
    ci_columns,
    ci_err,
    count_axis,
    date_axis,
    date_x,
    legend_below,
    money_axis,
    new_figure,
    no_data,
)
from salesim.reports.formatting import NumberStyle

__all__ = ["cash_chart", "channel_return_chart", "cumulative_revenue_chart",
           "monthly_revenue_chart", "pnl_chart"]


# -- money ---------------------------------------------------------------------------------------


def monthly_revenue_chart(monthly: pd.DataFrame, style: NumberStyle) -> Figure:
    """Revenue per calendar month (bars), with the number of deals won on each bar."""
    fig = new_figure(3.8)
    ax = fig.subplots()
    ax.set_title("Revenue by month, with the number of first deals won")
    if monthly.empty:
        return no_data(fig, ax, ax.get_title(), "no deal was won")
    months = monthly["month"].astype(str).tolist()
    x = np.arange(len(months))
    revenue = monthly["revenue"].astype(float)
    low, high = ci_columns(monthly, "revenue")
    money_axis(ax, style, revenue.tolist(), "revenue")
    if "revenue_repeat" in monthly.columns and float(monthly["revenue_repeat"].sum()) > 0:
        repeat = monthly["revenue_repeat"].astype(float)
        ax.bar(x, revenue - repeat, color=NEUTRAL, width=0.7, label="first deals")
        ax.bar(x, repeat, bottom=revenue - repeat, color="#a0cbe8", width=0.7,
               label="repeat orders and upsells", yerr=ci_err(revenue, low, high),
               error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
        legend_below(fig, ax)
    else:
        ax.bar(x, revenue, color=NEUTRAL, width=0.7, yerr=ci_err(revenue, low, high),
               error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 2})
    ends = revenue if high is None else np.fmax(revenue, high.astype(float))
    top = float(np.nanmax(ends)) or 1.0
    for i, (r, won) in enumerate(zip(ends, monthly["won"], strict=True)):
        ax.text(i, r + top * 0.015, style.integer(won), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, top * 1.2)
    _month_ticks(ax, months)
    ax.set_xlabel("month (partial months at the ends of the run)")
    ax.grid(axis="x", visible=False)
    return fig


def _month_ticks(ax: Axes, months: list[str]) -> None:
    """A tick a month (``Jan`` with the year under January), upright up to 14 months."""
    ax.set_xticks(np.arange(len(months)), [_month_label(m) for m in months],
                  rotation=0 if len(months) <= 14 else 90)


def _month_label(month: str) -> str:
    try:
        day = dt.date.fromisoformat(month + "-01")
    except ValueError:
        return month
    return day.strftime("%b") + (f"\n{day.year}" if day.month == 1 else "")


def cumulative_revenue_chart(daily: pd.DataFrame, style: NumberStyle,
                             warmup_until: dt.date | None = None) -> Figure:
    """Revenue accumulated day by day over the run (from the event log)."""
    fig = new_figure(3.6)
    ax = fig.subplots()
    ax.set_title("Revenue accumulated over the run, day by day")
    days = list(daily["date"])
    when = as_dates(days)
    cum = daily["cum_revenue"].astype(float)
    money_axis(ax, style, cum.tolist(), "cumulative revenue")
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
        ax.axvspan(date_x(days[0]), date_x(warmup_until), color="#eeeeee", zorder=0,
                   label="warm-up")
    if ax.get_legend_handles_labels()[0] and (warmup_until is not None or len(ax.lines) > 1):
        ax.legend(loc="upper left")
    ax.set_ylim(bottom=0)
    date_axis(ax)
    ax.set_xlabel("date")
    return fig


def channel_return_chart(channels: pd.DataFrame, style: NumberStyle) -> Figure:
    """Revenue won per unit of money spent on each channel's leads."""
    fig = new_figure(1.5 + ROW_IN * 1.3 * max(len(channels), 1))
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
    count_axis(ax, style, "x", integer=False)
    ax.grid(axis="y", visible=False)
    return fig


def cash_chart(cash: pd.DataFrame, style: NumberStyle) -> Figure:
    """Invoiced vs cash received per month; receivables (and the overdue part) at month end.

    Args:
        cash: ``cash.csv``: ``month``, ``invoiced``, ``cash_in``, optionally ``receivables``
            and ``overdue``.
    """
    fig = new_figure(3.8)
    ax = fig.subplots()
    ax.set_title("Cash vs invoiced by month, and what clients owe at the end of each month")
    months = cash["month"].astype(str).tolist()
    x = np.arange(len(months))
    invoiced = cash["invoiced"].astype(float)
    received = cash["cash_in"].astype(float)
    owed = cash["receivables"].astype(float) if "receivables" in cash.columns else None
    overdue = cash["overdue"].astype(float) if "overdue" in cash.columns else None
    values = [*invoiced, *received, *(owed if owed is not None else [])]
    money_axis(ax, style, values, "amount")
    ax.bar(x - 0.2, invoiced, width=0.4, color="#9a9a9a", label="invoiced")
    ax.bar(x + 0.2, received, width=0.4, color=NEUTRAL, label="cash received")
    if owed is not None:
        ax.plot(x, owed, color=WAIT_COLOUR, marker="o", linewidth=1.8,
                label="owed at month end")
    if overdue is not None and float(overdue.max()) > 0:
        ax.plot(x, overdue, color=ALERT, marker="s", linewidth=1.2, linestyle="--",
                label="of it overdue")
    _month_ticks(ax, months)
    ax.set_ylim(bottom=0)
    ax.grid(axis="x", visible=False)
    legend_below(fig, ax)
    return fig


def pnl_chart(pnl: pd.DataFrame, style: NumberStyle) -> Figure:
    """Monthly P&L: revenue and costs as bars, profit as a line."""
    fig = new_figure(3.8)
    ax = fig.subplots()
    ax.set_title("Monthly P&L: revenue, costs and profit")
    months = pnl["month"].astype(str).tolist()
    x = np.arange(len(months))
    revenue = pnl["revenue"].astype(float)
    profit = pnl["profit"].astype(float)
    costs = revenue - profit
    money_axis(ax, style, [*revenue, *costs, *profit], "amount")
    ax.bar(x - 0.2, revenue, width=0.4, color=NEUTRAL, label="revenue")
    ax.bar(x + 0.2, costs, width=0.4, color=CLIENT_COLOUR, label="costs")
    ax.plot(x, profit, color="#1b7f63", marker="o", linewidth=1.8, label="profit")
    ax.axhline(0, color="#666666", linewidth=0.8)
    _month_ticks(ax, months)
    ax.grid(axis="x", visible=False)
    legend_below(fig, ax)
    return fig



