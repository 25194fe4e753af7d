"""What ``salesim run`` prints: the funnel, the teams, the bottleneck and stability."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from rich.markup import escape
from rich.table import Table

from salesim.simulator.cli.console import out
from salesim.simulator.metrics.verdict import bottleneck_text, screen_verdict
from salesim.simulator.numbers import NumberFormat, number_format
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["print_run"]


def _ci(item: dict[str, Any], key: str, fmt: Any) -> str:
    """``value ± half-width`` of the 95% CI when the run had replications."""
    text: str = fmt(item.get(key))
    ci = item.get(f"{key}_ci95")
    if ci and ci[0] is not None and ci[1] is not None:
        text += f" ± {fmt((ci[1] - ci[0]) / 2)}"
    return text


def print_run(scenario: Scenario, doc: dict[str, Any], replications: int, locale: str) -> None:
    """The run's window, its leads and money, the funnel, the teams and the bottleneck."""
    nf = number_format(locale, scenario.currency)
    labels = Labels(scenario, locale)
    leads = doc["leads"]
    start = scenario.calendar.start_date
    w0 = start + dt.timedelta(days=float(scenario.warmup_days))
    w1 = start + dt.timedelta(days=float(scenario.horizon_days))
    warm = (f" after a {nf.number(scenario.warmup_days)}-day warm-up"
            if scenario.warmup_days else "")
    head = (f"[bold]{scenario.name}[/bold] — {w0:%d %b %Y} to {w1:%d %b %Y}{warm}, "
            f"seed {doc['seed']}"
            + (f", {replications} replications (mean ± 95% margin of error)"
               if replications > 1 else ""))
    out().print(head)
    stability = doc.get("stability") or {}
    if stability.get("warning"):  # first, before any figure that it puts in doubt
        out().print(f"[bold red]⚠ Not sustainable. {escape(stability['warning'])}[/bold red]")
    out().print(f"Leads: {_ci(leads, 'generated', nf.integer)} generated, "
                f"{_ci(leads, 'won', nf.integer)} won, {_ci(leads, 'lost', nf.integer)} lost, "
                f"{_ci(leads, 'in_progress', nf.integer)} in progress. "
                f"Revenue {_ci(doc, 'revenue', nf.money)}; average deal "
                f"{nf.money(doc['average_deal'])}; lead→deal {nf.pct(doc['lead_to_deal'], 1)}.")
    out().print(_funnel(doc["stages"], nf, labels))
    out().print(_teams(doc["roles"], nf, labels))
    _print_bottleneck(doc["bottleneck"], scenario, replications, locale)
    if stability.get("stable"):  # an unstable run's warning is printed first
        out().print(_stability_line(stability))


def _funnel(stages: list[dict[str, Any]], nf: NumberFormat, labels: Labels) -> Table:
    def pct(value: float | None) -> str:
        return nf.pct(value)

    def one(value: float | None) -> str:
        return nf.number(value, 1)

    funnel = Table(title="Funnel by stage", title_justify="left")
    widest = max((len(labels.stage(s["name"])) for s in stages), default=5)
    funnel.add_column("stage", no_wrap=True, min_width=widest)
    for col in ("entered", "moved on", "lost", "cooled", "share moved on", "wait, days",
                "cycle, days", "in stage", "late (SLA)"):
        funnel.add_column(col, justify="right")
    for s in stages:
        funnel.add_row(labels.stage(s["name"]), _ci(s, "entered", nf.integer),
                       _ci(s, "converted", nf.integer), _ci(s, "lost", nf.integer),
                       nf.integer(s["lost_cooled"]), _ci(s, "conversion", pct),
                       _ci(s, "wait_days_mean", one), _ci(s, "cycle_days_mean", one),
                       one(s["wip_mean"]), nf.integer(s["sla_breaches"]))
    return funnel


def _teams(roles: list[dict[str, Any]], nf: NumberFormat, labels: Labels) -> Table:
    def pct(value: float | None) -> str:
        return nf.pct(value)

    table = Table(title="Teams", title_justify="left")
    for col, justify in (("team", "left"), ("people", "right"), ("busy", "right"),
                         ("", "left"), ("leads waiting (avg)", "right")):
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in roles:
        u = r["utilization"] or 0.0
        bar = "█" * round(min(u, 1.0) * 20)
        colour = "red" if u >= HIGH_UTILIZATION else "yellow" if u >= 0.7 else "green"
        table.add_row(labels.role(r["name"]), nf.integer(r["headcount"]),
                      _ci(r, "utilization", pct), f"[{colour}]{bar}[/{colour}]",
                      nf.number(r["queue_mean"], 1))
    return table


def _print_bottleneck(b: dict[str, Any], scenario: Scenario, replications: int,
                      locale: str) -> None:
    """The queue screen's verdict and, when it was run, the confirmation by simulation."""
    agreement = b.get("agreement")
    votes = (round(agreement * replications), replications) if agreement is not None else None
    confirmation = b.get("confirmation")
    screen_text = bottleneck_text(screen_verdict(b), scenario, locale, agreement=votes)
    if confirmation is None:
        out().print(screen_text, style="bold", markup=False)
        return
    out().print(f"Queue screen: {screen_text}", markup=False)
    out().print(confirmation["sentence"], markup=False)
    out().print(confirmation["headline"], style="bold", markup=False)
    hint = _inconclusive(confirmation)
    if hint:
        out().print(hint, markup=False)


def _inconclusive(confirmation: dict[str, Any]) -> str:
    """A hint when the most promising relief might pay but too few replications tell."""
    if confirmation["chosen"] is not None:
        return ""
    open_ = [c for c in confirmation["candidates"]
             if (c["delta_revenue_per_month"]["mean"] or 0) > 0 and not c["significant"]]
    if not open_:
        return ""
    best = max(open_, key=lambda c: c["delta_revenue_per_month"]["mean"])
    est = best["delta_revenue_per_month"]
    r = confirmation["replications"]
    half = est["half_width"] or math.inf
    needed = min(100, math.ceil(r * (half / est["mean"]) ** 2) + 1) if math.isfinite(half) \
        else 2 * r
    return (f"Inconclusive for {best['role']}: its mean gain is positive but {r} replications "
            f"cannot tell it from zero; about {max(needed, r + 1)} would "
            f"(--confirm-replications {max(needed, r + 1)}).")


def _stability_line(stability: dict[str, Any]) -> str:
    """One line for a stable run: every queue is served, and which ones to watch."""
    watch = "; ".join(
        f"{w['stage']} ({w['role']}) — {w['reason']}"
        + (f", busy {w['utilization_last_quarter']:.0%} in the last quarter"
           if w.get("utilization_last_quarter") is not None else "")
        + (f", in {w['share']:.0%} of replications" if "share" in w else "")
        for w in stability.get("watch", []))
    return "Stability: every queue is served" + (f"; to watch: {escape(watch)}." if watch
                                                  else ".")
