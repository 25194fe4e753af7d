"""Distribution specs (scenario.dists): validation, analytic moments, sampling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from pydantic import TypeAdapter, ValidationError

from salesim.simulator.scenario.dists import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Triangular,
    Uniform,
    coerce_distribution,
)
from tests.strategies import distribution_specs

SPEC = TypeAdapter(Distribution)
Z = 5.0  # CLT bound in standard errors: a fixed seed and 5 sd, so a pass is not luck


def spec(data: dict[str, Any]) -> Any:
    """A validated distribution from its mapping."""
    return SPEC.validate_python(data)


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "field"), [
    ({"dist": "fixed", "value": -1}, "value"),
    ({"dist": "fixed"}, "value"),
    ({"dist": "exponential", "mean": 0}, "mean"),
    ({"dist": "exponential", "mean": -2}, "mean"),
    ({"dist": "exponential"}, "mean"),
    ({"dist": "lognormal", "mean": 2, "sd": 0}, "sd"),
    ({"dist": "lognormal", "mean": 0, "sd": 1}, "mean"),
    ({"dist": "triangular", "low": -1, "mode": 0, "high": 1}, "low"),
    ({"dist": "uniform", "low": 0, "high": -1}, "high"),
    ({"dist": "empirical", "values": []}, "values"),
    ({"dist": "empirical", "values": [1, -1]}, "values"),
    ({"dist": "empirical", "values": [1, 2], "weights": [1, 0]}, "weights"),
    ({"dist": "exponential", "mean": 2, "sd": 1}, "sd"),  # extra keys are typos
    ({"dist": "exponential", "mean": math.inf}, "mean"),
    ({"dist": "uniform", "low": math.nan, "high": 1}, "low"),
])
def test_invalid_parameters_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        spec(data)
    assert any(field in map(str, error["loc"]) for error in info.value.errors())


@pytest.mark.parametrize(("data", "message"), [
    ({"dist": "triangular", "low": 1, "mode": 0, "high": 2}, "low <= mode <= high"),
    ({"dist": "triangular", "low": 1, "mode": 3, "high": 2}, "low <= mode <= high"),
    ({"dist": "triangular", "low": 2, "mode": 2, "high": 2}, "low < high"),
    ({"dist": "uniform", "low": 2, "high": 2}, "low < high"),
    ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "weights has 1 entries"),
])
def test_inconsistent_parameters_say_why(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        spec(data)


def test_an_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValidationError, match="gamma"):
        spec({"dist": "gamma", "mean": 1})


def test_a_bare_number_is_a_fixed_value_but_a_bool_is_not() -> None:
    assert coerce_distribution(2) == {"dist": "fixed", "value": 2}
    assert coerce_distribution(0.5) == {"dist": "fixed", "value": 0.5}
    assert coerce_distribution(True) is True
    mapping = {"dist": "exponential", "mean": 1}
    assert coerce_distribution(mapping) is mapping


def test_specs_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Fixed(value=1.0).value = 2.0  # type: ignore[misc]


# -- moments --------------------------------------------------------------------------------------

CASES = [
    (Fixed(value=3.0), 3.0, 0.0),
    (spec({"dist": "exponential", "mean": 2.0}), 2.0, 4.0),
    (spec({"dist": "lognormal", "mean": 2.0, "sd": 1.5}), 2.0, 2.25),
    (spec({"dist": "triangular", "low": 1, "mode": 2, "high": 6}), 3.0,
     (1 + 36 + 4 - 6 - 2 - 12) / 18),
    (spec({"dist": "uniform", "low": 1, "high": 4}), 2.5, 0.75),
    (spec({"dist": "empirical", "values": [1, 2, 4]}), 7 / 3,
     ((4 / 3) ** 2 + (1 / 3) ** 2 + (5 / 3) ** 2) / 3),
    (spec({"dist": "empirical", "values": [0, 10], "weights": [3, 1]}), 2.5, 18.75),
]
IDS = ["fixed", "exponential", "lognormal", "triangular", "uniform", "empirical", "weighted"]


@pytest.mark.parametrize(("dist", "mean", "variance"), CASES, ids=IDS)
def test_analytic_moments(dist: Any, mean: float, variance: float) -> None:
    assert dist.mean == pytest.approx(mean, rel=1e-12)
    assert dist.variance == pytest.approx(variance, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("dist", "mean", "variance"), CASES, ids=IDS)
def test_sample_moments_match_the_analytic_ones(dist: Any, mean: float, variance: float) -> None:
    n = 400_000
    x = dist.sample(np.random.default_rng(20260105), n)
    # standard error of the mean σ/√n; of the sample variance √((μ4 − σ⁴)/n), μ4 the fourth
    # central moment (estimated from the sample: only the tolerance uses it)
    assert abs(x.mean() - mean) <= Z * math.sqrt(variance / n) + 1e-12
    m4 = float(np.mean((x - x.mean()) ** 4))
    assert abs(x.var() - variance) <= Z * math.sqrt(max(m4 - variance**2, 0.0) / n) + 1e-12


@pytest.mark.parametrize(("dist", "mean", "variance"), CASES[1:], ids=IDS[1:])
def test_a_wrong_mean_is_caught_by_the_tolerance(dist: Any, mean: float, variance: float) -> None:
    """The check above is sharp: a mean off by a tenth of a standard deviation fails it."""
    n = 400_000
    x = dist.sample(np.random.default_rng(20260105), n)
    assert abs(x.mean() - (mean + 0.1 * math.sqrt(variance))) > Z * math.sqrt(variance / n)


@settings(max_examples=60, deadline=None)
@given(data=distribution_specs())
def test_any_valid_spec_samples_its_mean(data: dict[str, Any]) -> None:
    dist = spec(data)
    n = 20_000
    x = dist.sample(np.random.default_rng(7), n)
    assert x.min() >= 0
    assert abs(x.mean() - dist.mean) <= 6 * math.sqrt(dist.variance / n) + 1e-9 * (1 + dist.mean)


# -- sampling -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dist", "mean", "variance"), CASES, ids=IDS)
@pytest.mark.parametrize("size", [0, 1, 17])
def test_sampling_is_vectorised(dist: Any, mean: float, variance: float, size: int) -> None:
    x = dist.sample(np.random.default_rng(1), size)
    assert isinstance(x, np.ndarray)
    assert x.shape == (size,)
    assert x.dtype == np.float64


@pytest.mark.parametrize(("dist", "mean", "variance"), CASES, ids=IDS)
def test_sampling_is_deterministic_under_a_seed(dist: Any, mean: float, variance: float) -> None:
    a = dist.sample(np.random.default_rng(11), 1000)
    assert np.array_equal(a, dist.sample(np.random.default_rng(11), 1000))
    if variance > 0:
        assert not np.array_equal(a, dist.sample(np.random.default_rng(12), 1000))


def test_one_call_of_n_draws_is_n_calls_of_one() -> None:
    # the engine draws everything up front; it must not matter how the draws are batched
    for dist in (spec({"dist": "exponential", "mean": 2}), spec({"dist": "uniform", "low": 0,
                                                                "high": 1})):
        batch = dist.sample(np.random.default_rng(5), 50)
        rng = np.random.default_rng(5)
        assert np.array_equal(batch, np.concatenate([dist.sample(rng, 1) for _ in range(50)]))


@pytest.mark.parametrize(("data", "can_be_zero"), [
    ({"dist": "fixed", "value": 0}, True),
    ({"dist": "fixed", "value": 1}, False),
    ({"dist": "exponential", "mean": 1}, False),
    ({"dist": "lognormal", "mean": 1, "sd": 1}, False),
    ({"dist": "triangular", "low": 0, "mode": 1, "high": 2}, True),
    ({"dist": "triangular", "low": 0.5, "mode": 1, "high": 2}, False),
    ({"dist": "uniform", "low": 0, "high": 1}, True),
    ({"dist": "uniform", "low": 0.1, "high": 1}, False),
    ({"dist": "empirical", "values": [0, 3]}, True),
    ({"dist": "empirical", "values": [2, 3]}, False),
])
def test_can_be_zero(data: dict[str, Any], can_be_zero: bool) -> None:
    assert spec(data).can_be_zero is can_be_zero


def test_each_kind_parses_to_its_class() -> None:
    kinds = {"fixed": Fixed, "exponential": Exponential, "lognormal": Lognormal,
             "triangular": Triangular, "uniform": Uniform, "empirical": Empirical}
    for (dist, _, _), name in zip(CASES, IDS, strict=True):
        assert isinstance(dist, kinds.get(name, Empirical))
