"""The plan's months, pro rata for the months a run covers in part (scenario of
``tests.plans.test_planfact``: Mon 2026-01-26 to Fri 2026-03-06, 23 Feb a holiday)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salesim.simulator.plans.credit import credit_day
from salesim.simulator.plans.months import manager_plans, plan_managers, plan_months
from tests.plans.test_planfact import EVENTS as PF_EVENTS
from tests.plans.test_planfact import PF


def test_partial_months_get_the_plan_pro_rata() -> None:
    months = plan_months(PF)
    assert [(m.month, len(m.dates), m.all_working_days, m.complete, m.plan) for m in months] == [
        ("2026-01", 5, 22, False, Decimal("227272.73")),  # 1,000,000 × 5 / 22
        ("2026-02", 19, 19, True, Decimal("1000000.00")),
        ("2026-03", 5, 22, False, Decimal("227272.73")),
    ]
    assert months[1].dates[0] == dt.date(2026, 2, 2)
    assert dt.date(2026, 2, 23) not in months[1].dates


def test_the_closers_share_the_month_exactly() -> None:
    feb = plan_months(PF)[1]
    managers = plan_managers(PF_EVENTS, PF)
    shares = manager_plans(PF, feb, managers)
    assert [m.name for m in managers] == ["closer-1", "closer-2"]
    # the odd kopecks of the days take turns: they sum to the department's plan exactly
    assert shares == {"department": Decimal("1000000.00"), "closer-1": Decimal("500000.01"),
                      "closer-2": Decimal("499999.99")}


def test_a_saturday_sale_counts_on_monday() -> None:
    calendar = PF.work_calendar()
    assert credit_day(calendar, 5.5) == 7  # Sat 31 Jan → Mon 2 Feb
    assert credit_day(calendar, 4.2) == 4
