"""The options every experiment shares, parsed in experiments.settings."""

from __future__ import annotations

import pytest

from salesim.simulator.experiments.settings import check_plan, parse_warmup
from salesim.simulator.experiments.variants import ExperimentError


def test_warmup_is_days_or_auto() -> None:
    assert parse_warmup(None) is None
    assert parse_warmup(" Auto ") == "auto"
    assert parse_warmup("12.5") == 12.5
    with pytest.raises(ExperimentError, match="0 or more days, not '-1'"):
        parse_warmup("-1")
    with pytest.raises(ExperimentError, match="a number of days or 'auto', not 'x'"):
        parse_warmup("x")


def test_plan_is_a_positive_amount() -> None:
    assert check_plan(None) is None
    assert check_plan(1_000_000.0) == 1_000_000.0
    with pytest.raises(ExperimentError, match="--plan must be a positive amount a month, got 0"):
        check_plan(0.0)
