"""The event log (engine.events): appending records, the frame's columns and dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesim.simulator.engine.events import (
    CATEGORICAL,
    COLUMNS,
    EVENT_KINDS,
    FLOW_EVENTS,
    EventLog,
    frame_from_columns,
)
from tests.strategies import event_records

DTYPES = {"time": "float64", "lead_id": "int64", "amount": "float64", "work_hours": "float64",
          "client_id": "int64", **dict.fromkeys(CATEGORICAL, "category")}


def test_the_schema_is_consistent() -> None:
    assert set(FLOW_EVENTS) <= set(EVENT_KINDS)
    assert set(CATEGORICAL) <= set(COLUMNS)
    assert set(DTYPES) == set(COLUMNS)
    assert len(set(EVENT_KINDS)) == len(EVENT_KINDS)


def test_an_empty_log_has_every_column_and_no_row() -> None:
    log = EventLog()
    assert len(log) == 0
    frame = log.to_frame()
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == 0
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES


def test_records_are_appended_in_order_with_defaults() -> None:
    log = EventLog()
    log.record(0.5, 3, "web", "smb", "sell", "call", "enqueue", role="seller")
    log.record(1.25, 3, "web", "smb", "sell", "call", "finish", staff_id="seller-1",
               role="seller", work_hours=2.0)
    log.record(2.0, 9, "fair", "ent", "money", "", "paid", amount=1500.0, client_id=3)
    assert len(log) == 3
    frame = log.to_frame()
    assert frame.astype(object).to_dict("records") == [
        {"time": 0.5, "lead_id": 3, "channel": "web", "segment": "smb", "stage": "sell",
         "step": "call", "event": "enqueue", "staff_id": "", "role": "seller", "amount": 0.0,
         "reason": "", "work_hours": 0.0, "client_id": -1},
        {"time": 1.25, "lead_id": 3, "channel": "web", "segment": "smb", "stage": "sell",
         "step": "call", "event": "finish", "staff_id": "seller-1", "role": "seller",
         "amount": 0.0, "reason": "", "work_hours": 2.0, "client_id": -1},
        {"time": 2.0, "lead_id": 9, "channel": "fair", "segment": "ent", "stage": "money",
         "step": "", "event": "paid", "staff_id": "", "role": "", "amount": 1500.0,
         "reason": "", "work_hours": 0.0, "client_id": 3},
    ]
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES


def test_the_event_column_knows_every_kind_even_unused_ones() -> None:
    log = EventLog()
    log.record(0.0, 0, "web", "default", "", "", "arrive")
    events = log.to_frame()["event"]
    assert list(events.cat.categories) == list(EVENT_KINDS)
    assert events.cat.ordered is False
    # a frame of several runs concatenates without losing the categorical dtype
    both = pd.concat([log.to_frame(), log.to_frame()], ignore_index=True)
    assert isinstance(both["event"].dtype, pd.CategoricalDtype)


def test_label_columns_have_the_values_seen_in_first_appearance_order() -> None:
    log = EventLog()
    for channel in ("web", "fair", "web", "partner"):
        log.record(0.0, 0, channel, "default", "", "", "arrive")
    channel_col = log.to_frame()["channel"]
    assert list(channel_col.cat.categories) == ["web", "fair", "partner"]
    assert channel_col.cat.codes.tolist() == [0, 1, 0, 2]
    assert channel_col.astype(str).tolist() == ["web", "fair", "web", "partner"]


def test_frame_from_columns_fills_the_columns_left_out() -> None:
    frame = frame_from_columns({"time": [1.0, 2.0], "lead_id": [4, 5],
                                "event": ["arrive", "win"], "channel": ["web", "web"]})
    assert tuple(frame.columns) == COLUMNS
    assert frame["client_id"].tolist() == [-1, -1]
    assert frame["amount"].tolist() == [0.0, 0.0]
    assert frame["reason"].astype(str).tolist() == ["", ""]
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES


def test_the_log_keeps_its_columns_apart() -> None:
    a, b = EventLog(), EventLog()
    a.record(0.0, 0, "web", "default", "", "", "arrive")
    assert (len(a), len(b)) == (1, 0)
    with pytest.raises(AttributeError):
        a.extra = 1  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(records=st.lists(event_records(), max_size=30))
def test_to_frame_round_trips_any_records(records: list[dict[str, Any]]) -> None:
    log = EventLog()
    for record in records:
        log.record(**record)
    frame = log.to_frame()
    assert len(frame) == len(log) == len(records)
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES
    for name in COLUMNS:
        got = frame[name].astype(object).tolist() if name in CATEGORICAL else frame[name].tolist()
        assert got == [r[name] for r in records], name
    assert np.array_equal(frame["time"].to_numpy(), np.array([r["time"] for r in records],
                                                             dtype=np.float64))
