"""The comparison report (``salesim compare … --report``): built from a real comparison and from
a hand-written ``compare.json`` that follows ``salesim.compare/1``; sections and numbers checked
in the parsed HTML, bad input, ``--force``, localisation, readable charts, a real browser."""

from __future__ import annotations

import html.parser
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from matplotlib.colors import to_hex
from matplotlib.figure import Figure as MplFigure
from typer.testing import CliRunner

import salesim.reports
from salesim.reports.charts import base as chart_base
from salesim.reports.compare_report import (
    COMPARE_JSON,
    assemble_comparison,
    build_compare_report,
    load_comparison,
)
from salesim.reports.formatting import number_style
from salesim.reports.layout import REPORT_FILES, DeltaGrid
from salesim.simulator.cli.experiments import register
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.store.run_reader import ReportError
from tests.conftest import ROOT
from tests.reports.test_reports import PNG, _overlaps

CASES = ROOT / "scenarios" / "cases" / "trading_company"
BASE_YAML = CASES / "c_assortment_and_discounts.yaml"
VARIANT_YAML = CASES / "d_more_warehouse_staff.yaml"
SECTIONS = ["summary", "side-by-side", "differences", "method"]
FIGURES = ["key_figures", "differences", "utilisation", "bottleneck"]
CHROMIUM = Path(os.environ.get("SALESIM_CHROMIUM", "/usr/bin/chromium"))
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
NBSP = "\u00a0"  # the thousands separator of the ru locale

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app)


# -- inputs ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``salesim compare`` of the seed's case c against d (two more warehouse staff), small."""
    out = tmp_path_factory.mktemp("compare") / "c-vs-d"
    result = CliRunner().invoke(app, ["compare", str(BASE_YAML), str(VARIANT_YAML), "-r", "3",
                                      "--days", "60", "-j", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def copy_comparison(folder: Path, tmp_path: Path) -> Path:
    """A private copy of a comparison folder, without any report in it."""
    target = tmp_path / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("report*"))
    return target


def estimate(mean: float | None, half: float = 0.0, n: int = 10) -> dict[str, Any]:
    low = None if mean is None else mean - half
    high = None if mean is None else mean + half
    return {"mean": mean, "ci95": [low, high], "half_width": half, "sd": half / 2, "n": n}


def difference(mean: float, half: float, unpaired: float | None = None,
               share_higher: float | None = 0.5) -> dict[str, Any]:
    doc = estimate(mean, half)
    doc["significant"] = abs(mean) > half
    doc["share_higher"] = share_higher
    if unpaired is not None:
        doc["ci95_unpaired"] = [mean - unpaired, mean + unpaired]
    return doc


METRICS = [
    {"key": "revenue_per_month", "label": "revenue", "unit": "money/month", "better": "higher"},
    {"key": "profit_per_month", "label": "profit", "unit": "money/month", "better": "higher"},
    {"key": "won_per_month", "label": "won deals", "unit": "deals/month", "better": "higher"},
    {"key": "cycle_days", "label": "lead-to-cash time (median)", "unit": "days",
     "better": "lower"},
    {"key": "lead_to_deal", "label": "lead-to-deal conversion", "unit": "share",
     "better": "higher"},
    {"key": "utilization.closer", "label": "closer utilisation", "unit": "share",
     "better": "neither"},
]


def variant(name: str, means: dict[str, float], util: dict[str, float],
            bottleneck: tuple[str | None, str | None, str],
            diffs: dict[str, dict[str, Any]] | None = None,
            verdict: str | None = None, description: str = "") -> dict[str, Any]:
    stage, role, kind = bottleneck
    return {
        "name": name, "description": description, "source": f"{name}.yaml",
        "is_base": diffs is None,
        "changes": [] if diffs is None else [{"path": "roles.closer.headcount", "base": 3,
                                              "variant": 4}],
        "staffing": {r: 3 for r in util},
        "means": {k: estimate(v, abs(v) * 0.05) for k, v in means.items()},
        "roles": [{"name": r, "headcount": 3, "salary_per_month": 4000.0,
                   "utilization": estimate(u, 0.02), "queue_mean": estimate(2.0, 0.5)}
                  for r, u in util.items()],
        "bottleneck": {"stage": stage, "role": role, "kind": kind, "agreement": 1.0,
                       "verdict": "Bottleneck: …",
                       "votes": [{"stage": stage, "role": role, "kind": kind, "share": 1.0}]},
        "differences": diffs,
        "verdict": verdict,
    }


def hand_written(currency: str = "USD", unpaired: bool = True) -> dict[str, Any]:
    """A minimal ``compare.json`` by hand: a base and three variants, clearly better, clearly
    worse (with a bottleneck that moves) and unclear."""
    extra = 180_000.0 if unpaired else None

    def u(half: float) -> float | None:
        return half if unpaired else None
    base = variant("as_is", {"revenue_per_month": 1_234_567.0, "profit_per_month": 234_567.0,
                             "won_per_month": 42.0, "cycle_days": 31.4, "lead_to_deal": 0.071,
                             "utilization.closer": 0.93},
                   {"hunter": 0.6, "closer": 0.93}, ("conversion", "closer", "capacity"),
                   description="The department as it is.")
    better = variant(
        "plus_closer", {"revenue_per_month": 1_444_567.0, "profit_per_month": 289_567.0,
                        "won_per_month": 49.5, "cycle_days": 25.2, "lead_to_deal": 0.083,
                        "utilization.closer": 0.71},
        {"hunter": 0.62, "closer": 0.71}, ("lead_development", "hunter", "capacity"),
        {"revenue_per_month": difference(210_000.0, 34_000.0, extra, 1.0),
         "profit_per_month": difference(55_000.0, 12_000.0, extra, 1.0),
         "won_per_month": difference(7.5, 1.3, u(9.0), 1.0),
         "cycle_days": difference(-6.2, 0.8, u(3.0), 0.0),
         "lead_to_deal": difference(0.012, 0.003, u(0.02), 1.0),
         "utilization.closer": difference(-0.22, 0.02, u(0.05), 0.0)},
        verdict="plus_closer vs as_is: revenue +210,000 ± 34,000 USD a month (95% CI); "
                "bottleneck moves from conversion (closer) to lead_development (hunter).",
        description="a fourth closer")
    worse = variant(
        "fewer_hunters", {"revenue_per_month": 1_100_000.0, "profit_per_month": 200_000.0,
                          "won_per_month": 37.0, "cycle_days": 35.0, "lead_to_deal": 0.06,
                          "utilization.closer": 0.9},
        {"hunter": 0.95, "closer": 0.9}, ("lead_development", "hunter", "capacity"),
        {"revenue_per_month": difference(-134_567.0, 20_000.0, extra, 0.0),
         "profit_per_month": difference(-34_567.0, 9_000.0, extra, 0.0),
         "won_per_month": difference(-5.0, 1.0, u(9.0), 0.0),
         "cycle_days": difference(3.6, 0.9, u(3.0), 1.0),
         "lead_to_deal": difference(-0.011, 0.004, u(0.02), 0.0),
         "utilization.closer": difference(-0.03, 0.02, u(0.05), 0.2)},
        verdict="fewer_hunters vs as_is: profit −35,000 ± 9,000 USD a month.",
        description="one hunter less")
    unclear = variant(
        "new_script", {"revenue_per_month": 1_240_000.0, "profit_per_month": 236_000.0,
                       "won_per_month": 42.3, "cycle_days": 31.0, "lead_to_deal": 0.072,
                       "utilization.closer": 0.93},
        {"hunter": 0.58, "closer": 0.93}, ("conversion", "closer", "capacity"),
        {"revenue_per_month": difference(5_433.0, 40_000.0, extra, 0.6),
         "profit_per_month": difference(1_433.0, 30_000.0, extra, 0.6),
         "won_per_month": difference(0.3, 1.1, u(9.0), 0.5),
         "cycle_days": difference(-0.4, 1.2, u(3.0), 0.4),
         "lead_to_deal": difference(0.001, 0.004, u(0.02), 0.5),
         "utilization.closer": difference(0.0, 0.01, u(0.05), 0.5)},
        verdict="new_script vs as_is: nothing clear.", description="a new sales script")
    return {"schema": "salesim.compare/1", "kind": "compare", "base": "as_is", "seed": 7,
            "replications": 10, "horizon_days": 365.0, "warmup_days": 30.0,
            "currency": currency, "confidence": 0.95, "pairing": "common random numbers",
            "plan_per_month": None, "plan_source": None, "precision": None, "warmup": None,
            "metrics": METRICS, "variants": [base, better, worse, unclear]}


def write_doc(folder: Path, doc: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / COMPARE_JSON).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


class Page(html.parser.HTMLParser):
    """What a test needs of report.html: sections, figures, sources, and the text per section."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.sources: list[str] = []
        self.text: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._section = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "section":
            self._section = a.get("id") or ""
            self.sections.append(self._section)
            self.text[self._section] = ""
        elif tag == "figure":
            self.figures.append((a.get("id") or "").removeprefix("fig-"))
        elif tag in ("img", "script", "link"):
            self.sources.append(a.get("src") or a.get("href") or tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = ""

    def handle_data(self, data: str) -> None:
        if self._section:
            self.text[self._section] += data + " "

    def classes(self) -> list[str]:
        return [c for _t, a in self.tags for c in (a.get("class") or "").split()]


# -- the real comparison ---------------------------------------------------------------------------


def test_real_comparison_has_every_section_and_its_numbers(real_comparison: Path,
                                                           tmp_path: Path) -> None:
    folder = copy_comparison(real_comparison, tmp_path)
    paths = build_compare_report(folder, force=False)
    assert paths[:2] == [folder / "report.html", folder / "report.md"]
    assert [p.parent.name for p in paths[2:]] == [REPORT_FILES.charts] * len(FIGURES)
    assert all(p.read_bytes().startswith(PNG) for p in paths[2:])
    text = paths[0].read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 2_000_000
    page = Page(text)
    assert page.sections == SECTIONS
    assert page.figures == FIGURES
    assert page.sources and all(s.startswith("data:image/png;base64,") for s in page.sources)

    doc = json.loads((folder / COMPARE_JSON).read_text(encoding="utf-8"))
    style = number_style(doc["currency"])
    base, other = doc["variants"]
    summary = page.text["summary"]
    assert base["name"] in summary and other["name"] in summary
    # the headline cards: each paired difference, rounded to its CI, in roubles
    profit = other["differences"]["profit_per_month"]
    value, _half = style.estimate_parts(profit["mean"], profit["half_width"], "money",
                                        signed=True)
    assert value in summary and value.endswith("₽") and "," in value  # English by default
    # the bottleneck of each variant, and how it moves (labels: names turned into words)
    assert "Fulfilment (Warehouse)" in summary
    if base["bottleneck"] != other["bottleneck"]:
        assert "the bottleneck at Fulfilment (Warehouse) is gone" in summary
    # every metric of the JSON is a row of the differences table; the verdicts are quoted
    table = page.text["differences"]
    for metric in doc["metrics"]:
        assert metric["label"] in table
    assert "± unpaired" in table
    assert other["verdict"] in page.text["method"]
    assert "common random numbers" in page.text["method"].lower()
    assert "95 of 100" in page.text["method"]
    # the Markdown: the same sections, charts as files beside it
    markdown = paths[1].read_text(encoding="utf-8")
    assert [line[3:] for line in markdown.splitlines() if line.startswith("## ")] == [
        "Summary", "Side by side", "All differences", "Appendix: method notes"]
    for path in paths[2:]:
        assert f"]({REPORT_FILES.charts}/{path.name})" in markdown


def test_stage_colours_follow_the_base_scenario(real_comparison: Path) -> None:
    comparison = load_comparison(real_comparison)
    scenario = load_scenario(BASE_YAML)
    assert list(comparison.stages) == [s.name for s in scenario.stages]
    assert list(comparison.roles) == [r.name for r in scenario.roles]


# -- a hand-written compare.json -------------------------------------------------------------------


def test_hand_written_comparison(tmp_path: Path) -> None:
    folder = write_doc(tmp_path / "cmp", hand_written("USD"))
    paths = build_compare_report(folder)
    page = Page(paths[0].read_text(encoding="utf-8"))
    assert page.sections == SECTIONS and page.figures == FIGURES
    summary = page.text["summary"]
    # cards: clearly better (green), clearly worse (red), unclear (grey); dollars, commas
    assert "+$210,000" in summary and "± $34,000" in summary and "(95% CI)" not in summary
    assert "−$34,600" in summary and "± $9,000" in summary
    assert "−6.20\u00a0days" in summary and "+3.60\u00a0days" in summary
    classes = page.classes()
    assert classes.count("delta-good") == 4 and classes.count("delta-bad") == 4
    assert classes.count("delta-unclear") == 4
    # one sentence each for the base and the variants, and the bottom line
    assert "as_is (the base, the department as it is): revenue $1,235,000 ± $62,000 a month" \
        in summary
    assert "plus_closer (a fourth closer): revenue rises by $210,000 ± $34,000 a month" in summary
    assert "lead-to-cash time shortens by 6.20 ± 0.80\u00a0days" in summary
    assert "closer busy 93% → 71% of the time" in summary
    assert "new_script (a new sales script): no clear change in revenue, profit, won deals or " \
           "lead-to-cash time" in summary
    assert "plus_closer (+$55,000 ± $12,000 a month) clearly raises profit" in summary
    assert "fewer_hunters (−$34,600 ± $9,000 a month) clearly lowers profit" in summary
    assert "new_script makes no clear difference to profit" in summary
    assert "the bottleneck moves from Conversion (Closer) to Lead development (Hunter)" \
        in summary
    # the table of every difference: paired, unpaired and the share of replications
    table = page.text["differences"]
    assert "+$210,000 ± $34,000" in table and "± $180,000" in table
    assert "+1.20 ± 0.30\u00a0pp" in table and "changed" in table and "100%" in table
    assert "95 of 100" in page.text["method"] and "roles.closer.headcount" in page.text["method"]
    assert "plus_closer vs as_is: revenue +210,000 ± 34,000 USD" in page.text["method"]


def test_without_optional_parts(tmp_path: Path) -> None:
    """No unpaired CI, no share, no scenario file, no experiment.json: still a full report."""
    doc = hand_written("RUB", unpaired=False)
    for v in doc["variants"][1:]:
        for d in v["differences"].values():
            d.pop("share_higher")
    for key in ("precision", "warmup", "pairing", "seed", "horizon_days", "warmup_days"):
        doc.pop(key)
    doc["variants"][2]["differences"]["cycle_days"] = estimate(None)
    folder = write_doc(tmp_path / "cmp", doc)
    page = Page(build_compare_report(folder)[0].read_text(encoding="utf-8"))
    assert page.sections == SECTIONS and page.figures == FIGURES
    assert "± unpaired" not in page.text["differences"]
    assert "higher in" not in page.text["differences"].lower()
    assert "+210,000\u00a0₽" in page.text["summary"]
    assert "± 34,000\u00a0₽" in page.text["summary"]
    assert "+210,000 ± 34,000\u00a0₽" in page.text["differences"]
    assert "common random numbers" not in page.text["summary"]  # method notes: the appendix
    page = Page(build_compare_report(folder, force=True, locale="ru")[0].read_text(
        encoding="utf-8"))
    assert f"+210{NBSP}000 ± 34{NBSP}000{NBSP}₽" in page.text["differences"]


def test_numbers_follow_the_currency(tmp_path: Path) -> None:
    for currency, expected in (("RUB", "+210,000\u00a0₽"), ("EUR", "+210,000\u00a0€"),
                               ("GBP", "+£210,000"), ("XYZ", "+210,000\u00a0XYZ")):
        folder = write_doc(tmp_path / currency, hand_written(currency))
        summary = Page(build_compare_report(folder)[0].read_text(encoding="utf-8")).text[
            "summary"]
        assert expected in summary, currency


def test_package_exports_it_lazily() -> None:
    assert salesim.reports.build_compare_report is build_compare_report
    assert "build_compare_report" in salesim.reports.__all__


# -- bad input, --force, atomic writing ------------------------------------------------------------


def _not_json(folder: Path) -> None:
    folder.mkdir()
    (folder / COMPARE_JSON).write_text("{not json")


def _other_schema(folder: Path) -> None:
    write_doc(folder, {**hand_written(), "schema": "salesim.sweep/1"})


def _one_variant(folder: Path) -> None:
    doc = hand_written()
    write_doc(folder, {**doc, "variants": doc["variants"][:1]})


def _bad_estimate(folder: Path) -> None:
    doc = hand_written()
    doc["variants"][1]["differences"]["profit_per_month"] = 12.5
    write_doc(folder, doc)


def _no_metrics(folder: Path) -> None:
    doc = hand_written()
    del doc["metrics"]
    write_doc(folder, doc)


@pytest.mark.parametrize(("make", "message"), [
    (lambda f: None, "no such folder"),
    (lambda f: f.write_text("x"), "not a folder"),
    (lambda f: f.mkdir(), "no compare.json"),
    (_not_json, "cannot read as JSON"),
    (_other_schema, "schema 'salesim.sweep/1', expected 'salesim.compare/1'"),
    (_one_variant, "variants: expected a list of the base and at least one variant"),
    (_bad_estimate, "variants[1].differences.profit_per_month: expected an estimate"),
    (_no_metrics, "missing key(s) metrics"),
])
def test_bad_input_is_one_line(tmp_path: Path, make: Any, message: str) -> None:
    folder = tmp_path / "cmp"
    make(folder)
    with pytest.raises(ReportError) as caught:
        build_compare_report(folder, force=True)
    text = str(caught.value)
    assert message in text and "\n" not in text and str(folder) in text
    assert not (folder.is_dir() and (folder / "report.html").exists())


def test_existing_report_needs_force(tmp_path: Path) -> None:
    folder = write_doc(tmp_path / "cmp", hand_written())
    first = build_compare_report(folder)
    before = first[0].read_bytes()
    with pytest.raises(ReportError, match=r"report\.html: already exists; add --force"):
        build_compare_report(folder)
    (folder / "report.html").unlink()
    with pytest.raises(ReportError, match="already exists"):  # the Markdown is still there
        build_compare_report(folder)
    again = build_compare_report(folder, force=True)
    assert again[0].read_bytes() == before  # the same input, the same page
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([COMPARE_JSON, "report.html", "report.md", REPORT_FILES.charts])
    assert sorted(p.name for p in (folder / REPORT_FILES.charts).iterdir()) == \
        sorted([".salesim-output", *(p.name for p in again[2:])])


# -- charts ----------------------------------------------------------------------------------------


def test_charts_of_many_variants_have_no_overlapping_labels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = hand_written("RUB")
    long_names = ["plus_two_experienced_closers", "faster_warehouse_picking_layout",
                  "outsourced_lead_generation_agency", "new_crm_and_sales_script_v2",
                  "one_hunter_less", "price_list_with_volume_discounts"]
    roles = ["call_centre", "hunter", "closer", "warehouse", "farmer", "key_account_manager"]
    template = doc["variants"][1]
    for i, name in enumerate(long_names):
        v = json.loads(json.dumps(template))
        v["name"] = name
        v["roles"] = [{**template["roles"][0], "name": r,
                       "utilization": estimate(0.15 * (k + 1) - 0.02 * i, 0.03)}
                      for k, r in enumerate(roles)]
        v["bottleneck"]["votes"] = [
            {"stage": "conversion", "role": "closer", "kind": "capacity", "share": 0.5},
            {"stage": "lead_development", "role": "hunter", "kind": "capacity", "share": 0.3},
            {"stage": "conversion", "role": "closer", "kind": "conversion", "share": 0.2}]
        doc["variants"].append(v)
    folder = write_doc(tmp_path / "cmp", doc)
    drawn: list[MplFigure] = []

    def keep(fig: MplFigure) -> chart_base.RenderedChart:
        drawn.append(fig)
        return chart_base.RenderedChart(PNG, 1, 1)

    monkeypatch.setattr(chart_base, "render", keep)
    assembled = assemble_comparison(load_comparison(folder))
    assert len(drawn) == len(assembled.pngs) == len(FIGURES)
    problems = [p for fig in drawn for p in _overlaps(fig)]
    assert problems == []
    for fig in drawn:
        assert fig.get_size_inches()[1] <= 14


def test_role_colours_are_the_run_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The utilisation panels are in the role's colour of the run report's palette."""
    folder = write_doc(tmp_path / "cmp", hand_written())
    drawn: list[MplFigure] = []

    def render(fig: MplFigure) -> chart_base.RenderedChart:
        drawn.append(fig)
        return chart_base.RenderedChart(PNG, 1, 1)

    monkeypatch.setattr(chart_base, "render", render)
    assembled = assemble_comparison(load_comparison(folder))
    palette = chart_base.Palette.for_names([], ["hunter", "closer"])
    utilisation = drawn[FIGURES.index("utilisation")]
    titles = {ax.get_title(loc="left"): to_hex(ax.spines["left"].get_edgecolor())
              for ax in utilisation.axes if ax.get_title(loc="left")}
    assert titles == {"hunter": palette.role("hunter"), "closer": palette.role("closer")}
    cards = [b for s in assembled.report.sections for b in s.blocks if isinstance(b, DeltaGrid)]
    assert len(cards) == 1 and [r.name for r in cards[0].rows] == [
        "plus_closer", "fewer_hunters", "new_script"]


# -- a real browser --------------------------------------------------------------------------------


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
def test_report_opens_offline_in_chromium(real_comparison: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is a test-only extra")
    html_path = build_compare_report(copy_comparison(real_comparison, tmp_path))[0]
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url[:80]}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html_path.as_uri(), wait_until="load")
            assert page.title().startswith("What the changes are worth")
            assert page.eval_on_selector_all("section", "els => els.map(e => e.id)") == SECTIONS
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.clientWidth])")
            assert len(images) == len(FIGURES)
            assert all(done and natural > 100 and shown > 300 for done, natural, shown in images)
            assert page.eval_on_selector_all(".delta", "els => els.length") == 4
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
