"""The one error of the plans: bad input, in a one-line message meant for the user."""

from __future__ import annotations

__all__ = ["PlanError"]


class PlanError(ValueError):
    """Bad input to the plan decomposition; the message is one line meant for the user."""
