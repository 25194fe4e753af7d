"""Numbers as a person reads them: the one formatter of the CLI and the reports (pure, a leaf).

Two things decide how a number is written:

* the **locale** (``en`` or ``ru``) owns the thousands separator, the decimal mark and the
  space before ``%``: ``1,234,567.89`` and ``72%`` in English, ``1 234 567,89`` and ``72 %`` in
  Russian. The Russian separator is a no-break space (U+00A0, as in CLDR's ``ru`` locale): it
  renders in every terminal font and never breaks a number across lines;
* the **currency** (an ISO 4217 code) owns the symbol: ``₽``, ``$``, ``€``… or the code itself
  for others. English puts the symbol where the currency's home market does (``$1,234``,
  ``1,234 ₽``); Russian always writes it after the amount (``1 234 $``).

A negative number has a true minus sign (U+2212), a value that rounds to zero is never ``-0``,
and a missing value (``None``, NaN, infinite) is an em dash ``—``. Machine outputs (CSV, JSON,
the event log) never go through this module: it is for text a person reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["DEFAULT_LOCALE", "LOCALES", "MISSING", "Locale", "NumberFormat", "Scale",
           "ci_rounding", "number_format"]

Locale = Literal["en", "ru"]
LOCALES: tuple[Locale, ...] = ("en", "ru")
DEFAULT_LOCALE: Locale = "en"

NBSP = "\u00a0"
MINUS = "\u2212"
MISSING = "—"


@dataclass(frozen=True)
class Scale:
    """A power of a thousand to show large amounts with: ``12.5 million ₽``."""

    factor: float
    word: str


SCALES = (Scale(1.0, ""), Scale(1e3, "thousand"), Scale(1e6, "million"), Scale(1e9, "billion"))

# locale: thousands separator, decimal mark, a space before "%", symbol always after the amount
_LOCALES: dict[str, tuple[str, str, bool, bool]] = {
    "en": (",", ".", False, False),
    "ru": (NBSP, ",", True, True),
}

# currency: symbol, written before the amount (in English)
_CURRENCIES: dict[str, tuple[str, bool]] = {
    "RUB": ("₽", False), "BYN": ("Br", False), "KZT": ("₸", False), "UAH": ("₴", False),
    "EUR": ("€", False), "PLN": ("zł", False), "CZK": ("Kč", False), "SEK": ("kr", False),
    "NOK": ("kr", False), "CHF": ("CHF", False), "TRY": ("₺", True), "USD": ("$", True),
    "CAD": ("CA$", True), "AUD": ("A$", True), "GBP": ("£", True), "JPY": ("¥", True),
    "CNY": ("CN¥", True), "INR": ("₹", True), "ILS": ("₪", True), "KRW": ("₩", True),
}


@dataclass(frozen=True)
class NumberFormat:
    """How numbers, shares and money are written for one locale and currency.

    Attributes:
        locale: ``en`` or ``ru``.
        currency: ISO 4217 code, as in the scenario.
        symbol: What follows or precedes an amount (``₽``, ``$``, or the code itself).
        symbol_first: ``$1,234`` rather than ``1,234 ₽``.
        group: Thousands separator.
        decimal: Decimal mark.
        percent_space: ``72 %`` (with a no-break space) rather than ``72%``.
    """

    locale: str
    currency: str
    symbol: str
    symbol_first: bool
    group: str
    decimal: str
    percent_space: bool

    # -- plain numbers ---------------------------------------------------------------------

    def number(self, value: float | None, digits: int = 0) -> str:
        """``1,234.5`` / ``1 234,5``: grouped thousands, ``digits`` decimals."""
        if _missing(value):
            return MISSING
        assert value is not None
        text = f"{abs(value):,.{digits}f}"
        if text.strip("0.,") == "":  # rounds to zero: no "-0"
            value = 0.0
        text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        return (MINUS if value < 0 else "") + text

    def integer(self, value: float | None) -> str:
        """A count: ``9,422`` / ``9 422``."""
        return self.number(value, 0)

    def signed(self, value: float | None, digits: int = 0) -> str:
        """A change: ``+1,234``, ``−56``, ``0``."""
        text = self.number(value, digits)
        if value is not None and value > 0 and any(ch in "123456789" for ch in text):
            return "+" + text
        return text

    def pct(self, value: float | None, digits: int = 0) -> str:
        """A share as a percentage: ``0.7195`` → ``72%`` (en) or ``72 %`` (ru)."""
        if _missing(value):
            return MISSING
        assert value is not None
        return self.number(value * 100, digits) + self.percent_sign

    @property
    def percent_sign(self) -> str:
        return (NBSP if self.percent_space else "") + "%"

    def days(self, value: float | None, digits: int = 1) -> str:
        """A duration in days: ``6.3 days``."""
        if _missing(value):
            return MISSING
        assert value is not None
        unit = "day" if abs(value - 1.0) < 1e-9 and digits == 0 else "days"
        return f"{self.number(value, digits)}{NBSP}{unit}"

    # -- money -----------------------------------------------------------------------------

    def money(self, value: float | None, digits: int = 0) -> str:
        """An amount with the currency: ``125,443,445 ₽``, ``$125,443,445``, ``125 443 445 ₽``."""
        if _missing(value):
            return MISSING
        assert value is not None
        return self.with_symbol(self.number(value, digits))

    def with_symbol(self, amount_text: str) -> str:
        """Put the currency symbol where this locale and currency put it."""
        if self.symbol_first:
            if amount_text.startswith(MINUS):
                return MINUS + self.symbol + amount_text[1:]
            return self.symbol + amount_text
        return amount_text + NBSP + self.symbol

    def money_short(self, value: float | None) -> str:
        """A large amount at a readable scale: ``125 million ₽`` (3 significant digits)."""
        if _missing(value):
            return MISSING
        assert value is not None
        scale = self.scale_for([value])
        scaled = value / scale.factor
        digits = 0 if abs(scaled) >= 100 or scale.factor == 1 else 1 if abs(scaled) >= 10 else 2
        text = self.number(scaled, digits)
        if not scale.word:
            return self.with_symbol(text)
        if self.symbol_first:
            return self.with_symbol(text) + NBSP + scale.word
        return f"{text}{NBSP}{scale.word}{NBSP}{self.symbol}"

    def scale_for(self, values: Sequence[float]) -> Scale:
        """The largest scale at which the biggest of ``values`` is still at least 1."""
        finite = [abs(v) for v in values if not _missing(v)]
        top = max(finite, default=0.0)
        chosen = SCALES[0]
        for scale in SCALES:
            if top >= scale.factor * 1.0:
                chosen = scale
        return chosen

    def money_unit(self, scale: Scale) -> str:
        """An axis unit: ``million ₽``, ``₽``, ``thousand $``."""
        return f"{scale.word} {self.symbol}".strip()

    # -- confidence intervals ------------------------------------------------------------------

    def plus_minus(self, text: str, low: float | None, high: float | None,
                   fmt: str = "number", digits: int = 0) -> str:
        """``text ± half-width`` of a 95% CI, when the run had replications.

        ``fmt`` is how to write the half-width: ``number``, ``pct``, ``money`` or ``days``.
        """
        if _missing(low) or _missing(high):
            return text
        assert low is not None and high is not None
        half = (high - low) / 2
        if fmt == "pct":
            return f"{text} ± {self.pct(half, digits)}"
        if fmt == "money":
            return f"{text} ± {self.money_short(half)}"
        if fmt == "days":
            return f"{text} ± {self.days(half, digits)}"
        return f"{text} ± {self.number(half, digits)}"

    def estimate(self, mean: float | None, half: float | None, fmt: str = "number", *,
                 signed: bool = False) -> str:
        """``mean ± half-width`` rounded to two significant digits of the half-width (the
        rounding of ``salesim compare``'s verdicts): ``+1,300,000 ± 3,500,000 ₽``,
        ``+$1,300,000 ± $3,500,000``, ``−2.3 ± 3.3 days``, ``79% ± 3.1%``.

        ``fmt`` is the unit: ``number``, ``money``, ``days``, ``pct`` (a share, as a
        percentage) or ``points`` (a difference of two shares, in percentage points);
        ``signed`` writes ``+`` before a positive mean (a difference). Without a half-width
        (one replication) only the mean is written, to three significant digits.
        """
        value, plus_minus = self.estimate_parts(mean, half, fmt, signed=signed)
        if not plus_minus:
            return value
        if (fmt == "money" and not self.symbol_first) or fmt in ("days", "points"):
            unit = value[value.rindex(NBSP):] if NBSP in value else ""
            return f"{value.removesuffix(unit)} ± {plus_minus}"
        return f"{value} ± {plus_minus}"

    def estimate_parts(self, mean: float | None, half: float | None, fmt: str = "number", *,
                       signed: bool = False) -> tuple[str, str]:
        """The mean and the half-width of :meth:`estimate` apart, each with its unit:
        ``("+1,300,000 ₽", "3,500,000 ₽")``; the half-width is ``""`` without one."""
        if _missing(mean):
            return MISSING, ""
        assert mean is not None
        factor = 100.0 if fmt in ("pct", "points") else 1.0
        m, h, digits = ci_rounding(mean * factor,
                                   None if half is None or _missing(half) else half * factor)
        sign = "+" if signed and m > 0 else ""

        def unit(text: str) -> str:
            if fmt == "money":
                return self.with_symbol(text)
            if fmt == "days":
                return f"{text}{NBSP}days"
            if fmt == "pct":
                return text + self.percent_sign
            if fmt == "points":
                return f"{text}{NBSP}pp"
            return text

        mean_text = unit(self.number(m, digits))
        if sign:
            mean_text = sign + mean_text
        return mean_text, "" if h is None else unit(self.number(h, digits))


def ci_rounding(mean: float, half: float | None) -> tuple[float, float | None, int]:
    """A mean and its CI half-width rounded to two significant digits of the half-width:
    ``(412 345, 35 678)`` → ``(410 000, 36 000, 0)``; ``(2.345, 0.567)`` → ``(2.35, 0.57, 2)``.

    Without a half-width (or a zero one), the mean keeps three significant digits. Returns the
    rounded mean, the rounded half-width and the number of decimals to show.
    """
    if half is not None and half > 0 and math.isfinite(half):
        exponent = math.floor(math.log10(half)) - 1
    elif mean:
        exponent = math.floor(math.log10(abs(mean))) - 2
    else:
        exponent = 0
    step = 10.0 ** exponent
    rounded_mean = round(mean / step) * step
    rounded_half = None if half is None or not math.isfinite(half) else round(half / step) * step
    return rounded_mean, rounded_half, max(0, -exponent)


def _missing(value: float | None) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(value)
    except TypeError:
        return True


def number_format(locale: str = DEFAULT_LOCALE, currency: str = "RUB") -> NumberFormat:
    """The :class:`NumberFormat` of a locale (``en``, ``ru``) and a currency code.

    Raises:
        ValueError: an unknown locale.
    """
    if locale not in _LOCALES:
        raise ValueError(f"unknown locale {locale!r}; allowed: {', '.join(LOCALES)}")
    group, decimal, percent_space, symbol_after = _LOCALES[locale]
    code = currency.upper()
    symbol, first = _CURRENCIES.get(code, (code, False))
    return NumberFormat(locale, code, symbol, first and not symbol_after, group, decimal,
                        percent_space)


def finite(value: Any) -> float | None:
    """A JSON/CSV number as a float, or ``None`` when missing or not finite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
