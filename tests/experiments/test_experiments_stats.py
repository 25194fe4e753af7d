"""Statistics on the engine: common random numbers narrow the CI, replications until a precision,
MSER-5 warm-up, and the staffing search against exhaustive search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesim.simulator.experiments.lab import Lab, detect_warmup, replicate_variants
from salesim.simulator.experiments.optimize import Optimizer, candidates_rows, optimize_document
from salesim.simulator.experiments.problem import (
    Budget,
    Objective,
    Problem,
    check_replications,
    min_replications,
    parse_constraint,
)
from salesim.simulator.experiments.records import metric_names
from salesim.simulator.experiments.stats import (
    estimate,
    paired_difference,
    parse_precision,
    unpaired_difference,
)
from salesim.simulator.experiments.variants import Change, ExperimentError, Variant, apply
from tests.cli.test_experiments_cli import run
from tests.experiments.test_experiments import TINY, inline_lab, tiny


def test_common_random_numbers_give_narrower_intervals_than_independent_runs() -> None:
    """+1 hunter: paired on the same streams vs the variant run on a different seed."""
    base = tiny()
    more = apply(base, [Change("roles.hunter.headcount", 3)])
    r = 8
    a, b = inline_lab(7).records([Variant("a", base, ""), Variant("b", more, "")], r)
    b_independent = inline_lab(1007).records([Variant("b", more, "")], r)[0]
    for metric in ("revenue_per_month", "won_per_month"):
        paired = paired_difference([x[metric] for x in a], [x[metric] for x in b])
        independent = unpaired_difference([x[metric] for x in a],
                                          [x[metric] for x in b_independent])
        assert paired.half_width * 2 < independent.half_width, metric
        # and the independent interval's estimate (Welch on the paired runs) says the same
        welch = unpaired_difference([x[metric] for x in a], [x[metric] for x in b])
        assert paired.half_width * 2 < welch.half_width, metric


def test_replications_until_the_precision_is_met() -> None:
    lab = inline_lab(7)
    variants = [Variant("tiny", tiny(), "")]
    precision = parse_precision("5%", "generated")
    result = replicate_variants(lab, variants, 3, precision, max_replications=40)
    assert result.precision is not None and result.precision["met"]
    assert 3 < result.replications < 40
    e = estimate([x["generated"] for x in result.records[0]])
    assert e.half_width <= 0.05 * e.mean
    capped = replicate_variants(lab, variants, 3, parse_precision("0.1%", "generated"),
                                max_replications=result.replications + 1)
    assert capped.replications == result.replications + 1 and capped.precision is not None
    assert not capped.precision["met"]


def test_mser5_detects_the_pipeline_filling_up(tmp_path: Path) -> None:
    """Deals take 12 days of client time to close: the first fortnight sees few wins."""
    slow = TINY.replace("wins: true", "wins: true\n        client_delay_days: 12").replace(
        "horizon_days: 60", "horizon_days: 90").replace("headcount: 1", "headcount: 3")
    path = tmp_path / "slow.yaml"
    path.write_text(slow)
    from salesim.simulator.scenario.loader import load_scenario

    scenario = load_scenario(path)
    recs = inline_lab(7).records([Variant("slow", scenario, "")], 4)[0]
    warmup = detect_warmup(recs)
    assert 10 <= warmup.days <= 30 and warmup.reliable
    two = tmp_path / "two.yaml"
    two.write_text(slow.replace("name: tiny", "name: tiny4").replace("headcount: 3",
                                                                     "headcount: 4"))
    code, _, err = run("compare", str(path), str(two), "--warmup", "auto", "-r", "4", "-j", "1",
                       "--out", str(tmp_path / "o"))
    assert code == 0, err
    doc = json.loads((tmp_path / "o" / "compare.json").read_text())
    assert doc["warmup"]["detected_days"] == warmup.days
    assert doc["warmup_days"] == doc["warmup"]["applied_days"] == warmup.days


# -- the staffing search against exhaustive search ------------------------------------------------

CASES = [
    pytest.param("profit", [], Budget(), id="max-profit"),
    pytest.param("profit", [], Budget(headcount=4), id="max-profit-headcount-budget"),
    pytest.param("cost", ["plan_attainment>=0.9 @ p=0.5"], Budget(), id="min-cost-plan"),
    pytest.param("profit", ["utilization.closer<=0.6"], Budget(payroll_per_month=400000),
                 id="max-profit-utilisation-payroll-budget"),
]


@pytest.fixture(scope="module")
def shared_lab() -> Lab:
    """One Lab for every case: each staffing is simulated once, then read from memory."""
    return inline_lab(7)


@pytest.mark.parametrize(("objective", "constraints", "budget"), CASES)
def test_search_finds_the_exhaustive_optimum(objective: Objective, constraints: list[str],
                                             budget: Budget, shared_lab: Lab) -> None:
    base = tiny()
    plan = 1_200_000.0
    metrics = [*metric_names(base), "plan_attainment"]
    problem = Problem(base, ["hunter", "closer"], [(1, 4), (1, 4)], objective,
                      [parse_constraint(c, metrics) for c in constraints], budget, plan)
    reps = 2
    exhaustive = Optimizer(problem, shared_lab, reps).exhaustive()
    searched = Optimizer(problem, shared_lab, reps)
    best = searched.search()
    assert best.staffing == exhaustive.staffing
    assert best.feasible
    assert len(searched.evaluated) < 16  # it did not look at everything


def test_the_search_never_returns_a_staffing_whose_queues_grow(shared_lab: Lab) -> None:
    """Tiny's cheapest staffing that meets 60% of the plan (2 hunters, 1 closer) has a closer
    loaded to ρ ≈ 1.2: its queue grows without bound, and it must not be picked."""
    base = tiny()
    metrics = [*metric_names(base), "plan_attainment"]
    problem = Problem(base, ["hunter", "closer"], [(1, 3), (1, 3)], "cost",
                      [parse_constraint("plan_attainment>=0.6", metrics)], Budget(), 1_200_000.0)
    reps = 2
    exhaustive = Optimizer(problem, shared_lab, reps)
    best_everywhere = exhaustive.exhaustive()
    searched = Optimizer(problem, shared_lab, reps)
    best = searched.search()
    assert best.staffing == best_everywhere.staffing == (2, 2)
    assert best.feasible and best.stable and best.unstable_share == 0.0
    cheap = exhaustive.evaluated[(2, 1)]
    assert cheap.statuses[0][0]  # it "meets" the constraint on attainment ...
    assert not cheap.feasible and not cheap.stable  # ... but its closer queue grows
    assert cheap.payroll_per_month < best.payroll_per_month
    assert cheap.rejected(problem.constraints) == "closer queue grows"
    doc = optimize_document(exhaustive, best_everywhere, cheap, seed=7, method="exhaustive")
    first = doc["rejected_unstable"][0]
    assert first["staffing"] == {"hunter": 2, "closer": 1}
    assert first["rejected"] == "closer queue grows"
    assert doc["best"]["stability"]["stable"] and not doc["current"]["stability"]["stable"]
    assert "(rejected: closer queue grows)" in doc["verdict"]
    assert "queues stable in every replication (the current staffing's are not" in doc["verdict"]
    rows = {(r["hunter"], r["closer"]): r for r in candidates_rows(exhaustive)}
    assert rows[(2, 1)]["rejected"] == "closer queue grows" and not rows[(2, 1)]["feasible"]
    assert rows[(2, 1)]["unstable_queues"].startswith("closing (closer)")
    assert rows[(2, 2)]["rejected"] == "" and rows[(2, 2)]["unstable_share"] == 0.0


def test_chance_constraints_need_enough_replications() -> None:
    assert [min_replications(p) for p in (0.5, 0.75, 0.8, 0.9, 0.95, 0.99, 1.0)] \
        == [2, 4, 5, 10, 20, 100, 1]
    metrics = [*metric_names(tiny()), "plan_attainment"]
    chance = [parse_constraint("plan_attainment>=0.95 @ p=0.9", metrics)]
    with pytest.raises(ExperimentError, match=r"5 replications cannot estimate p=0.9 .* use "
                                              r"-r 10 or more"):
        check_replications(chance, 5)
    [warning] = check_replications(chance, 10)
    assert "allow only 1 run(s) to miss the bound" in warning and "-r 20" in warning
    assert check_replications(chance, 20) == []
    assert check_replications([parse_constraint("cycle_days<=30", metrics)], 2) == []
