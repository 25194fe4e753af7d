"""The explanation of a decomposition, line by line, on figures checked by hand."""

from __future__ import annotations

from decimal import Decimal

from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.explain import explain
from salesim.simulator.plans.schedule import Manager


def test_next_day_explanation_of_a_small_plan() -> None:
    # 100.00 over 3 days: 33.33, 33.34, 33.33; day 1 sold 30.00, so day 2 carries 3.33
    d = decompose(Decimal(100), 3, 1, actuals=[Decimal(30)])
    lines = explain(d)
    assert lines[0] == ("Plan 100.00 over 3 working days (1…3), 1 manager, policy next_day, "
                        "rounding to 0.01.")
    assert lines[1] == ("Daily plan: 100.00 / 3 = 33.333333… → 33.33 (rounded half-up to "
                        "0.01; the figure to quote).")
    assert "Base figures: 2 days at 33.33 (days 1, 3); 1 day at 33.34 (day 2)." in lines
    assert ("Day 1 target = cumulative plan 33.33 − cumulative actual 0.00 = 33.33 (base 33.33 "
            "+ carry 0.00); actual 30.00, cumulative gap 3.33.") in lines
    assert ("Next: day 2 target = cumulative plan 66.67 − cumulative actual 30.00 = 36.67 "
            "(base 33.34 + carry 3.33).") in lines
    assert ("After day 1: cumulative actual 30.00 against cumulative plan 33.33; gap 3.33 "
            "behind plan; remaining plan 70.00 over 2 days.") in lines


def test_spread_and_none_explain_their_rule() -> None:
    spread = explain(decompose(Decimal(100), 4, 1, actuals=[Decimal(40)], policy="spread"))
    assert "Next: day 2 target = (100.00 − 40.00) / 3 = 20.00." in spread
    assert ("Days 2–4: the remaining plan 60.00 split over 3 days by the cumulative rule (each "
            "figure rounded once), summing to it exactly.") in spread
    none = explain(decompose(Decimal(100), 4, 1, policy="none"))
    assert "Policy none: targets stay at the base daily figures; the gap is only reported." in none
    assert "Days 2–4 keep their base figures." in none


def test_a_manager_on_vacation_is_named() -> None:
    d = decompose(Decimal(100), 3, [Manager("A"), Manager("B", vacation=frozenset({2}))])
    assert ("B does not work (vacation) on 2: no target on that day; the share goes to the "
            "others in proportion to weights.") in explain(d)


def test_a_clamped_target_is_explained() -> None:
    d = decompose(Decimal(100), 3, 1, actuals=[Decimal(90)])
    lines = explain(d)
    assert "Day 2: target would be -23.33 (actuals ahead of plan); clamped at 0." in lines
