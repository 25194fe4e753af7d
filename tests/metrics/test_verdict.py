"""The bottleneck confirmed by a relief test, on tandems where the answer is known by construction.

Every station here has a 24/7 calendar and exponential work, so its load is
``10 leads a day × mean hours / 24 / people``; leads cool while they queue, so a long wait costs
deals and relieving the station that keeps them waiting wins them back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.experiments import Lab, Variant, levers, open_backend, whatif_document
from salesim.simulator.experiments.records import Record
from salesim.simulator.experiments.verdict import (
    Candidate,
    Confirmation,
    Screen,
    bottleneck_document,
    confirm_bottleneck,
    decide,
    describe,
    screen_of,
)
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import ROOT, SHIPPED_SCENARIOS, scenario_from_yaml
from tests.metrics.test_bottleneck_runs import TANDEM

COOLING_TANDEM = """
name: cooling_tandem
horizon_days: 150
warmup_days: 20
calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
channels: [{name: web, rate: 10, per: calendar_day, deal_size: {dist: fixed, value: 100000}}]
roles:
  - {name: first, headcount: 1}
  - {name: second, headcount: 1}
  - {name: third, headcount: 2}
stages:
  - {name: one, cooling_half_life_days: 0.5,
     steps: [{name: a, role: first, effort_hours: {dist: exponential, mean: %s}}]}
  - {name: two, cooling_half_life_days: 0.5,
     steps: [{name: b, role: second, effort_hours: {dist: exponential, mean: %s}}]}
  - {name: three, cooling_half_life_days: 0.5,
     steps: [{name: c, role: third, effort_hours: {dist: exponential, mean: %s},
              conversion: 0.5}]}
"""

# Station one (88% busy) keeps leads waiting longest, and a third of them go cold there. But
# station two decides the deals, and its leads go cold within an hour (half-life 0.05 days): one
# more person there wins back most of them, while one more person at station one only sends it
# more leads to keep waiting. The screen names station one; the relief test, station two.
COLD_QUEUE = """
name: cold_queue
horizon_days: 150
warmup_days: 20
calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
channels: [{name: web, rate: 10, per: calendar_day, deal_size: {dist: fixed, value: 100000}}]
roles:
  - {name: first, headcount: 1}
  - {name: second, headcount: 1}
stages:
  - {name: one, cooling_half_life_days: 0.5,
     steps: [{name: a, role: first, effort_hours: {dist: exponential, mean: 2.04}}]}
  - {name: two, cooling_half_life_days: 0.05,
     steps: [{name: b, role: second, effort_hours: {dist: fixed, value: 2.4},
              conversion: 0.5}]}
"""


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with open_backend(1) as backend:
        yield Lab(backend, seed=1)


def _confirm(scenario: Scenario, lab: Lab, replications: int = 3
             ) -> tuple[Screen, Confirmation]:
    base = lab.records([Variant(scenario.name, scenario, "base")], replications)[0]
    screen = screen_of(base)
    return screen, confirm_bottleneck(scenario, scenario.seed, screen, replications, 3, lab)


@pytest.mark.parametrize(("hours", "stage", "role"), [
    (("0.96", "2.2", "2.4"), "two", "second"),     # loads 0.40, 0.92, 0.50
    (("2.2", "0.96", "2.4"), "one", "first"),      # loads 0.92, 0.40, 0.50
    (("0.96", "1.2", "4.4"), "three", "third"),    # loads 0.40, 0.50, 0.92 (2 people)
])
def test_the_relief_of_the_overloaded_station_is_confirmed(hours: tuple[str, str, str],
                                                           stage: str, role: str,
                                                           lab: Lab) -> None:
    screen, c = _confirm(scenario_from_yaml(COOLING_TANDEM % hours), lab, replications=4)
    assert (screen.stage, screen.role, screen.kind) == (stage, role, "capacity")
    assert (c.stage, c.role, c.kind) == (stage, role, "capacity")
    assert {r.role for r in c.reliefs} == {"first", "second", "third"}
    chosen = c.chosen
    assert chosen is not None and chosen.significant
    # one more person at the 92% station wins back a large share of the deals lost to cooling
    assert chosen.delta_won_per_month.mean > 20
    others = [r for r in c.reliefs if r is not chosen]
    assert all(r.delta_revenue_per_month.mean < chosen.delta_revenue_per_month.mean / 5
               for r in others)
    assert describe(c).verdict.startswith(screen.verdict)  # the screen's sentence, confirmed


def test_a_long_queue_of_cooling_leads_is_not_the_bottleneck(lab: Lab) -> None:
    screen, c = _confirm(scenario_from_yaml(COLD_QUEUE), lab, replications=4)
    assert (screen.stage, screen.role, screen.kind) == ("one", "first", "capacity")
    first, second = (next(r for r in c.reliefs if r.role == name) for name in ("first", "second"))
    assert screen.candidates[0].queued_work_hours > 4 * screen.candidates[1].queued_work_hours
    assert (c.stage, c.role, c.kind) == ("two", "second", "capacity")
    assert second.significant and second.delta_won_per_month.mean > 20
    # relieving the long queue feeds station two more leads than it can take before they cool
    assert first.delta_revenue_per_month.high < 0
    words = describe(c)
    assert words.headline.startswith("Second is the bottleneck (Two): one more person there "
                                     "raises revenue by ")
    assert "more deals a month" in words.headline
    assert "one more person in First lowers revenue by" in words.confirmed
    assert "The queue screen points at One (First)" in words.verdict


def test_a_lightly_loaded_department_is_limited_by_conversion(lab: Lab) -> None:
    screen, c = _confirm(scenario_from_yaml(TANDEM % ("0.5", "0.5", "0.5")), lab)
    assert screen.kind == "conversion"
    assert (c.kind, c.stage, c.chosen) == ("conversion", "three", None)
    assert not any(r.significant for r in c.reliefs)
    assert describe(c).headline.startswith("No capacity bottleneck confirmed")
    assert "the biggest leak is Three, which loses 50% of the leads it decides" in c.verdict


# -- the pure parts ------------------------------------------------------------------------------


def _record(revenue: float, won: float, ranking: list[dict[str, object]]) -> Record:
    return {"revenue_per_month": revenue, "won_per_month": won, "screen_ranking": ranking,
            "bottleneck_stage": "s1", "bottleneck_role": "a", "bottleneck_kind": "capacity",
            "bottleneck_verdict": "Bottleneck: s1 (a).", "leak_stage": "s3", "leak_role": "c",
            "leak_conversion": 0.4}


RANKING: list[dict[str, object]] = [
    {"stage": "s1", "role": "a", "queued_work_hours": 900.0, "utilization": 0.7},
    {"stage": "s2", "role": "b", "queued_work_hours": 500.0, "utilization": 0.6},
    {"stage": "s4", "role": "a", "queued_work_hours": 400.0, "utilization": 0.7},
    {"stage": "s3", "role": "c", "queued_work_hours": 100.0, "utilization": 0.5},
    {"stage": "s5", "role": "d", "queued_work_hours": 10.0, "utilization": 0.9},
]


def test_the_shortlist_takes_the_queue_leader_and_every_busy_role() -> None:
    screen = screen_of([_record(1.0, 1.0, RANKING)] * 2)
    assert [(c.role, c.stage) for c in screen.candidates] == [
        ("a", "s1"), ("b", "s2"), ("c", "s3"), ("d", "s5")]  # a role keeps its longest queue
    assert [c.role for c in screen.shortlist(3)] == ["a", "d", "b"]  # d is 90% busy
    assert [c.role for c in screen.shortlist(1)] == ["a"]
    assert (screen.stage, screen.role, screen.leak_stage, screen.leak_conversion) == (
        "s1", "a", "s3", 0.4)


def _screen() -> Screen:
    return screen_of([_record(1.0, 1.0, RANKING)])


def test_decide_takes_the_largest_significant_gain() -> None:
    base = [_record(r, 10.0, RANKING) for r in (100.0, 120.0, 90.0, 110.0)]
    small = [_record(x["revenue_per_month"] + d, 11.0, RANKING)
             for x, d in zip(base, (5.0, 6.0, 4.0, 5.0), strict=True)]
    noisy = [_record(x["revenue_per_month"] + d, 10.0, RANKING)
             for x, d in zip(base, (80.0, -60.0, 70.0, -40.0), strict=True)]
    candidates = [Candidate("a", "s1", math.nan, math.nan), Candidate("b", "s2", math.nan,
                                                                       math.nan)]
    c = decide(_screen(), candidates, base, [noisy, small], currency="RUB")
    assert (c.kind, c.role, c.stage) == ("capacity", "b", "s2")  # a's larger mean is noise
    doc = bottleneck_document({"stage": "s1", "role": "a", "kind": "capacity", "evidence": {},
                               "watch": [], "verdict": "Bottleneck: s1 (a)."}, c)
    assert (doc["stage"], doc["role"], doc["kind"]) == ("s2", "b", "capacity")
    assert doc["screen"] == {"stage": "s1", "role": "a", "kind": "capacity",
                             "verdict": "Bottleneck: s1 (a)."}
    conf = doc["confirmation"]
    assert conf["chosen"] == "b" and conf["replications"] == 4
    assert [x["significant"] for x in conf["candidates"]] == [False, True]
    assert conf["candidates"][1]["delta_revenue_per_month"]["mean"] == 5.0
    assert conf["sentence"] == ("Confirmed by simulation (4 paired replications): one more "
                                "person in b adds 5.0 ± 1.3 RUB a month; one more person in a "
                                "adds nothing measurable (+12 ± 116).")
    # no significant gain: lead flow and conversion, naming the biggest leak
    c = decide(_screen(), candidates[:1], base, [noisy], currency="RUB")
    assert (c.kind, c.stage, c.role, c.chosen) == ("conversion", "s3", "c", None)
    assert bottleneck_document({"stage": "s1", "role": "a", "kind": "capacity",
                                "verdict": "v"}, None)["confirmation"] is None


# -- salesim whatif agrees with salesim run ------------------------------------------------------


@pytest.mark.parametrize("path", [p.relative_to(ROOT).as_posix() for p in SHIPPED_SCENARIOS])
def test_run_and_whatif_confirm_the_same_bottleneck(path: str) -> None:
    """The run's confirmed role is what-if's top significant revenue hire (or both: none)."""
    scenario = load_scenario(ROOT / path)
    days = min(scenario.horizon_days, scenario.warmup_days + 120)
    scenario = scenario.with_overrides(horizon_days=days)
    replications = 3
    with open_backend(1) as backend:
        lab = Lab(backend, scenario.seed)
        base = Variant(scenario.name, scenario, "base")
        records = lab.records([base], replications)[0]
        run = confirm_bottleneck(scenario, scenario.seed, screen_of(records), replications, 3,
                                 lab)
        hires = [lv for lv in levers(scenario) if lv.kind == "hire"]
        doc = whatif_document(base, hires, lab.records([base, *(lv.variant for lv in hires)],
                                                       replications),
                              seed=scenario.seed, replications=replications, faster=0.2)
    helping = [lv for lv in doc["levers"] if lv["delta_revenue_per_month"]["significant"]
               and lv["delta_revenue_per_month"]["mean"] > 0]
    top = max(helping, key=lambda lv: lv["delta_revenue_per_month"]["mean"], default=None)
    assert (doc["bottleneck"]["kind"], doc["bottleneck"]["chosen"]) == (
        run.kind, run.role if run.kind == "capacity" else None)
    assert (None if top is None else top["role"]) == doc["bottleneck"]["chosen"]
    for lever in doc["levers"]:  # the constraint moves only when the lever relieves it
        after = lever["bottleneck"]
        assert after["moved"] == (run.kind == "capacity" and lever["role"] == run.role)
        if not after["moved"]:
            assert (after["stage"], after["role"], after["kind"]) == (run.stage, run.role,
                                                                      run.kind)


# -- the commands --------------------------------------------------------------------------------


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_salesim_run_confirms_the_bottleneck_and_whatif_agrees(tmp_path: Path) -> None:
    scenario = tmp_path / "cold.yaml"
    scenario.write_text(COLD_QUEUE)
    code, text = _invoke("run", str(scenario), "--confirm-replications", "3", "--jobs", "1",
                         "--out", str(tmp_path / "run"), "--report")
    assert code == 0, text
    flat = " ".join(text.split())
    assert "Queue screen: First is the bottleneck, in One" in flat
    assert ("Confirmed by simulation (3 paired replications): one more person in Second adds"
            in flat)
    # R_c = 3: the run's replication 0 is the base's first; 2 more, and 3 for each of 2 roles
    assert "confirming the bottleneck took 8 more runs" in flat
    doc = json.loads((tmp_path / "run" / "summary.json").read_text())
    b = doc["bottleneck"]
    assert (b["stage"], b["role"], b["kind"]) == ("two", "second", "capacity")
    assert (b["screen"]["stage"], b["screen"]["role"]) == ("one", "first")
    assert b["evidence"]["utilization"] > 0.85  # the screen's evidence
    conf = b["confirmation"]
    assert conf["replications"] == 3 and conf["chosen"] == "second"
    assert [c["role"] for c in conf["candidates"]] == ["first", "second"]
    assert {"mean", "ci95"} <= set(conf["candidates"][1]["delta_won_per_month"])
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["confirmation"]["runs_simulated"] == 8
    report = (tmp_path / "run" / "report.md").read_text()
    assert "Confirmed by simulation: 3 paired replications" in report
    assert "| **+1 second** | **two** |" in report  # the chosen row stands out

    code, text = _invoke("whatif", str(scenario), "-r", "3", "-j", "1", "--out",
                         str(tmp_path / "whatif"))
    assert code == 0, text
    whatif = json.loads((tmp_path / "whatif" / "whatif.json").read_text())
    assert whatif["bottleneck"]["chosen"] == "second"
    assert whatif["bottleneck"]["candidates"] == conf["candidates"]  # the same paired effects
    after = {lv["name"]: lv["bottleneck"] for lv in whatif["levers"]}
    assert after["+1 first"]["role"] == "second" and not after["+1 first"]["moved"]
    assert after["+1 second"]["moved"] and after["+1 second"]["source"] == "screen"
    assert "Second is the bottleneck (Two): one more person there" in " ".join(text.split())


def test_quick_reports_the_screen_and_r_above_r_c_is_reused(tmp_path: Path) -> None:
    scenario = tmp_path / "cold.yaml"
    scenario.write_text(COLD_QUEUE.replace("horizon_days: 150", "horizon_days: 60"))
    code, text = _invoke("run", str(scenario), "--quick", "--out", str(tmp_path / "q"))
    assert code == 0, text
    b = json.loads((tmp_path / "q" / "summary.json").read_text())["bottleneck"]
    assert b["confirmation"] is None and (b["stage"], b["kind"]) == ("one", "capacity")
    assert b["screen"]["verdict"] == b["verdict"]
    assert "queue screen alone (--quick)" in " ".join(text.split())
    code, text = _invoke("run", str(scenario), "-r", "4", "--confirm-replications", "3",
                         "--jobs", "1", "--out", str(tmp_path / "r4"))
    assert code == 0, text
    b = json.loads((tmp_path / "r4" / "summary.json").read_text())["bottleneck"]
    assert b["confirmation"]["replications"] == 4  # the run's own R, its runs as the base's
    info = json.loads((tmp_path / "r4" / "run.json").read_text())
    assert info["confirmation"]["runs_simulated"] == 2 * 4
