"""The same sales pipeline as a minimal plain-SimPy model: the baseline for ``bench_engine.py``.

It reads the scenario file for its parameters only (channels and their arrival rates, segment mix,
deal sizes, the stages and steps with their roles, effort, client delays, conversion and loss
reasons, the headcounts) and simulates them the simplest reasonable way:

* one ``simpy.Resource`` per role (capacity = headcount), FIFO, pooled: no owned leads, no
  priority queues, no per-person speed or skill;
* **no working calendar**: time runs 24/7. So that the staff are as busy as in the engine (same
  queues, same cooling, hence about the same number of events per lead), a staff hour of effort
  takes ``7 * 24 / weekly working hours of the role`` clock hours, i.e. the role's weekly
  capacity is spread evenly over the week (holidays ignored). Leads of a ``working_day`` channel
  arrive only on the company's working days, but at any hour of them;
* all random numbers drawn up front with numpy (one ``default_rng(seed)``), then read from plain
  lists;
* the event log is a list of tuples with the same kinds of rows as the engine's log (``arrive``,
  ``enqueue``, ``start``, ``finish``, ``client_wait``, ``convert``, ``lose``, ``win``).

What it leaves out is what salesim's engine adds: working calendars, owners, pods and personal
queues, priorities, per-person speed, skill and motivation, the client base after the win (repeat
orders, upsell, churn, payments), named common-random-number streams, the columnar log and its
DataFrame. The ratio of the two speeds is the overhead of those features plus of the engine's
structure.

Run alone: ``.venv/bin/python benchmarks/plain_simpy.py [--scenario PATH]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.reasons import COOLED
from salesim.simulator.scenario.schema import Scenario

DEFAULT_SCENARIO = "scenarios/b2b_baseline.yaml"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Row = tuple[float, int, str, str, str, str, str, str, float, str, float]
"""time, lead, channel, segment, stage, step, event, role, amount, reason, work_hours."""


@dataclass(frozen=True)
class _Step:
    stage: str
    name: str
    role: str | None
    stretch: float          # calendar days per staff hour of effort (24/7 time)
    client_delay: bool
    conversion: dict[str, float]
    reasons: tuple[str, ...]
    reason_cum: tuple[float, ...]
    half_life: float | None
    wins: bool
    after_sale: bool
    effort: list[float]     # staff hours, per lead
    delay: list[float]      # calendar days, per lead
    decision: list[float]   # uniform, per lead
    reason_u: list[float]   # uniform, per lead


def _weekday_numbers(names: tuple[str, ...]) -> set[int]:
    return {_WEEKDAYS.index(n.strip().lower()[:3]) for n in names}


def _hours(text: str) -> float:
    start, end = text.split("-")
    (h0, m0), (h1, m1) = (map(int, p.strip().split(":")) for p in (start, end))
    return (h1 + m1 / 60) - (h0 + m0 / 60)


def _weekly_hours(scenario: Scenario, role: str) -> float:
    base = scenario.calendar
    own = scenario.role(role).calendar
    weekdays = own.weekdays if own and own.weekdays is not None else base.weekdays
    hours = own.hours if own and own.hours is not None else base.hours
    return len(_weekday_numbers(weekdays)) * _hours(hours)


class PlainModel:
    """One run of the pipeline in plain SimPy; ``log`` is a list of tuples."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        rng = np.random.default_rng(scenario.seed if seed is None else seed)
        self.env = simpy.Environment()
        self.log: list[Row] = []
        self.horizon = scenario.horizon_days
        self._draw_leads(scenario, rng)
        n = len(self.time)
        win = scenario.win_step()
        # a role nobody is hired for never serves anyone (as in the engine): no resource
        self.resources = {r.name: simpy.Resource(self.env, capacity=r.headcount)
                          for r in scenario.roles if r.headcount > 0}
        stretch = {r.name: 7.0 / _weekly_hours(scenario, r.name) for r in scenario.roles}
        steps: list[tuple[_Step, tuple[str, ...] | None]] = []
        for si, stage in enumerate(scenario.stages):
            for ki, step in enumerate(stage.steps):
                reasons = tuple(step.loss_reasons)
                cum = tuple(np.cumsum([step.loss_reasons[r] for r in reasons]).tolist())
                steps.append((_Step(
                    stage=stage.name, name=step.name, role=step.role,
                    stretch=stretch[step.role] if step.role else 0.0,
                    client_delay=step.client_delay_days.mean > 0,
                    conversion={seg: step.conversion_for(seg) for seg in scenario.segments},
                    reasons=reasons, reason_cum=cum, half_life=stage.cooling_half_life_days,
                    wins=(si, ki) == win, after_sale=(si, ki) > win,
                    effort=step.effort_hours.sample(rng, n).tolist(),
                    delay=step.client_delay_days.sample(rng, n).tolist(),
                    decision=rng.random(n).tolist(), reason_u=rng.random(n).tolist(),
                ), step.segments))
        self.steps = {seg: [s for s, only in steps if only is None or seg in only]
                      for seg in scenario.segments}
        self.env.process(self._arrivals())

    def _draw_leads(self, scenario: Scenario, rng: np.random.Generator) -> None:
        n_days = int(np.ceil(scenario.horizon_days))
        start = scenario.calendar.start_date
        dates = [start + dt.timedelta(days=d) for d in range(n_days)]
        month = np.array([d.month - 1 for d in dates])
        weekdays = _weekday_numbers(scenario.calendar.weekdays)
        holidays = set(scenario.calendar.holidays)
        working = np.array([d.weekday() in weekdays and d not in holidays for d in dates])
        times, channels, segments, amounts = [], [], [], []
        for ch in scenario.channels:
            season = np.ones(12) if ch.seasonality is None else np.asarray(ch.seasonality)
            lam = ch.rate * season[month]
            if ch.per == "working_day":
                lam = lam * working
            counts = rng.poisson(lam)
            t = np.repeat(np.arange(n_days, dtype=np.float64), counts) + rng.random(counts.sum())
            t = t[t < scenario.horizon_days]
            mix = scenario.segment_mix(ch)
            names = list(mix)
            seg = rng.choice(len(names), size=len(t), p=list(mix.values()))
            amount = np.zeros(len(t))
            for k, name in enumerate(names):
                amount[seg == k] = ch.deal_size_for(name).sample(rng, int((seg == k).sum()))
            times.append(t)
            channels += [ch.name] * len(t)
            segments += [names[k] for k in seg]
            amounts.append(amount)
        all_t = np.concatenate(times)
        order = np.argsort(all_t, kind="stable")
        self.time: list[float] = all_t[order].tolist()
        self.channel = [channels[i] for i in order]
        self.segment = [segments[i] for i in order]
        self.amount: list[float] = np.concatenate(amounts)[order].tolist()

    def run(self) -> None:
        self.env.run(until=self.horizon)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for i, t in enumerate(self.time):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self._lead(i))

    def _lead(self, i: int) -> Generator[simpy.Event, Any, None]:
        env, log = self.env, self.log.append
        ch, seg, amount = self.channel[i], self.segment[i], self.amount[i]
        log((env.now, i, ch, seg, "", "", "arrive", "", amount, "", 0.0))
        for s in self.steps[seg]:
            waited = 0.0
            if s.role is not None:
                entered = env.now
                log((entered, i, ch, seg, s.stage, s.name, "enqueue", s.role, amount, "", 0.0))
                if s.role not in self.resources:
                    yield env.event()  # never triggered
                with self.resources[s.role].request() as req:
                    yield req
                    waited = env.now - entered
                    log((env.now, i, ch, seg, s.stage, s.name, "start", s.role, amount, "", 0.0))
                    hours = s.effort[i]
                    yield env.timeout(hours * s.stretch)
                    log((env.now, i, ch, seg, s.stage, s.name, "finish", s.role, amount, "",
                         hours))
            if s.client_delay:
                log((env.now, i, ch, seg, s.stage, s.name, "client_wait", "", amount, "", 0.0))
                yield env.timeout(s.delay[i])
            p = s.conversion[seg]
            u = s.decision[i]
            cooled = p if s.half_life is None else p * 0.5 ** (waited / s.half_life)
            if u < cooled or s.after_sale:
                log((env.now, i, ch, seg, s.stage, s.name, "convert", "", amount, "", 0.0))
                if s.wins:
                    log((env.now, i, ch, seg, s.stage, s.name, "win", "", amount, "", 0.0))
                continue
            if u < p:
                reason = COOLED
            else:
                r = s.reason_u[i] * s.reason_cum[-1]
                k = next((k for k, c in enumerate(s.reason_cum) if r < c), len(s.reasons) - 1)
                reason = s.reasons[k]
            log((env.now, i, ch, seg, s.stage, s.name, "lose", "", amount, reason, 0.0))
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    model = PlainModel(scenario)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    scheduled = next(model.env._eid)
    print(f"leads {len(model.time)}, logged events {len(model.log)}, SimPy events {scheduled}; "
          f"build {t1 - t0:.3f} s, env.run {t2 - t1:.3f} s, "
          f"{scheduled / (t2 - t1):,.0f} SimPy events/s, {len(model.log) / (t2 - t1):,.0f} rows/s")


if __name__ == "__main__":
    main()
