"""The shipped case studies tell the story their README tells, from the engine's own verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from salesim.simulator.experiments.executors import open_backend
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.records import PLAN_ACTUAL, PLAN_FIELD, UNSTABLE
from salesim.simulator.experiments.variants import Variant
from salesim.simulator.experiments.verdict import confirm_bottleneck, screen_of
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.loader import load_scenario
from tests.conftest import ROOT

TRADING = ROOT / "scenarios" / "cases" / "trading_company"


def _run(name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    metrics = simulate(load_scenario(TRADING / f"{name}.yaml")).metrics()
    utilization = dict(zip(metrics.roles["role"], metrics.roles["utilization"], strict=True))
    return metrics.overall, metrics.bottleneck.as_dict(), utilization


def test_the_bottleneck_moves_to_the_warehouse_and_leaves_it() -> None:
    a, verdict_a, _ = _run("a_as_is")
    b, verdict_b, _ = _run("b_staff_cut_and_trained")
    c, verdict_c, busy_c = _run("c_assortment_and_discounts")
    d, _, busy_d = _run("d_more_warehouse_staff")
    # (a) about 2% of interested clients reach shipment; nothing queues
    assert 0.015 < float(a["lead_to_deal"]) < 0.03
    assert verdict_a["kind"] == "conversion"
    # (b) a third fewer sellers, trained: more deals from the same callers
    assert verdict_b["kind"] == "conversion"
    assert int(b["won"]) > int(a["won"])
    # (c) one caller in five buys: the constraint moves to fulfilment
    assert (verdict_c["stage"], verdict_c["role"], verdict_c["kind"]) == (
        "fulfilment", "warehouse", "capacity")
    assert busy_c["warehouse"] > 0.95
    # (d) +50% warehouse staff: the warehouse has room again
    assert busy_d["warehouse"] < 0.8
    assert d["won"] == c["won"]  # same buyers; only the shipping changed


def test_more_warehouse_staff_pays_off_in_money() -> None:
    """Revenue counts at shipment: the overloaded warehouse of (c) costs revenue, penalties and
    clients, and the +50% of (d) wins them back; the relief test confirms it."""
    runs = {name: simulate(load_scenario(TRADING / f"{name}.yaml")).metrics()
            for name in ("c_assortment_and_discounts", "d_more_warehouse_staff")}
    c, d = runs["c_assortment_and_discounts"], runs["d_more_warehouse_staff"]
    assert not c.stability.stable and [q.role for q in c.stability.unstable] == ["warehouse"]
    assert d.stability.stable
    assert c.overall["bookings"] == pytest.approx(d.overall["bookings"], rel=0.02)
    assert d.overall["revenue"] > 1.08 * c.overall["revenue"]
    assert c.overall["bookings"] - c.overall["revenue"] > 5 * (
        d.overall["bookings"] - d.overall["revenue"])  # orders stuck at the warehouse
    assert d.money()["penalties"] < 0.5 * c.money()["penalties"]
    assert d.money()["profit"] > c.money()["profit"]
    assert int(d.clients["churned"].sum()) < int(c.clients["churned"].sum())
    scenario = load_scenario(TRADING / "c_assortment_and_discounts.yaml")
    with open_backend(1) as backend:
        lab = Lab(backend, scenario.seed)
        base = lab.records([Variant(scenario.name, scenario, "base")], 3)[0]
        confirmed = confirm_bottleneck(scenario, scenario.seed, screen_of(base), 3, 3, lab)
    assert (confirmed.kind, confirmed.role) == ("capacity", "warehouse")


def test_the_default_department_is_balanced_with_one_confirmed_constraint() -> None:
    """The default scenario: a running department (no empty first month), near its plan, stable,
    whose constraint — confirmed by the relief test — is the closers."""
    scenario = load_scenario(ROOT / "scenarios" / "b2b_baseline.yaml")
    with open_backend(2) as backend:
        lab = Lab(backend, scenario.seed)
        base = lab.records([Variant(scenario.name, scenario, "base")], 5)[0]
        confirmed = confirm_bottleneck(scenario, scenario.seed, screen_of(base), 5, 3, lab)
    assert (confirmed.kind, confirmed.role, confirmed.stage) == (
        "capacity", "closer", "conversion")
    attainment = [float(r[PLAN_ACTUAL]) / float(r[PLAN_FIELD]) for r in base]
    assert 0.9 < sum(attainment) / len(attainment) < 1.1
    assert all(r[UNSTABLE] == 0.0 for r in base)
    one = simulate(scenario).metrics()
    revenue = one.pnl["revenue"].to_numpy()
    assert len(revenue) == 12 and revenue.min() > 0.6 * revenue.mean()  # January is a month
    assert 0.05 < revenue.std() / revenue.mean() < 0.3
