"""The resource budget of a run, estimated from the scenario before anything is simulated (pure).

A run holds its whole event log in memory (every replication's, until it is written), so the
leads a scenario sends, times the events a lead makes, decide its memory and its time. The
estimate is deliberately on the high side: it assumes every lead reaches every step its
conversions let it reach, at the busiest month's rate. The constants were measured on this
engine (docs/performance.md, "Resource budget"): about 400 bytes of peak memory and 30 µs per
event, over a base of about 200 MB.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesim.simulator.scenario.schema import Scenario

__all__ = ["BYTES_PER_EVENT", "DEFAULT_MAX_MEMORY_GB", "BudgetError", "Estimate", "check_budget",
           "estimate"]

BYTES_PER_EVENT = 400.0
BASE_BYTES = 200e6
SECONDS_PER_EVENT = 30e-6
EVENTS_PER_LEAD = 3.0  # arrival, stage entry and end, besides the steps
EVENTS_PER_STEP = 4.0  # queued, started, finished, decided
DEFAULT_MAX_MEMORY_GB = 4.0
DAYS_PER_MONTH = 30.4375


class BudgetError(ValueError):
    """A run that would need more memory than allowed; ``str()`` is one line."""


@dataclass(frozen=True)
class Estimate:
    """What a run of ``replications`` replications needs (upper estimates)."""

    leads: float  # per replication, repeat orders included
    events: float  # per replication
    replications: int

    @property
    def memory_bytes(self) -> float:
        return BASE_BYTES + BYTES_PER_EVENT * self.events * self.replications

    @property
    def seconds(self) -> float:
        return SECONDS_PER_EVENT * self.events * self.replications

    def describe(self) -> str:
        """``about 3.7 million leads and 22 million events a replication, 8.9 GB for 1``."""
        return (f"about {_amount(self.leads)} leads and {_amount(self.events)} events a "
                f"replication, {self.memory_bytes / 1e9:.1f} GB of memory and "
                f"{_duration(self.seconds)} for {self.replications}")


def estimate(scenario: Scenario, replications: int = 1) -> Estimate:
    """The leads, events and memory a run of ``scenario`` will need (an upper estimate)."""
    days = scenario.horizon_days
    arrivals = 0.0
    for ch in scenario.channels:
        working = len(scenario.calendar.weekdays) / 7 if ch.per == "working_day" else 1.0
        peak = max(ch.seasonality) if ch.seasonality else 1.0
        arrivals += ch.rate * working * peak * days
    events = arrivals * (EVENTS_PER_LEAD + EVENTS_PER_STEP * _expected_steps(scenario))
    orders = _repeat_orders(scenario, arrivals)
    events += orders * (EVENTS_PER_LEAD + EVENTS_PER_STEP * _order_steps(scenario))
    return Estimate(leads=arrivals + orders, events=events, replications=replications)


def check_budget(scenario: Scenario, replications: int = 1,
                 max_memory_gb: float = DEFAULT_MAX_MEMORY_GB) -> Estimate:
    """The estimate, or :class:`BudgetError` when it needs more than ``max_memory_gb``
    (0: no limit)."""
    found = estimate(scenario, replications)
    if max_memory_gb and found.memory_bytes > max_memory_gb * 1e9:
        raise BudgetError(f"this run would need {found.describe()}; the limit is "
                          f"{max_memory_gb:g} GB of memory: shorten the horizon, lower the lead "
                          f"rates or the replications, or raise the limit with --max-memory-gb")
    return found


def _expected_steps(scenario: Scenario) -> float:
    """The steps a lead goes through on average, if each step keeps its best conversion."""
    return _walk(scenario)[0]


def _win_share(scenario: Scenario) -> float:
    """The share of leads that become clients, at every step's best conversion."""
    return _walk(scenario)[1]


def _walk(scenario: Scenario) -> tuple[float, float]:
    alive, steps, won = 1.0, 0.0, 1.0
    win = scenario.win_step()
    for si, stage in enumerate(scenario.stages):
        for ki, step in enumerate(stage.steps):
            steps += alive
            conv = step.conversion
            alive *= max(conv.values()) if isinstance(conv, dict) else conv
            if (si, ki) == win:
                won = alive
    return steps, won


def _repeat_orders(scenario: Scenario, arrivals: float) -> float:
    clients = scenario.clients
    if clients is None:
        return 0.0
    rate = clients.repeat_orders_per_month
    most = max(rate.values(), default=0.0) if isinstance(rate, dict) else rate
    per_month = most + clients.upsell_per_month
    base = sum(clients.initial.values()) + arrivals * _win_share(scenario)
    return base * per_month * scenario.horizon_days / DAYS_PER_MONTH


def _order_steps(scenario: Scenario) -> float:
    clients = scenario.clients
    if clients is None:
        return 0.0
    named = set(clients.order_stages)
    return 1.0 + sum(len(st.steps) for st in scenario.stages if st.name in named)


def _amount(value: float) -> str:
    for size, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if value >= size:
            return f"{value / size:.1f} {word}"
    return f"{value:.0f}"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes" if seconds >= 60 else f"{seconds:.0f} s"
