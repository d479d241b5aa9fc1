"""Dates that must agree with each other: each refusal names the field and the date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.errors import RuleViolation

PARTNERSHIP_TIME = ZoneInfo("Europe/London")
"""Partnerships in England keep their records in England's local time."""


def today_in_england() -> date:
    return datetime.now(PARTNERSHIP_TIME).date()


def not_after_today(field: str, value: date, what: str, today: date | None = None) -> None:
    """Refuses a date that must already have come (a closure, a birth) when it is still to come."""
    today = today or today_in_england()
    if value > today:
        raise RuleViolation(
            "date_in_future",
            f"{field} {value.isoformat()} is in the future; {what} must be on or before today "
            f"({today.isoformat()}).",
            field,
        )


def not_before(field: str, value: date, earliest: date | None, what: str) -> None:
    """Refuses `value` when it falls before `earliest` (`what` says which date that is)."""
    if earliest is not None and value < earliest:
        raise RuleViolation(
            "date_out_of_order",
            f"{field} {value.isoformat()} is before {what} ({earliest.isoformat()}); "
            f"it must be on or after {earliest.isoformat()}.",
            field,
        )

