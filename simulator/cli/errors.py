"""One-line errors for every salesim command: ``error: …`` on stderr, exit code 2, no traceback;
and the options every command shares (``--locale``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

EXIT_USAGE = 2


def fail(message: str) -> NoReturn:
    """Print one line (whitespace folded, so it stays one line) and exit with code 2."""
    typer.echo(f"error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(code=EXIT_USAGE)


def _usage_error_type() -> type[Exception]:
    """The CLI library's ``UsageError`` (typer exports only its subclass ``BadParameter``)."""
    for klass in typer.BadParameter.__mro__:
        if klass.__name__ == "UsageError":
            return klass
    return typer.BadParameter  # pragma: no cover - every typer/click version has UsageError


_USAGE_ERROR = _usage_error_type()


class OneLineErrors(TyperCommand):
    """A command whose parse errors (bad values, unknown options) print one line and exit 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _USAGE_ERROR as exc:
            format_message = getattr(exc, "format_message", None)
            fail(str(format_message() if callable(format_message) else exc))


# -- the --locale option, shared by the commands that print numbers --------------------------


class LocaleChoice(StrEnum):
    """The locales of :mod:`numbers`."""

    en = "en"
    ru = "ru"


LocaleOption = Annotated[LocaleChoice | None, typer.Option(
    "--locale", help="How numbers are written: en (1,234.5) or ru (1 234,5). Default: the "
    "scenario's locale setting, else en.", show_default=False)]


def chosen_locale(flag: LocaleChoice | None, default: str) -> str:
    """The --locale flag when given, else ``default`` (the scenario's ``locale``)."""
    return flag.value if flag is not None else default
