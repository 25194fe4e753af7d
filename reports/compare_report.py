"""The comparison report: a ``salesim compare`` folder in, ``report.html`` + ``report.md`` + chart
PNGs out — the consultant's before/after page.

:func:`build_compare_report` is what ``salesim compare … --report`` calls. It reads the folder's
``compare.json`` (schema ``salesim.compare/1``, ``docs/experiments.md``) and, for the colours
only, the base scenario as run (``variant-<base>.yaml``, for the order of its stages). Everything
shown is a number of ``compare.json``; nothing here simulates or computes a statistic.
:func:`assemble_comparison` is the pure part: a :class:`Comparison` in, a
:class:`~reports.layout.Report` and its chart PNGs out, with the run report's building blocks
(layout, number style of the currency, stage and role colours, atomic writing).
"""

from __future__ import annotations

from pathlib import Path

from salesim.reports.charts.base import Palette
from salesim.reports.compare.context import CHARTS_DIR, CompareContext, plural
from salesim.reports.compare.differences import differences_section
from salesim.reports.compare.method import method_section
from salesim.reports.compare.reading import (
    COMPARE_JSON,
    SCHEMA,
    Comparison,
    base_scenario,
    load_comparison,
)
from salesim.reports.compare.side_by_side import side_by_side_section
from salesim.reports.compare.summary import summary_section
from salesim.reports.formatting import number_style
from salesim.reports.layout import (
    Assembled,
    Report,
    existing_output,
    render_html,
    render_markdown,
    write_report_files,
)
from salesim.simulator.numbers import DEFAULT_LOCALE, finite
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.store.atomic import OutputError
from salesim.simulator.store.run_reader import ReportError

HTML_TEMPLATE = "compare_report.html.j2"
MD_TEMPLATE = "compare_report.md.j2"

__all__ = ["COMPARE_JSON", "SCHEMA", "Comparison", "assemble_comparison", "build_compare_report",
           "load_comparison"]

# -- entry point -----------------------------------------------------------------------------------


def build_compare_report(compare_dir: Path, *, force: bool = False,
                         locale: str | None = None) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``report_charts/*.png`` into a comparison folder.

    Args:
        compare_dir: The folder ``salesim compare`` wrote (with ``compare.json``).
        force: Replace an existing report; without it an existing report is an error.
        locale: ``en`` or ``ru`` for the numbers (default: the base scenario's ``locale``).

    Returns:
        The files written: the HTML, the Markdown, then the PNGs.

    Raises:
        ReportError: the folder is missing, has no ``compare.json`` or one of another schema, a
            file cannot be read, or a report exists and ``force`` is false. One line.
    """
    compare_dir = Path(compare_dir)
    comparison = load_comparison(compare_dir)
    existing = None if force else existing_output(compare_dir)
    if existing is not None:
        raise ReportError(f"{existing}: already exists; add --force to replace the report")
    assembled = assemble_comparison(comparison, locale)
    html = render_html(assembled.report, HTML_TEMPLATE).encode("utf-8")
    markdown = render_markdown(assembled.report, MD_TEMPLATE).encode("utf-8")
    try:
        return write_report_files(compare_dir, html, markdown, assembled.pngs)
    except (OSError, OutputError) as exc:
        raise ReportError(f"{compare_dir}: cannot write the report ({exc})") from None


def assemble_comparison(comparison: Comparison, locale: str | None = None) -> Assembled:
    """The comparison report, with its charts rendered (pure apart from matplotlib).

    ``locale`` (``en`` or ``ru``) decides how numbers are written; default: the base
    scenario's ``locale`` when the folder holds it, else ``en``.
    """
    doc = comparison.doc
    scenario = base_scenario(comparison)
    locale = locale or (scenario.locale if scenario is not None else DEFAULT_LOCALE)
    style = number_style(str(doc["currency"]), locale)
    palette = Palette.for_names(list(comparison.stages), list(comparison.roles))
    ctx = CompareContext({}, CHARTS_DIR, comparison, style, palette, Labels(scenario, locale))
    sections = (summary_section(ctx), side_by_side_section(ctx), differences_section(ctx),
                method_section(ctx))
    base = comparison.base
    names = [str(v["name"]) for v in comparison.alternatives]
    horizon = finite(doc.get("horizon_days"))
    warmup = finite(doc.get("warmup_days")) or 0.0
    facts = (
        ("base", str(base["name"])),
        ("compared with", ", ".join(names)),
        ("replications", f"{style.integer(comparison.replications)} per variant, paired"),
        ("seed", str(doc.get("seed", "—"))),
        ("horizon", (f"{style.number(horizon)} days" if horizon is not None else "—")
         + (f", first {style.number(warmup)} warm-up" if warmup else "")),
        ("currency", str(doc["currency"]).upper()),
    )
    info = comparison.experiment
    footer = (f"salesim {info.get('salesim_version', 'unknown')} · comparison finished "
              f"{info.get('finished_at', 'unknown')} · illustrative simulation, not a forecast")
    report = Report(
        title=f"What the changes are worth: {base['name']} against "
              f"{plural(len(names), 'alternative')}",
        subtitle=str(base.get("description") or ""),
        facts=facts, sections=sections, footer=footer)
    return Assembled(report, ctx.pngs)


