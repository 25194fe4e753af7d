"""The run report: a run folder in, ``report.html`` + ``report.md`` + chart PNGs out.

:func:`build_report` is what ``salesim report RUN_DIR`` and ``salesim run --report`` call.
:func:`assemble` is the pure part: a :class:`~store.run_reader.RunFolder` in, a
:class:`~salesim.reports.layout.Report` (sections of cards, sentences, charts and tables) and the
chart PNGs out. Every figure shown comes from the run folder's tables or from
:mod:`metrics.timeseries` over its event log; nothing here computes a KPI.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure as MplFigure

from salesim.reports.charts.base import Palette, figure_block
from salesim.reports.charts.capacity import bottleneck_chart, heatmap_chart, role_utilisation_chart
from salesim.reports.charts.flow import (
    funnel_chart,
    loss_reasons_chart,
    time_split_chart,
    wip_chart,
)
from salesim.reports.charts.money import (
    cash_chart,
    channel_return_chart,
    cumulative_revenue_chart,
    monthly_revenue_chart,
    pnl_chart,
)
from salesim.reports.charts.plans import plan_fact_chart
from salesim.reports.formatting import NumberStyle, number_style
from salesim.reports.layout import (
    REPORT_FILES,
    Assembled,
    Column,
    Details,
    Figure,
    Kpi,
    KpiGrid,
    Paragraph,
    Report,
    Section,
    Table,
    existing_output,
    render_html,
    render_markdown,
    write_report_files,
)
from salesim.simulator.metrics.measure import MIN_WAIT_WORK_HOURS, step_visits
from salesim.simulator.metrics.summary import t_critical
from salesim.simulator.metrics.timeseries import (
    Periods,
    day_periods,
    revenue_by_day,
    time_split_by_stage,
    utilisation_by_person,
    week_periods,
    wip_by_stage,
)
from salesim.simulator.metrics.verdict import bottleneck_text, screen_verdict
from salesim.simulator.numbers import finite
from salesim.simulator.plans.decompose import DEPARTMENT
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.store.run_folder import OutputError
from salesim.simulator.store.run_reader import ReportError, RunFolder, load_run
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["CHARTS_DIR", "HTML_NAME", "MD_NAME", "Assembled", "assemble", "build_report"]

HTML_NAME = REPORT_FILES.html
MD_NAME = REPORT_FILES.markdown
CHARTS_DIR = REPORT_FILES.charts
DAILY_UP_TO_DAYS = 120  # longer runs show weekly averages: daily ones are mostly weekend noise
SLA_WARN_SHARE = 0.10
LAST_FLAG_MIN_PEOPLE = 3  # in a pair somebody is always last; that says little


# -- entry point ---------------------------------------------------------------------------------


def build_report(run_dir: Path, *, force: bool = False, locale: str | None = None
                 ) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``report_charts/*.png`` into a run folder.

    Args:
        run_dir: The folder ``salesim run`` wrote.
        force: Replace an existing report; without it an existing report is an error.
        locale: ``en`` or ``ru`` for the numbers (default: the scenario's ``locale``).

    Returns:
        The files written: the HTML, the Markdown, then the PNGs.

    Raises:
        ReportError: the folder is missing or is not a run, a file in it cannot be read, or a
            report exists and ``force`` is false. The message is one line.
    """
    run_dir = Path(run_dir)
    if run_dir.is_dir():
        _refuse_existing(run_dir, force)  # before any work is done
    run = load_run(run_dir)
    assembled = assemble(run, locale)
    html = render_html(assembled.report).encode("utf-8")
    markdown = render_markdown(assembled.report).encode("utf-8")
    try:
        return write_report_files(run_dir, html, markdown, assembled.pngs)
    except (OSError, OutputError) as exc:
        raise ReportError(f"{run_dir}: cannot write the report ({exc})") from None


def _refuse_existing(run_dir: Path, force: bool) -> None:
    existing = None if force else existing_output(run_dir)
    if existing is not None:
        raise ReportError(f"{existing}: already exists; add --force to replace the report")


# -- assembling ----------------------------------------------------------------------------------


@dataclass
class _Context:
    run: RunFolder
    style: NumberStyle
    labels: Labels
    palette: Palette
    pngs: dict[str, bytes]
    one_replication_note: str

    def figure(self, name: str, title: str, caption: str,
               draw: Callable[[], MplFigure]) -> Figure:
        return figure_block(self.pngs, CHARTS_DIR, name, title, caption, draw)


def assemble(run: RunFolder, locale: str | None = None) -> Assembled:
    """The report of a run, with its charts rendered (pure apart from matplotlib).

    ``locale`` (``en`` or ``ru``) decides how numbers are written; default: the scenario's.
    """
    scenario = run.scenario
    locale = locale or scenario.locale
    style = number_style(run.currency, locale)
    palette = Palette.for_names([s.name for s in scenario.stages], [r.name for r in scenario.roles])
    note = (f" From the event log of the first of {run.replications} replications."
            if run.replications > 1 else "")
    ctx = _Context(run, style, Labels(scenario, locale), palette, {}, note)
    visits = step_visits(run.events, scenario)
    builders = (
        _headline, _bottleneck, _funnel, lambda c: _time(c, visits),
        lambda c: _utilisation(c, visits), _plan_fact, _cash, _revenue, _channels, _losses,
        _staff, _sla, _scenario, _method,
    )
    sections = tuple(s for build in builders if (s := build(ctx)) is not None)
    summary = run.summary
    start = scenario.calendar.start_date
    end = start + dt.timedelta(days=float(scenario.horizon_days))
    facts = (
        ("scenario", str(summary.get("scenario", scenario.name))),
        ("period", f"{_date(start)} – {_date(end)} ({style.number(scenario.horizon_days)} days"
                   + (f", first {style.number(scenario.warmup_days)} warm-up"
                      if scenario.warmup_days else "") + ")"),
        ("seed", str(summary.get("seed", scenario.seed))),
        ("replications", style.integer(run.replications)),
        ("currency", run.currency),
    )
    report = Report(
        title=f"Sales department simulation: {scenario.name}",
        subtitle=scenario.description,
        facts=facts,
        sections=sections,
        footer=(f"salesim {run.run_info.get('salesim_version', 'unknown')} · run finished "
                f"{run.run_info.get('finished_at', 'unknown')} · illustrative simulation, "
                f"not a forecast"),
    )
    return Assembled(report, ctx.pngs)


def _date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def _ci(item: dict[str, Any], key: str) -> tuple[float | None, float | None]:
    ci = item.get(f"{key}_ci95")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return finite(ci[0]), finite(ci[1])
    return None, None


def _row_ci(row: pd.Series, key: str) -> tuple[float | None, float | None]:
    return finite(row.get(f"{key}_ci95_low")), finite(row.get(f"{key}_ci95_high"))


# -- 1. headline ---------------------------------------------------------------------------------


def _headline(ctx: _Context) -> Section:
    s, style = ctx.run.summary, ctx.style
    plan = s.get("plan") if isinstance(s.get("plan"), dict) else {}
    assert isinstance(plan, dict)
    leads = s.get("leads", {})

    def kpi(label: str, item: dict[str, Any], key: str, fmt: str, *, higher: bool = True,
            note: str = "") -> Kpi | None:
        value = finite(item.get(key))
        if key not in item:
            return None
        text = _format(style, value, fmt)
        low, high = _ci(item, key)
        ci = style.plus_minus("", low, high, fmt=fmt,
                              digits=1 if fmt in ("pct", "days") else 0).strip()
        target = finite(plan.get(key)) if key in plan else None
        progress = value / target if value is not None and target else None
        return Kpi(label=label, value=text, ci=f"margin of error {ci}" if ci else "",
                   plan=f"plan {_format(style, target, fmt)}" if target is not None else "",
                   progress=progress, good_when_higher=higher, note=note,
                   progress_text=f"{style.pct(progress, 1)} of plan"
                   if progress is not None else "")

    revenue = kpi("Revenue", s, "revenue", "money")
    planned = s.get("plan")
    if revenue is not None and planned and finite(planned.get("plan")):
        # against the plan: the sales the plan covers (summary.json's one attainment)
        plan_total, fact_total = float(planned["plan"]), float(planned["actual"])
        share = finite(planned.get("attainment"))
        covers = "new business" if planned.get("covers") == "new_business" else "all revenue"
        revenue = replace(revenue, plan=f"plan {style.money(plan_total)} ({covers}), "
                                        f"sales against it {style.money(fact_total)}",
                          progress=share,
                          progress_text=f"{style.pct(share, 1)} of plan" if share is not None
                          else "")
    items = [
        revenue,
        kpi("Profit", s, "profit", "money"),
        kpi("Deals won", leads, "won", "int"),
        kpi("Lead → deal conversion", s, "lead_to_deal", "pct"),
        kpi("Lead to cash, median", s, "lead_to_cash_days_median", "days", higher=False),
        kpi("Average deal", s, "average_deal", "money"),
        kpi("Leads generated", leads, "generated", "int"),
    ]
    scenario = ctx.run.scenario
    start = scenario.calendar.start_date
    w0 = start + dt.timedelta(days=float(scenario.warmup_days))
    w1 = start + dt.timedelta(days=float(scenario.horizon_days))
    text = (f"Over {_date(w0)} – {_date(w1)}: leads that arrived in this window, their deals "
            f"and their revenue.")
    if ctx.run.replications > 1:
        text += (f" Each figure is the average of {ctx.run.replications} simulated runs; ± is "
                 f"its margin of error (see the appendix).")
    if plan:
        text += " Against the plan where one exists."
    warning = _stability_warning(s)
    return Section("headline", "Headline figures",
                   (KpiGrid(tuple(k for k in items if k is not None)), *warning,
                    Paragraph(text, "note")))


def _stability_warning(summary: dict[str, Any]) -> tuple[Paragraph, ...]:
    """The engine's warning when a queue grows without bound (``summary.json``'s
    ``stability``), shown with the figures it puts in doubt; nothing when stable."""
    stability = summary.get("stability")
    if not isinstance(stability, dict) or stability.get("stable", True):
        return ()
    return (Paragraph(f"Not sustainable. {stability.get('warning') or ''}".strip(),
                      "warning"),)


def _format(style: NumberStyle, value: float | None, fmt: str) -> str:
    if fmt == "money":
        return style.money(value)
    if fmt == "pct":
        return style.pct(value, 1)
    if fmt == "days":
        return style.days(value)
    return style.integer(value)


# -- 2. bottleneck -------------------------------------------------------------------------------


def _bottleneck(ctx: _Context) -> Section:
    b = ctx.run.summary.get("bottleneck") or {}
    style = ctx.style
    agreement = finite(b.get("agreement"))
    runs = ctx.run.replications
    votes = (round(agreement * runs), runs) if agreement is not None and runs > 1 else None
    sentence = bottleneck_text(screen_verdict(b), ctx.run.scenario, ctx.labels.locale,
                               agreement=votes)
    confirmation = b.get("confirmation")
    blocks: list[Any] = []
    if confirmation:
        blocks.append(Paragraph(str(confirmation.get("headline", b.get("verdict", ""))),
                                "verdict"))
        blocks.append(Paragraph(f"The queue screen: {sentence}", "note"))
    else:
        blocks.append(Paragraph(sentence, "verdict"))
    blocks.extend(_stability_warning(ctx.run.summary))
    if confirmation:
        blocks.append(_confirmation_table(confirmation, style))
    if len(ctx.run.stages) and len(ctx.run.roles):
        blocks.append(ctx.figure(
            "bottleneck", "Evidence for the verdict",
            "Left: how long a lead waits for staff at each stage (or, when no team holds the "
            "department back, the share of leads each stage loses). Right: how busy each team "
            f"is; past the dashed line at {style.pct(HIGH_UTILIZATION)} a team is overloaded. "
            "The bottleneck is outlined in red.",
            lambda: bottleneck_chart(ctx.run.stages, ctx.run.roles, b, ctx.palette,
                                            style, HIGH_UTILIZATION)))
    return Section("bottleneck", "The bottleneck", tuple(blocks))


def _confirmation_table(confirmation: dict[str, Any], style: NumberStyle) -> Table:
    """The relief test: one more person in each candidate role, its paired effect a month."""
    def pm(est: dict[str, Any], money: bool) -> str:
        mean, half = finite(est.get("mean")), finite(est.get("half_width"))
        if mean is None:
            return "–"
        if money and half:  # to two significant digits of the half-width
            q = 10.0 ** (math.floor(math.log10(half)) - 1)
            mean, half = round(mean / q) * q, round(half / q) * q
        text = style.money(mean) if money else style.number(mean, 1)
        sign = "+" if mean > 0 and not text.startswith(("+", "−", "-")) else ""
        return sign + text + ("" if half is None else
                              f" ± {style.money(half) if money else style.number(half, 1)}")

    rows, tones = [], []
    for c in confirmation.get("candidates") or []:
        chosen = c.get("role") == confirmation.get("chosen")
        rows.append((f"+1 {c.get('role')}", str(c.get("stage")),
                     pm(c.get("delta_revenue_per_month") or {}, True),
                     pm(c.get("delta_won_per_month") or {}, False),
                     "yes" if c.get("significant") else "no"))
        tones.append("strong" if chosen else "")
    return Table(
        columns=(Column("relief", "left"), Column("stage", "left"),
                 Column("revenue a month"), Column("won deals a month"), Column("significant")),
        rows=tuple(rows), tones=tuple(tones),
        caption=f"Confirmed by simulation: {confirmation.get('replications')} paired "
                f"replications",
        note="Each row: the scenario with one more person in that role against the scenario "
             "as it is, on the same random numbers; mean change ± 95% CI half-width. "
             "Significant: the revenue change is above zero beyond chance, or the change in "
             "deals won is while revenue rises on average. The bottleneck "
             "is the significant relief that adds most revenue; none: lead flow and "
             "conversion limit the department.")


# -- 3. funnel -----------------------------------------------------------------------------------


def _funnel(ctx: _Context) -> Section:
    run, style = ctx.run, ctx.style
    stages = _in_order(run.stages, "stage", [s.name for s in run.scenario.stages])
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
    low, high = _row_ci(row, "conversion")
    return (label, role, style.integer(finite(row["entered"])),
            style.integer(finite(row["converted"])), style.integer(finite(row["lost"])),
            style.integer(finite(row.get("lost_cooled"))),
            style.integer(finite(row.get("in_progress"))),
            style.plus_minus(style.pct(finite(row["conversion"]), 1), low, high, "pct", 1),
            style.days(finite(row.get("wait_days_mean"))))


def _in_order(table: pd.DataFrame, key: str, order: list[str]) -> pd.DataFrame:
    rank = {name: i for i, name in enumerate(order)}
    keyed = table.assign(_order=table[key].astype(str).map(rank).fillna(len(order)))
    return keyed.sort_values("_order", kind="stable").drop(columns="_order").reset_index(
        drop=True)


# -- 4. time ------------------------------------------------------------------------------------


def _periods(ctx: _Context) -> tuple[Periods, str]:
    scenario = ctx.run.scenario
    if scenario.horizon_days <= DAILY_UP_TO_DAYS:
        return day_periods(scenario), "daily"
    return week_periods(scenario), "weekly"


def _warmup_until(ctx: _Context) -> dt.date | None:
    s = ctx.run.scenario
    if s.warmup_days <= 0:
        return None
    return s.calendar.start_date + dt.timedelta(days=float(s.warmup_days))


def _end_date(ctx: _Context) -> dt.date:
    s = ctx.run.scenario
    return s.calendar.start_date + dt.timedelta(days=float(s.horizon_days))


def _time(ctx: _Context, visits: pd.DataFrame) -> Section:
    run, style = ctx.run, ctx.style
    scenario = run.scenario
    split = time_split_by_stage(run.events, visits, scenario)
    periods, average = _periods(ctx)
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
                                            _end_date(ctx), _warmup_until(ctx))),
    ]
    return Section("time", "Where the time goes", tuple(blocks))


# -- 5. utilisation -------------------------------------------------------------------------------


def _utilisation(ctx: _Context, visits: pd.DataFrame) -> Section | None:
    run, style = ctx.run, ctx.style
    if run.roles.empty:
        return None
    roles = _in_order(run.roles, "role", [r.name for r in run.scenario.roles])
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
    return _in_order(people, "role", order)


# -- 6. plan vs fact, cash ------------------------------------------------------------------------


def _plan_fact(ctx: _Context) -> Section | None:
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


def _cash(ctx: _Context) -> Section | None:
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


def _revenue(ctx: _Context) -> Section | None:
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
        lambda: cumulative_revenue_chart(daily, style, _warmup_until(ctx))))
    return Section("revenue", "Monthly P&L" if has_pnl else "Revenue by month", tuple(blocks))


def _channels(ctx: _Context) -> Section | None:
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


def _losses(ctx: _Context) -> Section | None:
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


# -- 8. staff -----------------------------------------------------------------------------------


def _staff(ctx: _Context) -> Section | None:
    """The engine's weekly ranking (``ranking.csv``): who brought in the most each week."""
    run, style = ctx.run, ctx.style
    ranking = run.optional.get("ranking.csv")
    if ranking is None or ranking.empty:
        return None
    data = ranking.assign(staff_id=ranking["staff_id"].astype(str),
                          role=ranking["role"].astype(str))
    order = [r.name for r in run.scenario.roles]
    people = data.drop_duplicates("staff_id")[["staff_id", "role"]]
    rank_of_role = {r: i for i, r in enumerate(order)}
    people = people.assign(_r=people["role"].map(rank_of_role).fillna(len(order)),
                           _n=people["staff_id"].map(_staff_number))
    people = people.sort_values(["_r", "_n", "staff_id"], kind="stable")[["staff_id", "role"]]
    ranked = data.groupby(["week", "role"])["rank"].transform("max")
    data = data.assign(of=ranked, relative=(data["rank"] - 1) / (ranked - 1).where(ranked > 1))
    start = run.scenario.calendar.start_date
    weeks = list(range(1, int(data["week"].max()) + 1))
    dates = [start + dt.timedelta(days=7 * (w - 1)) for w in weeks]
    matrix = data.pivot(index="staff_id", columns="week", values="relative").reindex(
        index=people["staff_id"].tolist(), columns=weeks)
    matrix.columns = pd.Index(dates)
    ranks = data.pivot(index="staff_id", columns="week", values="rank").reindex(
        index=people["staff_id"].tolist(), columns=weeks)
    ranks.columns = pd.Index(dates)
    money = "credited_revenue" in data.columns
    rows, tones = [], []
    for role in [r for r in order if r in set(people["role"])]:
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


def _staff_number(staff_id: str) -> int:
    """``closer-12`` → 12, so that people sort as 1, 2, …, 10 rather than 1, 10, 2."""
    tail = staff_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# -- 9. SLA ----------------------------------------------------------------------------------


def _sla(ctx: _Context) -> Section | None:
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


# -- 10. the scenario as run --------------------------------------------------------------------


def _scenario(ctx: _Context) -> Section:
    run, style = ctx.run, ctx.style
    info, summary, scenario = run.run_info, run.summary, run.scenario
    elapsed = finite(info.get("elapsed_seconds"))
    rows = (
        ("scenario", str(summary.get("scenario", scenario.name))),
        ("scenario file", str(info.get("scenario_file", "—"))),
        ("seed", str(summary.get("seed", scenario.seed))),
        ("replications", style.integer(run.replications)),
        ("horizon", f"{style.number(scenario.horizon_days)} days from "
                    f"{_date(scenario.calendar.start_date)}"),
        ("warm-up", f"{style.number(scenario.warmup_days)} days"),
        ("salesim version", str(info.get("salesim_version", "—"))),
        ("simulated in", f"{style.number(elapsed, 1)} s" if elapsed is not None else "—"),
        ("finished at", str(info.get("finished_at", "—"))),
        ("Python", str(info.get("python", "—"))),
    )
    return Section("scenario", "The scenario as run", (
        Table(columns=(Column("", "left"), Column("", "left")), rows=rows),
        Details("scenario.yaml (every field, defaults filled in)", run.scenario_text, "yaml"),
    ))



# -- 11. appendix: method notes -----------------------------------------------------------------


def _method(ctx: _Context) -> Section:
    """How the figures were made and what they mean: for the reader who asks, not the summary."""
    run, style = ctx.run, ctx.style
    r = run.replications
    blocks: list[Any] = []
    if r > 1:
        blocks.append(Paragraph(
            f"Replications: the scenario was simulated {style.integer(r)} times with independent "
            f"random numbers (replications 0 to {r - 1} of the seed). Every figure is the mean "
            f"over the replications, and ± is the half-width of its 95% confidence interval, "
            f"from Student's t distribution with {r - 1} degrees of freedom (t = "
            f"{style.number(_t(r), 3)}): were the whole experiment repeated many times, 95 of "
            f"100 intervals computed this way would hold the long-run value. The charts drawn "
            f"from the event log (time split, work in progress, utilisation per person, "
            f"revenue over time, ranking) show the first replication."))
    else:
        blocks.append(Paragraph(
            "One replication: every figure comes from one simulated run, so it carries the luck "
            "of that run. Run with --replications 10 (or more) for margins of error (95% "
            "confidence intervals)."))
    blocks.append(Paragraph(
        f"How the bottleneck is named: for every stage, the working hours leads spent queued "
        f"for its main team. The stage with the most is the bottleneck when its leads wait at "
        f"least {style.number(MIN_WAIT_WORK_HOURS)} working hours on average or its team is "
        f"busy at least {style.pct(HIGH_UTILIZATION)} of its working time. Otherwise no team "
        f"holds the department back, and the verdict names the stage that loses the largest "
        f"share of the leads it decides. With replications, the verdict most replications "
        f"reached is shown with the means of the replications that reached it."))
    scenario = run.scenario
    window = (f"The measured window starts after a warm-up of "
              f"{style.number(scenario.warmup_days)} days: lead figures count the leads that "
              f"arrived after it." if scenario.warmup_days else
              "The measured window is the whole run: lead figures count every lead that "
              "arrived in it.")
    blocks.append(Paragraph(window))
    definitions = (
        ("conversion", "leads that moved on ÷ leads decided (moved on or lost) at the stage or "
                       "step; leads still undecided at the end of the run do not count against "
                       "it"),
        ("cooled", "lost because the lead waited too long for someone to pick it up (the "
                   "stage's cooling half-life)"),
        ("busy (utilisation)", "busy working hours ÷ available working hours of the team's "
                               "calendar, over the measured window"),
        ("mean wait", "calendar days from joining a team's queue to the start of work; "
                      "working hours count only the team's working time"),
        ("work in progress", "the time-average number of leads in a stage"),
        ("SLA breach (red warning)", "a step whose staff part, queue and work, took longer "
                                     "than its SLA"),
        ("lead to cash", "days from a lead's arrival to the payment of its first deal"),
    )
    blocks.append(Table(columns=(Column("term", "left"), Column("meaning", "left")),
                        rows=definitions, caption="Definitions"))
    return Section("method", "Appendix: method notes", tuple(blocks))


def _t(replications: int) -> float:
    """Student's t(0.975, R − 1), as the summary's intervals use it."""
    return t_critical(replications - 1)
