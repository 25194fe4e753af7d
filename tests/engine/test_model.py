"""Engine semantics: calendars, life cycle, conservation, determinism, common random numbers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from salesim.simulator.engine.model import Leads, SalesModel
from salesim.simulator.metrics.flow import step_visits
from salesim.simulator.runner import replicate, simulate
from salesim.simulator.scenario.reasons import COOLED
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import scenario_from_yaml

ONE_STEP = """
name: one_step
horizon_days: 30
calendar: {start_date: 2026-01-05, hours: "09:00-18:00", holidays: [%s]}
channels: [{name: web, rate: 1, per: calendar_day, deal_size: 100}]
roles: [{name: seller, headcount: 1}]
stages:
  - name: s
    steps:
      - {name: work, role: seller, effort_hours: 2, client_delay_days: 1.5}
"""


def _one_lead_at(t: float, holidays: str = "") -> pd.DataFrame:
    scenario = scenario_from_yaml(ONE_STEP % holidays)
    leads = Leads(time=np.array([t]), channel=["web"], segment=["default"],
                  amount=np.array([100.0]))
    model = SalesModel(scenario, leads=leads)
    model.run()
    return model.log.to_frame()


def _at(events: pd.DataFrame, kind: str) -> float:
    return float(events.loc[events["event"] == kind, "time"].iloc[0])


# 2026-01-05 is a Monday: day 4 is Friday, day 7 the next Monday.
FRIDAY_17 = 4 + 17 / 24


def test_work_begun_before_the_weekend_finishes_on_monday() -> None:
    events = _one_lead_at(FRIDAY_17)
    assert _at(events, "start") == pytest.approx(FRIDAY_17)
    assert _at(events, "finish") == pytest.approx(7 + 10 / 24)  # Monday 10:00
    # the client's delay runs on calendar time: 1.5 days after the finish
    assert _at(events, "convert") == pytest.approx(7 + 10 / 24 + 1.5)
    assert _at(events, "win") == pytest.approx(7 + 10 / 24 + 1.5)


def test_a_holiday_monday_pushes_the_finish_to_tuesday() -> None:
    events = _one_lead_at(FRIDAY_17, holidays="2026-01-12")
    assert _at(events, "finish") == pytest.approx(8 + 10 / 24)  # Tuesday 10:00


def test_a_lead_arriving_at_night_starts_next_morning() -> None:
    events = _one_lead_at(1 + 22 / 24)  # Tuesday 22:00
    assert _at(events, "enqueue") == pytest.approx(1 + 22 / 24)
    assert _at(events, "start") == pytest.approx(2 + 9 / 24)
    assert _at(events, "finish") == pytest.approx(2 + 11 / 24)


@pytest.fixture(scope="module")
def baseline_run(baseline: Scenario) -> pd.DataFrame:
    return simulate(baseline.with_overrides(days=150), seed=7).events


# allowed next events in a lead's life; every lead is always in exactly one place
NEXT = {
    "arrive": {"enqueue", "client_wait", "convert", "lose"},
    "enqueue": {"start", "lose"},  # lost while queued only when an owner leaves
    "start": {"finish"},
    "finish": {"client_wait", "convert", "lose"},
    "client_wait": {"convert", "lose"},
    "convert": {"enqueue", "client_wait", "convert", "lose", "win", "ship"},
    "win": {"enqueue", "client_wait", "convert", "ship"},
    "ship": {"enqueue", "client_wait", "convert"},  # the after-sale stages after shipping
    "lose": set(),
}


def test_every_lead_follows_the_life_cycle(baseline_run: pd.DataFrame) -> None:
    client_events = {"paid", "churn", "key_account"}
    for _lead, rows in baseline_run.groupby("lead_id", sort=False):
        all_kinds = rows["event"].astype(str).tolist()
        assert np.all(np.diff(rows["time"].to_numpy()) >= 0)
        if all_kinds[0] != "arrive":  # a repeat order, or a client the department had on day 0
            assert all_kinds[0] in ("order", *client_events)
            assert not {"arrive", "win", "lose"} & set(all_kinds)
            continue
        assert all_kinds[0] == "arrive"
        if client_events & set(all_kinds):  # only a won lead is a client
            assert all_kinds.index("win") < min(all_kinds.index(k) for k in client_events
                                                if k in all_kinds)
        kinds = [k for k in all_kinds if k not in client_events]
        for before, after in itertools.pairwise(kinds):
            assert after in NEXT[before], (before, after, kinds)
        assert kinds.count("win") <= 1 and kinds.count("lose") <= 1
        assert not ("win" in kinds and "lose" in kinds)
        assert kinds.count("ship") <= 1 and ("ship" not in kinds or "win" in kinds)


def test_staff_work_only_inside_their_calendar(baseline: Scenario,
                                               baseline_run: pd.DataFrame) -> None:
    visits = step_visits(baseline_run, baseline.with_overrides(days=150))
    worked = visits[visits["t_finish"].notna()]
    for role, rows in worked.groupby("role"):
        calendar = baseline.work_calendar(str(role))
        assert all(calendar.is_open(t) for t in rows["t_start"])
        clock = calendar.work_clock
        hours = clock(rows["t_finish"].to_numpy()) - clock(rows["t_start"].to_numpy())
        np.testing.assert_allclose(hours, rows["work_hours"], rtol=1e-9, atol=1e-6)


def test_one_person_works_on_one_lead_at_a_time(baseline_run: pd.DataFrame) -> None:
    work = baseline_run[baseline_run["event"].isin(["start", "finish"])]
    for _staff, rows in work.groupby("staff_id", observed=True):
        kinds = rows["event"].astype(str).tolist()
        assert kinds[::2] == ["start"] * len(kinds[::2])
        assert kinds[1::2] == ["finish"] * len(kinds[1::2])


def test_leads_are_accounted_for_exactly(baseline: Scenario, baseline_run: pd.DataFrame) -> None:
    # the same run measured from day 0 (a warm-up changes what is counted, not what happens),
    # so that every lead, and every stage's flow, is in the window
    whole = baseline.with_overrides(days=150).model_copy(update={"warmup_days": 0.0})
    metrics = simulate(whole, seed=7).metrics()
    leads = metrics.overall
    arrived = int((baseline_run["event"] == "arrive").sum())
    won = baseline_run.loc[baseline_run["event"] == "win", "lead_id"].nunique()
    lost = baseline_run.loc[baseline_run["event"] == "lose", "lead_id"].nunique()
    assert leads["generated"] == arrived
    assert (leads["won"], leads["lost"]) == (won, lost)
    assert leads["generated"] == leads["won"] + leads["lost"] + leads["in_progress"]
    assert leads["in_progress"] > 0  # a 150-day horizon cuts some leads mid-way
    # revenue is recognised at shipment: the ship events, first deals and repeat orders apart
    money = baseline_run
    shipped = money[money["event"] == "ship"]
    first = shipped.loc[shipped["client_id"] < 0, "amount"].sum()
    repeat = shipped.loc[shipped["client_id"] >= 0, "amount"].sum()
    assert (leads["revenue_first"], leads["revenue_repeat"]) == (pytest.approx(first),
                                                                 pytest.approx(repeat))
    assert leads["revenue"] == pytest.approx(first + repeat)
    booked = money.loc[money["event"].isin(["win", "order"]), "amount"].sum()
    assert leads["bookings"] == pytest.approx(booked)
    stages = metrics.stages
    assert (stages["entered"] == stages["converted"] + stages["lost"]
            + stages["in_progress"]).all()
    # a stage's converted leads are the next stage's entrants (no stage is skipped here but
    # KAM; fulfilment also ships the clients' repeat orders)
    assert stages["converted"].iloc[:2].tolist() == stages["entered"].iloc[1:3].tolist()
    orders = baseline_run[baseline_run["event"] == "order"]
    shipped_ids = baseline_run.loc[baseline_run["stage"] == "fulfilment", "lead_id"]
    orders_shipping = orders["lead_id"].isin(shipped_ids).sum()
    # the orders not yet at the warehouse are the last few days' ones, still with the farmer
    horizon = float(whole.horizon_days)
    waiting = orders[~orders["lead_id"].isin(shipped_ids)]
    assert (waiting["time"] > horizon - 5).all() and len(waiting) < 0.02 * len(orders)
    fulfilment = stages.set_index("stage").loc["fulfilment"]
    assert fulfilment["entered"] == stages["converted"].iloc[2] + orders_shipping


def test_after_sale_steps_never_lose_a_deal(baseline_run: pd.DataFrame) -> None:
    after_sale = {"fulfilment", "account_management", "key_account_management"}
    lost = baseline_run[baseline_run["event"] == "lose"]
    assert not set(lost["stage"].astype(str)) & after_sale
    assert set(baseline_run.loc[baseline_run["stage"] == "key_account_management",
                                "segment"].astype(str)) == {"A"}


def test_owned_stages_keep_one_owner_per_lead(baseline: Scenario,
                                              baseline_run: pd.DataFrame) -> None:
    starts = baseline_run[baseline_run["event"] == "start"]
    for stage in baseline.stages:
        owners = starts[starts["stage"] == stage.name].groupby(["lead_id", "role"],
                                                               observed=True)["staff_id"]
        if stage.assignment == "owned":
            assert owners.nunique().max() == 1, stage.name


def test_round_robin_deals_leads_in_turn(baseline: Scenario) -> None:
    # without behaviour the closers' team bonus does not reroute leads: plain round robin
    roles = tuple(r.model_copy(update={"behaviour": None}) for r in baseline.roles)
    stages = tuple(st.model_copy(update={"owner_rule": "round_robin"})
                   if st.name == "conversion" else st for st in baseline.stages)
    plain = baseline.model_copy(update={"roles": roles, "stages": stages}).with_overrides(
        days=120)
    events = simulate(plain, seed=7).events
    conversion = events[(events["stage"] == "conversion") & (events["event"] == "enqueue")]
    first = conversion.drop_duplicates("lead_id")
    starts = events[(events["stage"] == "conversion")
                    & (events["event"] == "start")].drop_duplicates("lead_id")
    owner = starts.set_index("lead_id")["staff_id"].astype(str)
    order = [owner[i] for i in first["lead_id"] if i in owner.index]
    closers = [f"closer-{k}" for k in range(1, baseline.role("closer").headcount + 1)]
    entered = first["lead_id"].tolist()
    assert len(order) > 100
    expected = {lead: closers[k % len(closers)] for k, lead in enumerate(entered)}
    assert order == [expected[i] for i in first["lead_id"] if i in owner.index]


def test_cooling_loses_the_expected_number_of_queued_leads(
        baseline: Scenario, baseline_run: pd.DataFrame) -> None:
    """E[cooled] = Σ p·(1 − 0.5^(wait/half-life)) over decided visits of cooling stages."""
    scenario = baseline.with_overrides(days=150)
    visits = step_visits(baseline_run, scenario)
    visits = visits[visits["done"]]
    expected = variance = 0.0
    for stage in scenario.stages:
        if stage.cooling_half_life_days is None:
            continue
        for step in stage.steps:
            v = visits[(visits["stage"] == stage.name) & (visits["step"] == step.name)]
            p = np.array([step.conversion_for(s) for s in v["segment"].astype(str)])
            q = p * (1 - 0.5 ** (v["wait_days"].to_numpy() / stage.cooling_half_life_days))
            expected += q.sum()
            variance += (q * (1 - q)).sum()
    observed = int((visits["reason"] == COOLED).sum())
    assert expected > 50
    assert abs(observed - expected) < 4 * math.sqrt(variance)


PRIORITY = """
name: priority
horizon_days: 120
warmup_days: 20
segments: [A, C]
calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
channels: [{name: web, rate: 20, per: calendar_day, segment_mix: {A: 0.3, C: 0.7}}]
roles: [{name: seller, headcount: 1}]
stages:
  - name: s
    queue: %s
    steps: [{name: work, role: seller, effort_hours: {dist: exponential, mean: 1.08}}]
"""


def test_priority_queue_serves_the_first_segment_first() -> None:
    waits = {}
    for discipline in ("fifo", "priority"):
        metrics = simulate(scenario_from_yaml(PRIORITY % discipline), seed=3).metrics()
        visits = metrics.steps  # one step: the table has one row
        assert len(visits) == 1
        result = simulate(scenario_from_yaml(PRIORITY % discipline), seed=3)
        v = step_visits(result.events, result.scenario)
        waits[discipline] = v.groupby(v["segment"].astype(str))["wait_days"].mean()
    # load 0.9: under FIFO both segments wait alike; under priority A waits far less than C
    assert waits["fifo"]["A"] == pytest.approx(waits["fifo"]["C"], rel=0.25)
    assert waits["priority"]["A"] < 0.25 * waits["priority"]["C"]


def test_same_seed_same_log_and_different_seed_different_log(baseline: Scenario) -> None:
    short = baseline.with_overrides(days=60)
    a, b, c = simulate(short, seed=11), simulate(short, seed=11), simulate(short, seed=12)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert not a.events["time"].equals(c.events["time"])


def test_replications_do_not_depend_on_the_number_of_jobs(baseline: Scenario) -> None:
    short = baseline.with_overrides(days=45)
    serial = replicate(short, 3, seed=5, jobs=1)
    parallel = replicate(short, 3, seed=5, jobs=2)
    for one, two in zip(serial, parallel, strict=True):
        pd.testing.assert_frame_equal(one.result.events, two.result.events)
    # replication 0 is the plain run of the seed; the others differ from it
    pd.testing.assert_frame_equal(serial[0].result.events, simulate(short, seed=5).events)
    assert not serial[0].result.events["time"].equals(serial[1].result.events["time"])


def test_more_staff_leaves_the_leads_unchanged(baseline: Scenario) -> None:
    """Common random numbers: staffing changes who works when, never which leads arrive."""
    short = baseline.with_overrides(days=90)
    roles = tuple(r.model_copy(update={"headcount": r.headcount + 2}) if r.name == "closer"
                  else r for r in short.roles)
    more = short.model_copy(update={"roles": roles})
    a, b = simulate(short, seed=9).events, simulate(more, seed=9).events
    cols = ["time", "lead_id", "channel", "segment", "amount"]
    arrivals_a = a.loc[a["event"] == "arrive", cols].reset_index(drop=True)
    arrivals_b = b.loc[b["event"] == "arrive", cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(arrivals_a, arrivals_b)
    # the speeds of the first three closers are the same people in both variants
    speeds_a = simulate(short, seed=9).staff.set_index("staff_id")["speed"]
    speeds_b = simulate(more, seed=9).staff.set_index("staff_id")["speed"]
    assert speeds_a["closer-3"] == speeds_b["closer-3"]
    assert "closer-5" in speeds_b.index
    # and the leads decided before any closer work is involved are decided alike
    early = ["lead_generation", "lead_development"]
    lost_a = a[(a["event"] == "lose") & a["stage"].isin(early) & (a["reason"] != COOLED)]
    lost_b = b[(b["event"] == "lose") & b["stage"].isin(early) & (b["reason"] != COOLED)]
    assert set(lost_a["lead_id"]) == set(lost_b["lead_id"])


def test_seasonality_scales_arrivals_by_month() -> None:
    text = """
    name: seasonal
    horizon_days: 365
    calendar: {start_date: 2026-01-01}
    channels:
      - {name: web, rate: 10, per: calendar_day,
         seasonality: [0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]}
    stages: [{name: s, steps: [{name: wait, client_delay_days: 1}]}]
    """
    events = simulate(scenario_from_yaml(text), seed=1).events
    t = events.loc[events["event"] == "arrive", "time"]
    january = int((t < 31).sum())
    december = int((t >= 334).sum())
    assert january == pytest.approx(0.5 * 10 * 31, abs=4 * math.sqrt(155))
    assert december == pytest.approx(2 * 10 * 31, abs=4 * math.sqrt(620))


def test_working_day_channels_arrive_only_in_working_hours() -> None:
    text = """
    name: office
    horizon_days: 28
    calendar: {start_date: 2026-01-05, hours: "10:00-16:00"}
    channels: [{name: calls, rate: 30, per: working_day}]
    stages: [{name: s, steps: [{name: wait, client_delay_days: 1}]}]
    """
    scenario = scenario_from_yaml(text)
    events = simulate(scenario, seed=2).events
    t = events.loc[events["event"] == "arrive", "time"].to_numpy()
    calendar = scenario.work_calendar()
    assert all(calendar.is_open(x) for x in t)
    assert len(t) == pytest.approx(30 * 20, abs=4 * math.sqrt(600))  # 20 working days
