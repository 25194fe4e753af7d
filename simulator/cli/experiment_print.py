"""What the experiment commands print: tables of means with CIs, verdicts and notes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from salesim.simulator.cli.console import out
from salesim.simulator.numbers import NumberFormat, ci_rounding, number_format
from salesim.simulator.scenario.labels import Labels

__all__ = ["print_compare", "print_sweep", "print_whatif"]


def _pm(est: dict[str, Any], nf: NumberFormat | None = None, *, signed: bool = False) -> str:
    """``mean ± half-width``, rounded to two significant digits of the half-width."""
    nf = nf or number_format()
    low, high = est["ci95"]
    if est["mean"] is None:
        return nf.number(None)
    half = (high - low) / 2 if low is not None and high is not None else None
    m, h, digits = ci_rounding(est["mean"], half)
    mean = nf.signed(m, digits) if signed else nf.number(m, digits)
    return mean if h is None else f"{mean} ± {nf.number(h, digits)}"


def _where(b: dict[str, Any], labels: Labels | None = None) -> str:
    """The bottleneck in a table cell: ``Lead development (Hunters)``."""
    labels = labels or Labels(None)
    if b["kind"] == "capacity":
        return f"{labels.stage(b['stage'])} ({labels.role(b['role'])})"
    return "no team holds it back" if b["kind"] == "conversion" else "none"


def print_compare(doc: dict[str, Any], target: Path, nf: NumberFormat, labels: Labels
                   ) -> None:
    cur = doc["currency"]
    out().print(f"[bold]Compare[/bold] — base {doc['base']}, {doc['replications']} paired "
              f"replications, seed {doc['seed']}, {doc['horizon_days']:g} days (mean ± 95% CI)")
    table = Table(title_justify="left")
    for col in ("variant", f"revenue, {cur}/month", f"profit, {cur}/month",
                f"Δ profit vs base, {cur}/month", "won/month", "bottleneck", "stable"):
        table.add_column(col, justify="left" if col in ("variant", "bottleneck", "stable")
                         else "right")
    for v in doc["variants"]:
        m = v["means"]
        delta = ("(base)" if v["is_base"]
                 else _pm(v["differences"]["profit_per_month"], nf, signed=True))
        table.add_row(v["name"], _pm(m["revenue_per_month"], nf), _pm(m["profit_per_month"], nf),
                      delta, _pm(m["won_per_month"], nf), _where(v["bottleneck"], labels),
                      _stable_cell(v["stability"]))
    out().print(table)
    for v in doc["variants"][1:]:
        out().print(v["verdict"], markup=False)
    _print_unstable(doc["variants"])
    _print_notes(doc)
    out().print(f"Results written to [bold]{target}/[/bold]")


def _stable_cell(stability: dict[str, Any]) -> str:
    """'yes', or '[red]NO: 3/10 runs[/red]': whether the variant's queues stay bounded."""
    if stability["stable"]:
        return "yes"
    return (f"[bold red]NO: {stability['unstable_replications']}/{stability['replications']} "
            f"runs[/bold red]")


def _print_unstable(variants: Sequence[dict[str, Any]]) -> None:
    """One line per variant whose queues grow without bound (the table's 'stable' column)."""
    for v in variants:
        if not v["stability"]["stable"]:
            out().print(f"[bold red]⚠ {escape(v['name'])}: {escape(v['stability']['text'])}; its "
                      f"figures at the horizon depend on how long you simulate.[/bold red]")


def _print_notes(doc: dict[str, Any]) -> None:
    p = doc.get("precision")
    if p:
        state = "reached" if p["met"] else "NOT reached (raise --max-replications)"
        out().print(f"Precision target for {p['metric']} {state} with {p['replications']} "
                  f"replications.")
    w = doc.get("warmup")
    if w:
        reliable = "" if w["reliable"] else " (not settled: treat with care)"
        out().print(f"Warm-up (MSER-5 on deals won per day): {w['detected_days']} days detected"
                  f"{reliable}; {w['applied_days']:g} days cut from the measured window.")


def print_sweep(doc: dict[str, Any], target: Path) -> None:
    cur = doc["currency"]
    out().print(f"[bold]Sweep[/bold] of {doc['base']} — {len(doc['variants'])} variants × "
              f"{doc['replications']} replications, seed {doc['seed']} (mean ± 95% CI)")
    table = Table(title_justify="left")
    paths = [a["path"] for a in doc["axes"]]
    for p in paths:
        table.add_column(p, justify="right")
    for col in (f"revenue, {cur}/month", f"profit, {cur}/month", "won/month", "bottleneck",
                "stable"):
        table.add_column(col, justify="left" if col in ("bottleneck", "stable") else "right")
    for v in doc["variants"]:
        m = v["means"]
        table.add_row(*(str(v["values"][p]) for p in paths), _pm(m["revenue_per_month"]),
                      _pm(m["profit_per_month"]), _pm(m["won_per_month"]),
                      _where(v["bottleneck"]), _stable_cell(v["stability"]))
    out().print(table)
    _print_unstable(doc["variants"])
    _print_notes(doc)
    out().print(f"Results written to [bold]{target}/[/bold]")


def print_whatif(doc: dict[str, Any], target: Path) -> None:
    cur = doc["currency"]
    by_name = {r["name"]: r for r in doc["levers"]}
    out().print(f"[bold]What if[/bold] — {doc['base']}, {doc['replications']} paired replications "
              f"(effect a month ± 95% CI)")
    hires = Table(title="+1 person, ranked by profit per rouble of added payroll",
                  title_justify="left")
    bottleneck = doc["bottleneck"]
    out().print(f"Queue screen: {bottleneck['screen']['verdict']}", markup=False)
    out().print(bottleneck["sentence"], markup=False)
    out().print(bottleneck["headline"], style="bold", markup=False)
    for col in ("#", "role", f"added payroll, {cur}/month", f"Δ profit, {cur}/month",
                f"Δ revenue, {cur}/month", "profit per rouble", "bottleneck after", "stable"):
        hires.add_column(col, justify="left" if col in ("role", "bottleneck after", "stable")
                         else "right")
    for i, name in enumerate(doc["ranking"]["hires"], 1):
        r = by_name[name]
        pr = r["profit_per_rouble"]
        nf = number_format()
        hires.add_row(str(i), r["role"], nf.integer(r["added_cost_per_month"]),
                      _pm(r["delta_profit_per_month"], signed=True),
                      _pm(r["delta_revenue_per_month"], signed=True),
                      nf.signed(None if pr is None else pr["mean"], 2),
                      _after(r["bottleneck"]), _stable_cell(r["stability"]))
    out().print(hires)
    faster = Table(title=f"{doc['faster_share']:.0%} less work per step, ranked by profit "
                         f"(what the improvement is worth a month)", title_justify="left")
    for col in ("#", "role", f"Δ profit, {cur}/month", f"Δ revenue, {cur}/month"):
        faster.add_column(col, justify="left" if col == "role" else "right")
    for i, name in enumerate(doc["ranking"]["improvements"], 1):
        r = by_name[name]
        faster.add_row(str(i), r["role"], _pm(r["delta_profit_per_month"], signed=True),
                       _pm(r["delta_revenue_per_month"], signed=True))
    out().print(faster)
    _print_unstable(doc["comparison"]["variants"])
    _print_notes(doc["comparison"])
    out().print(f"Results written to [bold]{target}/[/bold]")


def _after(b: dict[str, Any]) -> str:
    """A lever's "bottleneck after" cell: stays at the confirmed one, or moves to the screen's."""
    where = f"{b['stage']} ({b['role']})" if b["kind"] == "capacity" else f"none ({b['kind']})"
    return f"moves to {where} (screen)" if b["moved"] else f"stays: {where}"
