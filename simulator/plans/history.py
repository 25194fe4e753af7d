"""The pipeline's history in a run, for the bottom-up forecast (method in :mod:`plans.forecast`).

Built once from the event log: where every lead in progress stood at the end of each day (the
snapshots) and when leads first entered each step (the entries), each with the time to its win
(infinite: never won). :func:`win_share` reads them without looking ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from salesim.simulator.plans.credit import event_text, owner_so_far

__all__ = ["Floats", "History", "build_history", "win_share"]

_FLOW = ("arrive", "enqueue", "start", "finish", "client_wait", "convert", "lose", "win")

_STATE = {"enqueue": "queued", "start": "in work", "finish": "in work",
          "client_wait": "with client", "convert": "deciding", "arrive": "new"}

Floats = npt.NDArray[np.float64]
Texts = npt.NDArray[np.object_]


@dataclass(frozen=True)
class History:
    """Where the leads stood at the end of each day, and when they entered each step.

    Attributes:
        keys: ``(stage, step)`` of each step code.
        snap_s: The moment (end of a day) of each snapshot, in order.
        snap_key: The step code of each snapshot (an index into ``keys``).
        snap_lead: Its lead.
        snap_state: Its state (``queued``, ``in work``, ``with client`` …).
        snap_amount: The lead's deal amount.
        snap_owner: Who of the plan's role did the lead's last step of that role so far.
        by_key: Per step code: the moments of its snapshots and their times to the win.
        entries: Per ``(stage, step)``: the moments leads first entered it, their times to the
            win and their amounts, in order of the moment.
    """

    keys: list[tuple[str, ...]]
    snap_s: Floats
    snap_key: npt.NDArray[np.int64]
    snap_lead: npt.NDArray[np.int64]
    snap_state: Texts
    snap_amount: Floats
    snap_owner: Texts
    by_key: list[tuple[Floats, Floats]]
    entries: dict[tuple[str, str], tuple[Floats, Floats, Floats]]


@dataclass(frozen=True)
class _Moves:
    """The leads' own moves (not repeat orders of clients, payments, churn), ordered by lead."""

    lead: npt.NDArray[np.int64]
    t: Floats
    stage: Texts
    step: Texts
    amount: Floats
    owner: Texts
    state: Texts
    t_next: Floats  # the lead's next event (infinite: none)
    t_win: Floats  # the lead's win (infinite: never won)
    done: npt.NDArray[np.bool_]  # no longer in progress from this event on


def build_history(events: pd.DataFrame, role: str, horizon: float) -> History:
    """The history of a run's pipeline, from its event log (``role``: the plan's)."""
    moves = _moves(events, role)
    return _with_snapshots(moves, horizon, _entries(moves))


def _moves(events: pd.DataFrame, role: str) -> _Moves:
    ordered = events.sort_values("lead_id", kind="stable")
    kinds = event_text(ordered["event"])
    leads = ordered["lead_id"].to_numpy(dtype=np.int64)
    keep = np.isin(kinds, _FLOW) & np.isin(leads, leads[kinds == "arrive"])
    ordered = ordered[keep]
    lead = ordered["lead_id"].to_numpy(dtype=np.int64)
    t = ordered["time"].to_numpy(dtype=np.float64)
    kind = event_text(ordered["event"])
    n = len(t)
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = lead[1:] == lead[:-1]
    t_next = np.full(n, np.inf)
    t_next[:-1] = np.where(same_next[:-1], t[1:], np.inf)
    is_win = kind == "win"
    win_time = pd.Series(t[is_win], index=lead[is_win]).groupby(level=0).min()
    t_win = pd.Series(lead).map(win_time).to_numpy(dtype=np.float64)
    t_win = np.where(np.isnan(t_win), np.inf, t_win)
    done = (is_win | (kind == "lose") | (kind == "arrive")
            | (t_win <= t))  # from the win on, a lead is no longer in progress
    state = kind.copy()
    for event, name in _STATE.items():
        state[kind == event] = name
    return _Moves(lead=lead, t=t, stage=event_text(ordered["stage"]),
                  step=event_text(ordered["step"]),
                  amount=ordered["amount"].to_numpy(dtype=np.float64),
                  owner=owner_so_far(ordered, kind, role), state=state, t_next=t_next,
                  t_win=t_win, done=done)


def _with_snapshots(mv: _Moves, horizon: float,
                    entries: dict[tuple[str, str], tuple[Floats, Floats, Floats]]) -> History:
    """A lead is at its position at the end of day s (moment s) when the position began at or
    before s and the next event comes after s."""
    live = ~mv.done & (mv.t_next > mv.t)
    first = np.maximum(np.ceil(mv.t[live]), 1.0)
    last = np.minimum(np.ceil(mv.t_next[live]) - 1.0, math.floor(horizon))
    count = np.maximum(last - first + 1.0, 0.0).astype(np.int64)
    rows = np.repeat(np.flatnonzero(live), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    s = np.repeat(first, count) + offset
    order = np.lexsort((mv.lead[rows], s))
    rows, s = rows[order], s[order]
    codes, uniques = pd.factorize(pd.Series(mv.stage[rows] + "\x1f" + mv.step[rows]),
                                  sort=False)
    snap_key = np.asarray(codes, dtype=np.int64)
    tau = mv.t_win[rows] - s
    return History(keys=[tuple(str(u).split("\x1f", 1)) for u in uniques],
                   snap_s=np.asarray(s, dtype=np.float64), snap_key=snap_key,
                   snap_lead=mv.lead[rows], snap_state=mv.state[rows],
                   snap_amount=mv.amount[rows], snap_owner=mv.owner[rows],
                   by_key=[(s[snap_key == k], tau[snap_key == k]) for k in range(len(uniques))],
                   entries=entries)


def _entries(mv: _Moves) -> dict[tuple[str, str], tuple[Floats, Floats, Floats]]:
    """The first event of a lead at each step: its moment, time to the win and amount."""
    positioned = (mv.stage != "") & (mv.t < mv.t_win)  # after-sale steps are not in progress
    repeat = pd.DataFrame({"lead": mv.lead, "stage": mv.stage, "step": mv.step}).duplicated()
    first_at = positioned & ~repeat.to_numpy()
    entries = pd.DataFrame({
        "t": mv.t[first_at], "stage": mv.stage[first_at], "step": mv.step[first_at],
        "amount": mv.amount[first_at], "tau": mv.t_win[first_at] - mv.t[first_at],
    }).sort_values("t", kind="stable")
    found: dict[tuple[str, str], tuple[Floats, Floats, Floats]] = {}
    for (st, sp), part in entries.groupby(["stage", "step"], sort=False):
        found[(str(st), str(sp))] = (part["t"].to_numpy(dtype=np.float64),
                                     part["tau"].to_numpy(dtype=np.float64),
                                     part["amount"].to_numpy(dtype=np.float64))
    return found


def win_share(s: Floats, tau: Floats, moment: float, days: int, min_samples: int,
              weight: Floats | None = None) -> tuple[float, int, int]:
    """Share of observations (at moments ``s``) that won within ``days``; no look-ahead.

    Returns:
        ``(share, samples, window_days)``; the window is shortened when fewer than
        ``min_samples`` observations have a fully observed ``days``-long window before
        ``moment``; ``(0.0, samples, 0)`` when not even a one-day window has enough.
    """
    window = days
    n = int(np.searchsorted(s, moment - window, side="right"))
    if n < min_samples:
        if len(s) < min_samples:
            return 0.0, n, 0
        window = min(days, math.floor(moment - s[min_samples - 1]))
        if window < 1:
            return 0.0, n, 0
        n = int(np.searchsorted(s, moment - window, side="right"))
    hit = tau[:n] <= window
    if weight is None:
        return float(hit.mean()), n, window
    return float((hit * weight[:n]).mean()), n, window
