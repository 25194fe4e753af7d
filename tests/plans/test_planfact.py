"""Plan/fact tables (plans.planfact) on a hand-built log, and on a simulated baseline."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesim.simulator.engine.events import frame_from_columns
from salesim.simulator.plans.credit import UNASSIGNED, credit_day, sales
from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.months import plan_managers, plan_months
from salesim.simulator.plans.planfact import plan_fact
from salesim.simulator.plans.schedule import DEPARTMENT
from salesim.simulator.runner import Result, simulate
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import scenario_from_yaml

D = Decimal

# 2026-01-26 is a Monday (day 0); the horizon ends after Friday 2026-03-06 (day 39). January is
# covered for its last 5 of 22 working days, February whole (19 working days: 23 Feb is a
# holiday), March for 5 of its 22.
SCENARIO = """
name: planfact
horizon_days: 40
warmup_days: %s
calendar: {start_date: 2026-01-26, weekdays: [mon, tue, wed, thu, fri], hours: "09:00-18:00",
           holidays: [2026-02-23]}
channels: [{name: web, rate: 1, per: calendar_day}]
roles: [{name: hunter, headcount: 1}, {name: closer, headcount: 2}]
stages:
  - name: develop
    steps: [{name: call, role: hunter, effort_hours: 1}]
  - name: close
    steps:
      - {name: proposal, role: closer, effort_hours: 1}
      - {name: contract, role: closer, effort_hours: 1}
      - {name: pay, client_delay_days: 3, conversion: 0.5, loss_reasons: {no_money: 1},
         wins: true}
%s
"""
PLAN = "plan: {monthly_revenue: 1000000, role: closer, policy: next_day}"
PF = scenario_from_yaml(SCENARIO % (0, PLAN))

Row = tuple[float, int, str, str, str, str]  # time, lead, stage/step, event, staff, reason


def journey(lead: int, t0: float, workers: list[tuple[str, str]], end: str, t_end: float
            ) -> list[Row]:
    """A lead's rows: arrive, staffed steps (``(stage/step, staff)``) an hour apart, then the
    payment wait and ``end`` (``win``, ``lose`` or ``""`` for still in progress) at ``t_end``."""
    rows: list[Row] = [(t0, lead, "", "arrive", "", "")]
    t = t0
    for where, staff in workers:
        rows += [(t, lead, where, "enqueue", "", ""), (t, lead, where, "start", staff, ""),
                 (t + 0.04, lead, where, "finish", staff, ""),
                 (t + 0.04, lead, where, "convert", "", "")]
        t += 0.04
    if end:
        rows.append((t, lead, "close/pay", "client_wait", "", ""))
        if end == "win":
            rows += [(t_end, lead, "close/pay", "convert", "", ""),
                     (t_end, lead, "close/pay", "win", "", "")]
        else:
            rows.append((t_end, lead, "close/pay", "lose", "", "no_money"))
    return rows


def log(rows: list[Row], amounts: dict[int, float]) -> pd.DataFrame:
    cols: dict[str, list[object]] = {c: [] for c in (
        "time", "lead_id", "channel", "segment", "stage", "step", "event", "staff_id", "role",
        "amount", "reason", "work_hours")}
    for time, lead, where, event, staff, reason in sorted(rows, key=lambda r: r[0]):
        stage, _, step = where.partition("/")
        cols["time"].append(time)
        cols["lead_id"].append(lead)
        cols["channel"].append("web")
        cols["segment"].append("default")
        cols["stage"].append(stage)
        cols["step"].append(step)
        cols["event"].append(event)
        cols["staff_id"].append(staff)
        staffed = event in ("enqueue", "start", "finish")
        cols["role"].append(("hunter" if stage == "develop" else "closer") if staffed else "")
        cols["amount"].append(amounts[lead])
        cols["reason"].append(reason)
        cols["work_hours"].append(1.0 if event == "finish" else 0.0)
    return frame_from_columns(cols)


DEV = ("develop/call", "hunter-1")
EVENTS = log(
    journey(0, 0.40, [DEV, ("close/proposal", "closer-1"), ("close/contract", "closer-1")],
            "win", 2.5)                      # Wed 28 Jan: closer-1
    + journey(1, 1.40, [DEV, ("close/proposal", "closer-2"), ("close/contract", "closer-2")],
              "win", 5.5)                    # Sat 31 Jan: counts on Mon 2 Feb, February
    + journey(2, 8.40, [DEV, ("close/proposal", "closer-1"), ("close/contract", "closer-2")],
              "win", 10.4)                   # Thu 5 Feb: the last closer, closer-2
    + journey(3, 9.40, [DEV], "win", 11.2)   # Fri 6 Feb: no closer worked on it
    + journey(4, 20.4, [DEV, ("close/proposal", "closer-1"), ("close/contract", "closer-1")],
              "win", 28.5)                   # Mon 23 Feb, a holiday: counts on Tue 24 Feb
    + journey(5, 21.4, [DEV, ("close/proposal", "closer-2")], "lose", 25.0)
    + journey(6, 35.4, [DEV, ("close/proposal", "closer-2")], "", 0.0),
    amounts={0: 100_000.004, 1: 50_000.0, 2: 30_000.0, 3: 20_000.0, 4: 12_345.675,
             5: 99_999.0, 6: 77_777.0})


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return plan_fact(EVENTS, PF)


def test_sales_are_credited_to_the_last_closer_on_the_next_working_day() -> None:
    sold = sales(EVENTS, PF).set_index("lead_id")
    assert list(sold.index) == [0, 1, 2, 3, 4]
    assert list(sold["manager"]) == ["closer-1", "closer-2", "closer-2", UNASSIGNED, "closer-1"]
    assert [d.isoformat() for d in sold["date"]] == [
        "2026-01-28", "2026-02-02", "2026-02-05", "2026-02-06", "2026-02-24"]
    assert list(sold["month"]) == ["2026-01", "2026-02", "2026-02", "2026-02", "2026-02"]
    assert sold.loc[0, "amount_exact"] == D("100000.00")
    assert sold.loc[4, "amount_exact"] == D("12345.68")  # to the kopeck, half-up


def test_credit_day_moves_weekends_and_holidays_forward() -> None:
    cal = PF.work_calendar()
    assert credit_day(cal, 2.99) == 2          # a Wednesday evening stays
    assert credit_day(cal, 5.0) == 7           # Saturday → Monday
    assert credit_day(cal, 28.5) == 29         # the 23 Feb holiday → Tuesday


def test_months_cover_the_run_with_pro_rata_plans() -> None:
    months = {m.month: m for m in plan_months(PF)}
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    jan, feb, mar = months["2026-01"], months["2026-02"], months["2026-03"]
    assert (len(jan.dates), jan.all_working_days, jan.complete) == (5, 22, False)
    assert jan.plan == D("227272.73")          # 1,000,000 × 5 / 22 rounded half-up
    assert (len(feb.dates), feb.complete, feb.plan) == (19, True, D("1000000.00"))
    assert dt.date(2026, 2, 23) not in feb.dates
    assert (len(mar.dates), mar.complete, mar.plan) == (5, False, D("227272.73"))
    assert feb.cutoff == (dt.date(2026, 2, 27) - dt.date(2026, 1, 26)).days + 1


def test_warmup_days_are_left_out() -> None:
    warm = scenario_from_yaml(SCENARIO % (10, PLAN))  # the window starts on Thu 5 Feb
    months = plan_months(warm)
    assert [m.month for m in months] == ["2026-02", "2026-03"]
    assert months[0].dates[0] == dt.date(2026, 2, 5) and not months[0].complete
    monthly = plan_fact(EVENTS, warm)["plan_fact_monthly"].set_index(["month", "manager"])
    # lead 1 counts on 2 Feb, inside the warm-up; leads 2, 3 and 4 count
    assert monthly.loc[("2026-02", DEPARTMENT), "actual"] == D("62345.68")


def test_daily_table_adds_up(tables: dict[str, pd.DataFrame]) -> None:
    daily = tables["plan_fact_daily"]
    assert list(daily.columns) == [
        "month", "date", "working_day", "manager", "working", "base_plan", "target", "actual",
        "deals", "cum_plan", "cum_actual", "gap", "attainment", "invoiced", "cash"]
    assert len(daily[daily["manager"] == DEPARTMENT]) == 5 + 19 + 5
    for _, day in daily.groupby("date"):
        dept = day[day["manager"] == DEPARTMENT].iloc[0]
        people = day[day["manager"] != DEPARTMENT]
        for column in ("base_plan", "target", "actual", "cum_actual", "invoiced", "cash"):
            assert sum(people[column], D(0)) == dept[column], column
        assert int(people["deals"].sum()) == dept["deals"]
    assert (daily["cash"] == daily["invoiced"]).all() and (daily["cash"] == daily["actual"]).all()
    assert (daily["gap"] == daily["cum_plan"] - daily["cum_actual"]).all()


def test_daily_rows_of_february(tables: dict[str, pd.DataFrame]) -> None:
    daily = tables["plan_fact_daily"]
    feb = daily[daily["month"] == "2026-02"]
    dept = feb[feb["manager"] == DEPARTMENT].set_index("date")
    monday = dept.loc[dt.date(2026, 2, 2)]
    assert (monday["working_day"], monday["actual"], monday["deals"]) == (1, D("50000.00"), 1)
    # next_day: Tuesday's target = cumulative plan to Tuesday − Monday's actual
    tuesday = cast("pd.Series[Any]", dept.loc[dt.date(2026, 2, 3)])
    assert tuesday["target"] == tuesday["cum_plan"] - D("50000.00")
    assert tuesday["attainment"] == pytest.approx(50_000 / float(tuesday["cum_plan"]))
    # the whole department column is exactly what decompose gives for the month's actuals
    expected = decompose(D(1_000_000), list(dept.index), 2, actuals=list(dept["actual"]))
    assert list(dept["target"]) == [r.target for r in expected.department()]
    assert list(dept["base_plan"]) == [r.plan for r in expected.department()]
    # unassigned sales get rows (no plan) in the months that have them
    unassigned = feb[feb["manager"] == UNASSIGNED].set_index("date")
    assert unassigned.at[dt.date(2026, 2, 6), "actual"] == D("20000.00")
    assert (unassigned["base_plan"] == 0).all() and unassigned["attainment"].isna().all()
    assert UNASSIGNED not in set(daily.loc[daily["month"] == "2026-01", "manager"])


def test_monthly_table(tables: dict[str, pd.DataFrame]) -> None:
    monthly = tables["plan_fact_monthly"].set_index(["month", "manager"])
    feb = monthly.loc["2026-02"]
    assert feb.loc[DEPARTMENT, "plan"] == D("1000000.00")
    assert feb.loc[DEPARTMENT, "actual"] == D("112345.68")
    assert feb.loc["closer-1", "actual"] == D("12345.68")
    assert feb.loc["closer-2", "actual"] == D("80000.00")
    assert feb.loc[UNASSIGNED, "actual"] == D("20000.00")
    assert (cast(Decimal, feb.loc["closer-1", "plan"])
            + cast(Decimal, feb.loc["closer-2", "plan"])) == D("1000000.00")
    assert feb.loc[DEPARTMENT, "gap"] == D("887654.32")
    assert feb.loc[DEPARTMENT, "attainment"] == pytest.approx(0.11234568)
    assert bool(feb.loc[DEPARTMENT, "complete"]) and feb.loc[DEPARTMENT, "working_days"] == 19
    jan = monthly.loc["2026-01"]
    assert not jan.loc[DEPARTMENT, "complete"]
    assert (jan.loc[DEPARTMENT, "plan"], jan.loc[DEPARTMENT, "actual"]) == (
        D("227272.73"), D("100000.00"))
    assert (monthly["cash"] == monthly["invoiced"]).all()


def test_staff_table_sets_who_carries_the_plan() -> None:
    staff = pd.DataFrame({"staff_id": ["closer-1", "closer-2"], "role": ["closer", "closer"],
                          "hired_at": [0.0, 10.3], "left_at": [float("nan"), float("nan")]})
    managers = plan_managers(EVENTS, PF, staff)
    assert [m.start for m in managers] == [None, dt.date(2026, 2, 5)]
    daily = plan_fact(EVENTS, PF, staff)["plan_fact_daily"]
    late = daily[(daily["manager"] == "closer-2") & (daily["date"] < dt.date(2026, 2, 5))]
    assert not late["working"].any() and (late["base_plan"] == 0).all()
    first = daily[(daily["manager"] == "closer-1") & (daily["date"] == dt.date(2026, 2, 2))]
    dept = daily[(daily["manager"] == DEPARTMENT) & (daily["date"] == dt.date(2026, 2, 2))]
    assert first["base_plan"].iloc[0] == dept["base_plan"].iloc[0]


def test_people_seen_in_the_log_join_the_plan_from_their_first_day() -> None:
    extra = pd.concat([EVENTS, log(journey(7, 15.4, [DEV, ("close/proposal", "closer-3")], "",
                                           0.0), {7: 1.0})], ignore_index=True)
    managers = plan_managers(extra, PF)
    assert [(m.name, m.start) for m in managers] == [
        ("closer-1", None), ("closer-2", None), ("closer-3", dt.date(2026, 2, 10))]


def test_bad_input_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="no plan"):
        plan_fact(EVENTS, scenario_from_yaml(SCENARIO % (0, "")))
    nobody = scenario_from_yaml((SCENARIO % (0, PLAN)).replace(
        "{name: closer, headcount: 2}", "{name: closer, headcount: 0}"))
    with pytest.raises(PlanError, match="nobody"):
        plan_fact(EVENTS[EVENTS["role"] != "closer"], nobody)


@pytest.fixture(scope="module")
def baseline_run(baseline: Scenario) -> tuple[Scenario, Result]:
    scenario = baseline.with_overrides(days=120)
    return scenario, simulate(scenario)


def test_baseline_plan_fact_matches_the_event_log(baseline_run: tuple[Scenario, Result]) -> None:
    scenario, result = baseline_run
    tables = plan_fact(result.events, scenario, result.staff)
    monthly = tables["plan_fact_monthly"]
    dept = monthly[monthly["manager"] == DEPARTMENT]
    # an independent oracle for "the next working day": numpy's business-day calendar
    # the plan covers new business, recognised when the first order ships
    ev = result.events
    wins = ev[(ev["event"] == "ship") & (ev["client_id"] < 0)]
    start = np.datetime64(scenario.calendar.start_date)
    days = start + np.floor(wins["time"].to_numpy()).astype("timedelta64[D]")
    credited = np.busday_offset(days, 0, roll="forward", weekmask="1111100",
                                holidays=list(scenario.calendar.holidays))
    inside = ((credited >= start + np.timedelta64(int(scenario.warmup_days), "D"))
              & (credited < start + np.timedelta64(int(scenario.horizon_days), "D")))
    month = pd.Series(credited[inside].astype("datetime64[M]").astype(str))
    oracle = pd.Series(wins["amount"].to_numpy()[inside]).groupby(month.to_numpy()).sum()
    ours = dept.set_index("month")["actual"].astype(float)
    assert list(ours[ours > 0].index) == list(oracle.index)
    for key, value in oracle.items():
        assert float(ours[cast(str, key)]) == pytest.approx(value, abs=0.01 * len(wins))
    assert {m for m in monthly["manager"] if m.startswith("closer")} == {
        "closer-1", "closer-2", "closer-3", "closer-4"}
    people = monthly[monthly["manager"] != DEPARTMENT].groupby("month")["actual"].sum()
    assert (people == dept.set_index("month")["actual"]).all()


def test_credit_agrees_with_payroll_credit(baseline_run: tuple[Scenario, Result]) -> None:
    money = pytest.importorskip("salesim.simulator.metrics.money")
    scenario, result = baseline_run
    theirs = money.credited_wins(result.events, "closer", scenario).set_index(
        "lead_id")["staff_id"]
    ours = sales(result.events, scenario).set_index("lead_id")["manager"]
    assert (ours == theirs.reindex(ours.index).replace("", UNASSIGNED)).all()


def test_cash_follows_paid_events() -> None:
    # lead 0 (won Wed 28 Jan) pays on Wed 4 Feb; lead 2 pays half on Sat 7 Feb (counts Mon 9 Feb)
    paid = pd.DataFrame({"time": [9.5, 12.2], "lead_id": [0, 2], "event": ["paid", "paid"],
                         "amount": [100_000.004, 15_000.0]})
    events = pd.concat([EVENTS.astype({"event": object}), paid], ignore_index=True)
    for column in ("channel", "segment", "stage", "step", "staff_id", "role", "reason"):
        events[column] = events[column].astype(object).fillna("")
    monthly = plan_fact(events, PF)["plan_fact_monthly"].set_index(["month", "manager"])
    assert monthly.loc[("2026-01", DEPARTMENT), "cash"] == D("0.00")
    assert monthly.loc[("2026-01", DEPARTMENT), "invoiced"] == D("100000.00")
    # February: lead 0's payment, lead 2's half, and leads 1, 3, 4 paid on their win days
    assert monthly.loc[("2026-02", DEPARTMENT), "cash"] == D("100000.00") + D("15000.00") + D(
        "50000.00") + D("20000.00") + D("12345.68")
    assert monthly.loc[("2026-02", "closer-2"), "cash"] == D("65000.00")
    daily = plan_fact(events, PF)["plan_fact_daily"]
    monday = daily[(daily["manager"] == "closer-2") & (daily["date"] == dt.date(2026, 2, 9))]
    assert monday["cash"].iloc[0] == D("15000.00") and monday["actual"].iloc[0] == D("0.00")


@settings(max_examples=25, deadline=None)
@given(horizon=st.integers(min_value=1, max_value=80),
       warmup=st.integers(min_value=0, max_value=79),
       amount=st.decimals(min_value=D("0.01"), max_value=10**9, places=2))
def test_any_window_splits_every_plan_exactly(horizon: int, warmup: int, amount: Decimal) -> None:
    if warmup >= horizon:
        warmup = 0
    text = SCENARIO % (warmup, PLAN.replace("1000000", str(amount)))
    scenario = scenario_from_yaml(text.replace("horizon_days: 40", f"horizon_days: {horizon}"))
    months = plan_months(scenario)
    tables = plan_fact(EVENTS[EVENTS["time"] < horizon], scenario)
    daily, monthly = tables["plan_fact_daily"], tables["plan_fact_monthly"]
    for month in months:
        assert month.plan == (month.month_plan if month.complete else (
            month.month_plan * len(month.dates) / month.all_working_days).quantize(
            D("0.01"), rounding=ROUND_HALF_UP))
        rows = daily[daily["month"] == month.month]
        dept = rows[rows["manager"] == DEPARTMENT]
        assert sum(dept["base_plan"], D(0)) == month.plan
        people = rows[~rows["manager"].isin([DEPARTMENT, UNASSIGNED])]
        assert sum(people["base_plan"], D(0)) == month.plan
        assert dept["cum_plan"].iloc[-1] == month.plan
    assert sum(monthly.loc[monthly["manager"] == DEPARTMENT, "actual"], D(0)) == sum(
        daily.loc[daily["manager"] == DEPARTMENT, "actual"], D(0))


def test_first_deals_paid_later_are_unpaid_until_their_paid_event() -> None:
    later = scenario_from_yaml(SCENARIO % (0, PLAN + "\npayment: {delay_days: 10}"))
    assert later.payment is not None and later.payment.first_deals
    monthly = plan_fact(EVENTS, later)["plan_fact_monthly"].set_index(["month", "manager"])
    assert monthly.loc[("2026-02", DEPARTMENT), "invoiced"] == D("112345.68")
    assert monthly.loc[("2026-02", DEPARTMENT), "cash"] == D("0.00")
