"""Tests for the exact sales-plan decomposition (plans.decompose) and its CLI."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from salesim.simulator.cli.plan import register
from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.exact import apportion, cumulative_split
from salesim.simulator.plans.explain import explain
from salesim.simulator.plans.rollup import rollup
from salesim.simulator.plans.schedule import (
    DEPARTMENT,
    POLICIES,
    Decomposition,
    Manager,
    PlanRow,
    to_frame,
)
from salesim.simulator.plans.workdays import month_days, parse_weekdays
from tests.conftest import ROOT

D = Decimal
KOPECK = D("0.01")


def digest(policy: str) -> Decomposition:
    """The digest's worked example: 1,000,000 over 22 days, 4 managers, Monday sold 30,000."""
    return decompose(D(1_000_000), 22, 4, actuals=[D(30_000)], policy=policy)


def managers_on(result: Decomposition, day: int) -> list[PlanRow]:
    return [r for r in result.rows if r.day == day and r.who != DEPARTMENT]


# --------------------------------------------------------------------------------------------
# The digest's worked example, to the kopeck


@pytest.mark.parametrize("policy", POLICIES)
def test_digest_base_figures(policy: str) -> None:
    result = digest(policy)
    dept = result.department()
    assert result.daily_plan == D("45454.55")
    assert sum(r.plan for r in dept) == D("1000000.00")
    assert {r.plan for r in dept} == {D("45454.54"), D("45454.55")}
    assert sum(1 for r in dept if r.plan == D("45454.55")) == 12
    assert dept[0].plan == D("45454.55")  # Monday: 1,000,000 / 22 rounded once
    assert dept[1].plan == D("45454.54")
    assert dept[1].cum_plan == D("90909.09")  # 2 × 1,000,000 / 22 rounded once
    assert dept[-1].cum_plan == D("1000000.00")
    # Monday: 4 managers, 11,363.64 each (one gets 11,363.63 so that the day sums exactly).
    monday = managers_on(result, 1)
    assert [r.plan for r in monday] == [D("11363.64")] * 3 + [D("11363.63")]
    assert [r.target for r in monday] == [D("11363.64")] * 3 + [D("11363.63")]
    # Monday's actual and gap.
    assert dept[0].actual == D("30000.00")
    assert dept[0].gap == D("15454.55")
    assert dept[0].status == "done"
    assert dept[1].status == "next"
    assert dept[2].status == "projected"


def test_digest_next_day() -> None:
    result = digest("next_day")
    dept = result.department()
    assert dept[0].target == D("45454.55")
    assert dept[1].target == D("60909.09")  # 90,909.09 − 30,000
    assert dept[0].gap is not None
    assert dept[1].target == dept[1].plan + dept[0].gap
    assert sum(r.target for r in managers_on(result, 2)) == D("60909.09")
    assert sum(r.target for r in dept[1:]) == D("970000.00")
    assert all(r.target == r.plan for r in dept[2:])


def test_digest_spread() -> None:
    result = digest("spread")
    dept = result.department()
    assert dept[1].target == D("46190.48")  # 970,000 / 21
    assert sum(r.target for r in managers_on(result, 2)) == D("46190.48")
    assert sum(r.target for r in dept[1:]) == D("970000.00")
    assert {r.target for r in dept[1:]} == {D("46190.47"), D("46190.48")}


def test_digest_none() -> None:
    result = digest("none")
    dept = result.department()
    assert all(r.target == r.plan for r in dept)
    # Tuesday's own base figure: Monday carries the extra kopeck so that Mon + Tue = 90,909.09.
    assert dept[1].target == D("45454.54")
    assert dept[0].gap == D("15454.55")  # reported, not carried
    text = "\n".join(explain(result))
    assert "gap 15,454.55" in text
    assert "the quoted daily plan is 45,454.55" in text


@pytest.mark.parametrize("policy", POLICIES)
def test_digest_explanation(policy: str) -> None:
    text = "\n".join(explain(digest(policy)))
    for figure in ("45,454.55", "11,363.64", "90,909.09", "60,909.09", "15,454.55"):
        assert figure in text
    # The source's own slip is named and corrected.
    assert "45,545 + 15,545 = 61,090" in text
    assert "slip" in text
    assert "45,454.54" in text  # which days get which base figure
    assert "clamped at 0" in text
    if policy == "spread":
        assert "46,190.48" in text
        assert "970,000.00" in text


def test_explain_lines_are_single_lines() -> None:
    lines = explain(digest("next_day"))
    assert lines
    assert all("\n" not in line for line in lines)


# --------------------------------------------------------------------------------------------
# Properties


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 70))
    plan = D(draw(st.integers(0, 10**11))).scaleb(-2)
    weights = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=12))
    staff = [Manager(f"m{i}", weight=D(w).scaleb(-2)) for i, w in enumerate(weights)]
    actual = st.integers(-(10**6), 5 * 10**9).map(lambda k: D(k).scaleb(-2))
    actuals = draw(st.lists(actual, max_size=n))
    policy = draw(st.sampled_from(POLICIES))
    return {"plan": plan, "days": n, "managers": staff, "actuals": actuals, "policy": policy}


def _expected_cum_plan(plan: Decimal, k: int, n: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return (plan * k / n).quantize(KOPECK, rounding=ROUND_HALF_UP)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_base_figures_sum_to_plan(case: dict[str, Any]) -> None:
    result = decompose(**case)
    dept = result.department()
    n = len(dept)
    assert sum(r.plan for r in dept) == result.plan
    floor = (result.plan / n).quantize(KOPECK, rounding="ROUND_FLOOR")
    assert {r.plan for r in dept} <= {floor, floor + KOPECK}
    for k, row in enumerate(dept, start=1):
        assert row.cum_plan == _expected_cum_plan(result.plan, k, n)


@PROPERTY
@given(scenarios())
def test_manager_targets_sum_to_department(case: dict[str, Any]) -> None:
    result = decompose(**case)
    for row in result.department():
        staff = managers_on(result, row.day)
        assert sum(r.target for r in staff) == row.target
        assert sum(r.plan for r in staff) == row.plan
    for manager in result.managers:
        mine = result.for_manager(manager.name)
        assert mine[-1].cum_plan == sum(r.plan for r in mine)
    assert sum(r.cum_plan for r in result.rows if r.day == len(result.days)) == 2 * result.plan


@PROPERTY
@given(scenarios())
def test_remaining_targets_sum_to_remaining_plan(case: dict[str, Any]) -> None:
    result = decompose(**case)
    dept = result.department()
    m = result.actual_days
    if m == len(dept):
        return
    remaining = dept[m:]
    so_far = dept[m - 1].cum_actual if m else D(0)
    assert so_far is not None
    total = sum(r.target for r in remaining)
    if result.policy == "none":
        assert total == (result.plan - dept[m - 1].cum_plan if m else result.plan)
    elif not any(r.clamped for r in remaining):
        assert total == result.plan - so_far


@PROPERTY
@given(scenarios())
def test_no_negative_targets_with_default_clamp(case: dict[str, Any]) -> None:
    result = decompose(**case)
    assert all(r.target >= 0 for r in result.rows)
    raw = decompose(**case, clamp=False)
    for clamped, free in zip(result.department(), raw.department(), strict=True):
        assert clamped.target == max(free.target, D(0))
        assert clamped.clamped == (free.target < 0)


@PROPERTY
@given(st.integers(-(10**9), 10**9), st.integers(1, 70))
def test_cumulative_split_is_exact(units: int, count: int) -> None:
    parts = cumulative_split(units, count)
    assert sum(parts) == units
    assert max(parts) - min(parts) <= 1


@PROPERTY
@given(
    st.integers(-(10**9), 10**9),
    st.lists(st.integers(1, 10**6), min_size=1, max_size=12),
)
def test_apportion_is_exact_largest_remainder(units: int, weights: list[int]) -> None:
    from fractions import Fraction

    fractions = [Fraction(w) for w in weights]
    shares = apportion(units, fractions)
    assert sum(shares) == units
    total = sum(fractions)
    for share, w in zip(shares, fractions, strict=True):
        assert abs(share - units * w / total) < 1


@PROPERTY
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.frozensets(st.integers(1, n)), min_size=1, max_size=6),
            st.lists(st.integers(0, 10**9), max_size=n),
        )
    ),
    st.sampled_from(POLICIES),
)
def test_vacations_keep_sums_exact(
    case: tuple[int, list[frozenset[int]], list[int]], policy: str
) -> None:
    n, offs, actual_kopecks = case
    staff = [Manager("anchor")] + [
        Manager(f"m{i}", weight=D(i + 1), vacation=off) for i, off in enumerate(offs)
    ]
    actuals = [D(k).scaleb(-2) for k in actual_kopecks]
    result = decompose(D("123456.78"), n, staff, actuals=actuals, policy=policy)
    for row in result.department():
        staff_rows = managers_on(result, row.day)
        assert sum(r.target for r in staff_rows) == row.target
        assert sum(r.plan for r in staff_rows) == row.plan
        for r in staff_rows:
            manager = next(m for m in staff if m.name == r.who)
            assert r.working == (row.day not in manager.vacation)
            if not r.working:
                assert r.plan == 0 and r.target == 0


# --------------------------------------------------------------------------------------------
# Calendars, starts and vacations


def test_december_2026_with_new_year_eve_off() -> None:
    days = month_days("2026-12", holidays=[dt.date(2026, 12, 31)])
    assert len(days) == 22
    assert days[0] == dt.date(2026, 12, 1)  # a Tuesday
    assert days[-1] == dt.date(2026, 12, 30)
    assert all(d.weekday() < 5 for d in days)
    assert len(month_days("2026-12")) == 23
    six_day_week = month_days("2026-12", parse_weekdays("mon,tue,wed,thu,fri,sat"))
    assert len(six_day_week) == 27


def test_calendar_decomposition_uses_dates() -> None:
    days = month_days("2026-12", holidays=[dt.date(2026, 12, 31)])
    result = decompose(D(1_000_000), days, 4, actuals=[D(30_000)])
    dept = result.department()
    assert dept[1].date == dt.date(2026, 12, 2)
    assert dept[1].label == "2026-12-02"
    assert dept[1].target == D("60909.09")
    assert "(Wed 2026-12-02)" in "\n".join(explain(result))


def test_parse_weekdays() -> None:
    assert parse_weekdays("mon,tue,wed,thu,fri") == (0, 1, 2, 3, 4)
    assert parse_weekdays("Friday, monday") == (0, 4)
    assert parse_weekdays("0,6") == (0, 6)
    with pytest.raises(PlanError, match="unknown weekday"):
        parse_weekdays("mon,funday")
    with pytest.raises(PlanError, match="no weekdays"):
        parse_weekdays(" , ")


def test_month_errors() -> None:
    with pytest.raises(PlanError, match="2026-12"):
        month_days("2026/12")
    with pytest.raises(PlanError, match="not in 2026-12"):
        month_days("2026-12", holidays=[dt.date(2027, 1, 1)])


def test_starter_and_vacation_shares_go_to_the_others() -> None:
    days = month_days("2026-12", holidays=[dt.date(2026, 12, 31)])
    staff = [
        Manager("Anna", weight=D(2)),
        Manager("Boris"),
        Manager("Vera", start=dt.date(2026, 12, 14)),
        Manager("Gleb", vacation=frozenset({dt.date(2026, 12, 8), dt.date(2026, 12, 9)})),
    ]
    result = decompose(D("1000000.00"), days, staff, actuals=[D(30_000)] * 5)
    for row in result.department():
        staff_rows = {r.who: r for r in managers_on(result, row.day)}
        assert sum(r.target for r in staff_rows.values()) == row.target
        assert sum(r.plan for r in staff_rows.values()) == row.plan
        assert row.date is not None
        vera_works = row.date >= dt.date(2026, 12, 14)
        gleb_works = row.date not in {dt.date(2026, 12, 8), dt.date(2026, 12, 9)}
        assert staff_rows["Vera"].working == vera_works
        assert staff_rows["Gleb"].working == gleb_works
        if not vera_works:
            assert staff_rows["Vera"].target == 0 and staff_rows["Vera"].plan == 0
        if not gleb_works:
            assert staff_rows["Gleb"].target == 0
        # Anna has twice Boris's weight: her share is twice his, to within a kopeck.
        assert abs(staff_rows["Anna"].plan - 2 * staff_rows["Boris"].plan) <= 2 * KOPECK
    # 2026-12-08: Vera not started, Gleb on vacation → Anna 2/3, Boris 1/3 of the day.
    day = next(r for r in result.department() if r.date == dt.date(2026, 12, 8))
    on_day = {r.who: r for r in managers_on(result, day.day)}
    assert on_day["Anna"].plan + on_day["Boris"].plan == day.plan
    assert abs(on_day["Anna"].plan - day.plan * 2 / 3) < KOPECK
    text = "\n".join(explain(result))
    assert "Vera does not work (not started yet)" in text
    assert "Gleb does not work (vacation) on 2026-12-08, 2026-12-09" in text


def test_manager_end_and_numbered_day_refs() -> None:
    staff = [Manager("a"), Manager("b", start=3, end=5, vacation=frozenset({4}))]
    result = decompose(D(1000), 6, staff)
    working = [r.working for r in result.for_manager("b")]
    assert working == [False, False, True, False, True, False]
    with pytest.raises(PlanError, match="day numbers, not dates"):
        decompose(D(1000), 6, [Manager("a", start=dt.date(2026, 12, 1))])


def test_nobody_working_is_an_error() -> None:
    staff = [Manager("a", vacation=frozenset({2}))]
    with pytest.raises(PlanError, match="no manager works on day 2"):
        decompose(D(1000), 3, staff)


# --------------------------------------------------------------------------------------------
# Clamping, per-manager actuals, roll-ups, frames


def test_surplus_is_clamped_by_default() -> None:
    result = decompose(D(1000), 4, 2, actuals=[D(900)], policy="next_day")
    dept = result.department()
    assert dept[1].target == 0 and dept[1].clamped
    assert result.raw_targets[1] == D("-400.00")
    assert "clamped at 0" in "\n".join(explain(result))
    free = decompose(D(1000), 4, 2, actuals=[D(900)], policy="next_day", clamp=False)
    assert free.department()[1].target == D("-400.00")
    assert [r.target for r in managers_on(free, 2)] == [D("-200.00"), D("-200.00")]
    spread = decompose(D(1000), 4, 2, actuals=[D(1500)], policy="spread")
    assert all(r.target == 0 for r in spread.department()[1:])


def test_manager_actuals() -> None:
    staff = [Manager("a"), Manager("b")]
    result = decompose(
        D(1000), 4, staff, manager_actuals={"a": [D(100), D(50)], "b": [D(20), D(0)]}
    )
    dept = result.department()
    assert dept[0].actual == D("120.00") and dept[1].cum_actual == D("170.00")
    a_rows = result.for_manager("a")
    assert a_rows[1].cum_actual == D("150.00")
    assert a_rows[1].gap == a_rows[1].cum_plan - D(150)
    with pytest.raises(PlanError, match="sum to"):
        decompose(D(1000), 4, staff, actuals=[D(1)], manager_actuals={"a": [D(1)], "b": [D(1)]})
    with pytest.raises(PlanError, match="unknown manager"):
        decompose(D(1000), 4, staff, actuals=[D(1)], manager_actuals={"zed": [D(1)]})


def test_rollups() -> None:
    days = month_days("2026-12", holidays=[dt.date(2026, 12, 31)])
    result = decompose(D(1_000_000), days, 4, actuals=[D(30_000), D(41_000)])
    weeks = rollup(result.rows, "week")
    dept_weeks = [r for r in weeks if r.who == DEPARTMENT]
    assert [r.period for r in dept_weeks] == [
        "2026-W49",
        "2026-W50",
        "2026-W51",
        "2026-W52",
        "2026-W53",
    ]
    assert sum(r.plan for r in dept_weeks) == D("1000000.00")
    assert sum(r.days for r in dept_weeks) == 22
    assert dept_weeks[0].actual == D("71000.00")
    assert dept_weeks[1].actual is None
    assert sum(r.target for r in dept_weeks) == sum(r.target for r in result.department())
    (month,) = [r for r in rollup(result.rows, "month") if r.who == DEPARTMENT]
    assert month.period == "2026-12" and month.plan == D("1000000.00")
    assert month.cum_plan == D("1000000.00") and month.gap == D("19909.09")
    quarters = rollup(result.rows, "quarter")
    assert {r.period for r in quarters} == {"2026-Q4"}
    assert sum(r.plan for r in quarters if r.who != DEPARTMENT) == D("1000000.00")
    numbered = decompose(D(1000), 12, 2)
    assert [r.period for r in rollup(numbered.rows, "week") if r.who == DEPARTMENT] == [
        "W1",
        "W2",
        "W3",
    ]
    with pytest.raises(PlanError, match="needs calendar dates"):
        rollup(numbered.rows, "month")


def test_to_frame() -> None:
    result = digest("next_day")
    frame = result.to_frame()
    assert len(frame) == 22 * 5
    assert {"plan", "actual", "target", "cum_plan", "cum_actual", "gap", "who"} <= set(
        frame.columns
    )
    dept = frame[frame["who"] == DEPARTMENT]
    assert dept["target"].iloc[1] == D("60909.09")
    assert isinstance(dept["plan"].iloc[0], Decimal)
    assert sum(dept["plan"]) == D("1000000.00")
    weekly = to_frame(rollup(result.rows, "week"))
    assert "period" in weekly.columns


# --------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"managers": 0}, "no managers"),
        ({"managers": []}, "no managers"),
        ({"days": 0}, "no working days"),
        ({"days": []}, "no working days"),
        ({"plan": D(-1)}, "plan must be >= 0"),
        ({"policy": "carry_over"}, "unknown policy"),
        ({"actuals": [D(1)] * 23}, "actuals for 23 days"),
        ({"managers": [Manager("a", weight=D(0))]}, "must be > 0"),
        ({"managers": [Manager("a", weight=D(-2))]}, "must be > 0"),
        ({"managers": [Manager("a"), Manager("a")]}, "listed twice"),
        ({"managers": [Manager("department")]}, "reserved"),
        ({"plan": D("1.001")}, "multiple of the quantum"),
        ({"plan": 1.5}, "not float"),
        ({"plan": D("NaN")}, "finite"),
        ({"quantum": D(0)}, "quantum must be > 0"),
        ({"days": [dt.date(2026, 12, 2), dt.date(2026, 12, 1)]}, "increasing order"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"plan": D(1_000_000), "days": 22, "managers": 4}
    args.update(kwargs)
    with pytest.raises(PlanError, match=message) as info:
        decompose(**args)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_other_quanta() -> None:
    roubles = decompose(D(1_000_000), 22, 4, actuals=[D(30_000)], quantum=D(1))
    dept = roubles.department()
    assert dept[1].cum_plan == D(90909)
    assert dept[1].target == D(60909)
    assert sum(r.plan for r in dept) == D(1_000_000)


# --------------------------------------------------------------------------------------------
# CLI


def cli_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Throwaway root app for testing the plan sub-app."""

    register(app)
    return app


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app(), ["plan", "decompose", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_digest_example() -> None:
    code, out, err = run_cli(
        "--plan", "1000000", "--days", "22", "--managers", "4", "--actual", "30000",
        "--policy", "next_day",
    )  # fmt: skip
    assert code == 0, err
    assert "60,909.09" in out
    assert "45,454.55" in out and "15,227.28" in out and "11,363.64" in out
    assert "61,090" in out  # the source's slip is explained
    assert err == ""


def test_cli_spread_with_month_and_rollup() -> None:
    code, out, err = run_cli(
        "--plan", "1000000", "--month", "2026-12", "--holiday", "2026-12-31",
        "--managers", "Anna,Boris,Vera,Gleb", "--weights", "2,1,1,1",
        "--actual", "30000", "--policy", "spread", "--rollup", "week",
    )  # fmt: skip
    assert code == 0, err
    assert "46,190.48" in out
    assert "2026-12-30" in out and "2026-W53" in out
    assert "Anna" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--plan", "1000000", "--days", "22", "--managers", "0"],
        ["--plan", "1000000", "--days", "0", "--managers", "4"],
        ["--plan", "-1", "--days", "22", "--managers", "4"],
        ["--plan", "1000000", "--days", "22", "--managers", "4", "--policy", "carry"],
        ["--plan", "1000000", "--days", "abc", "--managers", "4"],
        ["--plan", "1000000", "--days", "22", "--managers", "4", "--bogus"],
        ["--plan", "lots", "--days", "22", "--managers", "4"],
        ["--plan", "1000000", "--days", "22", "--month", "2026-12", "--managers", "4"],
        ["--plan", "1000000", "--managers", "4"],
        ["--days", "22", "--managers", "4"],
        ["--plan", "100", "--days", "2", "--managers", "2", *["--actual", "1"] * 3],
        ["--plan", "100", "--days", "2", "--managers", "2", "--weights", "1,0"],
        ["--plan", "100", "--days", "2", "--managers", "2", "--rollup", "month"],
        ["--plan", "100", "--days"],
    ],
)
def test_cli_bad_input_is_one_line_exit_2(args: list[str]) -> None:
    code, out, err = run_cli(*args)
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1  # exactly one line
    assert "Traceback" not in out + err
    assert out == ""


def test_cli_csv_is_written_and_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    base = ["--plan", "1000000", "--days", "22", "--managers", "4", "--actual", "30000"]
    code, _, err = run_cli(*base, "--csv", str(target))
    assert code == 0, err
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 22 * 5
    dept = [r for r in rows if r["who"] == DEPARTMENT]
    assert dept[1]["target"] == "60909.09"
    assert sum(D(r["plan"]) for r in dept) == D("1000000.00")
    before = target.read_bytes()

    code, _, err = run_cli(*base, "--policy", "spread", "--csv", str(target))
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    assert target.read_bytes() == before

    code, _, err = run_cli(*base, "--policy", "spread", "--csv", str(target), "--force")
    assert code == 0, err
    assert target.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]  # no temp files left


def test_cli_calendar_file_gives_weekdays_and_holidays(tmp_path: Path) -> None:
    # May 2026 on the default scenario's calendar: 21 weekdays less 1 and 11 May (holidays)
    code, out, _err = run_cli("--plan", "1900000", "--month", "2026-05", "--managers", "1",
                              "--calendar", str(ROOT / "scenarios"
                                                / "b2b_baseline.yaml"))
    assert code == 0, out
    assert "19 working days" in out and "100,000.00" in out
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text("weekdays: [mon, tue]\nholidays: [2026-05-05, 2027-01-01]\n")
    code, out, _err = run_cli("--plan", "700", "--month", "2026-05", "--managers", "1",
                              "--calendar", str(calendar))
    assert code == 0, out
    assert "7 working days" in out  # Mondays and Tuesdays of May 2026, less the 5th
    calendar.write_text("weekdays: [funday]\n")
    code, out, err = run_cli("--plan", "700", "--month", "2026-05", "--managers", "1",
                             "--calendar", str(calendar))
    assert code == 2
    assert "calendar.weekdays" in (out + err) and "funday" in (out + err)
