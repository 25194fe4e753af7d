"""Numbers and money in the reports: the CLI's formatter, :mod:`numbers`, re-used.

The report's locale (``--locale``, else the scenario's ``locale``, else ``en``) decides the
separators and the currency the symbol, so a report writes a number exactly as the terminal
does: ``1,234,567 ₽`` in English, ``1 234 567 ₽`` in Russian. The same style formats tables,
KPI cards and chart axes.
"""

from __future__ import annotations

from salesim.simulator.numbers import (
    DEFAULT_LOCALE,
    MISSING,
    NumberFormat,
    Scale,
    ci_rounding,
    number_format,
)

__all__ = ["MISSING", "NumberStyle", "Scale", "ci_rounding", "number_style"]

NumberStyle = NumberFormat


def number_style(currency: str, locale: str = DEFAULT_LOCALE) -> NumberStyle:
    """The report's number style for a currency, in a locale (``en`` or ``ru``)."""
    return number_format(locale, currency)
