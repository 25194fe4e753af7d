"""Analytic queueing formulas that validate the engine (``tests/theory/test_queueing_theory.py``).

Notation: ``lam`` = arrival rate λ, ``mu`` = service rate μ of one server, ``c`` = servers,
offered load ``a = λ/μ`` (Erlangs), utilisation ``ρ = a/c``. Any consistent time unit works; the
engine's is the day, and an exponential effort of mean ``H`` staff hours on a 24/7 calendar gives
``μ = 24/H`` per day.

Formulas (M/M/c, FIFO, infinite queue, ρ < 1):

* Erlang B by the stable recursion ``B(0) = 1``, ``B(k) = a·B(k-1) / (k + a·B(k-1))``;
* Erlang C (probability that an arrival waits) ``C = B(c) / (1 - ρ·(1 - B(c)))``;
* mean wait in queue ``Wq = C / (cμ - λ)``, mean queue length ``Lq = λ·Wq`` (Little),
  mean time in system ``W = Wq + 1/μ``, mean number in system ``L = λ·W``.

Open Jackson tandem with losses: leads arrive at station 1 as a Poisson process of rate λ; after
service at station k a lead goes on to station k+1 with probability ``p_k`` and leaves otherwise.
By Burke's theorem and Poisson thinning every station is an independent M/M/c_k queue with
arrival rate ``λ_k = λ·p_1·…·p_(k-1)``.

Also: M/M/c with non-preemptive priority classes (``queue: priority``) and E_k/M/1, the queue of
one owner when leads are dealt round robin to k people (``assignment: owned``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a`` Erlangs (stable recursion)."""
    if c < 0 or a < 0:
        raise ValueError(f"need c >= 0 and a >= 0, got c={c}, a={a}")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival has to wait in M/M/c with offered load ``a`` (needs a < c)."""
    if c < 1 or not 0 <= a < c:
        raise ValueError(f"unstable or empty system: need 0 <= a < c, got c={c}, a={a}")
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True)
class MMc:
    """Steady-state figures of one M/M/c station."""

    lam: float
    mu: float
    c: int

    @property
    def a(self) -> float:
        """Offered load λ/μ in Erlangs."""
        return self.lam / self.mu

    @property
    def rho(self) -> float:
        """Utilisation of each server, λ/(cμ)."""
        return self.lam / (self.c * self.mu)

    @property
    def p_wait(self) -> float:
        """Erlang C: probability that an arrival waits."""
        return erlang_c(self.c, self.a)

    @property
    def wq(self) -> float:
        """Mean wait in queue."""
        return self.p_wait / (self.c * self.mu - self.lam)

    @property
    def lq(self) -> float:
        """Mean number waiting (Little: λ·Wq)."""
        return self.lam * self.wq

    @property
    def w(self) -> float:
        """Mean time in system (wait + service)."""
        return self.wq + 1.0 / self.mu

    @property
    def l(self) -> float:  # noqa: E743 - L is the standard name
        """Mean number in system (Little: λ·W)."""
        return self.lam * self.w


def mmc(lam: float, mu: float, c: int) -> MMc:
    """An M/M/c station; raises ValueError unless it is stable (λ < cμ)."""
    station = MMc(lam, mu, c)
    erlang_c(c, station.a)  # validates stability
    return station


def jackson_tandem(lam: float, stations: Sequence[tuple[float, int]],
                   keep: Sequence[float]) -> list[MMc]:
    """Per-station M/M/c figures of a tandem with losses between stations.

    Args:
        lam: external Poisson arrival rate into station 1.
        stations: ``(mu_k, c_k)`` of each station, in order.
        keep: ``p_k``, the probability of going on from station k to station k+1 (one per
            station; the last one, if given, only affects what leaves the network).

    Returns:
        One :class:`MMc` per station, with arrival rate ``λ_k = λ·∏_{j<k} p_j``.
    """
    if len(keep) < len(stations) - 1:
        raise ValueError("need a routing probability between every pair of stations")
    out = []
    rate = lam
    for k, (mu, c) in enumerate(stations):
        out.append(mmc(rate, mu, c))
        if k < len(keep):
            rate *= keep[k]
    return out


def priority_waits(lams: Sequence[float], mu: float, c: int) -> list[float]:
    """Mean queue wait per class of M/M/c with non-preemptive priorities (class 0 first).

    All classes share the service rate μ, so a waiting lead sees the pool as one fast server of
    rate cμ and the classical result (Cobham; e.g. Gross & Harris, *Fundamentals of Queueing
    Theory*, §3.4) is ``Wq_k = (C(c, a)/(cμ)) / ((1 − σ_(k-1))·(1 − σ_k))`` with
    ``σ_k = Σ_{i≤k} λ_i/(cμ)``. Weighted by λ_k the waits average to the FIFO ``Wq`` (the
    conservation law), whatever the order.
    """
    lam = sum(lams)
    base = mmc(lam, mu, c).p_wait / (c * mu)
    waits = []
    sigma = 0.0
    for rate in lams:
        before = sigma
        sigma += rate / (c * mu)
        waits.append(base / ((1.0 - before) * (1.0 - sigma)))
    return waits


def erlang_gi_m1_wait(lam: float, mu: float, k: int) -> float:
    """Mean queue wait of E_k/M/1: arrivals every k-th event of a Poisson(λ) stream, rate λ/k.

    This is one owner's queue when leads are dealt round robin to k people. GI/M/1 theory: with
    ``A*(s) = (λ/(λ+s))^k`` the Laplace transform of the inter-arrival time, σ is the root in
    (0, 1) of ``σ = A*(μ(1−σ))`` and ``Wq = σ / (μ(1−σ))``. For k = 1 it is M/M/1 (σ = ρ).
    """
    if not lam / k < mu:
        raise ValueError(f"unstable: λ/k = {lam / k:g} >= μ = {mu:g}")
    sigma = 0.0
    for _ in range(1_000_000):  # monotone fixed-point iteration from 0 to the smallest root
        new = (lam / (lam + mu * (1.0 - sigma))) ** k
        if abs(new - sigma) < 1e-14:
            sigma = new
            break
        sigma = new
    else:  # pragma: no cover - only for loads extremely close to 1
        raise ArithmeticError("GI/M/1 root did not converge")
    return sigma / (mu * (1.0 - sigma))


def relaxation_time(mu: float, c: int, rho: float) -> float:
    """Heavy-traffic relaxation time ``1/(cμ(1-√ρ)²)`` of M/M/c: a scale for the warm-up."""
    return 1.0 / (c * mu * (1.0 - math.sqrt(rho)) ** 2)
