"""Experiments, piece by piece: paths and variants, levers, records, statistics, constraints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from salesim.simulator.engine.model import SalesModel
from salesim.simulator.experiments import records as rec
from salesim.simulator.experiments.checkpoints import RunStore
from salesim.simulator.experiments.executors import Backend, InlineExecutor
from salesim.simulator.experiments.grid import Axis, grid, parse_vary
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.problem import Budget, parse_budget, parse_constraint
from salesim.simulator.experiments.stats import (
    estimate,
    mser5,
    paired_difference,
    parse_precision,
    replications_needed,
    unpaired_difference,
)
from salesim.simulator.experiments.variants import (
    Change,
    ExperimentError,
    apply,
    changes_between,
    load_variants,
    scale_distribution,
)
from salesim.simulator.scenario.dists import Triangular
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import MONTH_DAYS
from tests.conftest import ROOT, scenario_from_yaml

# A small department that simulates 60 days in a fraction of a second: hunters develop leads,
# one closer converts them (the closer is the bottleneck at this load).
TINY = """\
name: tiny
seed: 7
horizon_days: 60
calendar: {start_date: 2026-01-05}
channels:
  - name: web
    rate: 6
    cost_per_lead: 100
    deal_size: {dist: lognormal, mean: 50000, sd: 20000}
roles:
  - name: hunter
    headcount: 2
    salary_per_month: 60000
  - name: closer
    headcount: 1
    salary_per_month: 80000
stages:
  - name: development
    cooling_half_life_days: 3
    steps:
      - name: call
        role: hunter
        effort_hours: {dist: exponential, mean: 2}
        conversion: 0.6
  - name: closing
    cooling_half_life_days: 5
    steps:
      - name: proposal
        role: closer
        effort_hours: {dist: triangular, low: 1, mode: 2, high: 6}
        conversion: 0.5
        wins: true
"""


def tiny() -> Scenario:
    return scenario_from_yaml(TINY)


def inline_lab(seed: int = 7, store: RunStore | None = None) -> Lab:
    return Lab(Backend(InlineExecutor(), 1, "in this process", "inline"), seed, store)


# -- paths, variants -------------------------------------------------------------------------------


def test_paths_pick_list_items_by_name() -> None:
    s = apply(tiny(), [Change("roles.closer.headcount", 3), Change("channels.web.rate", 9.5),
                       Change("stages.closing.steps.proposal.effort_hours.mode", 3)])
    assert s.role("closer").headcount == 3 and s.channels[0].rate == 9.5
    assert cast(Triangular, s.stages[1].steps[0].effort_hours).mode == 3
    assert changes_between(tiny(), s) == [
        {"path": "channels.web.rate", "base": 6.0, "variant": 9.5},
        {"path": "roles.closer.headcount", "base": 1, "variant": 3},
        {"path": "stages.closing.steps.proposal.effort_hours.mode", "base": 2.0, "variant": 3.0},
    ]


@pytest.mark.parametrize(("path", "message"), [
    ("roles.closr.headcount", "unknown role 'closr'; allowed: hunter, closer"),
    ("roles.closer.headcont", "unknown field 'headcont' in roles.closer; allowed: name, "
                              "label, headcount, salary_per_month"),
    ("stages.closing.steps.nope.effort_hours", "unknown step 'nope'; allowed: proposal"),
    ("budget", "unknown field 'budget' in the scenario"),
    ("roles.closer.headcount.x", "roles.closer.headcount is a value (1)"),
    ("roles..headcount", "is not a field path"),
])
def test_unknown_paths_say_what_is_allowed(path: str, message: str) -> None:
    with pytest.raises(ExperimentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply(tiny(), [Change(path, 1)])


def test_invalid_values_fail_with_the_formats_message() -> None:
    with pytest.raises(ExperimentError, match=r"roles\[1\]\.headcount: .*greater than or equal"):
        apply(tiny(), [Change("roles.closer.headcount", -1)])


def test_parse_vary() -> None:
    assert parse_vary("roles.closer.headcount=2..6") == Axis("roles.closer.headcount",
                                                             (2, 3, 4, 5, 6))
    assert parse_vary("channels.web.rate=10,20,40").values == (10, 20, 40)
    assert parse_vary("x=0.6..1..0.2").values == (0.6, 0.8, 1.0)
    assert parse_vary("stages.a.assignment=pooled,owned").values == ("pooled", "owned")
    for bad, message in (("roles.closer.headcount=6..2", "empty range"),
                         ("roles.closer.headcount", "expected PATH=VALUES"),
                         ("roles.closer.headcount=", "no values"),
                         ("x=1,,2", "empty value"), ("x=1..5..0", "step must be positive"),
                         ("x=a..b", "must be finite numbers"),
                         ("x=nan..5", "must be finite numbers"),
                         ("x=0..inf", "must be finite numbers"),
                         ("x=-1e308..1e308", "more than 10,000 values")):
        with pytest.raises(ExperimentError, match=message):
            parse_vary(bad)


def test_grid_is_the_product_first_axis_slowest() -> None:
    variants = grid(tiny(), [parse_vary("roles.closer.headcount=1..2"),
                             parse_vary("channels.web.rate=4,8")])
    assert [v.name for v in variants] == [
        f"roles.closer.headcount={n} channels.web.rate={r}" for n in (1, 2) for r in (4, 8)]
    assert [(v.scenario.role("closer").headcount, v.scenario.channels[0].rate)
            for v in variants] == [(1, 4), (1, 8), (2, 4), (2, 8)]
    with pytest.raises(ExperimentError, match=r"--vary roles\.closr\.headcount: unknown role"):
        grid(tiny(), [parse_vary("roles.closr.headcount=1..2")])
    with pytest.raises(ExperimentError, match="given twice"):
        grid(tiny(), [parse_vary("channels.web.rate=1"), parse_vary("channels.web.rate=2")])
    with pytest.raises(ExperimentError, match=r"--vary roles.closer.headcount=-1: .*headcount"):
        grid(tiny(), [parse_vary("roles.closer.headcount=-1,1")])


@pytest.mark.parametrize("spec", [
    {"dist": "fixed", "value": 2.0}, {"dist": "exponential", "mean": 2.0},
    {"dist": "lognormal", "mean": 2.0, "sd": 1.0},
    {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
    {"dist": "uniform", "low": 1.0, "high": 3.0},
    {"dist": "empirical", "values": [1.0, 2.0, 5.0], "weights": [1.0, 2.0, 1.0]},
])
def test_work_time_scales_every_draw_exactly(spec: dict[str, object]) -> None:
    """A faster variant keeps its common random numbers: each draw is scaled, not redrawn."""
    from pydantic import TypeAdapter

    from salesim.simulator.scenario.dists import Distribution

    adapter: TypeAdapter[Any] = TypeAdapter(Distribution)
    before = adapter.validate_python(spec)
    after = adapter.validate_python(scale_distribution(spec, 0.8))
    a = before.sample(np.random.default_rng(3), 200)
    b = after.sample(np.random.default_rng(3), 200)
    np.testing.assert_allclose(b, 0.8 * a, rtol=1e-12)


def test_work_time_lever_keeps_arrivals_and_dice() -> None:
    base = tiny()
    fast = apply(base, [Change("roles.closer.work_time", 0.5)])
    m0, m1 = SalesModel(base, seed=1), SalesModel(fast, seed=1)
    m0.run()
    m1.run()
    e0, e1 = m0.log.to_frame(), m1.log.to_frame()
    arrivals = ["lead_id", "time", "amount", "segment"]
    pd_a = e0[e0["event"] == "arrive"][arrivals].reset_index(drop=True)
    pd_b = e1[e1["event"] == "arrive"][arrivals].reset_index(drop=True)
    assert pd_a.equals(pd_b)
    hours0 = e0.loc[(e0["event"] == "finish") & (e0["role"] == "closer")].set_index(
        "lead_id")["work_hours"]
    hours1 = e1.loc[(e1["event"] == "finish") & (e1["role"] == "closer")].set_index(
        "lead_id")["work_hours"]
    both = hours0.index.intersection(hours1.index)
    assert len(both) > 20
    np.testing.assert_allclose(hours1[both], 0.5 * hours0[both], rtol=1e-9)
    with pytest.raises(ExperimentError, match="work_time of closer must be a factor > 0"):
        apply(base, [Change("roles.closer.work_time", 0)])


def test_variant_set_files(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY)
    good = tmp_path / "set.yaml"
    good.write_text("base: tiny.yaml\nvariants:\n  - name: two_closers\n    set:\n"
                    "      roles.closer.headcount: 2\n  - name: faster\n    set:\n"
                    "      roles.closer.work_time: 0.8\n")
    variants = load_variants([good])
    assert [v.name for v in variants] == ["tiny", "two_closers", "faster"]
    assert variants[1].scenario.role("closer").headcount == 2
    # the base given again is kept once
    assert [v.name for v in load_variants([tmp_path / "tiny.yaml", good])] == [
        "tiny", "two_closers", "faster"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: tiny.yaml\nvariants:\n  - name: x\n    set:\n"
                   "      roles.closr.headcount: 2\n")
    with pytest.raises(ExperimentError) as info:
        load_variants([bad])
    assert str(info.value) == (f"{bad}:5: variants[0] (x): roles.closr.headcount: unknown role "
                               f"'closr'; allowed: hunter, closer")
    bad.write_text("base: missing.yaml\nvariants: []\n")
    with pytest.raises(ExperimentError, match=r"bad.yaml:1: base: .*missing.yaml: no such file"):
        load_variants([bad])


def test_shipped_variant_sets_load() -> None:
    for path in sorted((ROOT / "scenarios" / "variants").glob("*.yaml")):
        variants = load_variants([path])
        assert len(variants) >= 2, path
        assert len({v.key for v in variants}) == len(variants), path


def test_same_names_fall_back_to_file_stems(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(TINY)
    b.write_text(TINY.replace("rate: 6", "rate: 7"))
    assert [v.name for v in load_variants([a, b])] == ["tiny", "b"]


# -- records and profit ----------------------------------------------------------------------------


def test_record_money_is_the_engines_pnl() -> None:
    from salesim.simulator.runner import simulate

    s = tiny()
    result = simulate(s, 7, 0)
    money = result.metrics().money()
    r = rec.reduce_run(result.scenario, result.metrics(), result.events)
    assert r == rec.run_record(s, 7, 0)
    for key, pnl_key in (("revenue", "revenue"), ("profit", "profit"),
                         ("lead_cost", "lead_costs"), ("payroll", "payroll"),
                         ("gross_margin", "gross_margin"), ("penalties", "penalties")):
        assert r[key] == pytest.approx(money[pnl_key]), key
    months = 60 / MONTH_DAYS
    assert r["payroll"] == pytest.approx((2 * 60000 + 80000) * months, rel=0.05)  # Feb is short
    assert r["lead_cost"] == pytest.approx(100 * r["generated"])
    assert r["revenue_per_month"] == pytest.approx(r["revenue"] / months)
    assert r["generated"] == r["won"] + r["lost"] + r["in_progress"]
    assert len(r[rec.SERIES_FIELD]) == 60 and sum(r[rec.SERIES_FIELD]) == r["won"]
    assert set(rec.metric_names(s)) <= set(r)
    assert r["bottleneck_kind"] in ("capacity", "conversion")
    # against a flat plan: the new business recognised in the window ÷ the plan over it
    assert rec.with_plan(r, 1e6)[rec.PLAN_ATTAINMENT] == pytest.approx(
        r[rec.PLAN_ACTUAL] / (1e6 * r[rec.PLAN_MONTHS]))
    assert r[rec.PLAN_ACTUAL] == pytest.approx(r["revenue"], abs=0.01 * r["won"] + 1e-9)
    assert rec.PLAN_ATTAINMENT not in rec.with_plan(r, None)  # tiny has no plan of its own


def test_warmup_counts_money_over_the_same_window() -> None:
    from salesim.simulator.experiments.variants import with_settings

    s = tiny()
    planned = Scenario.from_data({**s.model_dump(mode="json", by_alias=True),
                                  "plan": {"monthly_revenue": 1e6, "role": "closer"}})
    whole = rec.run_record(planned, 7, 0)
    # Mon 5 Jan + 60 days, pro rata to working days: 20 of January's 22, February's 20, and
    # 4 of March's 22 (2-5 March)
    assert whole["plan"] == pytest.approx(1e6 * (20 / 22 + 1 + 4 / 22), abs=0.01)
    assert whole[rec.PLAN_MONTHS] == pytest.approx(20 / 22 + 1 + 4 / 22)
    assert rec.with_plan(whole, None)[rec.PLAN_ATTAINMENT] == pytest.approx(
        whole[rec.PLAN_ACTUAL] / whole["plan"])
    cut = rec.run_record(with_settings(planned, warmup_days=20), 7, 0)
    assert cut["payroll"] == pytest.approx(whole["payroll"] * 40 / 60, rel=0.05)
    assert cut["plan"] == pytest.approx(whole["plan"] * 40 / 60, rel=0.05)
    assert cut["revenue"] < whole["revenue"]


def test_checkpoints_round_trip_exactly(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "cp")
    r = rec.run_record(tiny(), 7, 1)
    store.save("k", 1, r)
    assert store.load("k", 1) == r and store.load("k", 2) is None and store.count() == 1
    assert not list((tmp_path / "cp").glob(".*"))  # no temporary files left
    lab = inline_lab(store=store)
    from salesim.simulator.experiments.variants import Variant

    v = Variant("tiny", tiny(), "test")
    lab.records([v], 2)
    assert lab.executed == 2  # key "k" is not this variant's key: both run
    again = inline_lab(store=store)
    assert again.records([v], 2) == lab.records([v], 2) and again.executed == 0


# -- statistics ------------------------------------------------------------------------------------


def test_estimates_and_differences() -> None:
    e = estimate([1.0, 2.0, 3.0, math.nan])
    assert (e.mean, e.n) == (2.0, 3) and e.half_width == pytest.approx(4.3027 / math.sqrt(3))
    base = [10.0, 20.0, 30.0, 40.0]
    shifted = [11.0, 21.5, 30.5, 41.0]
    d = paired_difference(base, shifted)
    assert d.mean == pytest.approx(1.0) and d.significant
    u = unpaired_difference(base, shifted)
    assert u.mean == pytest.approx(1.0) and u.half_width > 10 * d.half_width
    assert not u.significant
    assert paired_difference([1.0, math.nan], [2.0, 3.0]).n == 1


def test_precision_and_replications_needed() -> None:
    p = parse_precision("2%", "revenue")
    assert (p.target, p.relative) == (0.02, True)
    assert parse_precision("50 000", "revenue").target == 50000
    for bad in ("abc", "-1%", "0"):
        with pytest.raises(ValueError, match="--precision"):
            parse_precision(bad, "revenue")
    e = estimate([100.0, 110.0, 90.0, 105.0, 95.0])
    needed = replications_needed(e, p)
    assert needed > 5
    assert needed == math.ceil(5 * (e.half_width / 2.0) ** 2)


def test_mser5_finds_a_transient() -> None:
    rng = np.random.default_rng(1)
    series = np.concatenate([np.linspace(0, 10, 40), np.full(360, 10.0)]) + rng.normal(0, 1, 400)
    w = mser5(series.tolist())
    assert 30 <= w.days <= 50 and w.reliable
    flat = mser5((10 + rng.normal(0, 1, 400)).tolist())
    assert flat.days <= 15


# -- constraints and budgets -----------------------------------------------------------------------


def test_constraints() -> None:
    metrics = [*rec.metric_names(tiny()), rec.PLAN_ATTAINMENT]
    c = parse_constraint("plan_attainment>=0.95 @ p=0.9", metrics)
    assert (c.metric, c.op, c.value, c.probability) == ("plan_attainment", ">=", 0.95, 0.9)
    assert parse_constraint("utilization.closer <= 85%", metrics).value == 0.85
    met, share, violation = c.status([1.0] * 9 + [0.5])
    assert met and share == 0.9 and violation == 0
    met, share, violation = c.status([1.0] * 8 + [0.5, 0.9])
    assert not met and share == 0.8 and violation > 0
    on_mean = parse_constraint("cycle_days<=3", metrics)
    assert on_mean.status([2.0, 3.5])[0] and not on_mean.status([3.0, 3.5])[0]
    for bad, message in (
            ("plan_attainment>=0.95 @ p=1.5", "probability must be in"),
            ("utilization.closer>=1.2", "impossible"),
            ("won<=-1", "impossible: won is never negative"),
            ("foo>=1", "unknown metric 'foo'"),
            ("revenue_per_month >> 1", "expected METRIC>=VALUE")):
        with pytest.raises(ExperimentError, match=message):
            parse_constraint(bad, metrics)
    with pytest.raises(ExperimentError, match="give --plan"):
        parse_constraint("plan_attainment>=1", rec.metric_names(tiny()))


def test_budgets() -> None:
    b = parse_budget(["headcount=4", "payroll=300000"])
    assert b == Budget(4, 300000.0)
    s = tiny()
    assert b.allows(s, {"closer": 2}) and not b.allows(s, {"closer": 3})
    assert not Budget(None, 150000).allows(s, {})
    for bad in ("people=3", "headcount=2.5", "payroll=-1", "headcount"):
        with pytest.raises(ExperimentError, match="--budget"):
            parse_budget([bad])


# -- stability in the experiment documents -----------------------------------------------


def test_compare_and_sweep_say_whether_each_variant_is_stable() -> None:
    """Tiny's single closer is loaded to ρ ≈ 1.2 (3.6 proposals of 3 hours a 9-hour day);
    a second closer brings it to 0.6. Two replications of 60 days."""
    from salesim.simulator.experiments.compare import compare_document
    from salesim.simulator.experiments.sweep import sweep_document, sweep_summary_table

    axes = [parse_vary("roles.closer.headcount=1,2")]
    variants = grid(tiny(), axes)
    records = inline_lab(7).records(variants, 2)
    assert [r["unstable"] for r in records[0]] == [1.0, 0.0]  # one replication of the two
    assert records[0][0]["unstable_queues"] == "closing (closer)"
    assert records[0][0]["overload"] > 0.05 and records[1][0]["overload"] == 0.0
    doc = compare_document(variants, records, seed=7, replications=2)
    base_entry, other = doc["variants"]
    assert base_entry["stability"]["stable"] is False
    assert base_entry["stability"]["unstable_share"] == 0.5
    assert base_entry["stability"]["unstable"] == [{"stage": "closing", "role": "closer",
                                                    "share": 0.5}]
    assert base_entry["means"]["unstable"]["mean"] == 0.5
    assert other["stability"]["stable"] is True
    assert other["verdict"].endswith(
        "; queues stable in all 2 replications (the base is NOT SUSTAINABLE in 1 of 2 "
        "replications: closer queue grows without bound (closing)).")
    sweep = sweep_document("tiny", axes, variants, records, seed=7, replications=2)
    assert [v["stability"]["stable"] for v in sweep["variants"]] == [False, True]
    table = sweep_summary_table(sweep)
    assert table["unstable_share"].tolist() == [0.5, 0.0]
    assert table["unstable_queues"].tolist() == ["closing (closer)", ""]
