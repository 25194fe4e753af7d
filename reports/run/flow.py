"""Sections 3 to 5 of the run report: the funnel, where the time goes, utilisation."""

from __future__ import annotations

from typing import Any

import pandas as pd

from salesim.reports.charts.capacity import heatmap_chart, role_utilisation_chart
from salesim.reports.charts.flow import funnel_chart, time_split_chart, wip_chart
from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import Column, Section, Table
from salesim.reports.run.context import (
    RunContext,
    chart_periods,
    end_date,
    in_order,
    row_ci,
    warmup_until,
)
from salesim.simulator.metrics.timeseries import (
    time_split_by_stage,
    utilisation_by_person,
    week_periods,
    wip_by_stage,
)
from salesim.simulator.numbers import finite
from salesim.simulator.store.run_reader import RunFolder
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["funnel_section", "time_section", "utilisation_section"]

# -- 3. funnel -----------------------------------------------------------------------------------


def funnel_section(ctx: RunContext) -> Section:
    run, style = ctx.run, ctx.style
    stages = in_order(run.stages, "stage", [s.name for s in run.scenario.stages])
    steps = run.steps
    figure = ctx.figure(
        "funnel", "Funnel by stage and step",
        "Bar width: leads that entered the stage or step (over the measured window). Right: "
        "the share of decided leads that moved on (leads still undecided at the end do not "
        "count against a step).",
        lambda: funnel_chart(steps, stages, ctx.palette, style))
    rows: list[tuple[str, ...]] = []
    tones: list[str] = []
    for _, st in stages.iterrows():
        rows.append(_funnel_row(style, st, ctx.labels.stage(st["stage"]), "", True))
        tones.append("strong")
        for _, sp in steps[steps["stage"].astype(str) == str(st["stage"])].iterrows():
            role = sp.get("role")
            rows.append(_funnel_row(style, sp, "   " + ctx.labels.step(sp["step"], st["stage"]),
                                    "" if pd.isna(role) else ctx.labels.role(role), False))
            tones.append("")
    table = Table(
        columns=(Column("stage / step", "left"), Column("team", "left"), Column("entered"),
                 Column("moved on"), Column("lost"), Column("of them cooled"),
                 Column("in progress"), Column("conversion"), Column("mean wait")),
        rows=tuple(rows), tones=tuple(tones),
        note="Cooled: lost because the lead waited too long for someone to pick it up. Mean "
             "wait: days from joining the queue to the start of work.")
    return Section("funnel", "Funnel by stage and step", (figure, table))


def _funnel_row(style: NumberStyle, row: pd.Series, label: str, role: str,
                header: bool) -> tuple[str, ...]:
    low, high = row_ci(row, "conversion")
    return (label, role, style.integer(finite(row["entered"])),
            style.integer(finite(row["converted"])), style.integer(finite(row["lost"])),
            style.integer(finite(row.get("lost_cooled"))),
            style.integer(finite(row.get("in_progress"))),
            style.plus_minus(style.pct(finite(row["conversion"]), 1), low, high, "pct", 1),
            style.days(finite(row.get("wait_days_mean"))))


# -- 4. time ------------------------------------------------------------------------------------


def time_section(ctx: RunContext, visits: pd.DataFrame) -> Section:
    run, style = ctx.run, ctx.style
    scenario = run.scenario
    split = time_split_by_stage(run.events, visits, scenario)
    periods, average = chart_periods(ctx)
    wip = wip_by_stage(visits, scenario, periods)
    order = [s.name for s in scenario.stages]
    blocks: list[Any] = [
        ctx.figure("time_split", "Waiting vs working vs client time per stage",
                   "Mean calendar days per lead that left the stage: queued for staff (red), "
                   "being worked on, and waiting for the client's answer. The three add up to "
                   "the stage's mean cycle time." + ctx.one_replication_note,
                   lambda: time_split_chart(split, style)),
        Table(columns=(Column("stage", "left"), Column("leads"), Column("waiting for staff"),
                       Column("being worked on"), Column("with the client"),
                       Column("cycle time")),
              rows=tuple((ctx.labels.stage(r["stage"]), style.integer(finite(r["leads"])),
                          style.days(finite(r["queue_days"])),
                          style.days(finite(r["work_days"])),
                          style.days(finite(r["client_days"])),
                          style.days(finite(r["cycle_days"]))) for _, r in split.iterrows())),
        ctx.figure("wip", "Work in progress per stage over time",
                   f"Time-average number of leads in each stage per "
                   f"{'day' if average == 'daily' else 'week'}; the red area is the part "
                   f"waiting for staff. A red area that keeps growing is a queue the role "
                   f"cannot keep up with." + ctx.one_replication_note,
                   lambda: wip_chart(wip, order, ctx.palette, style, average,
                                            end_date(ctx), warmup_until(ctx))),
    ]
    return Section("time", "Where the time goes", tuple(blocks))


# -- 5. utilisation -------------------------------------------------------------------------------


def utilisation_section(ctx: RunContext, visits: pd.DataFrame) -> Section | None:
    run, style = ctx.run, ctx.style
    if run.roles.empty:
        return None
    roles = in_order(run.roles, "role", [r.name for r in run.scenario.roles])
    blocks: list[Any] = [ctx.figure(
        "utilisation_roles", "Utilisation per role",
        "The share of its working time each team spends working on leads. Above about "
        f"{style.pct(HIGH_UTILIZATION)} leads start to queue.",
        lambda: role_utilisation_chart(roles, ctx.palette, style, HIGH_UTILIZATION))]
    people = _people(run)
    if len(people):
        weeks = week_periods(run.scenario)
        table = utilisation_by_person(visits, people, run.scenario, weeks)
        matrix = table.pivot(index="staff_id", columns="date", values="utilization")
        matrix = matrix.reindex(index=people["staff_id"].tolist())
        blocks.append(ctx.figure(
            "utilisation_people", "Utilisation per person, week by week",
            "Each row is a person (grouped by role, labels in the role's colour), each column a "
            "week; darker is busier. Grey: no working hours that week." + ctx.one_replication_note,
            lambda: heatmap_chart(
                matrix, people["role"].tolist(), ctx.palette,
                "Utilisation per person and week (% of working hours busy)",
                "utilisation, % of working hours", "YlOrRd", 0.0, 1.0,
                lambda v: style.pct(v),
                cell_labels=matrix.map(lambda v: style.number(v * 100)))))
    return Section("utilisation", "Utilisation per role and per person", tuple(blocks))


def _people(run: RunFolder) -> pd.DataFrame:
    order = [r.name for r in run.scenario.roles]
    people = run.people[["staff_id", "role"]].astype(str)
    return in_order(people, "role", order)
