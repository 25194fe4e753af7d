"""Client-base and receivables metrics (pure): invoices, cash, churn, orders, key accounts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesim.simulator.metrics.money import booked
from salesim.simulator.scenario.months import month_labels, months_of
from salesim.simulator.scenario.schema import Scenario


def invoices(events: pd.DataFrame) -> pd.DataFrame:
    """Every invoice: first deals (``win``) and repeat orders or upsells (``order``).

    Returns:
        Columns case (lead or order id), client (the lead that became the client), time, amount,
        channel, segment, kind ('first', 'repeat', 'upsell'), paid_at (NaN while unpaid).
    """
    table = booked(events)
    paid = events[events["event"] == "paid"].set_index("lead_id")["time"]
    table["paid_at"] = table["case"].map(paid)
    return table


def paid_at(inv: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """When each invoice was paid (NaN while unpaid): its ``paid`` event, or the invoice's own
    day for what is paid on the spot (no ``payment`` block; first deals with
    ``first_deals: false``, whose pipeline's money step was the payment)."""
    payment = scenario.payment
    at = inv["paid_at"]
    if payment is None or not payment.first_deals:
        on_the_day = inv["kind"] == "first" if payment is not None else inv["kind"] != ""
        at = at.where(~on_the_day, inv["time"])
    return at


def first_cash(inv: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """When the money for each first deal came in, by lead id (NaN: not yet)."""
    first = inv["kind"] == "first"
    return pd.Series(paid_at(inv, scenario)[first].to_numpy(),
                     index=inv.loc[first, "case"].to_numpy())


def cash_table(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per month: invoiced, cash received, receivables and overdue receivables at month end.

    Without a ``payment`` block clients pay on the day of the invoice; with
    ``first_deals: false`` first deals do (the pipeline's own money step was the payment).
    """
    inv = invoices(events)
    paid = paid_at(inv, scenario)
    terms = scenario.payment.terms_days if scenario.payment is not None else 0.0
    invoiced_month = month_labels(inv["time"], scenario)
    paid_month = month_labels(paid.dropna(), scenario)
    rows = []
    for month in months_of(scenario, measured=True):
        end = month.end
        issued = inv["time"] < end
        unpaid = issued & ~(paid < end)
        overdue = unpaid & (inv["time"] + terms < end)
        rows.append({
            "month": month.label,
            "invoiced": float(inv.loc[(invoiced_month == month.label).to_numpy(), "amount"].sum()),
            "cash_in": float(inv.loc[paid_month.index[(paid_month == month.label).to_numpy()],
                                     "amount"].sum()),
            "receivables": float(inv.loc[unpaid, "amount"].sum()),
            "overdue": float(inv.loc[overdue, "amount"].sum()),
        })
    return pd.DataFrame(rows, columns=["month", "invoiced", "cash_in", "receivables", "overdue"])


def clients_table(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per segment: clients won, churned, active at the end, repeat orders and upsells, revenue
    from first deals and from the client base, key accounts and their share of gross margin."""
    inv = invoices(events)
    inv["margin"] = inv["amount"] * np.array([scenario.margin_for(s) for s in inv["segment"]])
    churned = set(events.loc[events["event"] == "churn", "lead_id"])
    key = set(events.loc[events["event"] == "key_account", "lead_id"])
    total_margin = float(inv["margin"].sum())
    rows = []
    for segment in scenario.segments:
        s = inv[inv["segment"] == segment]
        clients = set(s.loc[s["kind"] == "first", "client"])
        margin_key = float(s.loc[s["client"].isin(key), "margin"].sum())
        rows.append({
            "segment": segment,
            "clients": len(clients),
            "churned": len(clients & churned),
            "active_at_end": len(clients - churned),
            "repeat_orders": int((s["kind"] == "repeat").sum()),
            "upsells": int((s["kind"] == "upsell").sum()),
            "revenue_first": float(s.loc[s["kind"] == "first", "amount"].sum()),
            "revenue_repeat": float(s.loc[s["kind"] != "first", "amount"].sum()),
            "key_accounts": len(clients & key),
            "key_share_of_margin": margin_key / total_margin if total_margin else 0.0,
        })
    return pd.DataFrame(rows)
