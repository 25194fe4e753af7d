"""Money on the right events: bookings when won, revenue when shipped, one plan attainment."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.experiments import records as rec
from salesim.simulator.experiments.variants import Change, apply
from salesim.simulator.metrics.money import recognised
from salesim.simulator.plans.planfact import plan_attainment, plan_fact
from salesim.simulator.plans.schedule import DEPARTMENT
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import BASELINE, scenario_from_yaml

# One seller wins every lead after a day; one warehouse worker ships each order in 8 working
# hours (a working day), then two days of transport. Leads arrive faster than one worker ships,
# so shipping falls behind: bookings run ahead of revenue.
SHOP = """
    name: shop
    horizon_days: 120
    calendar: {start_date: 2026-01-05, weekdays: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}
    channels:
      - {name: web, rate: 1.5, per: working_day, deal_size: {dist: fixed, value: 1000}}
    roles:
      - {name: seller, headcount: 3}
      - {name: warehouse, headcount: 1}
    stages:
      - name: sell
        steps:
          - {name: deal, role: seller, effort_hours: 2, conversion: 0.9, wins: true}
      - name: fulfilment
        steps:
          - {name: ship, role: warehouse, effort_hours: 8, client_delay_days: 2, sla_days: 5,
             late_penalty: 0.05}
    plan: {monthly_revenue: 25000, role: seller}
"""


def shop(**changes: object) -> Scenario:
    base = scenario_from_yaml(SHOP)
    return apply(base, [Change(k, v) for k, v in changes.items()]) if changes else base


def test_revenue_counts_when_the_order_ships() -> None:
    result = simulate(shop(), seed=3)
    events = result.events
    m = result.metrics()
    won = events[events["event"] == "win"].set_index("lead_id")["time"]
    shipped = events[events["event"] == "ship"].set_index("lead_id")["time"]
    assert set(shipped.index) <= set(won.index)
    # shipped after the win: a day's work at least, plus two days on the road
    assert ((shipped - won.reindex(shipped.index)) >= 2.0).all()
    assert m.overall["bookings"] == pytest.approx(1000.0 * len(won))
    assert m.overall["revenue"] == pytest.approx(1000.0 * len(shipped))
    assert m.overall["revenue"] < m.overall["bookings"]  # the warehouse is behind
    assert float(m.pnl["revenue"].sum()) == pytest.approx(m.overall["revenue"])
    assert int(m.monthly["won"].sum()) == len(won)
    assert float(m.monthly["revenue"].sum()) == pytest.approx(m.overall["revenue"])


def test_revenue_at_the_win_when_asked() -> None:
    result = simulate(shop(revenue_recognition="win"), seed=3)
    m = result.metrics()
    assert m.overall["revenue"] == pytest.approx(m.overall["bookings"])
    sold = recognised(result.events, result.scenario)
    assert (sold["time"] == sold["booked_at"]).all()


def test_a_scenario_without_shipping_books_revenue_when_won() -> None:
    s = scenario_from_yaml(SHOP.replace("name: fulfilment", "name: delivery"))
    assert s.shipping_stage() is None and not s.recognises_at_shipment()
    m = simulate(s, seed=3).metrics()
    assert m.overall["revenue"] == pytest.approx(m.overall["bookings"])


def test_a_second_warehouse_worker_is_worth_money() -> None:
    """Removing a fulfilment bottleneck changes revenue, penalties and nothing upstream."""
    slow, fast = (simulate(shop(**{"roles.warehouse.headcount": n}), seed=3).metrics()
                  for n in (1, 2))
    assert fast.overall["won"] == slow.overall["won"]  # same leads, same sellers
    assert fast.overall["bookings"] == pytest.approx(slow.overall["bookings"])
    assert fast.overall["revenue"] > slow.overall["revenue"] * 1.2
    assert fast.money()["penalties"] < slow.money()["penalties"]


def test_one_attainment_for_every_command(tmp_path: Path) -> None:
    """summary.json, plan/fact, the experiment records and the report agree on one run."""
    s = shop()
    result = simulate(s, seed=3)
    m = result.metrics()
    att = plan_attainment(result.events, result.scenario)
    monthly = plan_fact(result.events, result.scenario, result.staff)["plan_fact_monthly"]
    dept = monthly[monthly["manager"] == DEPARTMENT]
    assert att.plan == sum(dept["plan"]) and att.actual == sum(dept["actual"])
    assert m.attainment == att
    record = rec.with_plan(rec.reduce_run(result.scenario, m, result.events), None)
    assert record[rec.PLAN_ATTAINMENT] == pytest.approx(att.ratio)
    # the same through the command line, which also writes the report
    scenario_file = tmp_path / "shop.yaml"
    scenario_file.write_text(json.dumps(s.model_dump(mode="json", by_alias=True)))
    out = tmp_path / "run"
    done = CliRunner().invoke(app, ["run", str(scenario_file), "--seed", "3", "--out", str(out),
                                    "--report"])
    assert done.exit_code == 0, done.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["plan"]["attainment"] == pytest.approx(att.ratio)
    assert summary["plan"]["covers"] == "new_business"
    for money in ("bookings", "revenue", "cash_in"):  # month by month, adding up to the totals
        assert sum(m[money] for m in summary["monthly"]) == pytest.approx(summary[money])
    assert summary["bookings"] > summary["revenue"]  # the warehouse is behind
    written = pd.read_csv(out / "plan_fact_monthly.csv")
    written = written[written["manager"] == DEPARTMENT]
    assert written["actual"].sum() / written["plan"].sum() == pytest.approx(att.ratio)
    share = f"{att.ratio * 100:.1f}".replace(".", "[.,]")
    assert re.search(share + r"\s?% of plan", (out / "report.md").read_text())


def test_all_revenue_plans_count_repeat_orders() -> None:
    s = apply(scenario_from_yaml(BASELINE.read_text()), [
        Change("horizon_days", 150), Change("warmup_days", 0)])
    assert s.plan is not None
    result = simulate(s, seed=5)
    new = plan_attainment(result.events, result.scenario)
    everything = plan_attainment(result.events, result.scenario,
                                 s.plan.model_copy(update={"covers": "all_revenue"}))
    assert everything.plan == new.plan
    sold = recognised(result.events, result.scenario)
    assert everything.actual - new.actual > 0
    assert float(everything.actual - new.actual) == pytest.approx(
        sold.loc[(sold["kind"] != "first") & (sold["time"] < 150), "amount"].sum(), rel=0.02)


def test_signed_contracts_do_not_go_cold(baseline: Scenario) -> None:
    result = simulate(baseline.with_overrides(days=200), seed=11)
    lost = result.events[result.events["event"] == "lose"]
    cooled = lost[lost["reason"] == "cooled"]
    assert len(cooled) > 0  # requests still go cold before the contract
    assert not set(cooled["step"].astype(str)) & {"invoice", "money"}


def test_cooling_is_set_per_step() -> None:
    text = """
        name: cold
        horizon_days: 60
        channels: [{name: web, rate: 30, per: calendar_day}]
        roles: [{name: seller, headcount: 1}]
        stages:
          - name: sell
            cooling_half_life_days: 0.5
            steps:
              - {name: call, role: seller, effort_hours: 1, conversion: 0.9, cools: COOLS}
    """
    for cools, expect_cooled in (("true", True), ("false", False)):
        s = scenario_from_yaml(text.replace("COOLS", cools))
        lost = simulate(s, seed=1).events
        cooled = (lost["reason"] == "cooled").sum()
        assert bool(cooled > 100) is expect_cooled
    own = scenario_from_yaml(text.replace("cools: COOLS", "cooling_half_life_days: 1000"))
    assert own.stages[0].half_life_of(own.stages[0].steps[0]) == 1000


def _shop_data() -> Any:
    return yaml.safe_load(textwrap.dedent(SHOP))


def test_a_stage_before_the_win_cannot_ship() -> None:
    data = _shop_data()
    data["stages"][0]["ships"] = True
    with pytest.raises(ScenarioError, match=r"stages\[0\]\.ships: the stage that ships must "
                                            r"come after the stage of the winning step"):
        Scenario.from_data(data)


def test_only_one_stage_ships() -> None:
    data = _shop_data()
    stages = data["stages"]
    stages[1]["ships"] = True
    stages.append({"name": "again", "ships": True, "steps": [{"name": "x"}]})
    with pytest.raises(ScenarioError, match=r"stages\[2\]\.ships: only one stage can ship"):
        Scenario.from_data(data)
