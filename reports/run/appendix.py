"""Sections 10 and 11 of the run report: the scenario as run, and the method notes."""

from __future__ import annotations

from typing import Any

from salesim.reports.layout import Column, Details, Paragraph, Section, Table
from salesim.reports.run.context import RunContext, date_text
from salesim.simulator.metrics.bottleneck import MIN_WAIT_WORK_HOURS
from salesim.simulator.metrics.summary import t_critical
from salesim.simulator.numbers import finite
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["method_section", "scenario_section"]

# -- 10. the scenario as run --------------------------------------------------------------------


def scenario_section(ctx: RunContext) -> Section:
    run, style = ctx.run, ctx.style
    info, summary, scenario = run.run_info, run.summary, run.scenario
    elapsed = finite(info.get("elapsed_seconds"))
    rows = (
        ("scenario", str(summary.get("scenario", scenario.name))),
        ("scenario file", str(info.get("scenario_file", "—"))),
        ("seed", str(summary.get("seed", scenario.seed))),
        ("replications", style.integer(run.replications)),
        ("horizon", f"{style.number(scenario.horizon_days)} days from "
                    f"{date_text(scenario.calendar.start_date)}"),
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


def method_section(ctx: RunContext) -> Section:
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
