"""The options the experiment commands share (compare, sweep, whatif, optimize)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["Days", "Force", "Jobs", "MaxReps", "MetricOpt", "OutDir", "Plan", "PrecisionOpt",
           "Replications", "Scheduler", "Seed", "WarmupOpt"]

Replications = Annotated[int, typer.Option(
    "--replications", "-r", min=2, max=10_000,
    help="Replications per variant (the same r = 0..R-1 for every variant).")]
Seed = Annotated[int | None, typer.Option(
    help="Root seed for every variant (default: the base scenario's).")]
Days = Annotated[float | None, typer.Option(
    help="Calendar days measured for every variant, after its warm-up (default: the "
    "scenario's horizon_days − warmup_days).")]
Jobs = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, help="Local worker processes (default: one per core; 1 = in this "
    "process). With --scheduler local: the embedded Dask cluster's workers.")]
Scheduler = Annotated[str | None, typer.Option(
    help="Dask scheduler address, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS if "
         "set, else local processes); 'local' starts an embedded Dask LocalCluster. Needs "
         "salesim[dask].", show_default=False)]
PrecisionOpt = Annotated[str | None, typer.Option(
    "--precision", help="Add replications until the 95% CI half-width of --metric is within "
    "this target for every variant: '2%' of the mean, or an amount.", show_default=False)]
MetricOpt = Annotated[str, typer.Option(
    "--metric", help="The metric --precision applies to.")]
MaxReps = Annotated[int, typer.Option(
    "--max-replications", min=2, max=10_000, help="Upper limit for --precision.")]
WarmupOpt = Annotated[str | None, typer.Option(
    "--warmup", help="Warm-up to cut from the measured window: DAYS, or 'auto' to detect it "
    "with MSER-5 on the base's runs (for steady-state questions). The detected warm-up is "
    "reported either way.", show_default=False)]
Plan = Annotated[float | None, typer.Option(
    "--plan", help="Sales plan, revenue a month, for the metric plan_attainment = revenue a "
    "month ÷ plan (default: the scenario's own plan, if it has one).", show_default=False)]
OutDir = Annotated[Path | None, typer.Option(
    "--out", help="Output folder (default: runs/<scenario>-<command>-<time>).",
    show_default=False)]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")]
