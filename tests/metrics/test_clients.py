"""Life after the first deal: repeat orders, upsell, churn, key accounts, receivables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from salesim.simulator.engine.events import frame_from_columns
from salesim.simulator.metrics.clients import cash_table, invoices
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.reasons import OWNER_LEFT
from tests.conftest import scenario_from_yaml

ALWAYS_OPEN = '{weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}'


def base(clients: str, *, farmers: int = 50, warehouse: str = "", horizon: int = 365,
         extra: str = "") -> str:
    """Leads that all win at once; what follows is the client base under test."""
    fulfilment = (f"""
  - name: fulfilment
    steps: [{{name: ship, role: warehouse, effort_hours: {warehouse}, sla_days: 1}}]"""
                  if warehouse else "")
    return f"""
name: clients
horizon_days: {horizon}
calendar: {ALWAYS_OPEN}
channels: [{{name: web, rate: 3, per: calendar_day, deal_size: 100000}}]
roles:
  - {{name: seller, headcount: 5}}
  - {{name: farmer, headcount: {farmers}}}
  - {{name: warehouse, headcount: 1}}
  - {{name: kam, headcount: 2}}
{extra}
stages:
  - name: sell
    steps: [{{name: deal, role: seller, effort_hours: 0.1, wins: true}}]{fulfilment}
clients:
  owner_role: farmer
  order_handling_hours: 0.1
{clients}
"""


def _events(text: str, seed: int = 1) -> pd.DataFrame:
    return simulate(scenario_from_yaml(text), seed=seed).events


def test_repeat_orders_come_at_the_configured_rate() -> None:
    events = _events(base("  repeat_orders_per_month: 2\n  repeat_order_share: 0.5"))
    wins = events[events["event"] == "win"]
    client_months = float((365 - wins["time"]).sum()) / 30.4375
    orders = events[events["event"] == "order"]
    assert len(orders) == pytest.approx(2 * client_months, abs=4 * math.sqrt(2 * client_months))
    assert set(orders["amount"]) == {50000.0}  # half of the first deal
    assert set(orders["reason"].astype(str)) == {"repeat"}
    # each order is its own case, handled by the client's farmer
    handled = events[(events["event"] == "finish") & (events["role"] == "farmer")]
    assert len(handled) == len(orders) or len(handled) == len(orders) - 1


def test_churn_follows_the_monthly_hazard() -> None:
    events = _events(base("  churn_per_month: 0.1", horizon=400))
    wins = events[events["event"] == "win"]
    churn = events[events["event"] == "churn"].set_index("lead_id")["time"]
    early = wins[wins["time"] < 400 - 31]
    gone_within_a_month = ((churn.reindex(early["lead_id"]).to_numpy() - early["time"].to_numpy())
                           <= 30.4375).mean()
    assert gone_within_a_month == pytest.approx(0.1, abs=4 * math.sqrt(0.09 / len(early)))


def test_late_deliveries_raise_churn() -> None:
    clients = "  churn_per_month: 0.05\n  late_delivery_churn_factor: 4"
    on_time = _events(base(clients, warehouse="0.1"))
    late = _events(base(clients, warehouse="8"))  # one person shipping 3 orders a day of 8 h
    def churned(events: pd.DataFrame) -> int:
        return int((events["event"] == "churn").sum())
    assert churned(late) > 1.5 * churned(on_time)


def test_an_owner_with_free_time_develops_clients() -> None:
    clients = "  upsell_per_month: 0.5\n  clients_per_owner: 40"
    free = _events(base(clients, farmers=100))
    # 3 new clients a day: 12 farmers own 40 clients each by day 160, and have no time left
    overloaded = _events(base(clients, farmers=12))

    def upsells(events: pd.DataFrame, after: float = 0.0) -> int:
        return int(((events["event"] == "order") & (events["reason"] == "upsell")
                    & (events["time"] > after)).sum())

    assert upsells(free) > 2 * upsells(overloaded)
    assert upsells(free, after=200) > 300
    assert upsells(overloaded, after=200) == 0  # "serves but does not develop"


def test_big_clients_become_key_accounts_that_stay_longer() -> None:
    text = base("""  repeat_orders_per_month: 1
  repeat_order_share: 1
  churn_per_month: 0.05
  key_accounts: {role: kam, revenue_threshold: 400000, churn_factor: 0.0}""")
    result = simulate(scenario_from_yaml(text), seed=3)
    events = result.events
    promoted = events[events["event"] == "key_account"]
    assert len(promoted) > 0
    assert (promoted["amount"] >= 400000).all() and set(promoted["role"].astype(str)) == {"kam"}
    churned = set(events.loc[events["event"] == "churn", "lead_id"])
    assert not churned & set(promoted["lead_id"])  # churn_factor 0: key accounts never leave
    clients = result.metrics().clients.iloc[0]
    assert clients["key_accounts"] == len(promoted)
    assert 0 < clients["key_share_of_margin"] < 1


def test_clients_of_a_leaving_farmer_go_without_crm_history() -> None:
    extra_roles = ""
    text = base("  churn_per_month: 0.0", farmers=4, extra=extra_roles).replace(
        "  - {name: farmer, headcount: 4}",
        "  - {name: farmer, headcount: 4, headcount_changes: [{day: 200, headcount: 2}]}")
    kept = _events(text.replace("horizon_days: 365", "horizon_days: 365\ncrm_keeps_history: true"))
    lost = _events(text.replace("horizon_days: 365",
                                "horizon_days: 365\ncrm_keeps_history: false\n"
                                "lost_when_owner_leaves: 1"))
    assert (kept["event"] == "churn").sum() == 0
    gone = lost[lost["event"] == "churn"]
    assert len(gone) > 50 and set(gone["reason"].astype(str)) == {OWNER_LEFT}
    assert (gone["time"] >= 200).all()


def test_receivables_and_overdue_by_month_end() -> None:
    scenario = scenario_from_yaml("""
    name: cash
    horizon_days: 59
    calendar: {start_date: 2026-01-01}
    payment: {terms_days: 10, delay_days: 20}
    channels: [{name: web, rate: 1}]
    stages: [{name: s, steps: [{name: pay, client_delay_days: 1}]}]
    """)
    cols: dict[str, list[object]] = {
        "time": [5.0, 25.0, 25.0, 30.0, 45.0],
        "lead_id": [0, 1, 0, 2, 1],
        "event": ["win", "win", "paid", "order", "paid"],
        "amount": [100.0, 200.0, 100.0, 50.0, 200.0],
        "client_id": [-1, -1, -1, 0, -1],
        "reason": ["", "", "", "repeat", ""]}
    events = frame_from_columns(cols)
    assert invoices(events)["kind"].tolist() == ["first", "first", "repeat"]
    table = cash_table(events, scenario).set_index("month")
    january, february = table.loc["2026-01"], table.loc["2026-02"]
    assert (january["invoiced"], january["cash_in"]) == (350.0, 100.0)
    # 31 Jan: lead 1 (200, day 25) and the order (50, day 30) unpaid; neither is 10 days old
    assert (january["receivables"], january["overdue"]) == (250.0, 0.0)
    # 28 Feb: the order is still unpaid and 29 days old: overdue
    assert (february["cash_in"], february["receivables"], february["overdue"]) == (
        200.0, 50.0, 50.0)


def test_payment_delays_turn_invoices_into_cash_later() -> None:
    text = base("  repeat_orders_per_month: 1").replace(
        "clients:", "payment: {terms_days: 15, delay_days: {dist: fixed, value: 30}}\nclients:")
    metrics = simulate(scenario_from_yaml(text), seed=2).metrics()
    cash = metrics.cash
    assert cash["invoiced"].sum() > cash["cash_in"].sum() > 0
    assert metrics.overall["revenue"] == pytest.approx(cash["invoiced"].sum())
    # the last 30 days' invoices are still out at the end; all over 15 days old are overdue
    assert cash["receivables"].iloc[-1] > cash["overdue"].iloc[-1] > 0


def test_unanswered_requests_raise_churn() -> None:
    clients = ("  repeat_orders_per_month: 2\n  churn_per_month: 0.05\n"
               "  answer_within_days: 1\n  unanswered_churn_factor: 4")
    answered = _events(base(clients, farmers=50))
    # one farmer for ~1000 clients ordering twice a month: requests wait for days
    ignored = _events(base(clients, farmers=1).replace(
        "order_handling_hours: 0.1", "order_handling_hours: 2"))

    def churned(events: pd.DataFrame) -> int:
        return int((events["event"] == "churn").sum())

    handling = ignored[(ignored["stage"] == "client_base")]
    waits = (handling[handling["event"] == "start"].set_index("lead_id")["time"]
             - handling[handling["event"] == "enqueue"].set_index("lead_id")["time"])
    assert waits.mean() > 1  # the requests really go unanswered for more than a day
    assert churned(ignored) > 1.5 * churned(answered)
