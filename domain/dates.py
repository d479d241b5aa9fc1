"""Dates that must agree with each other: each refusal names the field and the date."""

from __future__ import annotations

from datetime import date

from domain.errors import RuleViolation


def not_before(field: str, value: date, earliest: date | None, what: str) -> None:
    """Refuses `value` when it falls before `earliest` (`what` says which date that is)."""
    if earliest is not None and value < earliest:
        raise RuleViolation(
            "date_out_of_order",
            f"{field} {value.isoformat()} is before {what} ({earliest.isoformat()}); "
            f"it must be on or after {earliest.isoformat()}.",
            field,
        )

