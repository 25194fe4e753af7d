"""The shape of a report, independent of its data: sections made of blocks, rendered to HTML and
Markdown through Jinja2 templates.

A report builder (``run_report`` today, a comparison report next) turns its input into a
:class:`Report` — headline cards, sentences, charts, tables, collapsible text — and
:func:`render_html` / :func:`render_markdown` write it with the templates in
``reports/templates``. The templates know nothing about sales; the builders know nothing about
HTML.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from salesim.simulator.store.atomic import bytes_writer, write_bytes, write_folder

__all__ = ["REPORT_FILES", "Assembled", "Column", "Delta", "DeltaGrid", "DeltaRow", "Details",
           "Figure", "Kpi", "KpiGrid", "Paragraph", "Report", "ReportFiles", "Section", "Table",
           "existing_output", "render_html", "render_markdown", "write_charts",
           "write_report_files"]


@dataclass(frozen=True)
class Kpi:
    """One headline figure: ``value`` (± CI), and against the plan when there is one."""

    label: str
    value: str
    ci: str = ""
    plan: str = ""
    progress: float | None = None  # fact ÷ plan; 1.0 = on plan
    progress_text: str = ""  # the same, written for the reader ("103 % of plan")
    good_when_higher: bool = True
    note: str = ""
    kind: str = field(default="kpi", init=False)

    @property
    def on_track(self) -> bool | None:
        if self.progress is None:
            return None
        return self.progress >= 1.0 if self.good_when_higher else self.progress <= 1.0


@dataclass(frozen=True)
class KpiGrid:
    items: tuple[Kpi, ...]
    kind: str = field(default="kpis", init=False)


@dataclass(frozen=True)
class Paragraph:
    """A sentence or two; ``tone`` ``verdict``, ``warning`` or ``note`` styles it."""

    text: str
    tone: str = ""
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Figure:
    """A chart: a PNG embedded in the HTML and written beside the Markdown."""

    name: str
    title: str
    caption: str
    png: bytes
    png_path: str  # relative to the report
    width_px: int
    height_px: int
    kind: str = field(default="figure", init=False)

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, so that the HTML needs no other file."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Column:
    label: str
    align: str = "right"  # numbers right, names left


@dataclass(frozen=True)
class Table:
    """Rows of already formatted cells; a row's tone (``bad``, ``good``, ``strong``) styles it."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    tones: tuple[str, ...] = ()
    caption: str = ""
    note: str = ""
    kind: str = field(default="table", init=False)

    def tone(self, i: int) -> str:
        return self.tones[i] if i < len(self.tones) else ""


@dataclass(frozen=True)
class Details:
    """Text shown on request (the scenario as run): ``<details>`` in HTML."""

    summary: str
    text: str
    language: str = ""
    kind: str = field(default="details", init=False)


@dataclass(frozen=True)
class Delta:
    """One difference from a base as a card: the change, its 95% CI, and whether it is better.

    ``tone`` is ``good`` or ``bad`` when the interval excludes 0 (the change is better or worse
    for the business), ``unclear`` when it includes 0; ``lean`` says which way the mean points
    (``good``, ``bad`` or ``""`` for none), so that an unclear card can still hint at the sign.
    """

    label: str
    value: str
    ci: str = ""
    tone: str = "unclear"
    lean: str = ""
    note: str = ""
    kind: str = field(default="delta", init=False)


@dataclass(frozen=True)
class DeltaRow:
    """The cards of one alternative (a variant of a comparison), with a name and a description."""

    name: str
    description: str
    items: tuple[Delta, ...]


@dataclass(frozen=True)
class DeltaGrid:
    """Alternatives (rows) × figures (columns) of difference cards, compared at a glance."""

    columns: tuple[str, ...]
    rows: tuple[DeltaRow, ...]
    note: str = ""
    kind: str = field(default="deltas", init=False)


Block = Kpi | KpiGrid | Paragraph | Figure | Table | Details | DeltaGrid


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    intro: str = ""


@dataclass(frozen=True)
class Report:
    """A whole report: a title, facts about the run, and sections in reading order."""

    title: str
    subtitle: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    lang: str = "en"
    footer: str = ""


@dataclass(frozen=True)
class Assembled:
    """A report ready to write: its structure and the PNG of every chart, by file name."""

    report: Report
    pngs: dict[str, bytes]


@dataclass(frozen=True)
class ReportFiles:
    """The names a report is written under, inside the folder it reports on."""

    html: str = "report.html"
    markdown: str = "report.md"
    charts: str = "report_charts"

    @property
    def names(self) -> tuple[str, str, str]:
        return (self.html, self.markdown, self.charts)


REPORT_FILES = ReportFiles()


# -- rendering -------------------------------------------------------------------------------


def _md_cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, no line breaks, leading spaces kept (no-break)."""
    raw = str(text)
    indent = len(raw) - len(raw.lstrip(" "))
    body = re.sub(r"\s*\n\s*", " ", raw.strip()).replace("|", "\\|")
    return "\u00a0" * indent + body


def _md_text(text: object) -> str:
    """Plain text in Markdown: characters that would start markup are escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", str(text))


@lru_cache(maxsize=2)
def _environment(markdown: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("salesim.reports", "templates"),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = _md_cell
    env.filters["md"] = _md_text
    return env


def render_html(report: Report, template: str = "run_report.html.j2") -> str:
    """The report as one self-contained HTML page (no scripts, fonts or images fetched)."""
    return _environment(False).get_template(template).render(report=report)


def render_markdown(report: Report, template: str = "run_report.md.j2") -> str:
    """The report as Markdown, charts linked as PNG files beside it."""
    text = _environment(True).get_template(template).render(report=report)
    return re.sub(r"\n{3,}", "\n\n", text)


def figure_blocks(sections: Sequence[Section]) -> list[Figure]:
    """Every chart of a report, in reading order."""
    return [b for s in sections for b in s.blocks if isinstance(b, Figure)]


# -- writing -----------------------------------------------------------------------------------


def existing_output(folder: Path, files: ReportFiles = REPORT_FILES) -> Path | None:
    """The first file of a report that already exists in ``folder`` (none: ``None``)."""
    for name in files.names:
        if (folder / name).exists():
            return folder / name
    return None


def write_charts(folder: Path, pngs: Mapping[str, bytes], charts_dir: str) -> Path:
    """All PNGs into a temporary folder, then moved into place in one rename."""
    target = folder / charts_dir
    write_folder(target, {name: bytes_writer(data) for name, data in pngs.items()}, force=True,
                 kind="charts")
    return target


def write_report_files(folder: Path, html: bytes, markdown: bytes, pngs: Mapping[str, bytes],
                       files: ReportFiles = REPORT_FILES) -> list[Path]:
    """Write a rendered report atomically: the charts folder in one rename, then the Markdown
    and the HTML each through a temporary file, so that a reader never sees half a report.

    Returns:
        The files written: the HTML, the Markdown, then the PNGs.

    Raises:
        OSError, store.atomic.OutputError: the folder cannot be written.
    """
    charts_dir = write_charts(folder, pngs, files.charts)
    write_bytes(folder / files.markdown, markdown, force=True)
    write_bytes(folder / files.html, html, force=True)
    return [folder / files.html, folder / files.markdown, *(charts_dir / name for name in pngs)]
