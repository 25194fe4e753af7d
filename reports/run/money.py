"""Sections 6 and 7 of the run report: plan vs fact, cash, revenue, channels, losses."""

from __future__ import annotations

from typing import Any

from salesim.reports.charts.flow import loss_reasons_chart
from salesim.reports.charts.money import (
    cash_chart,
    channel_return_chart,
    cumulative_revenue_chart,
    monthly_revenue_chart,
    pnl_chart,
)
from salesim.reports.charts.plans import plan_fact_chart
from salesim.reports.layout import Column, Paragraph, Section, Table
from salesim.reports.run.context import RunContext, warmup_until
from salesim.simulator.metrics.timeseries import revenue_by_day
from salesim.simulator.numbers import finite
from salesim.simulator.plans.schedule import DEPARTMENT

__all__ = ["cash_section", "channels_section", "losses_section", "plan_fact_section",
           "revenue_section"]

# -- 6. plan vs fact, cash ------------------------------------------------------------------------


def plan_fact_section(ctx: RunContext) -> Section | None:
    daily = ctx.run.optional.get("plan_fact_daily.csv")
    monthly = ctx.run.optional.get("plan_fact_monthly.csv")
    if (daily is None or daily.empty) and (monthly is None or monthly.empty):
        return None
    style = ctx.style
    blocks: list[Any] = []
    if daily is not None and not daily.empty:
        data = daily.assign(manager=daily["manager"].astype(str),
                            date=daily["date"].astype(str).str[:10])
        managers = list(dict.fromkeys(data["manager"]))
        order = [m for m in managers if m == DEPARTMENT] + \
            [m for m in managers if m not in (DEPARTMENT, "unassigned")]
        data = data[data["manager"].isin(order)]
        blocks.append(ctx.figure(
            "plan_fact", "Plan vs fact, cumulative within each month",
            "Dashed: the plan accumulated from the first working day of each month; solid: "
            "sales credited so far that month. The department first, then each manager.",
            lambda: plan_fact_chart(data.rename(columns={"manager": "who"}), order,
                                           style)))
    if monthly is not None and not monthly.empty:
        m = monthly.assign(manager=monthly["manager"].astype(str))
        whole = m.groupby("manager", sort=False)[["plan", "actual"]].sum()
        names = list(whole.index)
        order = [n for n in names if n == DEPARTMENT] + [n for n in names if n != DEPARTMENT]
        rows: list[tuple[str, ...]] = []
        tones: list[str] = []
        for who in order:
            plan = finite(whole.at[who, "plan"]) or 0.0
            actual = finite(whole.at[who, "actual"]) or 0.0
            share = actual / plan if plan else None
            rows.append((who, style.money(plan), style.money(actual), style.money(actual - plan),
                         style.pct(share, 1)))
            tones.append("strong" if who == DEPARTMENT else
                         "bad" if share is not None and share < 1 else "")
        blocks.append(Table(columns=(Column("who", "left"), Column("plan"), Column("fact"),
                                     Column("fact − plan"), Column("% of plan")),
                            rows=tuple(rows), tones=tuple(tones),
                            caption="Over the whole run, per manager",
                            note="Red: below plan over the run."))
        dept = m[m["manager"] == DEPARTMENT]
        if len(dept):
            rows, tones = [], []
            for _, r in dept.iterrows():
                month_plan, month_actual = finite(r["plan"]), finite(r["actual"])
                share = (month_actual / month_plan if month_plan and month_actual is not None
                         else None)
                partial = "complete" in r and str(r["complete"]).lower() in ("false", "0")
                rows.append((str(r["month"]) + (" (part)" if partial else ""),
                             style.money(month_plan), style.money(month_actual),
                             style.pct(share, 1)))
                tones.append("bad" if share is not None and share < 1 else "")
            blocks.append(Table(columns=(Column("month", "left"), Column("plan"),
                                         Column("fact"), Column("% of plan")),
                                rows=tuple(rows), tones=tuple(tones),
                                caption="The department, month by month",
                                note="(part): a month the run covers only in part; its plan is "
                                     "pro rata."))
    return Section("plan-fact", "Plan vs fact", tuple(blocks))


def cash_section(ctx: RunContext) -> Section | None:
    table = ctx.run.optional.get("cash.csv")
    if table is None or table.empty:
        return None
    style = ctx.style
    data = table.assign(month=table["month"].astype(str)).sort_values("month", kind="stable")
    invoiced, cash = float(data["invoiced"].sum()), float(data["cash_in"].sum())
    owed = finite(data["receivables"].iloc[-1]) if "receivables" in data.columns else None
    overdue = finite(data["overdue"].iloc[-1]) if "overdue" in data.columns else None
    text = f"Invoiced {style.money(invoiced)}, received {style.money(cash)}."
    if owed is not None:
        text += f" At the end of the run clients owed {style.money(owed)}"
        text += (f", of which {style.money(overdue)} overdue." if overdue else ".")
    rows = tuple((str(r["month"]), style.money(finite(r["invoiced"])),
                  style.money(finite(r["cash_in"])),
                  style.money(finite(r.get("receivables"))),
                  style.money(finite(r.get("overdue")))) for _, r in data.iterrows())
    tones = tuple("bad" if (finite(r.get("overdue")) or 0) > 0 else "" for _, r in data.iterrows())
    return Section("cash", "Cash vs invoiced", (
        Paragraph(text, "warning" if overdue else ""),
        ctx.figure("cash", "Cash vs invoiced",
                   "Invoiced and received per month (bars); what clients owe at each month's end "
                   "(line), and the overdue part of it.",
                   lambda: cash_chart(data, style)),
        Table(columns=(Column("month", "left"), Column("invoiced"), Column("received"),
                       Column("owed at month end"), Column("of it overdue")),
              rows=rows, tones=tones,
              note="Red: some invoices were overdue at the month's end." if "bad" in tones
              else ""),
    ))


# -- 7. money ------------------------------------------------------------------------------------


def revenue_section(ctx: RunContext) -> Section | None:
    run, style = ctx.run, ctx.style
    pnl = run.optional.get("pnl.csv")
    has_pnl = pnl is not None and not pnl.empty
    if (run.monthly.empty or float(run.monthly["revenue"].abs().sum()) == 0) and not has_pnl:
        return None  # a scenario without deal sizes (the queueing validations): no money
    blocks: list[Any] = []
    if pnl is not None and has_pnl:
        table = pnl
        blocks.append(ctx.figure("pnl", "Monthly P&L",
                                 "Revenue and costs per month (bars) and profit (line).",
                                 lambda: pnl_chart(table, style)))
        columns = [c for c in pnl.columns if c != "month" and "_ci95_" not in c]
        blocks.append(Table(
            columns=(Column("month", "left"), *(Column(c.replace("_", " ")) for c in columns)),
            rows=tuple((str(r["month"]), *(style.money(finite(r[c])) for c in columns))
                       for _, r in pnl.iterrows()),
            tones=(tones := tuple("bad" if (finite(r["profit"]) or 0) < 0 else ""
                                  for _, r in pnl.iterrows())),
            note="Red: a month with a loss." if "bad" in tones else ""))
    daily = revenue_by_day(run.events, run.scenario)
    blocks.append(ctx.figure(
        "revenue_monthly", "Revenue by month",
        "Revenue invoiced in each calendar month: first deals, and repeat orders and upsells of "
        "existing clients where the scenario has them (the number on each bar: first deals "
        "won)." + (" Whiskers: 95% CI over replications." if run.replications > 1 else ""),
        lambda: monthly_revenue_chart(run.monthly, style)))
    blocks.append(ctx.figure(
        "revenue_cumulative", "Revenue accumulated over the run",
        "Every first deal and repeat order, accumulated by the day it was won." +
        ctx.one_replication_note,
        lambda: cumulative_revenue_chart(daily, style, warmup_until(ctx))))
    return Section("revenue", "Monthly P&L" if has_pnl else "Revenue by month", tuple(blocks))


def channels_section(ctx: RunContext) -> Section | None:
    run, style = ctx.run, ctx.style
    if run.channels.empty or (float(run.channels["cost"].abs().sum()) == 0
                              and float(run.channels["revenue"].abs().sum()) == 0):
        return None
    rows = []
    for _, r in run.channels.iterrows():
        cost = finite(r["cost"]) or 0.0
        ratio = finite(r.get("revenue_per_cost"))
        rows.append((ctx.labels.channel(r["channel"]), style.integer(finite(r["leads"])),
                     style.money(cost),
                     style.integer(finite(r.get("won"))), style.money(finite(r["revenue"])),
                     style.money(finite(r.get("cost_per_won"))),
                     style.pct(finite(r.get("conversion")), 1),
                     f"×{style.number(ratio, 1)}" if ratio is not None and cost > 0 else "—"))
    return Section("channels", "Return on spend per channel", (
        ctx.figure("channels", "Return on lead spend per channel",
                   "Revenue of the deals each channel's leads became, per unit of money spent "
                   "buying those leads. Salaries are not included.",
                   lambda: channel_return_chart(run.channels, style)),
        Table(columns=(Column("channel", "left"), Column("leads"), Column("lead cost"),
                       Column("deals"), Column("revenue"), Column("cost per deal"),
                       Column("lead → deal"), Column("return")),
              rows=tuple(rows)),
    ))


def losses_section(ctx: RunContext) -> Section | None:
    run, style = ctx.run, ctx.style
    losses = run.losses
    if losses.empty or float(losses["lost"].sum()) <= 0:
        return None
    order = [s.name for s in run.scenario.stages]
    by_reason = losses.groupby(losses["reason"].astype(str))["lost"].sum().sort_values(
        ascending=False)
    total = float(by_reason.sum())
    worst = losses.sort_values("lost", ascending=False).head(10)
    return Section("losses", "Why leads are lost", (
        ctx.figure("losses", "Loss reasons",
                   "Lost leads by reason; the colours say which stage lost them. 'Cooled' leads "
                   "were lost because they waited for staff too long.",
                   lambda: loss_reasons_chart(losses, order, ctx.palette, style)),
        Table(columns=(Column("stage", "left"), Column("step", "left"), Column("reason", "left"),
                       Column("lost"), Column("share of all losses")),
              rows=tuple((ctx.labels.stage(r["stage"]), ctx.labels.step(r["step"], r["stage"]),
                          ctx.labels.reason(r["reason"]),
                          style.integer(finite(r["lost"])),
                          style.pct((finite(r["lost"]) or 0) / total if total else None, 1))
                         for _, r in worst.iterrows()),
              caption="The ten biggest leaks"),
    ))
