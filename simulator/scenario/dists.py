"""Distribution specifications: validated parameters, vectorised sampling, analytic moments.

A scenario writes a distribution as a number (a fixed value) or as a mapping with a ``dist`` key,
for example ``{dist: lognormal, mean: 2, sd: 1}``. Every spec is a frozen pydantic model with
``sample(rng, size)`` and the analytic ``mean`` and ``variance``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

# every parameter is 0 or within these (a lognormal sd of 1e200 overflows, a mean of 1e-320
# gives NaN hours); a field may bound its distribution further (scenario.bounds)
MAX_PARAMETER = 1e12
MIN_PARAMETER = 1e-9
MAX_LOGNORMAL_CV = 100.0  # sd / mean
MAX_EMPIRICAL_VALUES = 100_000


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _finite_parameters(self) -> _Spec:
        # a scale (the mean or sd of exponential and lognormal) must not vanish: 1e-320 gives
        # NaN hours; any value must stay below MAX_PARAMETER (a lognormal sd of 1e200 overflows)
        scales = isinstance(self, Exponential | Lognormal)
        for name, value in self:
            alias = type(self).model_fields[name].alias or name
            for v in value if isinstance(value, tuple) else (value,):
                if not isinstance(v, float | int) or isinstance(v, bool):
                    continue
                if v > MAX_PARAMETER or (scales and v < MIN_PARAMETER):
                    low = f"between {MIN_PARAMETER:g} and" if scales else "at most"
                    raise ValueError(f"{alias} must be {low} {MAX_PARAMETER:g} (got {v:g}): "
                                     f"beyond that the draws overflow or vanish in rounding")
        return self

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        raise NotImplementedError

    @property
    def can_be_zero(self) -> bool:
        """Whether a draw can be 0 (exponential and lognormal draws never are)."""
        return False


class Fixed(_Spec):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def can_be_zero(self) -> bool:
        return self.value == 0

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, self.value)


class Exponential(_Spec):
    """Memoryless: the standard assumption of queueing theory (M/M/c)."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.exponential(self.mean_, size)


class Lognormal(_Spec):
    """Right-skewed, parametrised by its own mean and standard deviation (not mu and sigma)."""

    dist: Literal["lognormal"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        if self.sd > MAX_LOGNORMAL_CV * self.mean_:
            raise ValueError(f"sd must be at most {MAX_LOGNORMAL_CV:g} times the mean (got "
                             f"{self.sd:g} for a mean of {self.mean_:g}): a wider lognormal "
                             f"has draws that overflow")
        return self

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)


class Triangular(_Spec):
    """Minimum, most likely and maximum: what people can estimate by hand."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("needs low <= mode <= high with low < high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def can_be_zero(self) -> bool:
        return self.low == 0

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.triangular(self.low, self.mode, self.high, size)


class Uniform(_Spec):
    """Any value between low and high equally likely."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError("needs low < high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def can_be_zero(self) -> bool:
        return self.low == 0

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.uniform(self.low, self.high, size)


class Empirical(_Spec):
    """Observed values (e.g. exported from a CRM), resampled with optional weights."""

    dist: Literal["empirical"]
    values: tuple[Annotated[float, Field(ge=0)], ...] = Field(
        min_length=1, max_length=MAX_EMPIRICAL_VALUES)
    weights: tuple[Annotated[float, Field(gt=0)], ...] | None = Field(
        default=None, max_length=MAX_EMPIRICAL_VALUES)

    @model_validator(mode="after")
    def _same_length(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError(
                f"weights has {len(self.weights)} entries but values has {len(self.values)}"
            )
        return self

    def _p(self) -> FloatArray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        return np.asarray(w / w.sum(), dtype=np.float64)

    @property
    def mean(self) -> float:
        return float(np.dot(self._p(), self.values))

    @property
    def can_be_zero(self) -> bool:
        return min(self.values) == 0

    @property
    def variance(self) -> float:
        v = np.asarray(self.values)
        return float(np.dot(self._p(), (v - self.mean) ** 2))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.asarray(self.values, dtype=np.float64)[
            rng.choice(len(self.values), size=size, p=self._p())
        ]


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
]


def value_range(dist: Any) -> tuple[float | None, float]:
    """What a bound on a field's values is checked against: the smallest value a distribution
    can draw (None for exponential and lognormal, which draw values as close to 0 as may be: a
    field that needs a floor clips their draws) and the largest (the mean of an unbounded
    one)."""
    if isinstance(dist, Fixed):
        return dist.value, dist.value
    if isinstance(dist, Triangular | Uniform):
        return dist.low, dist.high
    if isinstance(dist, Empirical):
        return min(dist.values), max(dist.values)
    return None, float(dist.mean)


def coerce_distribution(value: Any) -> Any:
    """Let a scenario write a bare number for a fixed value (``effort_hours: 2``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value
