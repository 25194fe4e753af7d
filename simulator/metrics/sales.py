"""Headline sales figures: lead accounting, end-to-end analytics per channel, months.

Pure functions of the lead table (:func:`metrics.flow.lead_table`) and of the sales booked and
recognised in the window (:mod:`metrics.money`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.scenario.months import month_labels
from salesim.simulator.scenario.schema import Scenario

__all__ = ["channel_table", "monthly_revenue", "overall"]


def channel_table(leads: pd.DataFrame, revenue: pd.DataFrame, scenario: Scenario
                  ) -> pd.DataFrame:
    """End-to-end analytics per channel: leads, lead cost, won deals, revenue (first deals and
    the clients' later orders, as recognised in the window), gross margin, cost per won deal,
    conversion, revenue per rouble of lead cost, and return on spend: (gross margin − lead cost)
    ÷ lead cost."""
    rows = []
    margins = np.array([scenario.margin_for(seg) for seg in revenue["segment"]],
                       dtype=np.float64)
    for channel in scenario.channels:
        c = leads[leads["channel"] == channel.name]
        won = c["t_won"].notna()
        cost = len(c) * channel.cost_per_lead
        theirs = (revenue["channel"] == channel.name).to_numpy()
        amounts = revenue["amount"].to_numpy(dtype=np.float64)[theirs]
        repeat = float(amounts[(revenue["kind"] != "first").to_numpy()[theirs]].sum())
        total = float(amounts.sum())
        margin = float((amounts * margins[theirs]).sum())
        n_won = int(won.sum())
        rows.append({
            "channel": channel.name, "leads": len(c), "cost": cost, "won": n_won,
            "revenue": total, "revenue_repeat": repeat, "gross_margin": margin,
            "cost_per_won": cost / n_won if n_won else math.nan,
            "conversion": n_won / len(c) if len(c) else math.nan,
            "revenue_per_cost": total / cost if cost else math.nan,
            "return_on_spend": (margin - cost) / cost if cost else math.nan,
        })
    return pd.DataFrame(rows)


def monthly_revenue(sold: pd.DataFrame, revenue: pd.DataFrame, scenario: Scenario
                    ) -> pd.DataFrame:
    """By calendar month: deals won and bookings (contracted value, when won or ordered), and
    revenue (when recognised: first deals and the client base's orders)."""
    def by_month(table: pd.DataFrame) -> pd.DataFrame:
        first = table["kind"] == "first"
        return pd.DataFrame({"month": month_labels(table["time"], scenario).to_numpy(),
                             "n_first": first.to_numpy().astype(int),
                             "n_repeat": (~first).to_numpy().astype(int),
                             "first": np.where(first, table["amount"], 0.0),
                             "repeat": np.where(first, 0.0, table["amount"])}
                            ).groupby("month").sum()

    books, rev = by_month(sold), by_month(revenue)
    table = pd.DataFrame({"won": books["n_first"], "bookings": books["first"] + books["repeat"]}
                         ).join(pd.DataFrame({"revenue_first": rev["first"],
                                              "orders": rev["n_repeat"],
                                              "revenue_repeat": rev["repeat"]}), how="outer")
    table = table.fillna(0)
    table["won"] = table["won"].astype(int)
    table["orders"] = table["orders"].astype(int)
    table["revenue"] = table["revenue_first"] + table["revenue_repeat"]
    table.index.name = "month"
    return table.reset_index()[["month", "won", "bookings", "revenue_first", "orders",
                                "revenue_repeat", "revenue"]]


def overall(leads: pd.DataFrame, sold: pd.DataFrame, revenue: pd.DataFrame,
            cash_at: pd.Series) -> dict[str, Any]:
    """Lead accounting and headline figures; generated = won + lost + in progress exactly.

    Leads are those that arrived in the window. ``bookings`` is the value of the sales booked
    in the window (deals won, orders placed), ``revenue`` what was recognised in it (at
    shipment by default: :func:`metrics.money.recognised`), ``backlog_end`` what was booked
    but not yet recognised at the horizon. ``lead_to_deal_days_median`` is arrival → win;
    ``lead_to_cash_days_median`` arrival → the money received for the first deal.
    """
    won = leads["t_won"].notna()
    lost = leads["t_lost"].notna() & ~won
    n = len(leads)
    first = revenue["kind"] == "first"
    to_deal = (leads["t_won"] - leads["t_arrive"])[won]
    to_cash = (leads.index.to_series().map(cash_at) - leads["t_arrive"])[won].dropna()
    first_booked = float(sold.loc[sold["kind"] == "first", "amount"].sum())
    n_booked = int((sold["kind"] == "first").sum())
    return {
        "generated": n,
        "won": int(won.sum()),
        "lost": int(lost.sum()),
        "in_progress": int(n - won.sum() - lost.sum()),
        "bookings": float(sold["amount"].sum()),
        "revenue": float(revenue["amount"].sum()),
        "revenue_first": float(revenue.loc[first, "amount"].sum()),
        "revenue_repeat": float(revenue.loc[~first, "amount"].sum()),
        "average_deal": first_booked / n_booked if n_booked else math.nan,
        "lead_to_deal": int(won.sum()) / n if n else math.nan,
        "lead_to_deal_days_median": float(to_deal.median()) if won.any() else math.nan,
        "lead_to_cash_days_median": float(to_cash.median()) if len(to_cash) else math.nan,
    }
