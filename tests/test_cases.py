"""The shipped case studies tell the story their README tells, from the engine's own verdicts."""

from __future__ import annotations

from simulator.loader import load_scenario
from simulator.runner import simulate
from tests.conftest import ROOT

TRADING = ROOT / "scenarios" / "cases" / "trading_company"


def _run(name: str) -> tuple[dict[str, object], dict[str, object], dict[str, float]]:
    metrics = simulate(load_scenario(TRADING / f"{name}.yaml")).metrics()
    utilization = dict(zip(metrics.roles["role"], metrics.roles["utilization"], strict=True))
    return metrics.overall, metrics.bottleneck, utilization


def test_the_bottleneck_moves_to_the_warehouse_and_leaves_it() -> None:
    a, verdict_a, _ = _run("a_as_is")
    b, verdict_b, _ = _run("b_staff_cut_and_trained")
    c, verdict_c, busy_c = _run("c_assortment_and_discounts")
    d, verdict_d, busy_d = _run("d_more_warehouse_staff")
    # (a) about 2% of interested clients reach shipment; nothing queues
    assert 0.015 < float(a["lead_to_deal"]) < 0.03  # type: ignore[arg-type]
    assert verdict_a["kind"] == "conversion"
    # (b) a third fewer sellers, trained: more deals from the same callers
    assert verdict_b["kind"] == "conversion"
    assert int(b["won"]) > int(a["won"])  # type: ignore[call-overload]
    # (c) one caller in five buys: the constraint moves to fulfilment
    assert (verdict_c["stage"], verdict_c["role"], verdict_c["kind"]) == (
        "fulfilment", "warehouse", "capacity")
    assert busy_c["warehouse"] > 0.85
    # (d) +50% warehouse staff: the bottleneck leaves the warehouse
    assert not (verdict_d["stage"] == "fulfilment" and verdict_d["kind"] == "capacity")
    assert busy_d["warehouse"] < 0.7
    assert d["won"] == c["won"]  # same buyers; only the shipping changed


def test_the_default_scenario_warns_that_the_warehouse_queue_is_building() -> None:
    """Hunters are the bottleneck over the year; the client base's repeat orders fill the
    warehouse by the last quarter: the verdict says to watch it."""
    metrics = simulate(load_scenario(ROOT / "scenarios" / "b2b_baseline.yaml")).metrics()
    verdict = metrics.bottleneck
    assert (verdict["stage"], verdict["role"]) == ("lead_development", "hunter")
    watched = {w["stage"]: w for w in verdict["watch"]}
    assert set(watched) == {"fulfilment"}
    assert watched["fulfilment"]["queue_last_quarter"] > 3 * watched["fulfilment"]["queue_before"]
    assert "Keep an eye on Delivery (Warehouse): its queue is building up" in verdict["verdict"]
