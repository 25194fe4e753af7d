"""The run report: a run folder in, ``report.html`` + ``report.md`` + chart PNGs out.

:func:`build_report` is what ``salesim report RUN_DIR`` and ``salesim run --report`` call.
:func:`assemble` is the pure part: a :class:`~store.run_reader.RunFolder` in, a
:class:`~salesim.reports.layout.Report` (sections of cards, sentences, charts and tables) and the
chart PNGs out. Every figure shown comes from the run folder's tables or from
:mod:`metrics.timeseries` over its event log; nothing here computes a KPI.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from salesim.reports.charts.base import Palette
from salesim.reports.formatting import number_style
from salesim.reports.layout import (
    REPORT_FILES,
    Assembled,
    Report,
    existing_output,
    render_html,
    render_markdown,
    write_report_files,
)
from salesim.reports.run.appendix import method_section, scenario_section
from salesim.reports.run.context import CHARTS_DIR, RunContext, date_text
from salesim.reports.run.flow import funnel_section, time_section, utilisation_section
from salesim.reports.run.headline import bottleneck_section, headline_section
from salesim.reports.run.money import (
    cash_section,
    channels_section,
    losses_section,
    plan_fact_section,
    revenue_section,
)
from salesim.reports.run.staff import sla_section, staff_section
from salesim.simulator.metrics.flow import step_visits
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.store.atomic import OutputError
from salesim.simulator.store.run_reader import ReportError, RunFolder, load_run

__all__ = ["CHARTS_DIR", "HTML_NAME", "MD_NAME", "Assembled", "assemble", "build_report"]

HTML_NAME = REPORT_FILES.html
MD_NAME = REPORT_FILES.markdown


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
    ctx = RunContext({}, CHARTS_DIR, run, style, Labels(scenario, locale), palette, note)
    visits = step_visits(run.events, scenario)
    builders = (
        headline_section, bottleneck_section, funnel_section, lambda c: time_section(c, visits),
        lambda c: utilisation_section(c, visits), plan_fact_section, cash_section,
        revenue_section, channels_section, losses_section, staff_section, sla_section,
        scenario_section, method_section,
    )
    sections = tuple(s for build in builders if (s := build(ctx)) is not None)
    summary = run.summary
    start = scenario.calendar.start_date
    end = start + dt.timedelta(days=float(scenario.horizon_days))
    facts = (
        ("scenario", str(summary.get("scenario", scenario.name))),
        ("period", f"{date_text(start)} – {date_text(end)} "
                   f"({style.number(scenario.horizon_days)} days"
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


