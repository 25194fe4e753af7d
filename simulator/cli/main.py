"""The ``salesim`` command: every command group composed into one typer app."""

from __future__ import annotations

import typer

from salesim.simulator.cli import experiments, plan, report, run, scenario

__all__ = ["app", "main"]

app = typer.Typer(
    name="salesim",
    help="Simulate a B2B sales department: funnel, queues, utilisation and the bottleneck.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
run.register(app)
scenario.register(app)
plan.register(app)
experiments.register(app)
report.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
