"""The run report (``salesim report``): built from a run folder for every shipped scenario, with
exactly the sections whose data exists, localised numbers, readable charts, safe outputs."""

from __future__ import annotations

import dataclasses
import html.parser
import itertools
import json
import math
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from typer.testing import CliRunner

from salesim.reports.charts import base as chart_base
from salesim.reports.formatting import number_style
from salesim.reports.layout import Figure, KpiGrid, Paragraph
from salesim.reports.run_report import CHARTS_DIR, HTML_NAME, MD_NAME, assemble, build_report
from salesim.simulator.cli.main import app as salesim_app
from salesim.simulator.cli.report import register
from salesim.simulator.metrics.flow import step_visits
from salesim.simulator.metrics.measure import measure
from salesim.simulator.metrics.timeseries import (
    day_periods,
    revenue_by_day,
    time_split_by_stage,
    utilisation_by_person,
    week_periods,
    wip_by_stage,
)
from salesim.simulator.runner import Result, simulate
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.store.run_reader import ReportError, load_run
from tests.conftest import BASELINE, ROOT

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"  # what a stubbed chart renders to
SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")
                   if "variants" not in (yaml.safe_load(p.read_text(encoding="utf-8")) or {}))
_RUNS: dict[tuple[str, int, int], Path] = {}


# -- shared helpers (also imported by test_export.py and test_report_browser.py) ------------------


def make_run(tmp_path_factory: pytest.TempPathFactory, scenario: Path, days: int = 30,
             replications: int = 1) -> Path:
    """A run folder written by ``salesim run --quick`` (cached for the session: runs cost
    seconds; the bottleneck's confirmation and its report table are tested in test_verdict.py).

    ``days`` are measured days: a scenario's warm-up comes on top of them.
    """
    days = int(load_scenario(scenario).warmup_days) + days
    key = (str(scenario), days, replications)
    if key not in _RUNS:
        out = tmp_path_factory.mktemp("run") / scenario.stem
        result = runner.invoke(salesim_app, ["run", str(scenario), "--days", str(days),
                                             "-r", str(replications), "--jobs", "1",
                                             "--quick", "--out", str(out)])
        assert result.exit_code == 0, result.output
        _RUNS[key] = out
    return _RUNS[key]


def copy_run(run: Path, tmp_path: Path) -> Path:
    """A private copy of a cached run folder, without any report in it."""
    target = tmp_path / run.name
    shutil.copytree(run, target, ignore=shutil.ignore_patterns("report*", "eventlog*"))
    return target


class Page(html.parser.HTMLParser):
    """What a test needs to know about report.html."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.sources: list[str] = []
        self.links: list[str] = []
        self.scripts = 0
        self.stylesheets = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id") or "")
        elif tag == "figure":
            self.figures.append((a.get("id") or "").removeprefix("fig-"))
        elif tag == "img":
            self.sources.append(a.get("src") or "")
        elif tag == "a":
            self.links.append(a.get("href") or "")
        elif tag == "script":
            self.scripts += 1
        elif tag == "link":
            self.stylesheets += 1


def expected_sections(run: Path) -> list[str]:
    """The sections whose data exists in a run folder, in reading order."""
    scenario = load_scenario(run / "scenario.yaml")
    losses = pd.read_csv(run / "losses.csv")
    channels = pd.read_csv(run / "channels.csv")
    money = pd.read_csv(run / "monthly.csv")["revenue"].abs().sum() > 0 or \
        (run / "pnl.csv").exists()
    present = {
        "utilisation": len(pd.read_csv(run / "roles.csv")) > 0,
        "plan-fact": (run / "plan_fact_daily.csv").exists()
        or (run / "plan_fact_monthly.csv").exists(),
        "cash": (run / "cash.csv").exists(),
        "revenue": money,
        "channels": len(channels) > 0 and (channels["cost"].abs().sum() > 0
                                           or channels["revenue"].abs().sum() > 0),
        "losses": len(losses) > 0 and losses["lost"].sum() > 0,
        "staff": (run / "ranking.csv").exists() and len(pd.read_csv(run / "ranking.csv")) > 0,
        "sla": any(sp.sla_days is not None for st in scenario.stages for sp in st.steps),
    }
    order = ["headline", "bottleneck", "funnel", "time", "utilisation", "plan-fact", "cash",
             "revenue", "channels", "losses", "staff", "sla", "scenario", "method"]
    return [s for s in order if present.get(s, True)]


@pytest.fixture
def fast_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip rasterising (the figures are still drawn up to that point): structure tests only."""
    monkeypatch.setattr(chart_base, "render", lambda fig: chart_base.RenderedChart(PNG, 1, 1))


def cli() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app)
    return app


# -- every shipped scenario -----------------------------------------------------------------------


FULLY_RENDERED = ("b2b_baseline", "a_as_is")  # the others skip rasterising: the suite stays fast


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_report_builds_for_every_shipped_scenario(
        scenario: Path, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if scenario.stem not in FULLY_RENDERED:
        monkeypatch.setattr(chart_base, "render", lambda fig: chart_base.RenderedChart(PNG, 1, 1))
    run = make_run(tmp_path_factory, scenario, days=30)
    paths = build_report(run, force=True)
    html_path, md_path, *pngs = paths
    assert (html_path.name, md_path.name) == (HTML_NAME, MD_NAME)
    text = html_path.read_text(encoding="utf-8")
    page = Page(text)
    assert page.sections == expected_sections(run)
    # self-contained: every image inline, nothing fetched, no script
    assert page.sources and all(src.startswith("data:image/png;base64,") for src in page.sources)
    assert page.scripts == 0 and page.stylesheets == 0
    assert all(link.startswith("#") for link in page.links)
    assert "http://" not in text and "https://" not in text
    assert html_path.stat().st_size < 2_000_000
    # the Markdown links every chart, and every PNG is there
    markdown = md_path.read_text(encoding="utf-8")
    assert len(pngs) == len(page.figures) == len(page.sources)
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG") and png.parent.name == CHARTS_DIR
        assert f"]({CHARTS_DIR}/{png.name})" in markdown
    if scenario == BASELINE:
        assert set(page.figures) >= {"bottleneck", "funnel", "time_split", "wip",
                                     "utilisation_roles", "utilisation_people",
                                     "revenue_monthly", "revenue_cumulative", "channels",
                                     "losses"}


# -- sections appear with their data --------------------------------------------------------------


def _plan_fact_files(run: Path) -> None:
    """Tables in the format docs/reports.md asks the plan/fact work to write."""
    scenario = load_scenario(run / "scenario.yaml")
    start = scenario.calendar.start_date
    days = [start + pd.Timedelta(days=d) for d in range(int(scenario.horizon_days))]
    rows = []
    for who, share in (("department", 1.0), ("closer-1", 0.5), ("closer-2", 0.5)):
        for month, group in itertools.groupby(days, key=lambda d: d.strftime("%Y-%m")):
            cum_plan = cum_actual = 0.0
            for i, day in enumerate(group):
                cum_plan += 100_000 * share
                cum_actual += 90_000 * share * (1 + 0.2 * math.sin(i))
                rows.append({"month": month, "date": day.isoformat(), "manager": who,
                             "cum_plan": cum_plan, "cum_actual": cum_actual})
    daily = pd.DataFrame(rows)
    daily.to_csv(run / "plan_fact_daily.csv", index=False)
    monthly = daily.groupby(["month", "manager"], as_index=False).agg(
        plan=("cum_plan", "last"), actual=("cum_actual", "last"))
    monthly.to_csv(run / "plan_fact_monthly.csv", index=False)
    pd.DataFrame({"month": ["2026-01", "2026-02"], "invoiced": [5e6, 8e6],
                  "cash_in": [4e6, 7.5e6], "receivables": [1e6, 1.5e6],
                  "overdue": [0.0, 2e5]}).to_csv(run / "cash.csv", index=False)


def test_optional_sections_follow_their_files(tmp_path_factory: pytest.TempPathFactory,
                                              tmp_path: Path, fast_charts: None) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    for name in ("plan_fact_daily.csv", "plan_fact_monthly.csv", "cash.csv", "pnl.csv"):
        (run / name).unlink(missing_ok=True)
    with_plan = (run / "summary.json").read_text()
    summary = json.loads(with_plan)
    summary.pop("plan", None)
    (run / "summary.json").write_text(json.dumps(summary))
    bare = assemble(load_run(run)).report
    ids = [s.id for s in bare.sections]
    assert "plan-fact" not in ids and "cash" not in ids
    assert not any(b.name == "pnl" for s in bare.sections for b in s.blocks
                   if isinstance(b, Figure))
    assert all(k.plan == "" for s in bare.sections for b in s.blocks
               for k in getattr(b, "items", ()))

    _plan_fact_files(run)
    (run / "summary.json").write_text(with_plan)
    pd.DataFrame({"month": ["2026-01", "2026-02"], "revenue": [1e6, 2e6],
                  "lead_costs": [2e5, 2e5], "payroll_fixed": [9e5, 9e5],
                  "profit": [-1e5, 9e5]}).to_csv(run / "pnl.csv", index=False)
    full = assemble(load_run(run)).report
    ids = [s.id for s in full.sections]
    assert ids.index("plan-fact") < ids.index("cash") < ids.index("revenue")
    assert expected_sections(run) == ids
    revenue = next(s for s in full.sections if s.id == "revenue")
    assert revenue.title == "Monthly P&L"
    assert next(b.name for b in revenue.blocks if isinstance(b, Figure)) == "pnl"
    headline = next(b for b in full.sections[0].blocks if hasattr(b, "items"))
    revenue_card = headline.items[0]
    assert revenue_card.plan.startswith("plan ") and revenue_card.progress is not None
    cash = next(s for s in full.sections if s.id == "cash")
    text = cast(Paragraph, cash.blocks[0]).text
    assert "clients owed" in text and "overdue" in text


def test_plan_line_only_with_a_plan(tmp_path_factory: pytest.TempPathFactory,
                                    tmp_path: Path, fast_charts: None) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    for name in ("plan_fact_daily.csv", "plan_fact_monthly.csv"):
        (run / name).unlink(missing_ok=True)
    summary = json.loads((run / "summary.json").read_text())
    summary["plan"] = {"revenue": summary["revenue"] * 2, "won": 1}
    (run / "summary.json").write_text(json.dumps(summary))
    cards = {k.label: k for k in cast(KpiGrid,
                                      assemble(load_run(run)).report.sections[0].blocks[0]).items}
    assert cards["Revenue"].progress == pytest.approx(0.5) and cards["Revenue"].on_track is False
    assert cards["Deals won"].on_track is True
    assert cards["Lead → deal conversion"].plan == ""


def test_replications_give_confidence_intervals(tmp_path_factory: pytest.TempPathFactory,
                                               tmp_path: Path, fast_charts: None) -> None:
    case = ROOT / "scenarios" / "cases" / "trading_company" / "a_as_is.yaml"
    scenario = case if case.exists() else SCENARIOS[0]
    run = make_run(tmp_path_factory, scenario, days=20, replications=2)
    report = assemble(load_run(run)).report
    cards = cast(KpiGrid, report.sections[0].blocks[0]).items
    assert all(k.ci.startswith("margin of error ±") for k in cards if k.label != "Profit")
    note = cast(Paragraph, report.sections[0].blocks[1]).text
    assert "the average of 2 simulated runs" in note and "margin of error" in note
    time_section = next(s for s in report.sections if s.id == "time")
    assert any("first of 2 replications" in getattr(b, "caption", "")
               for b in time_section.blocks)
    # the statistics are explained in the appendix, not in the headline
    assert "confidence interval" not in note
    method = report.sections[-1]
    assert (method.id, method.title) == ("method", "Appendix: method notes")
    method_text = cast(Paragraph, method.blocks[0]).text
    assert "Student's t" in method_text and "95 of 100" in method_text


def test_an_unstable_run_is_flagged_in_the_headline_and_the_bottleneck(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, fast_charts: None) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    stable = assemble(load_run(run)).report
    assert not [b for sec in stable.sections for b in sec.blocks
                if getattr(b, "tone", "") == "warning" and "sustainable" in cast(Paragraph, b).text]
    summary = json.loads((run / "summary.json").read_text())
    warning = "Hunters cannot keep up in lead_development: … — this staffing is not sustainable."
    summary["stability"] = {**summary["stability"], "stable": False, "warning": warning}
    (run / "summary.json").write_text(json.dumps(summary))
    report = assemble(load_run(run)).report
    for section in ("headline", "bottleneck"):
        blocks = next(s for s in report.sections if s.id == section).blocks
        flagged = [b for b in blocks if getattr(b, "tone", "") == "warning"]
        assert ([cast(Paragraph, b).text for b in flagged]
                == [f"Not sustainable. {warning}"]), section


# -- writing the files ----------------------------------------------------------------------------


def test_existing_report_needs_force(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
                                     fast_charts: None) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    first = build_report(run)
    before = {p: p.stat().st_mtime_ns for p in first}
    with pytest.raises(ReportError, match="already exists; add --force"):
        build_report(run)
    assert {p: p.stat().st_mtime_ns for p in first} == before
    (run / CHARTS_DIR / "stale.png").write_bytes(b"old")
    again = build_report(run, force=True)
    assert {p.name for p in again} == {p.name for p in first}
    assert not (run / CHARTS_DIR / "stale.png").exists()  # the folder was replaced whole
    # no temporary left over, only the marker of the run folder
    assert [p.name for p in run.iterdir() if p.name.startswith(".")] == [".salesim-output"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda tmp: tmp / "missing", "no such folder"),
    (lambda tmp: tmp, "not a salesim run folder"),
    (lambda tmp: (tmp / "f.txt", (tmp / "f.txt").write_text("x"))[0], "not a folder"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, make: Callable[[Path], Path],
                                          message: str) -> None:
    target = make(tmp_path)
    result = runner.invoke(cli(), ["report", str(target)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_broken_file_in_a_run_folder(tmp_path_factory: pytest.TempPathFactory,
                                     tmp_path: Path) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    (run / "stages.csv").write_text("nothing,useful\n1,2\n")
    result = runner.invoke(cli(), ["report", str(run)])
    assert result.exit_code == 2 and "stages.csv: missing column(s) stage" in result.output
    (run / "events.csv.gz").write_bytes(b"not gzip")
    (run / "stages.csv").unlink()
    result = runner.invoke(cli(), ["report", str(run)])
    assert result.exit_code == 2 and "missing stages.csv" in result.output


def test_cli_report_writes_and_says_where(tmp_path_factory: pytest.TempPathFactory,
                                         tmp_path: Path, fast_charts: None) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    result = runner.invoke(cli(), ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert str(run / HTML_NAME) in result.output
    result = runner.invoke(cli(), ["report", str(run)])
    assert result.exit_code == 2 and "--force" in result.output
    result = runner.invoke(cli(), ["report", str(run), "--bogus"])
    assert result.exit_code == 2 and result.output.startswith("error: ")


# -- numbers and money ----------------------------------------------------------------------------


def test_numbers_follow_the_locale_and_the_currency() -> None:
    rub, usd, other = number_style("RUB", "ru"), number_style("USD"), number_style("XYZ")
    assert rub.money(1234567.4) == "1\u00a0234\u00a0567\u00a0₽"
    assert number_style("RUB").money(1234567.4) == "1,234,567\u00a0₽"
    assert rub.pct(0.7195, 1) == "72,0\u00a0%" and rub.days(6.28) == "6,3\u00a0days"
    assert usd.money(-1234567) == "−$1,234,567" and usd.pct(0.05) == "5%"
    assert number_style("USD", "ru").money(-1234567) == "−1\u00a0234\u00a0567\u00a0$"
    assert other.money(1234.5, 2) == "1,234.50\u00a0XYZ"
    assert rub.money_short(125_443_445) == "125\u00a0million\u00a0₽"
    assert usd.money_short(2_500) == "$2.50\u00a0thousand"
    assert rub.number(-0.0001, 1) == "0,0" and rub.money(None) == "—"
    assert usd.plus_minus("10", 8, 12) == "10 ± 2"


def test_report_speaks_the_scenarios_currency(tmp_path: Path, fast_charts: None,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    text = (run / "scenario.yaml").read_text().replace("currency: RUB", "currency: USD")
    (run / "scenario.yaml").write_text(text)
    summary = json.loads((run / "summary.json").read_text())
    summary["currency"] = "USD"
    (run / "summary.json").write_text(json.dumps(summary))
    report = assemble(load_run(run)).report
    revenue = cast(KpiGrid, report.sections[0].blocks[0]).items[0].value
    assert revenue.startswith("$") and "," in revenue and "₽" not in revenue


# -- the time series agree with the metrics -------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_result() -> Result:
    scenario = load_scenario(BASELINE).with_overrides(days=45)
    return simulate(scenario, seed=5)


def test_timeseries_agree_with_the_run_tables(baseline_result: Result) -> None:
    result = baseline_result
    scenario, events = result.scenario, result.events
    metrics = measure(events, result.staff, scenario)
    visits = step_visits(events, scenario)
    days = day_periods(scenario)
    wip = wip_by_stage(visits, scenario, days)
    span = np.diff(days.edges)
    for stage, group in wip.groupby("stage", sort=False):
        mean = float((group["wip"].to_numpy() * span).sum() / span.sum())
        expected = metrics.stages.set_index("stage").at[stage, "wip_mean"]
        assert mean == pytest.approx(expected, rel=1e-9, abs=1e-12)
    people = metrics.people[["staff_id", "role"]]
    util = utilisation_by_person(visits, people, scenario, week_periods(scenario))
    sums = util.groupby("staff_id")[["busy_hours", "available_hours"]].sum()
    for row in metrics.people.itertuples():
        assert sums.at[row.staff_id, "busy_hours"] == pytest.approx(row.busy_hours, abs=1e-6)
        assert sums.at[row.staff_id, "available_hours"] == pytest.approx(row.available_hours)
    split = time_split_by_stage(events, visits, scenario).set_index("stage")
    stages = metrics.stages.set_index("stage")
    for stage in split.index:
        if split.at[stage, "leads"]:
            parts = split.loc[stage, ["queue_days", "work_days", "client_days"]].sum()
            assert parts == pytest.approx(stages.at[stage, "cycle_days_mean"], rel=1e-6)
            assert split.at[stage, "queue_days"] == pytest.approx(
                stages.at[stage, "wait_days_mean"], rel=1e-6)
    revenue = revenue_by_day(events, scenario)
    measured = events[events["time"] >= scenario.warmup_days]  # the series cover the window
    wins = measured[measured["event"] == "win"]
    shipped = measured[(measured["event"] == "ship") & (measured["client_id"] < 0)]
    assert revenue["revenue"].sum() == pytest.approx(metrics.overall["revenue"])
    assert revenue["revenue_first"].sum() == pytest.approx(shipped["amount"].sum())
    assert revenue["cum_won"].iloc[-1] == len(wins)


def test_week_periods_start_on_monday() -> None:
    scenario = load_scenario(BASELINE).with_overrides(horizon_days=17.5 + 92)
    scenario = scenario.model_copy(update={"warmup_days": 0.0, "horizon_days": 17.5,
                                           "calendar": scenario.calendar.model_copy(
        update={"start_date": pd.Timestamp("2026-01-14").date()})})  # a Wednesday
    weeks = week_periods(scenario)
    assert [d.isoformat() for d in weeks.starts] == ["2026-01-14", "2026-01-19", "2026-01-26"]
    assert list(weeks.edges) == [0.0, 5.0, 12.0, 17.5]
    days = day_periods(scenario)
    assert len(days) == 18 and days.edges[-1] == 17.5


# -- a big department: 40 people, 12 stages -------------------------------------------------------


def big_scenario_yaml() -> str:
    """12 stages with long names, 40 people in 6 roles, dollars."""
    roles = [("sdr", 10), ("hunter", 12), ("closer", 8), ("warehouse", 4), ("farmer", 4),
             ("key_account_mgr", 2)]
    names = ["inbound_triage", "qualification_call", "needs_discovery", "solution_demo",
             "technical_validation", "commercial_proposal", "negotiation_and_terms",
             "contract_signature", "invoicing_and_payment", "order_fulfilment",
             "onboarding_handover", "key_account_planning"]
    role_of = ["sdr", "sdr", "hunter", "hunter", "hunter", "closer", "closer", "closer",
               "closer", "warehouse", "farmer", "key_account_mgr"]
    stages = []
    for i, (name, role) in enumerate(zip(names, role_of, strict=True)):
        steps = []
        for k in range(1 + i % 3):
            step: dict[str, object] = {
                "name": f"{name}_step_{k + 1}", "role": role, "sla_days": 2,
                "effort_hours": {"dist": "exponential", "mean": 0.25 if role == "sdr" else 0.45}}
            if i < 9:
                step.update({"conversion": 0.93,
                             "client_delay_days": {"dist": "exponential", "mean": 0.5},
                             "loss_reasons": {"no_budget": 0.4, "chose_competitor": 0.3,
                                              "went_silent": 0.3}})
            steps.append(step)
        if i == 8:
            steps[-1]["wins"] = True
        stages.append({"name": name, "cooling_half_life_days": 10, "steps": steps})
    doc = {"name": "big_department", "description": "Synthetic: 40 people, 6 roles, 12 stages.",
           "seed": 3, "currency": "USD", "horizon_days": 45, "warmup_days": 7,
           "channels": [{"name": "web", "rate": 55, "per": "working_day", "cost_per_lead": 20,
                         "deal_size": {"dist": "lognormal", "mean": 8000, "sd": 3000}}],
           "roles": [{"name": r, "headcount": n, "salary_per_month": 4000} for r, n in roles],
           "stages": stages}
    return yaml.safe_dump(doc, sort_keys=False)


def _overlaps(fig: MplFigure) -> list[str]:
    """Pairs of labels drawn over each other: tick labels of one axis, or texts in one plot."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]  # matplotlib: FigureCanvasAgg.draw untyped
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # and get_renderer
    found = []
    for ax in fig.axes:
        groups = (("y ticks", ax.get_yticklabels()), ("x ticks", ax.get_xticklabels()),
                  ("texts", ax.texts))
        for which, labels in groups:
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels
                     if t.get_visible() and t.get_text().strip()]
            for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
                inter = box_a.intersection(box_a, box_b)
                if inter is not None and inter.width > 1 and inter.height > 1:
                    found.append(f"{ax.get_title(loc='left') or fig.get_suptitle()} "
                                 f"{which}: {a!r} / {b!r}")
    return found


def test_big_department_charts_have_no_overlapping_labels(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path_factory.mktemp("big")
    (folder / "big.yaml").write_text(big_scenario_yaml())
    run = make_run(tmp_path_factory, folder / "big.yaml", days=30)
    data = load_run(run)
    assert len(data.people) == 40 and len(data.scenario.stages) == 12
    drawn: list[MplFigure] = []

    def keep(fig: MplFigure) -> chart_base.RenderedChart:
        drawn.append(fig)
        return chart_base.RenderedChart(PNG, 1, 1)

    monkeypatch.setattr(chart_base, "render", keep)
    assembled = assemble(data)
    assert len(drawn) == len(assembled.pngs) >= 10
    problems = [p for fig in drawn for p in _overlaps(fig)]  # draws each figure with Agg
    assert problems == []
    for fig in drawn:
        assert fig.get_size_inches()[1] <= 14  # tall enough for 40 rows, never a poster


def test_palette_is_stable_across_charts() -> None:
    palette = chart_base.Palette.for_names([f"s{i}" for i in range(12)],
                                       [f"r{i}" for i in range(6)])
    assert len(set(palette.stages.values())) == 12
    assert len(set(palette.roles.values())) == 6
    assert chart_base.ALERT not in palette.stages.values()
    again = chart_base.Palette.for_names([f"s{i}" for i in range(12)], ["x"])
    assert again.stage("s7") == palette.stage("s7")


# -- the one-year budget --------------------------------------------------------------------------


@pytest.mark.slow
def test_one_year_report_stays_small(tmp_path_factory: pytest.TempPathFactory) -> None:
    # how long it takes is measured in benchmarks/, never asserted here
    run = make_run(tmp_path_factory, BASELINE, days=365)
    paths = build_report(run, force=True)
    assert paths[0].stat().st_size < 2_000_000


def test_markdown_escapes_and_tables() -> None:
    from salesim.reports.layout import Column, Paragraph, Report, Section, Table, render_markdown

    report = Report("T", "", (("k", "v"),), (Section("s", "S", (
        Paragraph("a_b *c*"),
        Table((Column("x", "left"), Column("y")), (("  in|dent", "1"),), ("strong",)),
    )),))
    text = render_markdown(report, "run_report.md.j2")
    assert "a\\_b \\*c\\*" in text
    assert "| **\u00a0\u00a0in\\|dent** | **1** |" in text
    assert textwrap.dedent(text).count("|---|---:|") == 1


def test_reports_package_imports_lazily() -> None:
    import subprocess
    import sys

    code = ("import sys, salesim.simulator.cli.report; "
            "print('matplotlib' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out == ["False", "False"]


def test_dataclasses_are_frozen() -> None:
    block = Figure("n", "t", "c", b"", "p.png", 1, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.name = "x"  # type: ignore[misc]
