"""Sections 8 and 9 of the run report: the weekly staff ranking and the SLA breaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from salesim.reports.charts.capacity import heatmap_chart
from salesim.reports.layout import Column, Paragraph, Section, Table
from salesim.reports.run.context import RunContext
from salesim.simulator.numbers import finite

__all__ = ["sla_section", "staff_section"]

SLA_WARN_SHARE = 0.10
LAST_FLAG_MIN_PEOPLE = 3  # in a pair somebody is always last; that says little


# -- 8. staff -----------------------------------------------------------------------------------


def staff_section(ctx: RunContext) -> Section | None:
    """The engine's weekly ranking (``ranking.csv``): who brought in the most each week."""
    run, style = ctx.run, ctx.style
    ranking = run.optional.get("ranking.csv")
    if ranking is None or ranking.empty:
        return None
    data = ranking.assign(staff_id=ranking["staff_id"].astype(str),
                          role=ranking["role"].astype(str))
    order = [r.name for r in run.scenario.roles]
    people = _people_by_role(data, order)
    ranked = data.groupby(["week", "role"])["rank"].transform("max")
    data = data.assign(of=ranked, relative=(data["rank"] - 1) / (ranked - 1).where(ranked > 1))
    start = run.scenario.calendar.start_date
    weeks = list(range(1, int(data["week"].max()) + 1))
    dates = [start + dt.timedelta(days=7 * (w - 1)) for w in weeks]
    matrix = _by_week(data, "relative", people, weeks, dates)
    ranks = _by_week(data, "rank", people, weeks, dates)
    rows, tones = _ranking_rows(ctx, data, [r for r in order if r in set(people["role"])])
    figure = ctx.figure(
        "ranking", "Weekly staff ranking",
        "Each person's place among the people of their role, week by week (green: first, red: "
        "last; grey: not ranked that week). Ranked by the revenue credited to them, then by the "
        "steps they finished — the engine's weekly ranking (ranking.csv, first replication).",
        lambda: heatmap_chart(
            matrix, people["role"].tolist(), ctx.palette,
            "Weekly rank within the role (1 = best)", "place within the role", "RdYlGn_r",
            0.0, 1.0, lambda v: "", ticks=[0.0, 1.0], tick_labels=["first", "last"],
            cell_labels=ranks.map(lambda v: style.integer(finite(v)))))
    table = Table(
        columns=(Column("person", "left"), Column("role", "left"), Column("place"),
                 Column("revenue credited"), Column("steps finished"), Column("mean rank"),
                 Column("weeks first"), Column("weeks last"), Column("weeks ranked")),
        rows=tuple(rows), tones=tuple(tones),
        caption=f"Over the whole run ({style.integer(len(weeks))} weeks), within each role",
        note=f"Red row: last of a role of {LAST_FLAG_MIN_PEOPLE} or more people over the run — "
             f"the first person to talk to.")
    return Section("staff", "Staff ranking (weekly)", (figure, table))


def _people_by_role(data: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """``staff_id`` and ``role`` of everybody ranked, by role (scenario order), then number."""
    people = data.drop_duplicates("staff_id")[["staff_id", "role"]]
    rank_of_role = {r: i for i, r in enumerate(order)}
    people = people.assign(_r=people["role"].map(rank_of_role).fillna(len(order)),
                           _n=people["staff_id"].map(_staff_number))
    return people.sort_values(["_r", "_n", "staff_id"], kind="stable")[["staff_id", "role"]]


def _by_week(data: pd.DataFrame, column: str, people: pd.DataFrame, weeks: list[int],
             dates: list[dt.date]) -> pd.DataFrame:
    """People × weeks of one column, the columns labelled with each week's first day."""
    matrix = data.pivot(index="staff_id", columns="week", values=column).reindex(
        index=people["staff_id"].tolist(), columns=weeks)
    matrix.columns = pd.Index(dates)
    return matrix


def _ranking_rows(ctx: RunContext, data: pd.DataFrame, roles: list[str]
                  ) -> tuple[list[tuple[str, ...]], list[str]]:
    """The table over the whole run, role by role, best first; the last of a big role in red."""
    style = ctx.style
    money = "credited_revenue" in data.columns
    rows: list[tuple[str, ...]] = []
    tones: list[str] = []
    for role in roles:
        mine = data[data["role"] == role]
        totals = mine.groupby("staff_id", sort=False).agg(
            weeks=("week", "nunique"), mean_rank=("rank", "mean"),
            first=("rank", lambda r: int((r == 1).sum())),
            last=("relative", lambda x: int((x == 1).sum())),
            revenue=("credited_revenue", "sum") if money else ("rank", "size"),
            steps=("steps_finished", "sum") if "steps_finished" in mine.columns
            else ("rank", "size"),
        ).sort_values(["revenue", "steps"] if money else ["mean_rank"],
                      ascending=[False, False] if money else [True], kind="stable")
        for i, (staff_id, t) in enumerate(totals.iterrows()):
            rows.append((str(staff_id), ctx.labels.role(role), style.integer(i + 1),
                         style.money(t["revenue"]) if money else "—",
                         style.integer(t["steps"]), style.number(t["mean_rank"], 1),
                         style.integer(t["first"]), style.integer(t["last"]),
                         style.integer(t["weeks"])))
            last = len(totals) >= LAST_FLAG_MIN_PEOPLE and i == len(totals) - 1
            tones.append("bad" if last else "")
    return rows, tones


def _staff_number(staff_id: str) -> int:
    """``closer-12`` → 12, so that people sort as 1, 2, …, 10 rather than 1, 10, 2."""
    tail = staff_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# -- 9. SLA ----------------------------------------------------------------------------------


def sla_section(ctx: RunContext) -> Section | None:
    run, style = ctx.run, ctx.style
    limits = {(st.name, sp.name): sp.sla_days for st in run.scenario.stages for sp in st.steps
              if sp.sla_days is not None}
    if not limits or "sla_breaches" not in run.steps.columns:
        return None
    rows, tones, total = [], [], 0.0
    steps = run.steps.assign(_share=run.steps["sla_breaches"] / run.steps["entered"].where(
        run.steps["entered"] > 0))
    steps = steps.sort_values("sla_breaches", ascending=False, kind="stable")
    for _, r in steps.iterrows():
        key = (str(r["stage"]), str(r["step"]))
        if key not in limits:
            continue
        breaches = finite(r["sla_breaches"]) or 0.0
        total += breaches
        share = finite(r["_share"])
        role = r.get("role")
        rows.append((ctx.labels.stage(key[0]), ctx.labels.step(key[1], key[0]),
                     "" if pd.isna(role) else ctx.labels.role(role),
                     style.number(limits[key], 1 if limits[key] % 1 else 0),
                     style.integer(finite(r["entered"])), style.integer(breaches),
                     style.pct(share, 1)))
        tones.append("bad" if share is not None and share >= SLA_WARN_SHARE else "")
    worst = rows[0] if rows else None
    text = (f"{style.integer(total)} red warnings: steps whose staff part (queue + work) took "
            f"longer than its SLA.")
    if worst is not None and total > 0:
        text += f" Most of them at {worst[0]} / {worst[1]} ({worst[5]})."
    blocks: list[Any] = []
    warnings = run.optional.get("warnings.csv")
    if warnings is not None and not warnings.empty:
        top = warnings.sort_values("breaches", ascending=False, kind="stable").head(15)
        blocks.append(Table(
            columns=(Column("person", "left"), Column("stage", "left"), Column("step", "left"),
                     Column("breaches"), Column("longest, days")),
            rows=tuple((str(r["staff_id"]), ctx.labels.stage(r["stage"]),
                        ctx.labels.step(r["step"], r["stage"]),
                        style.integer(finite(r["breaches"])),
                        style.number(finite(r.get("worst_days")), 1))
                       for _, r in top.iterrows()),
            caption="Who breached most (warnings.csv)",
            note="Longest: the longest queue wait of a breaching lead at that step."))
    return Section("sla", "SLA breaches (red warnings)", (
        Paragraph(text, "warning" if total else ""),
        Table(columns=(Column("stage", "left"), Column("step", "left"), Column("team", "left"),
                       Column("SLA, days"), Column("leads"), Column("breaches"),
                       Column("share")),
              rows=tuple(rows), tones=tuple(tones),
              note=f"Red rows: at least {style.pct(SLA_WARN_SHARE)} of the leads breached "
                   f"the SLA."),
        *blocks,
    ))
