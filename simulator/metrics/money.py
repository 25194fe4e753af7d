"""Money (pure): who is credited with each deal, pay per person per month, the monthly P&L.

Pay is computed exactly, in ``Decimal`` kopecks (half-up), because people check their pay slips
by hand; the P&L adds those figures to float revenue and costs.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.plans.schedule import DEPARTMENT
from salesim.simulator.scenario.months import Month, month_labels, months_of
from salesim.simulator.scenario.roles import PayScheme, Role
from salesim.simulator.scenario.schema import Scenario

KOPECK = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


# -- sales: booked when won, revenue when recognised -----------------------------------------------


def booked(events: pd.DataFrame) -> pd.DataFrame:
    """Every sale when it is booked: first deals (``win``) and repeat orders or upsells (``order``).

    Returns:
        Columns case (lead or order id), client (the lead that became the client), time (of the
        booking), amount, channel, segment, kind ('first', 'repeat', 'upsell'), in time order.
    """
    wins = events[events["event"] == "win"]
    orders = events[events["event"] == "order"]
    table = pd.DataFrame({
        "case": np.concatenate([wins["lead_id"].to_numpy(), orders["lead_id"].to_numpy()]),
        "client": np.concatenate([wins["lead_id"].to_numpy(), orders["client_id"].to_numpy()]),
        "time": np.concatenate([wins["time"].to_numpy(), orders["time"].to_numpy()]),
        "amount": np.concatenate([wins["amount"].to_numpy(), orders["amount"].to_numpy()]),
        "channel": np.concatenate([wins["channel"].astype(str).to_numpy(),
                                   orders["channel"].astype(str).to_numpy()]),
        "segment": np.concatenate([wins["segment"].astype(str).to_numpy(),
                                   orders["segment"].astype(str).to_numpy()]),
        "kind": ["first"] * len(wins) + orders["reason"].astype(str).tolist(),
    })
    return table.sort_values(["time", "case"], kind="stable").reset_index(drop=True)


def recognised(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Every sale when it counts as revenue: the one definition of revenue (``docs/model.md``).

    With ``revenue_recognition: shipment`` (the default) and a shipping stage, a sale is revenue
    when its order ships (the ``ship`` event); a sale not shipped by the horizon is not revenue
    yet. Otherwise it is revenue when it is booked.

    Returns:
        :func:`booked`'s columns with ``time`` the moment of recognition, plus ``booked_at``.
    """
    sold = booked(events)
    sold["booked_at"] = sold["time"]
    if not scenario.recognises_at_shipment():
        return sold
    shipped = events[events["event"] == "ship"]
    at = pd.Series(shipped["time"].to_numpy(), index=shipped["lead_id"].to_numpy())
    sold["time"] = sold["case"].map(at)
    sold = sold[sold["time"].notna()]
    return sold.sort_values(["time", "case"], kind="stable").reset_index(drop=True)


def in_window(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The rows of a money table whose ``time`` is inside the measured window."""
    return table[table["time"] >= scenario.warmup_days]


# -- credit -------------------------------------------------------------------------------------


def credited_wins(events: pd.DataFrame, role: str, scenario: Scenario) -> pd.DataFrame:
    """Each sale recognised as revenue, with the person of ``role`` credited for it.

    The credited person did the lead's last work of that role up to the win (in a conveyor, the
    closer who owned the deal; for hunters, the hunter who developed it), or, for a client's
    repeat order, handled it (the farmer). Deals no one of the role touched are credited to ''.

    Returns:
        Columns lead_id, time (when the sale is revenue: :func:`recognised`), amount, segment,
        channel, staff_id.
    """
    sold = recognised(events, scenario)
    wins = pd.DataFrame({"lead_id": sold["case"], "time": sold["time"],
                         "booked_at": sold["booked_at"], "amount": sold["amount"],
                         "segment": sold["segment"], "channel": sold["channel"]})
    work = events.loc[(events["event"] == "finish") & (events["role"] == role),
                      ["lead_id", "time", "staff_id"]]
    work = work.merge(wins[["lead_id", "booked_at"]].rename(columns={"booked_at": "time_win"}),
                      on="lead_id")
    # a deal: the last work up to the win; a repeat order: the work on it (after it is placed)
    before = work[work["time"] <= work["time_win"]].groupby("lead_id")["staff_id"].last()
    after = work[work["time"] > work["time_win"]].groupby("lead_id")["staff_id"].first()
    credited = wins.set_index("lead_id")
    credited["staff_id"] = before.reindex(credited.index).fillna(
        after.reindex(credited.index)).fillna("").astype(str)
    return credited.drop(columns="booked_at").reset_index()


# -- pay ----------------------------------------------------------------------------------------


PAY_COLUMNS = ("month", "staff_id", "role", "present_days", "credited_revenue", "personal_plan",
               "salary", "commission", "accelerator", "plan_bonus", "team_bonus", "prize",
               "kpi_bonus", "variable", "total")


def payroll(events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Pay per person per month, to the kopeck.

    Salary is pro-rated by calendar days present in the month (hire and leave dates, and the
    run's own start and end). For the role that carries the plan, the personal plan and the
    credited revenue are those of the plan/fact tables (``plans.planfact``), so pay and
    plan/fact agree on who met the plan. See ``docs/money.md`` for every rule.
    """
    rows: list[dict[str, Any]] = []
    for role in scenario.roles:
        members = staff[staff["role"] == role.name]
        carried = (_plan_fact_by_manager(events, staff, scenario)
                   if scenario.plan is not None and scenario.plan.role == role.name else None)
        rows.extend(_role_pay(events, members, role, scenario, carried))
    frame = pd.DataFrame(rows, columns=list(PAY_COLUMNS))
    return frame


PlanFact = dict[tuple[str, str], tuple[Decimal, Decimal]]  # (month, manager) → (plan, actual)


def _plan_fact_by_manager(events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario
                          ) -> PlanFact | None:
    from salesim.simulator.plans.errors import PlanError
    from salesim.simulator.plans.planfact import (
        plan_fact,  # planfact builds on plans; only pay needs it here
    )

    try:
        monthly = plan_fact(events, scenario, staff)["plan_fact_monthly"]
    except PlanError:
        return None
    return {(str(m), str(who)): (Decimal(plan), Decimal(actual))
            for m, who, plan, actual in zip(monthly["month"], monthly["manager"],
                                            monthly["plan"], monthly["actual"], strict=True)}


def _role_pay(events: pd.DataFrame, members: pd.DataFrame, role: Role, scenario: Scenario,
              carried: PlanFact | None = None) -> list[dict[str, Any]]:
    scheme = role.pay or PayScheme()
    credited = credited_wins(events, role.name, scenario) if role.pay else None
    finishes = events[(events["event"] == "finish") & (events["role"] == role.name)]
    rows = []
    for month in months_of(scenario, measured=True):
        present = {
            sid: max(0.0, min(month.end, _left(left, scenario)) - max(month.start, hired))
            for sid, hired, left in zip(members["staff_id"], members["hired_at"],
                                        members["left_at"], strict=True)
        }
        present = {sid: days for sid, days in present.items() if days > 0}
        if not present:
            continue
        revenue = _credited_in(credited, month) if credited is not None else {}
        dept_plan = _month_plan(scenario, month) if scheme.needs_plan else Decimal(0)
        total_present = sum(_dec(d) for d in present.values())
        plans = {sid: _money(dept_plan * _dec(d) / total_present) for sid, d in present.items()}
        if carried is not None:  # the plan role: plan and fact exactly as plan/fact has them
            zero = (Decimal(0), Decimal(0))
            revenue = {sid: carried.get((month.label, sid), zero)[1] for sid in present}
            plans = {sid: carried.get((month.label, sid), zero)[0] for sid in present}
            dept_plan = carried.get((month.label, DEPARTMENT), zero)[0]
        team_revenue = sum(revenue.values(), Decimal(0))
        team_met = scheme.team_bonus > 0 and dept_plan > 0 and team_revenue >= dept_plan
        best = max(present, key=lambda sid: (revenue.get(sid, Decimal(0)), _neg_id(sid)))
        kpi = _kpi_counts(finishes, month, scheme)
        for sid, days in present.items():
            own = revenue.get(sid, Decimal(0))
            salary = _money(_dec(role.salary_per_month) * _dec(days) / month.days_in_month)
            base = own if scheme.commission_base == "revenue" else _margin_of(credited, sid,
                                                                              month, scenario)
            commission = _money(base * _dec(scheme.commission))
            plan = plans[sid]
            above = max(Decimal(0), own - plan) if plan > 0 else Decimal(0)
            accelerator = _money(above * _dec(scheme.accelerator))
            plan_bonus = _dec(scheme.plan_bonus) if plan > 0 and own >= plan else Decimal(0)
            team = (_money(_dec(scheme.team_bonus) * own / team_revenue)
                    if team_met and team_revenue > 0 else _money(Decimal(0)))
            prize = (_dec(scheme.best_result_prize)
                     if sid == best and own > 0 and scheme.best_result_prize else Decimal(0))
            kpi_bonus = _money(sum((_dec(amount) * kpi.get((sid, step), 0)
                                    for step, amount in scheme.kpi_bonus.items()), Decimal(0)))
            variable = commission + accelerator + plan_bonus + team + prize + kpi_bonus
            rows.append({
                "month": month.label, "staff_id": sid, "role": role.name,
                "present_days": round(days, 6), "credited_revenue": _money(own),
                "personal_plan": plan, "salary": salary, "commission": commission,
                "accelerator": accelerator, "plan_bonus": _money(plan_bonus), "team_bonus": team,
                "prize": _money(prize), "kpi_bonus": kpi_bonus, "variable": variable,
                "total": salary + variable,
            })
    return rows


def _left(left: float, scenario: Scenario) -> float:
    return scenario.horizon_days if np.isnan(left) else float(left)


def _neg_id(staff_id: str) -> tuple[int, str]:
    """Tie-break for the prize: the lower person number wins (closer-2 before closer-10)."""
    head, _, number = staff_id.rpartition("-")
    return (-int(number) if number.isdigit() else 0, head)


def _credited_in(credited: pd.DataFrame, month: Month) -> dict[str, Decimal]:
    inside = credited[(credited["time"] >= month.start) & (credited["time"] < month.end)]
    out: dict[str, Decimal] = {}
    for sid, amount in zip(inside["staff_id"], inside["amount"], strict=True):
        if sid:
            out[sid] = out.get(sid, Decimal(0)) + _money(_dec(amount))
    return out


def _margin_of(credited: pd.DataFrame | None, staff_id: str, month: Month,
               scenario: Scenario) -> Decimal:
    if credited is None:
        return Decimal(0)
    inside = credited[(credited["time"] >= month.start) & (credited["time"] < month.end)
                      & (credited["staff_id"] == staff_id)]
    return sum((_money(_dec(a)) * _dec(scenario.margin_for(seg))
                for a, seg in zip(inside["amount"], inside["segment"], strict=True)), Decimal(0))


def _month_plan(scenario: Scenario, month: Month) -> Decimal:
    """The month's plan, pro-rated when the run covers only part of the month."""
    assert scenario.plan is not None
    full = _dec(scenario.plan.for_month(month.label))
    if month.covered >= month.days_in_month:
        return _money(full)
    return _money(full * _dec(month.covered) / month.days_in_month)


def _kpi_counts(finishes: pd.DataFrame, month: Month, scheme: PayScheme
                ) -> dict[tuple[str, str], int]:
    if not scheme.kpi_bonus:
        return {}
    inside = finishes[(finishes["time"] >= month.start) & (finishes["time"] < month.end)
                      & finishes["step"].isin(list(scheme.kpi_bonus))]
    pairs = zip(inside["staff_id"].astype(str), inside["step"].astype(str), strict=True)
    return dict(Counter(pairs))


# -- P&L ----------------------------------------------------------------------------------------


PNL_COLUMNS = ("month", "revenue", "cost_of_goods", "gross_margin", "lead_costs",
               "payroll_fixed", "payroll_variable", "penalties", "profit")
# revenue is recognised (``recognised``: at shipment by default); cash received is in cash.csv


def late_penalties(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Contractual penalties: a step with ``late_penalty`` finished later than its SLA.

    Returns:
        Columns lead_id, stage, step, time (of the late finish), amount, penalty.
    """
    rows = []
    for stage in scenario.stages:
        for step in stage.steps:
            if not step.late_penalty or step.sla_days is None:
                continue
            at = (events["stage"] == stage.name) & (events["step"] == step.name)
            enq = events[at & (events["event"] == "enqueue")].set_index("lead_id")["time"]
            fin = events[at & (events["event"] == "finish")].set_index("lead_id")
            late = fin[(fin["time"] - enq.reindex(fin.index)) > step.sla_days]
            for lead_id, row in late.iterrows():
                rows.append({"lead_id": lead_id, "stage": stage.name, "step": step.name,
                             "time": row["time"], "amount": row["amount"],
                             "penalty": row["amount"] * step.late_penalty})
    return pd.DataFrame(rows, columns=["lead_id", "stage", "step", "time", "amount", "penalty"])


def pnl(events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario,
        pay: pd.DataFrame | None = None) -> pd.DataFrame:
    """The monthly profit and loss over the measured window (money by when it happens there)."""
    pay = payroll(events, staff, scenario) if pay is None else pay
    wins = in_window(recognised(events, scenario), scenario)
    events = events[events["time"] >= scenario.warmup_days]
    margin = np.array([scenario.margin_for(str(s)) for s in wins["segment"]], dtype=np.float64)
    win_month = month_labels(wins["time"], scenario)
    arrivals = events[events["event"] == "arrive"]
    cost_per_lead = {c.name: c.cost_per_lead for c in scenario.channels}
    lead_cost = np.array([cost_per_lead[str(c)] for c in arrivals["channel"]], dtype=np.float64)
    arrive_month = month_labels(arrivals["time"], scenario)
    penalties = late_penalties(events, scenario)
    penalty_month = month_labels(penalties["time"], scenario)
    rows = []
    for month in months_of(scenario, measured=True):
        in_month = (win_month == month.label).to_numpy()
        revenue = float(wins["amount"].to_numpy()[in_month].sum())
        cogs = float((wins["amount"].to_numpy()[in_month] * (1 - margin[in_month])).sum())
        leads = float(lead_cost[(arrive_month == month.label).to_numpy()].sum())
        month_pay = pay[pay["month"] == month.label]
        fixed = float(sum(month_pay["salary"], Decimal(0)))
        variable = float(sum(month_pay["variable"], Decimal(0)))
        fines = float(penalties.loc[(penalty_month == month.label).to_numpy(), "penalty"].sum())
        rows.append({
            "month": month.label, "revenue": revenue, "cost_of_goods": cogs,
            "gross_margin": revenue - cogs, "lead_costs": leads, "payroll_fixed": fixed,
            "payroll_variable": variable, "penalties": fines,
            "profit": revenue - cogs - leads - fixed - variable - fines,
        })
    return pd.DataFrame(rows, columns=list(PNL_COLUMNS))


# -- control: activity, ranking, red warnings ---------------------------------------------------


def activity_table(events: pd.DataFrame) -> pd.DataFrame:
    """Activity KPIs: per person and step, the steps finished (calls, proposals, contracts...)."""
    done = events[events["event"] == "finish"]
    table = done.groupby([done["staff_id"].astype(str), done["role"].astype(str),
                          done["stage"].astype(str), done["step"].astype(str)]).agg(
        finished=("time", "size"), work_hours=("work_hours", "sum"))
    table.index.names = ["staff_id", "role", "stage", "step"]
    return table.reset_index()


def weekly_ranking(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Each week, the people of every role with a pay scheme or the plan ranked by credited
    revenue (then by steps finished): the seed's weekly efficiency ranking."""
    roles = {r.name for r in scenario.roles if r.pay is not None}
    if scenario.plan is not None:
        roles.add(scenario.plan.role)
    rows = []
    done = events[events["event"] == "finish"]
    for role in sorted(roles):
        credited = credited_wins(events, role, scenario)
        credited = credited[credited["staff_id"] != ""]
        work = done[done["role"] == role]
        weeks = int(np.ceil(scenario.horizon_days / 7))
        revenue = credited.groupby([(credited["time"] // 7).astype(int),
                                    credited["staff_id"]])["amount"].sum().to_dict()
        finished = work.groupby([(work["time"] // 7).astype(int),
                                 work["staff_id"].astype(str)]).size().to_dict()
        people = sorted(set(work["staff_id"].astype(str)) | set(credited["staff_id"]))
        for week in range(weeks):
            scores = [(float(revenue.get((week, p), 0.0)), int(finished.get((week, p), 0)), p)
                      for p in people]
            active = [s for s in scores if s[0] > 0 or s[1] > 0]
            ranked = sorted(active, key=lambda s: (-s[0], -s[1], s[2]))
            for rank, (amount, steps, person) in enumerate(ranked, start=1):
                rows.append({"week": week + 1, "role": role, "rank": rank, "staff_id": person,
                             "credited_revenue": amount, "steps_finished": steps})
    return pd.DataFrame(rows, columns=["week", "role", "rank", "staff_id", "credited_revenue",
                                       "steps_finished"])
