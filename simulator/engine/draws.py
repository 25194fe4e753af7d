"""Everything random about the leads and their steps, drawn before the run (pure but for the
streams): the engine then only decides who does what and when."""

from __future__ import annotations

import array
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from salesim.simulator.engine.rng import Streams
from salesim.simulator.scenario.fields import for_segment
from salesim.simulator.scenario.schema import Scenario

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
Handoffs = tuple[list[FloatArray], list[FloatArray], float]  # delays, drop uniforms, loss


@dataclass(frozen=True)
class Leads:
    """All leads of a run with their attributes, in arrival order."""

    time: FloatArray
    channel: list[str]
    segment: list[str]
    amount: FloatArray

    def __len__(self) -> int:
        return len(self.time)


def draw_leads(scenario: Scenario, streams: Streams) -> Leads:
    """Arrival times, channels, segments and amounts: independent of staffing and process."""
    company = scenario.work_calendar()
    horizon = scenario.horizon_days
    n_days = math.ceil(horizon)
    months = _month_of_day(scenario, n_days)
    times: list[FloatArray] = []
    channels: list[str] = []
    segments: list[str] = []
    amounts: list[FloatArray] = []
    for channel in scenario.channels:
        arrivals = streams.named("arrivals", channel.name)
        season = np.ones(12) if channel.seasonality is None else np.asarray(channel.seasonality)
        if channel.per == "calendar_day":
            opens = np.arange(n_days, dtype=np.float64)
            lengths = np.ones(n_days)
        else:
            intervals = [company.day_interval(d) for d in range(n_days)]
            working = [d for d, iv in enumerate(intervals) if iv is not None]
            opens = np.array([intervals[d][0] for d in working], dtype=np.float64)  # type: ignore[index]
            lengths = np.array([intervals[d][1] - intervals[d][0] for d in working],  # type: ignore[index]
                               dtype=np.float64)
        day_idx = np.floor(opens).astype(np.int64)
        counts = arrivals.poisson(channel.rate * season[months[day_idx]])
        offsets = arrivals.random(int(counts.sum())) * np.repeat(lengths, counts)
        t = np.repeat(opens, counts) + offsets
        t.sort(kind="stable")
        t = t[t < horizon]
        mix = scenario.segment_mix(channel)
        names = list(mix)
        lead_rng = streams.named("leads", channel.name)
        seg_idx = lead_rng.choice(len(names), size=len(t), p=np.asarray(list(mix.values())))
        amount = np.zeros(len(t))
        for k, seg in enumerate(names):
            chosen = seg_idx == k
            amount[chosen] = channel.deal_size_for(seg).sample(lead_rng, int(chosen.sum()))
        times.append(t)
        channels.extend([channel.name] * len(t))
        segments.extend(names[k] for k in seg_idx)
        amounts.append(amount)
    all_times = np.concatenate(times) if times else np.zeros(0)
    order = np.argsort(all_times, kind="stable")
    return Leads(
        time=all_times[order],
        channel=[channels[i] for i in order],
        segment=[segments[i] for i in order],
        amount=np.concatenate(amounts)[order] if amounts else np.zeros(0),
    )


def _month_of_day(scenario: Scenario, n_days: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    start = np.datetime64(scenario.calendar.start_date, "D")
    days = start + np.arange(n_days)
    return (days.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)


@dataclass(frozen=True)
class StepDraws:
    """Per-lead random numbers for one step: effort, client delay and two decision uniforms.

    ``array.array``: the engine reads one number at a time, which is several times faster than
    indexing a numpy array, at 8 bytes a number (a list of floats takes 32).
    """

    effort_hours: array.array[float]
    client_delay_days: array.array[float]
    decision: array.array[float]
    reason: array.array[float]


def draw_steps(scenario: Scenario, streams: Streams, n_leads: int) -> list[list[StepDraws]]:
    """Draws indexed [stage][step][lead]; keyed by step name so other steps do not shift them."""
    out: list[list[StepDraws]] = []
    for stage in scenario.stages:
        row = []
        for step in stage.steps:
            key = f"{stage.name}/{step.name}"
            durations = streams.named("durations", key)
            decisions = streams.named("decisions", key)
            row.append(StepDraws(
                effort_hours=_doubles(step.effort_hours.sample(durations, n_leads)),
                client_delay_days=_doubles(step.client_delay_days.sample(durations, n_leads)),
                decision=_doubles(decisions.random(n_leads)),
                reason=_doubles(decisions.random(n_leads)),
            ))
        out.append(row)
    return out


def _doubles(values: FloatArray) -> array.array[float]:
    out = array.array("d")
    out.frombytes(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return out


def draw_payment_days(scenario: Scenario, streams: Streams, leads: Leads) -> FloatArray:
    """Days from the first invoice to the money, per lead (0 without a payment block)."""
    if scenario.payment is None or not scenario.payment.first_deals:
        return np.zeros(len(leads))
    rng = streams.named("durations", "payment")
    days = np.zeros(len(leads))
    segments = np.asarray(leads.segment, dtype=object)
    for segment in scenario.segments:
        at = segments == segment
        dist = for_segment(scenario.payment.delay_days, segment)
        days[at] = dist.sample(rng, int(at.sum()))
    return days


def draw_handoffs(scenario: Scenario, streams: Streams, n_leads: int) -> Handoffs | None:
    """Per stage and lead: the hand-off delay into the stage and a drop uniform (conveyor)."""
    handoff = scenario.org.handoff
    if scenario.org.structure != "conveyor" or handoff is None:
        return None
    delays, drops = [], []
    for stage in scenario.stages:
        delays.append(handoff.delay_days.sample(
            streams.named("durations", f"handoff/{stage.name}"), n_leads))
        drops.append(streams.named("decisions", f"handoff/{stage.name}").random(n_leads))
    return delays, drops, handoff.loss


NO_DRAWS = StepDraws(array.array("d"), array.array("d"), array.array("d"), array.array("d"))
