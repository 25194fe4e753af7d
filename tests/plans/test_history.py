"""The pipeline history behind the bottom-up forecast, on the hand-built log of
``tests.metrics.test_metrics`` (leads 0 and 1 pass the seller's call; lead 0 wins on day 3)."""

from __future__ import annotations

import numpy as np

from salesim.simulator.plans.history import build_history, win_share
from tests.metrics.test_metrics import EVENTS


def test_snapshots_place_each_lead_at_the_end_of_each_day() -> None:
    h = build_history(EVENTS, "seller", 10.0)
    at = {(float(s), int(lead)): (h.keys[int(k)], str(state), str(owner))
          for s, lead, k, state, owner in zip(h.snap_s, h.snap_lead, h.snap_key, h.snap_state,
                                              h.snap_owner, strict=True)}
    assert at[(1.0, 0)] == (("sell", "pay"), "with client", "seller-1")
    assert at[(1.0, 1)] == (("sell", "call"), "in work", "seller-1")
    assert at[(3.0, 1)] == (("sell", "pay"), "with client", "seller-1")
    assert (3.0, 0) not in at  # won on day 3
    assert at[(9.0, 2)] == (("sell", "call"), "in work", "seller-1")
    assert list(h.snap_s) == sorted(h.snap_s)


def test_entries_time_the_win_from_each_first_entry() -> None:
    h = build_history(EVENTS, "seller", 10.0)
    t, tau, amount = h.entries[("sell", "call")]
    assert list(t) == [0.0, 0.5, 9.0]
    assert list(tau) == [3.0, np.inf, np.inf]
    assert list(amount) == [1000.0, 500.0, 700.0]


def test_win_share_never_looks_ahead() -> None:
    s = np.array([0.0, 1.0, 2.0, 3.0])
    tau = np.array([1.0, 5.0, 0.5, 1.0])
    # at moment 4 with a 2-day window only the observations at 0, 1 and 2 are fully observed
    assert win_share(s, tau, 4.0, 2, 1) == (2 / 3, 3, 2)
    # too few observations for a 4-day window: cut to the longest one with two of them
    assert win_share(s, tau, 4.0, 4, 2) == (0.5, 2, 3)
    assert win_share(s, tau, 4.0, 2, 5) == (0.0, 3, 0)
