"""Plan commands refuse out-of-bounds options in one line before printing anything."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.errors import PlanError

BASE = ["plan", "decompose", "--plan", "1000", "--days", "5", "--managers", "2"]

REFUSED = [
    (["--plan", "1e60"], "plan must be at most 1,000,000,000,000 (a trillion)"),
    (["--days", "100000"], "at most 3,660 working days (ten years), not 100,000"),
    (["--days", "10000000"], "at most 3,660 working days"),
    (["--managers", "99999999999999"], "at most 10,000 managers"),
    (["--days", "3000", "--managers", "20"], "make a table of 60,000 daily targets; at most "
                                             "20,000"),
    (["--actual", "1e60"], "actual for day 1 must be at most 1,000,000,000,000"),
    (["--actual", "nan"], "--actual must be a finite number"),
    (["--plan", "-inf"], "--plan must be a finite number"),
    (["--weights", "1e300,1"], "weight of 'M1' must be at most 1,000,000"),
    (["--quantum", "1e30"], "rounding quantum must be between 0.000001 and 1,000,000"),
    (["--quantum", "1e-300"], "rounding quantum must be between"),
]


@pytest.mark.parametrize(("extra", "message"), REFUSED, ids=[" ".join(e) for e, _ in REFUSED])
def test_decompose_refuses_in_one_line(extra: list[str], message: str) -> None:
    args = list(BASE)
    for option, value in zip(extra[::2], extra[1::2], strict=True):
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert message in result.output


@pytest.mark.parametrize("month", ["1899-12", "9999-12"])
def test_a_month_outside_1900_to_2200_is_refused(month: str) -> None:
    result = CliRunner().invoke(app, ["plan", "decompose", "--plan", "1000", "--managers", "2",
                                      "--month", month])
    assert result.exit_code == 2
    assert f"month must be in the years 1900 to 2200 (as a scenario's calendar), not " \
           f"'{month}'" in result.output


def test_the_library_has_the_same_bounds() -> None:
    with pytest.raises(PlanError, match="at most 3,660 working days"):
        decompose(Decimal(1000), 10_000_000, 2)
    with pytest.raises(PlanError, match="daily targets; at most 20,000"):
        decompose(Decimal(1000), 3000, 20)
    assert len(decompose(Decimal(10**12), 3660, 5).rows) == 3660 * (1 + 5)  # department + 5
