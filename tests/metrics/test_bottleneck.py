"""The typed Bottleneck of the queue screen, on the hand-built log of
``tests.metrics.test_metrics``."""

from __future__ import annotations

import dataclasses
import math

import pytest

from salesim.simulator.metrics.bottleneck import (
    Bottleneck,
    ConversionEvidence,
    Leak,
    StageLoad,
    Watch,
)
from salesim.simulator.metrics.measure import measure
from salesim.simulator.metrics.stability import STABLE
from salesim.simulator.metrics.verdict import bottleneck_text, run_verdict
from tests.metrics.test_metrics import EVENTS, STAFF, TINY


def test_a_queue_of_twelve_working_hours_is_a_capacity_bottleneck() -> None:
    # lead 1 waits from 0.5 to 1.0 for the one seller: 12 working hours of a 24-hour day,
    # over three started visits; the seller works 72 of the 240 hours of the run; the two
    # decided leads spent 3 + 3.5 days in the stage, half a day of it queued
    b = measure(EVENTS, STAFF, TINY).bottleneck
    assert (b.kind, b.stage, b.role) == ("capacity", "sell", "seller")
    assert isinstance(b.evidence, StageLoad)
    assert dataclasses.asdict(b.evidence) == dict(
        stage="sell", role="seller", utilization=pytest.approx(0.3),
        queued_work_hours=pytest.approx(12.0), queue_mean=pytest.approx(0.05),
        wait_days_mean=pytest.approx(0.25), wait_work_hours_mean=pytest.approx(4.0),
        wait_share=pytest.approx(0.5 / 6.5), lost_cooled=0, queue_trend_per_30d=0.0,
        queue_last_quarter=0.0, queue_before=0.0)
    assert [dataclasses.astuple(r) for r in b.ranking] == [
        ("sell", "seller", pytest.approx(12.0), pytest.approx(0.3))]
    assert b.watch == ()
    assert b.leak == Leak(stage="sell", role="seller", conversion=0.5, lost=1)


def test_the_bottleneck_is_frozen() -> None:
    b = measure(EVENTS, STAFF, TINY).bottleneck
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.stage = "elsewhere"  # type: ignore[misc]


def test_as_dict_is_the_summary_block_without_the_verdict() -> None:
    b = measure(EVENTS, STAFF, TINY).bottleneck
    block = b.as_dict()
    assert list(block) == ["stage", "role", "kind", "evidence", "watch"]
    assert list(block["evidence"]) == [
        "utilization", "queued_work_hours", "queue_mean", "wait_days_mean",
        "wait_work_hours_mean", "wait_share", "lost_cooled", "queue_trend_per_30d",
        "queue_last_quarter", "queue_before"]
    assert block["evidence"]["lost_cooled"] == 0 and isinstance(block["evidence"]["lost_cooled"],
                                                                 int)
    assert block["watch"] == []


def test_nobody_waiting_is_a_conversion_verdict_naming_the_leak() -> None:
    no_wait = EVENTS.copy()
    lead1 = no_wait["lead_id"] == 1
    no_wait.loc[lead1 & no_wait["event"].isin(["arrive", "enqueue"]), "time"] = 1.0
    b = measure(no_wait.sort_values("time", kind="stable"), STAFF, TINY).bottleneck
    assert (b.kind, b.stage, b.role) == ("conversion", "sell", "seller")
    assert isinstance(b.evidence, ConversionEvidence)
    assert dataclasses.asdict(b.evidence) == dict(conversion=0.5, lost=1,
                                                  max_utilization=pytest.approx(0.3),
                                                  max_utilization_role="seller",
                                                  wait_work_hours_mean=0.0)
    assert b.as_dict()["evidence"] == {"conversion": 0.5, "lost": 1,
                                       "max_utilization": pytest.approx(0.3),
                                       "max_utilization_role": "seller",
                                       "wait_work_hours_mean": 0.0}


def test_the_words_come_from_the_typed_value() -> None:
    run = measure(EVENTS, STAFF, TINY)
    assert run.verdict == bottleneck_text(run.bottleneck, TINY)
    assert bottleneck_text(run.bottleneck, TINY) == bottleneck_text(run.bottleneck.as_dict(), TINY)
    assert run_verdict(run.bottleneck, STABLE, TINY) == run.verdict


def test_no_staffed_stage_is_no_bottleneck() -> None:
    b = Bottleneck(kind="none", stage=None, role=None, evidence=None)
    assert b.as_dict() == {"stage": None, "role": None, "kind": "none", "evidence": {},
                           "watch": []}
    assert bottleneck_text(b, None) == ("No stage has staff, so nothing can queue: there is no "
                                        "bottleneck to name.")


def test_a_building_queue_is_worded_as_one_to_watch() -> None:
    b = Bottleneck(kind="conversion", stage="sell", role="seller",
                   evidence=ConversionEvidence(math.nan, 0, 0.5, "seller", 0.0),
                   watch=(Watch("ship", "warehouse", 12.0, 3.0),))
    assert bottleneck_text(b, None).endswith(
        "Keep an eye on Ship (Warehouse): its queue is building up — 12.0 leads waiting on "
        "average in the last quarter of the run, against 3.0 before.")


def test_a_team_of_nobody_with_leads_waiting_is_the_bottleneck() -> None:
    """Closers at headcount 0: hunters still decide leads, but every lead they pass on waits
    for ever; the screen names the closers (their waits never end, so they are in no wait
    figure) and says that nobody works there."""
    from salesim.simulator.runner import simulate
    from salesim.simulator.scenario.loader import load_scenario
    from tests.conftest import ROOT

    base = load_scenario(ROOT / "scenarios" / "b2b_baseline.yaml")
    roles = tuple(r.model_copy(update={"headcount": 0}) if r.name == "closer" else r
                  for r in base.roles)
    scenario = base.model_copy(update={"roles": roles}).with_overrides(days=60)
    m = simulate(scenario, seed=3).metrics()
    assert (m.bottleneck.kind, m.bottleneck.role) == ("capacity", "closer")
    assert isinstance(m.bottleneck.evidence, StageLoad)
    assert math.isnan(m.bottleneck.evidence.utilization)
    assert m.bottleneck.evidence.queued_work_hours > 0
    assert "nobody works in the team in the measured window" in m.verdict
    assert "busy" not in m.verdict.split(".")[0]
