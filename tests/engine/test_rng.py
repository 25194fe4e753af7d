"""Named random streams (engine.rng): reproducible, independent, common across variants."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from salesim.simulator.engine.draws import draw_leads, draw_steps
from salesim.simulator.engine.rng import STREAMS, Streams
from tests.conftest import scenario_from_yaml

N = 10_000
# |Pearson r| of two independent samples of N uniforms has sd 1/√N; 5 sd is never crossed by
# chance with a fixed seed, yet a shared or shifted stream gives r = 1
MAX_CORRELATION = 5 / np.sqrt(N)


def draws(gen: np.random.Generator, n: int = N) -> npt.NDArray[np.float64]:
    """``n`` uniforms from a generator."""
    return gen.random(n)


@pytest.mark.parametrize("purpose", STREAMS)
def test_same_seed_and_name_give_the_same_numbers(purpose: str) -> None:
    assert np.array_equal(draws(Streams(7)[purpose]), draws(Streams(7)[purpose]))
    assert np.array_equal(draws(Streams(7).named(purpose, "seller")),
                          draws(Streams(7).named(purpose, "seller")))


def test_replication_zero_is_the_plain_run() -> None:
    assert np.array_equal(draws(Streams(7)["arrivals"]), draws(Streams(7, 0)["arrivals"]))


def test_the_numbers_are_pinned() -> None:
    # a change here changes every run of every scenario (and the golden files): make it on purpose
    assert Streams(1)["arrivals"].random(3).tolist() == [
        0.8815491373372915, 0.894520199168083, 0.20309964218825294]
    assert Streams(1).named("durations", "sell/call").random(2).tolist() == [
        0.7869961490524572, 0.31407807453488334]


def test_different_purposes_are_independent() -> None:
    streams = Streams(7)
    samples = np.array([draws(streams[p]) for p in STREAMS])
    corr = np.corrcoef(samples)
    off_diagonal = corr[~np.eye(len(STREAMS), dtype=bool)]
    assert np.abs(off_diagonal).max() < MAX_CORRELATION


def test_different_names_are_independent() -> None:
    streams = Streams(7)
    names = ["seller", "closer", "sell/call", "sell/pay", "web", "seller#1"]
    samples = np.array([draws(streams.named("durations", n)) for n in names])
    corr = np.corrcoef(samples)
    assert np.abs(corr[~np.eye(len(names), dtype=bool)]).max() < MAX_CORRELATION
    # the same name for another purpose is another stream
    assert abs(np.corrcoef(draws(streams.named("durations", "seller")),
                           draws(streams.named("decisions", "seller")))[0, 1]) < MAX_CORRELATION


@pytest.mark.parametrize("seed", [0, 1, 2**40])
def test_replications_differ(seed: int) -> None:
    runs = [Streams(seed, r) for r in range(4)]
    for purpose in STREAMS:
        samples = np.array([draws(s[purpose]) for s in runs])
        assert np.abs(np.corrcoef(samples)[~np.eye(4, dtype=bool)]).max() < MAX_CORRELATION
    named = np.array([draws(s.named("arrivals", "web")) for s in runs])
    assert np.abs(np.corrcoef(named)[~np.eye(4, dtype=bool)]).max() < MAX_CORRELATION


def test_seeds_differ() -> None:
    assert not np.array_equal(draws(Streams(1)["leads"]), draws(Streams(2)["leads"]))
    assert not np.array_equal(draws(Streams(1).named("leads", "web")),
                              draws(Streams(2).named("leads", "web")))


def test_a_named_stream_does_not_depend_on_what_else_was_drawn() -> None:
    fresh = draws(Streams(7).named("durations", "seller"))
    busy = Streams(7)
    busy["durations"].random(1000)
    busy.named("durations", "closer").random(1000)
    assert np.array_equal(draws(busy.named("durations", "seller")), fresh)


def test_unknown_names_fail_loudly() -> None:
    with pytest.raises(KeyError):
        Streams(7)["weather"]
    # the message does not name the purpose yet ("tuple.index(x): x not in tuple")
    with pytest.raises(ValueError):
        Streams(7).named("weather", "seller")


BASE = """
name: crn
horizon_days: 30
calendar: {start_date: 2026-01-05}
channels: [{name: web, rate: 3, deal_size: {dist: lognormal, mean: 1000, sd: 300}}]
roles: [{name: seller, headcount: HEADCOUNT}]
stages:
  - name: sell
    steps:
      - {name: call, role: seller, effort_hours: {dist: exponential, mean: 2}}
      - {name: pay, conversion: 0.4, wins: true}
"""


def test_common_random_numbers_across_staffing_variants() -> None:
    one, five = (scenario_from_yaml(BASE.replace("HEADCOUNT", str(k))) for k in (1, 5))
    a, b = draw_leads(one, Streams(3)), draw_leads(five, Streams(3))
    assert len(a) > 0
    assert np.array_equal(a.time, b.time) and np.array_equal(a.amount, b.amount)
    assert a.segment == b.segment
    steps_a, steps_b = draw_steps(one, Streams(3), len(a)), draw_steps(five, Streams(3), len(b))
    assert steps_a[0][0].effort_hours == steps_b[0][0].effort_hours
    assert steps_a[0][1].decision == steps_b[0][1].decision


def test_adding_a_channel_or_a_step_leaves_the_others_draws_alone() -> None:
    base = scenario_from_yaml(BASE.replace("HEADCOUNT", "2"))
    more = scenario_from_yaml(BASE.replace("HEADCOUNT", "2")
                              .replace("channels: [", "channels: [{name: fair, rate: 2}, ")
                              .replace("      - {name: pay", "      - {name: demo, role: seller}\n"
                                                          "      - {name: pay"))
    a, b = draw_leads(base, Streams(3)), draw_leads(more, Streams(3))
    web = [k for k, ch in enumerate(b.channel) if ch == "web"]
    assert len(web) == len(a) and len(b) > len(a)
    assert np.array_equal(b.time[web], a.time) and np.array_equal(b.amount[web], a.amount)
    n = len(a)
    call_a, call_b = draw_steps(base, Streams(3), n)[0][0], draw_steps(more, Streams(3), n)[0][0]
    assert call_a.effort_hours == call_b.effort_hours
    pay_a, pay_b = draw_steps(base, Streams(3), n)[0][1], draw_steps(more, Streams(3), n)[0][2]
    assert pay_a.decision == pay_b.decision


def test_a_different_seed_changes_the_leads() -> None:
    scenario = scenario_from_yaml(BASE.replace("HEADCOUNT", "1"))
    a, b = draw_leads(scenario, Streams(3)), draw_leads(scenario, Streams(4))
    assert not (len(a) == len(b) and np.array_equal(a.time, b.time))
