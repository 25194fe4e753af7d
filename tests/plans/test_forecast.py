"""The bottom-up forecast (plans.forecast) and ``salesim plan forecast``."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from bisect import bisect_right
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.engine.events import frame_from_columns
from salesim.simulator.plans.credit import UNASSIGNED, sales
from salesim.simulator.plans.forecast import Forecaster, accuracy_by_day
from salesim.simulator.plans.schedule import DEPARTMENT
from salesim.simulator.runner import Result, simulate
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import scenario_from_yaml

# -- a log small enough to count by hand ---------------------------------------------------------

# Every day is a working day; the run covers 1–14 March 2026, so March's sales close at the end
# of day 13 (moment 14). Lead i arrives on day i, gets a proposal from closer-1 and waits for the
# client's money until i + 3.5: even leads pay, odd leads do not.
TINY = scenario_from_yaml("""
name: tiny_forecast
horizon_days: 14
calendar: {start_date: 2026-03-01, weekdays: [mon, tue, wed, thu, fri, sat, sun],
           hours: "00:00-24:00"}
channels: [{name: web, rate: 1, per: calendar_day}]
roles: [{name: closer, headcount: 1}]
stages:
  - name: close
    steps:
      - {name: proposal, role: closer, effort_hours: 1}
      - {name: pay, client_delay_days: 3, conversion: 0.5, loss_reasons: {no_money: 1},
         wins: true}
plan: {monthly_revenue: 3100000, role: closer}
""")


def tiny_log() -> pd.DataFrame:
    cols: dict[str, list[object]] = {c: [] for c in (
        "time", "lead_id", "channel", "segment", "stage", "step", "event", "staff_id", "role",
        "amount", "reason", "work_hours")}

    def add(t: float, lead: int, step: str, event: str, staff: str = "", reason: str = ""
            ) -> None:
        cols["time"].append(t)
        cols["lead_id"].append(lead)
        cols["channel"].append("web")
        cols["segment"].append("default")
        cols["stage"].append("close" if step else "")
        cols["step"].append(step)
        cols["event"].append(event)
        cols["staff_id"].append(staff)
        cols["role"].append("closer" if staff or event == "enqueue" else "")
        cols["amount"].append(1000.0)
        cols["reason"].append(reason)
        cols["work_hours"].append(1.0 if event == "finish" else 0.0)

    rows: list[tuple[Any, ...]] = []
    for i in range(12):
        t = i + 0.4
        rows += [(t, i, "", "arrive"), (t, i, "proposal", "enqueue"),
                 (t, i, "proposal", "start", "closer-1"),
                 (t + 0.04, i, "proposal", "finish", "closer-1"),
                 (t + 0.04, i, "proposal", "convert"), (t + 0.04, i, "pay", "client_wait")]
        if i % 2 == 0:
            rows += [(i + 3.5, i, "pay", "convert"), (i + 3.5, i, "pay", "win")]
        else:
            rows += [(i + 3.5, i, "pay", "lose", "", "no_money")]
    for row in sorted(rows, key=lambda r: r[0]):
        add(*row)
    return frame_from_columns(cols)


def test_hand_counted_forecast() -> None:
    # At the end of 12 March (moment 12) two days are left. History: the leads at "pay" at the
    # end of days s <= 10 (27 observations: leads 0-7 three days each, lead 8 two, lead 9 one);
    # 9 of them won within two days (even leads on their last two days; lead 8 on day 10 only),
    # so P = 1/3. In progress: leads 9, 10, 11 (1,000 each); won so far: leads 0, 2, 4, 6, 8.
    result = Forecaster(tiny_log(), TINY, min_samples=1).at(dt.date(2026, 3, 12))
    assert (result.month, result.days_left, result.cutoff) == ("2026-03", 2, dt.date(2026, 3, 14))
    assert result.plan == pytest.approx(3_100_000 * 14 / 31)
    assert result.won == 5000.0 and result.deals_in_progress == 3
    assert result.expected == pytest.approx(1000.0)
    step = result.by_step.iloc[0]
    assert (step["stage"], step["step"], step["state"], step["deals"]) == (
        "close", "pay", "with client", 3)
    assert step["p_win"] == pytest.approx(1 / 3)
    assert (step["samples"], step["window_days"]) == (27, 2)
    people = result.by_manager.set_index("manager")
    assert people.loc["closer-1", "won"] == 5000.0 and people.loc["closer-1", "deals"] == 3
    assert result.gap == pytest.approx(result.plan - 6000.0)
    assert not result.short_history


def test_short_history_shortens_the_window_and_says_so() -> None:
    result = Forecaster(tiny_log(), TINY, min_samples=1000).at(dt.date(2026, 3, 12))
    assert result.expected == 0.0 and result.short_history
    assert any("history" in line for line in result.sentences())


def test_a_closed_month_is_its_fact() -> None:
    result = Forecaster(tiny_log(), TINY, min_samples=1).at(dt.date(2026, 3, 14))
    assert result.days_left == 0 and result.expected == 0.0
    assert result.won == 6000.0  # leads 0-10 even: 0, 2, 4, 6, 8, 10
    assert "closed" in result.sentences()[0]


# -- the baseline department over a year --------------------------------------------------------


Year = tuple[Scenario, Result, Forecaster]


@pytest.fixture(scope="module")
def year(baseline: Scenario) -> Year:
    result = simulate(baseline)
    return baseline, result, Forecaster(result.events, baseline, result.staff)


def test_forecast_accuracy_improves_as_the_month_goes_on(year: Year) -> None:
    _, _, forecaster = year
    by_day = accuracy_by_day(forecaster.accuracy()).set_index("day")
    assert cast(int, by_day.loc[1, "months"]) >= 10  # February to December 2026
    first = by_day.loc[1:5, "mape"].mean()
    last = by_day.loc[24:28, "mape"].mean()
    assert last < first / 2, (first, last)
    assert cast(float, by_day.loc[28, "mape"]) < 0.1


def test_no_look_ahead(year: Year) -> None:
    scenario, result, forecaster = year
    date = dt.date(2026, 6, 10)
    moment = (date - scenario.calendar.start_date).days + 1
    known = result.events[result.events["time"] <= moment]
    blind = Forecaster(known, scenario, result.staff).at(date)
    full = forecaster.at(date)
    assert (blind.won, blind.deals_in_progress) == (full.won, full.deals_in_progress)
    assert blind.expected == pytest.approx(full.expected, rel=1e-12)
    pd.testing.assert_frame_equal(blind.by_step, full.by_step)
    pd.testing.assert_frame_equal(blind.by_manager, full.by_manager)


def test_probabilities_match_a_naive_count(year: Year) -> None:
    scenario, result, forecaster = year
    date = dt.date(2026, 9, 14)
    moment = (date - scenario.calendar.start_date).days + 1
    forecast = forecaster.at(date)
    ev = result.events
    journeys: dict[int, list[tuple[float, str, str, str]]] = {}
    for t, lead, event, st, sp in zip(ev["time"], ev["lead_id"], ev["event"].astype(str),
                                      ev["stage"].astype(str), ev["step"].astype(str),
                                      strict=True):
        journeys.setdefault(int(lead), []).append((float(t), event, st, sp))
    for stage, step in (("conversion", "contract"), ("conversion", "proposal_approval")):
        window = forecast.days_left
        hits = total = 0
        for rows in journeys.values():
            if not any((st, sp) == (stage, step) for _, _, st, sp in rows):
                continue
            times = [r[0] for r in rows]
            t_win = next((t for t, event, _, _ in rows if event == "win"), float("inf"))
            for s in range(max(1, int(times[0])), int(moment - window) + 1):
                i = bisect_right(times, s) - 1  # the last event at or before the end of day s
                if i < 0 or t_win <= s:
                    continue
                _, event, st, sp = rows[i]
                if event in ("lose", "arrive", "win") or (st, sp) != (stage, step):
                    continue
                total += 1
                hits += t_win - s <= window
        row = forecast.by_step[(forecast.by_step["stage"] == stage)
                               & (forecast.by_step["step"] == step)].iloc[0]
        assert row["samples"] == total
        assert row["p_win"] == pytest.approx(hits / total)


def test_forecast_adds_up_and_ends_at_the_fact(year: Year) -> None:
    scenario, result, forecaster = year
    forecast = forecaster.at(dt.date(2026, 5, 20))
    table = forecast.by_manager.set_index("manager")
    people = table.drop(index=DEPARTMENT)
    for column in ("plan", "won", "deals", "expected", "forecast", "won_deals"):
        assert people[column].sum() == pytest.approx(table.loc[DEPARTMENT, column])
    assert table.loc[DEPARTMENT, "plan"] == 10_000_000
    assert UNASSIGNED in table.index  # leads still with the hunters have no closer yet
    assert forecast.by_step["deals"].sum() == forecast.deals_in_progress
    # after May's last working day (Fri 29 May), the forecast is May's deals won (the
    # forecast is of bookings: deals won in the month, credited to their working day)
    closed = forecaster.at(dt.date(2026, 5, 31))
    won = sales(result.events, scenario, at="win")
    assert closed.days_left == 0
    assert closed.total == pytest.approx(won.loc[won["month"] == "2026-05", "amount"].sum(),
                                         abs=1.0)


def test_the_gap_sentence_names_the_activity(year: Year) -> None:
    _, _, forecaster = year
    behind = next(f for f in (forecaster.at(dt.date(2026, m, 3)) for m in range(3, 13))
                  if f.gap > 0)
    text = " ".join(behind.sentences())
    assert "Gap to plan" in text and "more deals entering conversion/proposal_preparation" in text
    act = behind.activities[0]
    assert act.name == "conversion/proposal_preparation" and act.needed is not None
    assert act.needed * act.value >= behind.gap > (act.needed - 1) * act.value


# -- the command line -----------------------------------------------------------------------------

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plan", "forecast", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import BASELINE

    out = tmp_path_factory.mktemp("forecast") / "run"
    result = runner.invoke(app, ["run", str(BASELINE), "--days", "100", "--quick", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_cli_forecast(run_dir: Path) -> None:
    code, out, err = cli(str(run_dir), "--day", "116")
    assert code == 0, err
    assert "Forecast for 2026-03 at the end of 2026-03-12" in out
    assert "department" in out and "closer-1" in out and "conversion/money" in out
    assert "against the plan of 10,000,000 RUB" in out
    code, out, err = cli(str(run_dir), "--month", "2026-03", "--day", "12")
    assert code == 0, err
    assert "Forecast for 2026-03 at the end of 2026-03-12" in out and "MAPE" in out


def one_line_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err
    for word in words:
        assert word in err, err


def test_cli_bad_input(run_dir: Path, tmp_path: Path) -> None:
    one_line_error(*cli(str(tmp_path / "nowhere"), "--day", "5"), "no such folder")
    one_line_error(*cli(str(run_dir / "summary.json"), "--day", "5"), "not a folder")
    one_line_error(*cli(str(tmp_path), "--day", "5"), "not a run folder")
    one_line_error(*cli(str(run_dir), "--day", "0"), "--day", "1 to 145")
    one_line_error(*cli(str(run_dir), "--day", "146"), "1 to 145")
    one_line_error(*cli(str(run_dir), "--day", "x"), "--day")
    one_line_error(*cli(str(run_dir)), "--day")
    one_line_error(*cli(str(run_dir), "--month", "2026-02", "--day", "30"), "1 to 28")
    one_line_error(*cli(str(run_dir), "--month", "2026-13", "--day", "3"), "--month")
    one_line_error(*cli(str(run_dir), "--month", "2025-12", "--day", "3"), "outside the run")


def test_cli_bad_run_folders(run_dir: Path, tmp_path: Path) -> None:
    no_plan = tmp_path / "no_plan"
    shutil.copytree(run_dir, no_plan)
    doc = yaml.safe_load((no_plan / "scenario.yaml").read_text())
    doc.pop("plan")
    for role in doc["roles"]:  # pay schemes that need a plan go with it
        role.pop("pay", None)
    (no_plan / "scenario.yaml").write_text(yaml.safe_dump(doc))
    one_line_error(*cli(str(no_plan), "--day", "5"), "has no plan")

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    (broken / "events.csv.gz").write_bytes(b"not gzip at all")
    one_line_error(*cli(str(broken), "--day", "5"), "events.csv.gz")
    with gzip.open(broken / "events.csv.gz", "wt") as fh:
        fh.write("a,b\n1,2\n")
    one_line_error(*cli(str(broken), "--day", "5"), "not an event log")
