"""Shared basics every layer agrees on (a leaf: imports nothing of salesim)."""

from __future__ import annotations

MONTH_DAYS = 30.4375  # 365.25 / 12: "a month" in every per-month rate and figure
HIGH_UTILIZATION = 0.85  # a role this busy starts to queue work in earnest (docs/model.md)
