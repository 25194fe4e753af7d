"""Each chart drawn from a small hand-made table: what the figure holds (titles, bars, lines,
tick labels, the plotted values are the input numbers), and that it renders to a PNG."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from salesim.reports.charts.base import ALERT, GOOD, MUTED, Palette, chart_style, render
from salesim.reports.charts.capacity import (
    bottleneck_chart,
    heatmap_chart,
    role_utilisation_chart,
)
from salesim.reports.charts.compare import difference_chart, variant_metrics_chart
from salesim.reports.charts.compare_capacity import (
    bottleneck_votes_chart,
    utilisation_by_variant_chart,
)
from salesim.reports.charts.flow import (
    funnel_chart,
    loss_reasons_chart,
    time_split_chart,
    wip_chart,
)
from salesim.reports.charts.money import (
    cash_chart,
    channel_return_chart,
    cumulative_revenue_chart,
    monthly_revenue_chart,
    pnl_chart,
)
from salesim.reports.charts.plans import plan_fact_chart
from salesim.reports.formatting import number_style

STYLE = number_style("RUB", "en")
PALETTE = Palette.for_names(["lead", "deal"], ["hunter", "closer"])
START = dt.date(2025, 1, 6)


def bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def widths(ax: Axes) -> list[float]:
    return [round(float(p.get_width()), 9) for p in bars(ax)]


def heights(ax: Axes) -> list[float]:
    return [round(float(p.get_height()), 9) for p in bars(ax)]


def ticks(labels: Iterable[Text]) -> list[str]:
    return [t.get_text() for t in labels]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


# -- the tables ----------------------------------------------------------------------------------


STAGES = pd.DataFrame({"stage": ["lead", "deal"], "entered": [200.0, 80.0],
                       "conversion": [0.6, 0.3], "wait_days_mean": [1.5, 4.0]})
ROLES = pd.DataFrame({"role": ["hunter", "closer"], "utilization": [0.5, 0.95],
                      "headcount": [3, 2]})
STEPS = pd.DataFrame({"stage": ["lead", "deal", "deal"], "step": ["call", "meet", "sign"],
                      "entered": [200.0, 80.0, 50.0], "conversion": [0.6, 0.7, 0.5]})
SPLIT = pd.DataFrame({"stage": ["lead", "deal"], "queue_days": [1.0, 3.0],
                      "work_days": [0.5, 1.0], "client_days": [2.0, 4.0],
                      "cycle_days": [3.5, 8.0]})
DAYS = [START + dt.timedelta(days=i) for i in range(3)]
WIP = pd.DataFrame({"date": DAYS * 2, "stage": ["lead"] * 3 + ["deal"] * 3,
                    "wip": [5.0, 7.0, 6.0, 2.0, 3.0, 4.0],
                    "queued": [1.0, 2.0, 1.0, 0.0, 1.0, 2.0]})
LOSSES = pd.DataFrame({"reason": ["price", "cooled", "price"], "stage": ["deal", "lead", "lead"],
                       "lost": [30.0, 12.0, 10.0]})
PEOPLE = pd.DataFrame([[0.2, 0.9], [0.5, np.nan]], index=["hunter-1", "closer-1"],
                      columns=[START, START + dt.timedelta(days=7)])
MONTHLY = pd.DataFrame({"month": ["2025-01", "2025-02"], "revenue": [1.2e6, 2.5e6],
                        "won": [3, 5]})
DAILY = pd.DataFrame({"date": DAYS, "cum_revenue": [0.0, 1.0e5, 3.0e5]})
CHANNELS = pd.DataFrame({"channel": ["ads", "referral"], "cost": [1.0e5, 0.0],
                         "revenue": [4.0e5, 2.0e5]})
CASH = pd.DataFrame({"month": ["2025-01", "2025-02"], "invoiced": [1.0e6, 2.0e6],
                     "cash_in": [0.5e6, 1.5e6], "receivables": [0.5e6, 1.0e6],
                     "overdue": [0.0, 0.2e6]})
PNL = pd.DataFrame({"month": ["2025-01", "2025-02"], "revenue": [1.0e6, 2.0e6],
                    "profit": [-0.2e6, 0.6e6]})
PLAN_FACT = pd.DataFrame({"date": [d.isoformat() for d in DAYS], "who": ["department"] * 3,
                          "cum_plan": [1.0e5, 2.0e5, 3.0e5], "cum_actual": [0.0, 2.5e5, 2.5e5]})
ESTIMATES = pd.DataFrame({
    "metric": ["revenue_per_month"] * 2 + ["cycle_days"] * 2,
    "label": ["revenue"] * 2 + ["lead-to-cash time"] * 2,
    "unit": ["money/month"] * 2 + ["days"] * 2, "variant": ["as_is", "plus_closer"] * 2,
    "mean": [1.0e6, 1.3e6, 20.0, 15.0], "ci95_low": [0.9e6, 1.2e6, 18.0, 14.0],
    "ci95_high": [1.1e6, 1.4e6, 22.0, 16.0]})
DIFFERENCES = pd.DataFrame({
    "metric": ["revenue_per_month", "cycle_days"], "label": ["revenue", "lead-to-cash time"],
    "unit": ["money/month", "days"], "better": ["higher", "lower"],
    "variant": ["plus_closer", "plus_closer"], "mean": [3.0e5, 1.0],
    "ci95_low": [2.0e5, -0.5], "ci95_high": [4.0e5, 2.5], "significant": [True, False]})
UTILISATION = pd.DataFrame({
    "role": ["hunter", "hunter", "closer", "closer"], "variant": ["as_is", "plus_closer"] * 2,
    "headcount": [3, 3, 2, 3], "utilization": [0.5, 0.55, 0.95, 0.7],
    "ci95_low": [0.45, 0.5, 0.9, 0.65], "ci95_high": [0.55, 0.6, 1.0, 0.75]})
VOTES = pd.DataFrame({
    "variant": ["as_is", "as_is", "plus_closer"], "stage": ["deal", "lead", "lead"],
    "role": ["closer", "hunter", "hunter"], "kind": ["capacity", "capacity", "conversion"],
    "share": [0.75, 0.25, 1.0]})
CAPACITY = {"kind": "capacity", "stage": "deal", "role": "closer"}


# -- the bottleneck and capacity ----------------------------------------------------------------


def test_bottleneck_chart_shows_waits_and_utilisation_with_the_culprit_outlined() -> None:
    fig = bottleneck_chart(STAGES, ROLES, CAPACITY, PALETTE, STYLE, 0.85)
    left, right = fig.axes
    assert left.get_title() == "Where leads wait for staff"
    assert right.get_title() == "How busy each role is"
    assert widths(left) == [1.5, 4.0, 4.0]  # the two stages, then the outline of "deal"
    assert widths(right) == [0.5, 0.95, 0.95]
    assert ticks(left.get_yticklabels()) == ["lead", "deal"]
    assert ticks(right.get_yticklabels()) == ["hunter (3)", "closer (2)"]
    assert to_hex(left.get_yticklabels()[1].get_color()) == ALERT
    assert [np.asarray(line.get_xdata())[0] for line in right.lines] == [0.85]  # the overload line
    assert texts(left) == [STYLE.days(1.5), STYLE.days(4.0)]


def test_bottleneck_chart_without_a_capacity_bottleneck_shows_losses() -> None:
    verdict = {"kind": "conversion", "stage": "deal", "role": None}
    left = bottleneck_chart(STAGES, ROLES, verdict, PALETTE, STYLE).axes[0]
    assert left.get_title() == "Where leads are lost"
    assert widths(left)[:2] == [0.4, 0.7]
    assert left.get_xlabel() == "share of decided leads lost"


def test_role_utilisation_chart() -> None:
    ax = role_utilisation_chart(ROLES, PALETTE, STYLE, 0.85).axes[0]
    assert ax.get_title() == "Utilisation per role: share of working time spent on leads"
    assert widths(ax) == [0.5, 0.95]
    assert ticks(ax.get_yticklabels()) == ["hunter (3)", "closer (2)"]
    assert [to_hex(p.get_facecolor()) for p in bars(ax)] == [PALETTE.role("hunter"),
                                                              PALETTE.role("closer")]
    assert "50%" in texts(ax) and "95%" in texts(ax)


def test_heatmap_chart_plots_the_matrix() -> None:
    fig = heatmap_chart(PEOPLE, ["hunter", "closer"], PALETTE, "Utilisation", "busy", "YlOrRd",
                        0.0, 1.0, lambda v: STYLE.pct(v),
                        cell_labels=PEOPLE.map(lambda v: STYLE.number(v * 100)))
    ax = fig.axes[0]
    assert ax.get_title() == "Utilisation"
    image = ax.images[0].get_array()
    assert image is not None
    assert image.tolist() == [[0.2, 0.9], [0.5, None]]  # the missing week is masked
    assert ticks(ax.get_yticklabels()) == ["hunter-1", "closer-1"]
    assert texts(ax) == ["20", "90", "50"]
    assert len(fig.axes) == 2  # and the colour bar


# -- the flow of leads ---------------------------------------------------------------------------


def test_funnel_chart_has_a_bar_per_stage_and_step() -> None:
    ax = funnel_chart(STEPS, STAGES, PALETTE, STYLE).axes[0]
    assert ax.get_title().startswith("Funnel: leads entering each stage and step")
    assert ticks(ax.get_yticklabels()) == ["lead", "   call", "deal", "   meet", "   sign"]
    assert widths(ax) == [200.0, 200.0, 80.0, 80.0, 50.0]
    assert [p.get_x() for p in bars(ax)][:1] == [-100.0]  # centred
    assert {"60%", "70%", "50%", "moves on"} <= set(texts(ax))


def test_time_split_chart_stacks_the_three_parts() -> None:
    fig = time_split_chart(SPLIT, STYLE)
    ax = fig.axes[0]
    assert ax.get_title() == "Where a lead's time goes in each stage (mean days per lead)"
    assert widths(ax) == [1.0, 3.0, 0.5, 1.0, 2.0, 4.0]  # queue, work, client; per stage
    assert [p.get_x() for p in bars(ax)][2:4] == [1.0, 3.0]
    assert ticks(fig.legends[0].get_texts()) == ["waiting for staff", "being worked on",
                                                 "with the client"]
    assert texts(ax) == [STYLE.days(3.5), STYLE.days(8.0)]  # the cycle times


def test_wip_chart_has_a_panel_per_stage() -> None:
    fig = wip_chart(WIP, ["lead", "deal"], PALETTE, STYLE, "daily", START + dt.timedelta(days=3),
                    warmup_until=START + dt.timedelta(days=1))
    lead, deal = fig.axes
    assert (lead.get_title(loc="left"), deal.get_title(loc="left")) == ("lead", "deal")
    assert list(np.asarray(lead.lines[0].get_ydata())) == [5.0, 7.0, 6.0, 6.0]  # held to the end
    assert list(np.asarray(deal.lines[0].get_ydata())) == [2.0, 3.0, 4.0, 4.0]
    assert fig.get_suptitle().startswith("Leads in each stage over time (daily average)")
    assert "warm-up (not in the KPIs)" in ticks(fig.legends[0].get_texts())


def test_loss_reasons_chart_stacks_stages_per_reason() -> None:
    fig = loss_reasons_chart(LOSSES, ["lead", "deal"], PALETTE, STYLE)
    ax = fig.axes[0]
    assert ax.get_title().startswith("Why leads are lost")
    assert ticks(ax.get_yticklabels()) == ["price", "cooled (waited too long)"]
    assert widths(ax) == [10.0, 12.0, 30.0, 0.0]  # lead's bars, then deal's
    assert ticks(fig.legends[0].get_texts()) == ["lead", "deal"]


# -- money ---------------------------------------------------------------------------------------


def test_monthly_revenue_chart() -> None:
    ax = monthly_revenue_chart(MONTHLY, STYLE).axes[0]
    assert ax.get_title() == "Revenue by month, with the number of first deals won"
    assert heights(ax) == [1.2e6, 2.5e6]
    assert ticks(ax.get_xticklabels()) == ["Jan\n2025", "Feb"]
    assert texts(ax) == ["3", "5"]


def test_monthly_revenue_chart_without_deals_says_so() -> None:
    ax = monthly_revenue_chart(MONTHLY.iloc[0:0], STYLE).axes[0]
    assert texts(ax) == ["no deal was won"]


def test_cumulative_revenue_chart() -> None:
    ax = cumulative_revenue_chart(DAILY, STYLE).axes[0]
    assert ax.get_title() == "Revenue accumulated over the run, day by day"
    assert list(np.asarray(ax.lines[0].get_ydata())) == [0.0, 1.0e5, 3.0e5]
    assert [t.get_text() for t in ax.texts] == [STYLE.money_short(3.0e5)]


def test_channel_return_chart() -> None:
    ax = channel_return_chart(CHANNELS, STYLE).axes[0]
    assert ax.get_title() == "Return on lead spend: revenue per 1 ₽ spent, by channel"
    assert widths(ax) == [4.0, 0.0]
    assert texts(ax) == ["×4.0", "no lead cost"]
    assert ticks(ax.get_yticklabels()) == ["ads", "referral"]


def test_cash_chart() -> None:
    fig = cash_chart(CASH, STYLE)
    ax = fig.axes[0]
    assert ax.get_title().startswith("Cash vs invoiced by month")
    assert heights(ax) == [1.0e6, 2.0e6, 0.5e6, 1.5e6]  # invoiced, then received
    assert [list(np.asarray(line.get_ydata())) for line in ax.lines] == [[0.5e6, 1.0e6],
                                                                         [0.0, 0.2e6]]
    assert ticks(fig.legends[0].get_texts()) == ["owed at month end", "of it overdue",
                                                 "invoiced", "cash received"]


def test_pnl_chart() -> None:
    ax = pnl_chart(PNL, STYLE).axes[0]
    assert ax.get_title() == "Monthly P&L: revenue, costs and profit"
    assert heights(ax) == [1.0e6, 2.0e6, 1.2e6, 1.4e6]  # revenue, then costs
    assert list(np.asarray(ax.lines[0].get_ydata())) == [-0.2e6, 0.6e6]


def test_plan_fact_chart() -> None:
    fig = plan_fact_chart(PLAN_FACT, ["department"], STYLE)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "department"
    factor = STYLE.scale_for([*PLAN_FACT["cum_plan"], *PLAN_FACT["cum_actual"]]).factor
    plan, fact = ax.lines
    assert list(np.asarray(plan.get_ydata()) * factor) == pytest.approx([1.0e5, 2.0e5, 3.0e5])
    assert list(np.asarray(fact.get_ydata()) * factor) == pytest.approx([0.0, 2.5e5, 2.5e5])
    assert ticks(fig.legends[0].get_texts()) == ["plan", "fact"]


# -- comparisons of variants ---------------------------------------------------------------------


def test_variant_metrics_chart_has_a_panel_per_metric() -> None:
    fig = variant_metrics_chart(ESTIMATES, STYLE)
    revenue, cycle = fig.axes
    assert revenue.get_title(loc="left") == "Revenue a month"
    assert cycle.get_title(loc="left") == "Lead-to-cash time"
    assert widths(revenue) == [1.0e6, 1.3e6]
    assert widths(cycle) == [20.0, 15.0]
    assert ticks(revenue.get_yticklabels()) == ["as_is (base)", "plus_closer"]
    assert cycle.get_xlabel() == "days"


def test_difference_chart_colours_the_verdict() -> None:
    fig = difference_chart(DIFFERENCES, STYLE)
    revenue, cycle = fig.axes
    assert revenue.get_title(loc="left") == "Revenue a month (higher is better)"
    assert cycle.get_title(loc="left") == "Lead-to-cash time (lower is better)"
    interval, _low_end, _high_end, diamond = revenue.lines[1:]  # after the 0 line
    assert list(np.asarray(interval.get_xdata())) == [2.0e5, 4.0e5]
    assert list(np.asarray(diamond.get_xdata())) == [3.0e5]
    assert to_hex(diamond.get_color()) == GOOD  # better, and the interval excludes 0
    assert to_hex(cycle.lines[-1].get_color()) == MUTED  # the interval includes 0
    assert ticks(revenue.get_yticklabels()) == ["plus_closer"]


def test_utilisation_by_variant_chart_has_a_panel_per_role() -> None:
    fig = utilisation_by_variant_chart(UTILISATION, PALETTE, STYLE, 0.85)
    hunter, closer = fig.axes
    assert (hunter.get_title(loc="left"), closer.get_title(loc="left")) == ("hunter", "closer")
    assert widths(hunter) == [0.5, 0.55]
    assert widths(closer) == [0.95, 0.7]
    assert texts(closer) == ["95% (2)", "70% (3)"]
    assert ticks(hunter.get_yticklabels()) == ["as_is (base)", "plus_closer"]


def test_bottleneck_votes_chart_splits_the_replications() -> None:
    fig = bottleneck_votes_chart(VOTES, PALETTE, STYLE)
    ax = fig.axes[0]
    assert ax.get_title() == "Where the bottleneck is in each variant (share of the replications)"
    assert widths(ax) == [0.75, 0.25, 1.0]
    assert [p.get_x() for p in bars(ax)] == [0.0, 0.75, 0.0]
    assert ticks(ax.get_yticklabels()) == ["as_is (base)", "plus_closer"]
    assert ticks(fig.legends[0].get_texts()) == [
        "deal (closer): leads queue for staff", "lead (hunter): leads queue for staff",
        "no capacity bottleneck; biggest leak: lead"]


# -- every chart renders -------------------------------------------------------------------------


CHARTS: dict[str, Callable[[], Figure]] = {
    "bottleneck": lambda: bottleneck_chart(STAGES, ROLES, CAPACITY, PALETTE, STYLE),
    "role_utilisation": lambda: role_utilisation_chart(ROLES, PALETTE, STYLE),
    "heatmap": lambda: heatmap_chart(PEOPLE, ["hunter", "closer"], PALETTE, "Utilisation",
                                     "busy", "YlOrRd", 0.0, 1.0, lambda v: STYLE.pct(v)),
    "funnel": lambda: funnel_chart(STEPS, STAGES, PALETTE, STYLE),
    "time_split": lambda: time_split_chart(SPLIT, STYLE),
    "wip": lambda: wip_chart(WIP, ["lead", "deal"], PALETTE, STYLE, "daily",
                             START + dt.timedelta(days=3)),
    "losses": lambda: loss_reasons_chart(LOSSES, ["lead", "deal"], PALETTE, STYLE),
    "monthly_revenue": lambda: monthly_revenue_chart(MONTHLY, STYLE),
    "cumulative_revenue": lambda: cumulative_revenue_chart(DAILY, STYLE),
    "channels": lambda: channel_return_chart(CHANNELS, STYLE),
    "cash": lambda: cash_chart(CASH, STYLE),
    "pnl": lambda: pnl_chart(PNL, STYLE),
    "plan_fact": lambda: plan_fact_chart(PLAN_FACT, ["department"], STYLE),
    "variant_metrics": lambda: variant_metrics_chart(ESTIMATES, STYLE),
    "differences": lambda: difference_chart(DIFFERENCES, STYLE),
    "utilisation_by_variant": lambda: utilisation_by_variant_chart(UTILISATION, PALETTE, STYLE),
    "bottleneck_votes": lambda: bottleneck_votes_chart(VOTES, PALETTE, STYLE),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_renders_to_png(name: str) -> None:
    with chart_style():
        rendered = render(CHARTS[name]())
    assert rendered.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert rendered.width_px == 1100 and rendered.height_px >= 220


def test_bottleneck_chart_of_a_team_of_nobody_says_so() -> None:
    """Headcount 0: the team's leads wait for ever (in no mean wait) and it has no working
    time (no utilisation): the chart says "nobody", not 0 days and 0%."""
    roles = ROLES.assign(utilization=[0.5, float("nan")], headcount=[3, 0])
    verdict = {**CAPACITY, "evidence": {"utilization": None, "queued_work_hours": 40.0}}
    left, right = bottleneck_chart(STAGES.assign(wait_days_mean=[1.5, float("nan")]), roles,
                                   verdict, PALETTE, STYLE, 0.85).axes
    assert texts(left) == [STYLE.days(1.5), "nobody picks leads up"]
    assert [t.get_text() for t in right.texts][:2] == [STYLE.pct(0.5), "nobody"]
