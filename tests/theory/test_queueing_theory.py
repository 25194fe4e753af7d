"""The engine against queueing theory: Erlang C, Jackson networks, Little's law, Poisson arrivals.

Every statistical check compares the mean of R independent replications (``replication=0..R-1``
of one seed, so the runs are independent and identically distributed) with the analytic value:

    |mean − theory| < Z·SE + slack,   SE = sample sd of the R replication means / √R,

with ``Z = 4`` (a two-sided 4-sigma band: with Student's t on R−1 ≥ 11 degrees of freedom a
correct engine fails a given check with probability ≈ 0.2 %, and the seeds are fixed, so a pass
is reproducible) and a small slack for what the SE does not cover (the bias left by the warm-up and
by waits censored at the horizon, both well under 1 %). A band is worthless when the SE is huge
(an unstable queue has a huge SE and would "pass"), so each check also asserts that its SE is
small: the power guard ``Z·SE ≤ MAX_REL_BAND × theory``.

Scenarios are built from ``scenarios/validation/*.yaml`` (see ``docs/validation.md``); the analytic
formulas are in ``tests/theory/queueing.py``. Replications run in ``JOBS`` worker processes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type stubs

from salesim.simulator.metrics.flow import step_visits
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import ROOT
from tests.theory.queueing import (
    MMc,
    erlang_c,
    erlang_gi_m1_wait,
    jackson_tandem,
    mmc,
    priority_waits,
    relaxation_time,
)

MMC_FILE = ROOT / "scenarios" / "validation" / "mmc_single.yaml"
TANDEM_FILE = ROOT / "scenarios" / "validation" / "tandem_jackson.yaml"
BASELINE_FILE = ROOT / "scenarios" / "b2b_baseline.yaml"

# under pytest-xdist the workers already fill the cores: no process pool inside a worker
JOBS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else max(1, min(2, os.cpu_count() or 1))
Z = 4.0  # width of the acceptance band in standard errors
MAX_REL_BAND = 0.25  # power guard: Z·SE must be at most this share of the analytic value
SEED = 20240601

# -- helpers ---------------------------------------------------------------------------------------


def band(values: np.ndarray[Any, Any]) -> tuple[float, float]:
    """Mean and standard error of replication results."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def assert_close(name: str, values: np.ndarray[Any, Any], theory: float, slack: float,
                 max_rel_band: float = MAX_REL_BAND) -> None:
    """|mean − theory| < Z·SE + slack, and the band is narrow enough to mean something."""
    mean, se = band(values)
    assert se > 0, f"{name}: replications are identical (SE = 0)"
    assert Z * se <= max_rel_band * abs(theory), (
        f"{name}: too noisy to test: {Z:g}·SE = {Z * se:.4g} > {max_rel_band:.0%} of "
        f"{theory:.4g}")
    assert abs(mean - theory) < Z * se + slack, (
        f"{name}: simulated {mean:.5g} ± {se:.2g} (SE, {len(values)} replications), "
        f"analytic {theory:.5g}: off by {(mean - theory) / se:+.1f} SE")


@pytest.fixture(scope="module")
def pool() -> Iterator[Executor]:
    with ProcessPoolExecutor(max_workers=JOBS) as executor:
        yield executor


# -- the formulas themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("c", [1, 2, 5, 30])
@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_formulas(c: int, rho: float) -> None:
    """Erlang C by recursion = the textbook sum; M/M/1, conservation law, E_1/M/1 = M/M/1."""
    a = rho * c
    terms = sum(a**k / math.factorial(k) for k in range(c))
    last = a**c / math.factorial(c) / (1 - rho)
    assert erlang_c(c, a) == pytest.approx(last / (terms + last), rel=1e-9)
    station = mmc(a * 10, 10.0, c)
    assert station.lq == pytest.approx(station.lam * station.wq)
    if c == 1:
        assert station.wq == pytest.approx(rho / (10 * (1 - rho)))
        assert erlang_gi_m1_wait(station.lam, 10.0, 1) == pytest.approx(station.wq, rel=1e-6)
    waits = priority_waits([0.3 * station.lam, 0.7 * station.lam], 10.0, c)
    assert waits[0] < station.wq < waits[1]
    assert 0.3 * waits[0] + 0.7 * waits[1] == pytest.approx(station.wq)
    tandem = jackson_tandem(station.lam, [(10.0, c), (10.0, c)], [0.5])
    assert tandem[1].lam == pytest.approx(station.lam / 2)


# -- M/M/c grid --------------------------------------------------------------------------------

LAM = 100.0  # leads per day in the M/M/c grid; μ = λ/(ρc) so every case costs the same per day


@dataclass(frozen=True)
class Plan:
    """How many replications and measured customers per replication a load level needs."""

    replications: int
    customers: int


# The waits of a heavily loaded queue are strongly autocorrelated: the variance of the mean wait
# over n customers grows like 1/(1−ρ)^4, so ρ = 0.9 needs ~10× the customers of ρ = 0.7. At low
# load the mean wait is carried by the few leads that wait, which is why ρ = 0.5 is no cheaper.
# At least 12 replications: with Student's t on ≥ 11 degrees of freedom, P(|t| > 4) ≈ 0.2 %.
PLANS = {0.5: Plan(12, 9_000), 0.7: Plan(12, 9_000), 0.9: Plan(16, 60_000)}


def mmc_data(c: int, rho: float, customers: int) -> tuple[dict[str, Any], MMc]:
    """``mmc_single.yaml`` with c servers at load ρ, λ = LAM, warm-up of 10 relaxation times."""
    data = yaml.safe_load(MMC_FILE.read_text(encoding="utf-8"))
    theory = mmc(LAM, LAM / (rho * c), c)
    warmup = max(10 * relaxation_time(theory.mu, c, rho), 1.0)
    data["channels"][0]["rate"] = LAM
    data["roles"][0]["headcount"] = c
    data["stages"][0]["steps"][0]["effort_hours"] = {"dist": "exponential",
                                                     "mean": 24.0 / theory.mu}
    data["warmup_days"] = warmup
    data["horizon_days"] = warmup + customers / LAM
    return data, theory


def mmc_scenario(c: int, rho: float, customers: int) -> tuple[Scenario, MMc]:
    data, theory = mmc_data(c, rho, customers)
    return Scenario.from_data(data, source="mmc grid"), theory


def _mmc_replication(c: int, rho: float, customers: int, replication: int) -> dict[str, float]:
    """One replication of the grid, reduced to a few numbers (runs in a worker process)."""
    scenario, _ = mmc_scenario(c, rho, customers)
    result = simulate(scenario, seed=SEED + 100 * c + round(100 * rho), replication=replication)
    m = result.metrics()
    # per-visit figures straight from the event log (one step: one row per lead and event kind)
    ev = result.events
    times = {kind: ev.loc[ev["event"] == kind].set_index("lead_id")["time"]
             for kind in ("enqueue", "start")}
    work = ev.loc[ev["event"] == "finish"].set_index("lead_id")["work_hours"]
    counted = times["enqueue"].index[times["enqueue"] >= scenario.warmup_days]
    wait = (times["start"] - times["enqueue"]).reindex(counted).dropna()
    span = scenario.horizon_days - scenario.warmup_days
    return {
        "wq": float(m.steps["wait_days_mean"].iloc[0]),
        "wq_events": float(wait.mean()),
        "p_wait": float((wait > 0).mean()),
        "utilization": float(m.roles["utilization"].iloc[0]),
        # work done for the measured leads ÷ staff hours available: the realised load
        "load": float(work.reindex(counted).sum()) / (24.0 * c * span),
        "lq": float(m.roles["queue_mean"].iloc[0]),
        "wip": float(m.stages["wip_mean"].iloc[0]),
    }


_MMC_CACHE: dict[tuple[int, float], dict[str, np.ndarray[Any, Any]]] = {}


def mmc_runs(pool: Executor, c: int, rho: float) -> dict[str, np.ndarray[Any, Any]]:
    """The replications of one grid case (computed once, shared by the tests of this module)."""
    key = (c, rho)
    if key not in _MMC_CACHE:
        plan = PLANS[rho]
        n = plan.replications
        rows = list(pool.map(_mmc_replication, [c] * n, [rho] * n, [plan.customers] * n,
                             range(n)))
        _MMC_CACHE[key] = {k: np.array([row[k] for row in rows]) for k in rows[0]}
    return _MMC_CACHE[key]


# Heavy load costs ~7× a light one (PLANS): at ρ = 0.9 the grid checks the single server and
# the widest pool; two servers are checked at ρ = 0.5 and 0.7, and at ρ = 0.8 by the priority
# queue below.
SERVERS = {0.5: (1, 2, 5), 0.7: (1, 2, 5), 0.9: (1, 5)}


def grid(rhos: tuple[float, ...] = (0.5, 0.7, 0.9)) -> list[Any]:
    # one xdist group per case: the tests of a case share its replications (mmc_runs' cache)
    # only when they run in the same worker (make test runs pytest with --dist loadgroup)
    return [pytest.param(c, rho, id=f"c{c}-rho{rho}",
                         marks=[pytest.mark.xdist_group(f"mmc-c{c}-rho{rho}"),
                                *([pytest.mark.slow] if rho >= 0.9 else [])])
            for rho in rhos for c in SERVERS[rho]]


@pytest.mark.parametrize(("c", "rho"), grid())
def test_erlang_c_queue_wait(pool: Executor, c: int, rho: float) -> None:
    """Mean queue wait (step table) ≈ Erlang C's Wq = C(c, a)/(cμ − λ)."""
    runs = mmc_runs(pool, c, rho)
    theory = mmc(LAM, LAM / (rho * c), c)
    # slack: 1 % of Wq for the warm-up bias (10 relaxation times: e^-10) and censoring at the end
    assert_close("Wq", runs["wq"], theory.wq, slack=0.01 * theory.wq)
    # the step table agrees with the raw event log on the same leads (the censored visits, still
    # queued at the horizon, are left out of both)
    np.testing.assert_allclose(runs["wq"], runs["wq_events"], rtol=1e-9)


@pytest.mark.parametrize(("c", "rho"), grid())
def test_erlang_c_probability_of_waiting(pool: Executor, c: int, rho: float) -> None:
    """Share of leads that queue at all ≈ Erlang C probability C(c, a) (PASTA)."""
    runs = mmc_runs(pool, c, rho)
    theory = erlang_c(c, rho * c)
    assert_close("P(wait)", runs["p_wait"], theory, slack=0.005)


@pytest.mark.parametrize(("c", "rho"), grid())
def test_utilisation_and_queue_length(pool: Executor, c: int, rho: float) -> None:
    """Role utilisation ≈ ρ (tight), time-average queue ≈ Lq = λ·Wq, WIP ≈ L = λ·W."""
    runs = mmc_runs(pool, c, rho)
    theory = mmc(LAM, LAM / (rho * c), c)
    # utilisation is a time average of busy servers: its SE is a fraction of a percent (most of
    # it the Poisson noise of the number of arrivals); power guard: the band is within 3 % of ρ
    assert_close("utilisation", runs["utilization"], rho, slack=0.002, max_rel_band=0.03)
    # and, replication by replication, it is the work actually done over the hours available:
    # only the leads in service at either edge of the window (≈ L each, of n ≥ 9 000) differ
    np.testing.assert_allclose(runs["utilization"], runs["load"], rtol=0.002)
    assert_close("Lq (queue_mean)", runs["lq"], theory.lq, slack=0.01 * theory.lq)
    assert_close("L (wip_mean)", runs["wip"], theory.l, slack=0.01 * theory.l, max_rel_band=0.1)


# -- queue disciplines: priorities and owned (round-robin) queues ---------------------------------

VARIANT_REPLICATIONS = 12
VARIANT_CUSTOMERS = 40_000
PRIORITY_C, PRIORITY_RHO, URGENT_SHARE = 2, 0.8, 0.3
OWNED_C, OWNED_RHO = 3, 0.8


def variant_scenario(kind: str) -> Scenario:
    """``mmc_single.yaml`` turned into a two-class priority queue or into owned queues."""
    if kind == "priority":
        c, rho = PRIORITY_C, PRIORITY_RHO
    else:
        c, rho = OWNED_C, OWNED_RHO
    data, _ = mmc_data(c, rho, VARIANT_CUSTOMERS)
    stage = data["stages"][0]
    if kind == "priority":
        data["segments"] = ["urgent", "normal"]  # served in this order
        data["channels"][0]["segment_mix"] = {"urgent": URGENT_SHARE,
                                              "normal": 1 - URGENT_SHARE}
        stage["queue"] = "priority"
    else:
        stage["assignment"] = "owned"
        stage["owner_rule"] = "round_robin"
    data["warmup_days"] = 2 * data["warmup_days"]  # the low class relaxes more slowly
    data["horizon_days"] = data["warmup_days"] + VARIANT_CUSTOMERS / LAM
    return Scenario.from_data(data, source=f"{kind} variant")


def _variant_replication(kind: str, replication: int) -> dict[str, float]:
    scenario = variant_scenario(kind)
    result = simulate(scenario, seed=SEED + 7, replication=replication)
    steps = result.metrics().steps
    ev = result.events
    enq = ev.loc[ev["event"] == "enqueue"].set_index("lead_id")
    start = ev.loc[ev["event"] == "start"].set_index("lead_id")["time"]
    enq = enq[enq["time"] >= scenario.warmup_days]
    wait = (start.reindex(enq.index) - enq["time"]).dropna()
    segment = enq["segment"].astype(str).reindex(wait.index)
    out = {"all": float(wait.mean()), "table": float(steps["wait_days_mean"].iloc[0])}
    for name in scenario.segments:
        out[name] = float(wait[segment == name].mean())
    return out


_VARIANT_CACHE: dict[str, dict[str, np.ndarray[Any, Any]]] = {}


def variant_runs(pool: Executor, kind: str) -> dict[str, np.ndarray[Any, Any]]:
    if kind not in _VARIANT_CACHE:
        n = VARIANT_REPLICATIONS
        rows = list(pool.map(_variant_replication, [kind] * n, range(n)))
        _VARIANT_CACHE[kind] = {k: np.array([row[k] for row in rows]) for k in rows[0]}
    return _VARIANT_CACHE[kind]


@pytest.mark.slow
def test_priority_queue_waits(pool: Executor) -> None:
    """``queue: priority``: per-segment waits of M/M/2 with non-preemptive priorities (Cobham)."""
    runs = variant_runs(pool, "priority")
    mu = LAM / (PRIORITY_RHO * PRIORITY_C)
    lams = [URGENT_SHARE * LAM, (1 - URGENT_SHARE) * LAM]
    urgent, normal = priority_waits(lams, mu, PRIORITY_C)
    assert_close("Wq urgent", runs["urgent"], urgent, slack=0.01 * urgent)
    assert_close("Wq normal", runs["normal"], normal, slack=0.01 * normal)
    # conservation: the average over both classes is the FIFO Erlang C wait
    fifo = mmc(LAM, mu, PRIORITY_C).wq
    assert_close("Wq all", runs["all"], fifo, slack=0.01 * fifo)
    np.testing.assert_allclose(runs["table"], runs["all"], rtol=1e-9)


@pytest.mark.slow
def test_owned_round_robin_waits(pool: Executor) -> None:
    """``assignment: owned`` + round robin: each of c people is an E_c/M/1 queue (GI/M/1)."""
    runs = variant_runs(pool, "owned")
    mu = LAM / (OWNED_RHO * OWNED_C)
    theory = erlang_gi_m1_wait(LAM, mu, OWNED_C)
    assert_close("Wq owned", runs["all"], theory, slack=0.01 * theory)
    # the price of ownership: more waiting than one shared queue at the same load
    assert runs["all"].mean() > 1.5 * mmc(LAM, mu, OWNED_C).wq


# -- Jackson tandem ------------------------------------------------------------------------------

TANDEM_REPLICATIONS = 12
TANDEM_DAYS = 600.0  # per replication, after the file's warm-up


def tandem_scenario() -> Scenario:
    base = load_scenario(TANDEM_FILE)
    return base.with_overrides(horizon_days=base.warmup_days + TANDEM_DAYS)


def tandem_theory(scenario: Scenario) -> tuple[float, list[float], list[MMc]]:
    """λ, the routing probabilities p_k and the per-station M/M/c figures, read off the file."""
    (channel,) = scenario.channels
    lam = channel.rate
    stations = []
    keep = []
    for stage in scenario.stages:
        (step,) = stage.steps
        assert step.role is not None and step.client_delay_days.mean == 0
        stations.append((24.0 / step.effort_hours.mean, scenario.role(step.role).headcount))
        keep.append(step.conversion_for(scenario.segments[0]))
    return lam, keep, jackson_tandem(lam, stations, keep)


def _tandem_replication(replication: int) -> dict[str, list[float]]:
    scenario = tandem_scenario()
    m = simulate(scenario, seed=SEED, replication=replication).metrics()
    st = m.stages
    return {
        "wq": st["wait_days_mean"].tolist(),
        "entered": st["entered"].astype(float).tolist(),
        "converted": st["converted"].astype(float).tolist(),
        "lost": st["lost"].astype(float).tolist(),
        "in_progress": st["in_progress"].astype(float).tolist(),
        "cycle": st["cycle_days_mean"].tolist(),
        "wip": st["wip_mean"].tolist(),
        "utilization": m.roles["utilization"].tolist(),
    }


_TANDEM_CACHE: dict[str, np.ndarray[Any, Any]] = {}


def tandem_runs(pool: Executor) -> dict[str, np.ndarray[Any, Any]]:
    """Arrays [replication, station] of the tandem's stage figures (computed once)."""
    if not _TANDEM_CACHE:
        rows = list(pool.map(_tandem_replication, range(TANDEM_REPLICATIONS)))
        _TANDEM_CACHE.update({k: np.array([row[k] for row in rows]) for k in rows[0]})
    return _TANDEM_CACHE


def test_jackson_tandem_waits(pool: Executor) -> None:
    """Per-station mean queue wait ≈ Erlang C of M/M/c_k at λ_k = λ·∏_{j<k} p_j."""
    _, _, stations = tandem_theory(tandem_scenario())
    runs = tandem_runs(pool)
    for k, station in enumerate(stations):
        assert_close(f"station {k + 1} Wq", runs["wq"][:, k], station.wq,
                     slack=0.01 * station.wq)
        assert_close(f"station {k + 1} utilisation", runs["utilization"][:, k], station.rho,
                     slack=0.002, max_rel_band=0.03)


def test_jackson_tandem_flow(pool: Executor) -> None:
    """Leads entering station k ≈ λ·∏_{j<k} p_j per day; each station converts p_k of them."""
    scenario = tandem_scenario()
    lam, keep, stations = tandem_theory(scenario)
    runs = tandem_runs(pool)
    span = scenario.horizon_days - scenario.warmup_days
    total = runs["entered"].sum(axis=0)  # over replications: Poisson(R·λ_k·span) each
    for k, station in enumerate(stations):
        expected = TANDEM_REPLICATIONS * station.lam * span
        # Poisson counts: SE = √expected; slack: the leads still upstream at the horizon (≈ L of
        # the stations before k, a few leads per replication) have not entered station k yet
        upstream = sum(s.l for s in stations[:k]) * TANDEM_REPLICATIONS
        assert abs(total[k] - expected) < Z * math.sqrt(expected) + 3 * upstream, (
            f"station {k + 1}: {total[k]:.0f} entered, expected {expected:.0f} "
            f"(λ·∏p = {station.lam:g}/day)")
        decided = runs["converted"][:, k].sum() + runs["lost"][:, k].sum()
        share = runs["converted"][:, k].sum() / decided
        p = keep[k]
        assert abs(share - p) < Z * math.sqrt(p * (1 - p) / decided), (
            f"station {k + 1}: conversion {share:.4f}, expected {p}")
    assert stations[-1].lam == pytest.approx(lam * keep[0] * keep[1])


# -- Little's law on the metrics -----------------------------------------------------------------


def little_gaps(stages: Any, span: float, warmup: bool) -> list[tuple[str, float, float, float]]:
    """Per stage: (name, wip_mean, entered/span × cycle_days_mean, allowed gap).

    Over a finite window T, L·T is the time the leads spent in the stage inside the window, while
    entered × mean cycle counts the finished visits of the leads that arrived in the window. The
    two differ only at the edges of the window: by the visits still in progress at the horizon
    (each off by less than about a cycle: its age or the mean) and, with a warm-up, by the leads
    already in the department when it ends (at most the stage's and its upstream stages' WIP;
    the number present is random, so allow 5× its mean). Allowed gap, each edge lead off by up to
    two mean cycles: ``2·(in_progress + [warm-up]·5·Σ_{j≤k} wip_j)·cycle_mean / span`` (plus
    1e-9 relative for rounding: with no edge leads the identity is exact).
    """
    out = []
    upstream = 0.0
    for row in stages.itertuples():
        upstream += row.wip_mean
        edge_leads = row.in_progress + (5 * upstream if warmup else 0.0)
        predicted = row.entered / span * row.cycle_days_mean
        out.append((row.stage, row.wip_mean, predicted,
                    2 * edge_leads * row.cycle_days_mean / span + 1e-9 * row.wip_mean))
    return out


def test_little_law_tandem(pool: Executor) -> None:
    """wip_mean ≈ entered/span × cycle_days_mean per station and replication (with warm-up)."""
    scenario = tandem_scenario()
    span = scenario.horizon_days - scenario.warmup_days
    runs = tandem_runs(pool)
    names = [stage.name for stage in scenario.stages]
    for r in range(TANDEM_REPLICATIONS):
        stages = pd.DataFrame({"stage": names, "entered": runs["entered"][r],
                               "in_progress": runs["in_progress"][r],
                               "cycle_days_mean": runs["cycle"][r], "wip_mean": runs["wip"][r]})
        for name, wip, predicted, allowed in little_gaps(stages, span, warmup=True):
            assert abs(wip - predicted) <= allowed, (
                f"replication {r}, {name}: WIP {wip:.4f} vs λ·W {predicted:.4f} "
                f"(allowed ±{allowed:.4f})")
            assert allowed < 0.05 * wip  # still a tight check: within 5 % here


def test_little_law_baseline() -> None:
    """Little holds on the B2B baseline too (calendars, client delays, owned queues, cooling)."""
    # no warm-up: with one, ``entered`` counts the leads that *arrived* after it, which misses
    # the leads that arrived before it and reach a downstream stage inside the window (weeks of
    # lag here), so entered/span understates a late stage's throughput (docs/validation.md)
    scenario = load_scenario(BASELINE_FILE).model_copy(update={"warmup_days": 0.0})
    m = simulate(scenario).metrics()
    gaps = little_gaps(m.stages, scenario.horizon_days, warmup=False)
    assert len(gaps) == len(scenario.stages)
    for name, wip, predicted, allowed in gaps:
        assert wip > 0, name
        assert abs(wip - predicted) <= allowed, (
            f"{name}: WIP {wip:.4f} vs λ·W {predicted:.4f} (allowed ±{allowed:.4f})")


# -- Poisson arrivals ----------------------------------------------------------------------------


def poisson_bins(counts: np.ndarray[Any, Any], lam: float
                 ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Observed and Poisson-expected numbers of days per bin of counts; every bin expects ≥ 5."""
    n = len(counts)
    edges = [0]  # bins [edges[i], edges[i+1]); the last one is open-ended
    mass = 0.0
    k = 0
    while stats.poisson.sf(k - 1, lam) * n >= 10:  # stop when the upper tail itself is small
        mass += stats.poisson.pmf(k, lam) * n
        k += 1
        if mass >= 5 and stats.poisson.sf(k - 1, lam) * n >= 5:
            edges.append(k)
            mass = 0.0
    uppers = [*edges[1:], None]
    observed = np.array([((counts >= lo) & (True if hi is None else counts < hi)).sum()
                         for lo, hi in zip(edges, uppers, strict=True)])
    expected = np.array([(stats.poisson.cdf(hi - 1, lam) if hi is not None else 1.0)
                         - stats.poisson.cdf(lo - 1, lam) for lo, hi in zip(edges, uppers,
                                                                             strict=True)]) * n
    assert expected.min() >= 5 and len(expected) > 5
    return observed, expected


def test_poisson_arrivals() -> None:
    """Arrivals per calendar day: mean λ, variance λ, Poisson-shaped; gaps exponential(λ)."""
    base = load_scenario(MMC_FILE)
    days = 2_000
    scenario = base.with_overrides(horizon_days=days).model_copy(update={"warmup_days": 0.0})
    lam = scenario.channels[0].rate
    result = simulate(scenario, seed=SEED)
    times = result.events.loc[result.events["event"] == "arrive", "time"].to_numpy()
    assert result.metrics().overall["generated"] == len(times)
    counts = np.bincount(np.floor(times).astype(int), minlength=days)
    assert len(counts) == days
    # mean: SE = √(λ/N); variance: SE of s² for Poisson ≈ √((λ + 2λ²)/N)
    assert abs(counts.mean() - lam) < Z * math.sqrt(lam / days)
    assert abs(counts.var(ddof=1) - lam) < Z * math.sqrt((lam + 2 * lam**2) / days)
    # the whole distribution: χ² goodness of fit, adjacent counts merged until each bin expects ≥ 5
    observed, expected = poisson_bins(counts, lam)
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    # inter-arrival times of a homogeneous Poisson process: exponential with rate λ
    gaps = np.diff(np.sort(times))
    assert abs(gaps.mean() - 1 / lam) < Z * (1 / lam) / math.sqrt(len(gaps))
    assert stats.kstest(gaps, stats.expon(scale=1 / lam).cdf).pvalue > 1e-3


# -- the shipped validation scenarios ------------------------------------------------------------


def test_shipped_mmc_scenario_matches_its_comments() -> None:
    """The analytic answers written in ``mmc_single.yaml`` are the ones its parameters give."""
    scenario = load_scenario(MMC_FILE)
    (step,) = scenario.stages[0].steps
    assert step.role is not None
    station = mmc(scenario.channels[0].rate, 24.0 / step.effort_hours.mean,
                  scenario.role(step.role).headcount)
    assert (station.lam, station.mu, station.c) == (12, 5, 3)
    assert station.rho == pytest.approx(0.8)
    assert station.p_wait == pytest.approx(0.6472, abs=1e-4)
    assert station.wq == pytest.approx(0.2157, abs=1e-4)
    assert station.lq == pytest.approx(2.589, abs=1e-3)
    assert station.l == pytest.approx(4.989, abs=1e-3)
    result = simulate(scenario)
    m = result.metrics()
    # one 365-day run: loose bands (the statistical tests above are the real check)
    assert m.roles["utilization"].iloc[0] == pytest.approx(0.8, abs=0.03)
    assert m.steps["wait_days_mean"].iloc[0] == pytest.approx(station.wq, rel=0.35)
    # the per-visit table gives the step table's mean wait over the same (measured) leads
    visits = step_visits(result.events, scenario)
    measured = visits[(visits["t_enter"] >= scenario.warmup_days) & visits["t_start"].notna()]
    assert measured["wait_days"].mean() == pytest.approx(m.steps["wait_days_mean"].iloc[0],
                                                         rel=1e-12)
    assert (measured["wait_days"] > 0).mean() == pytest.approx(station.p_wait, abs=0.08)


def test_shipped_tandem_scenario_matches_its_comments() -> None:
    scenario = load_scenario(TANDEM_FILE)
    lam, keep, stations = tandem_theory(scenario)
    assert lam == 20 and keep == [0.6, 0.5, 0.8]
    assert [s.lam for s in stations] == pytest.approx([20, 12, 6])
    assert [s.rho for s in stations] == pytest.approx([0.8333, 0.75, 0.75], abs=1e-4)
    assert [s.wq for s in stations] == pytest.approx([0.1894, 0.1875, 0.3214], abs=1e-4)
    assert [s.p_wait for s in stations] == pytest.approx([0.7576, 0.75, 0.6429], abs=1e-4)
