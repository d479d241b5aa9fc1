"""Statutory clocks for child safeguarding practice reviews.

Working Together to Safeguard Children (2018/2023) sets the timescales modelled
here. "Working day" means Monday to Friday excluding bank holidays in England
and Wales (both nations share the same bank holidays).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Literal

import holidays
from pydantic import BaseModel, ConfigDict

__all__ = [
    "FINAL_REPORT_WORKING_DAYS_BEFORE_PUBLICATION",
    "NOTIFICATION_WORKING_DAYS",
    "PUBLICATION_MONTHS",
    "RAPID_REVIEW_WORKING_DAYS",
    "ClockName",
    "Deadline",
    "DeadlineStatus",
    "RapidReviewStart",
    "add_months",
    "add_working_days",
    "deadlines_for",
    "is_working_day",
    "subtract_working_days",
    "working_days_between",
]

NOTIFICATION_WORKING_DAYS = 5
RAPID_REVIEW_WORKING_DAYS = 15
PUBLICATION_MONTHS = 6
FINAL_REPORT_WORKING_DAYS_BEFORE_PUBLICATION = 7

DeadlineStatus = Literal["met", "met_late", "open", "breached"]
RapidReviewStart = Literal["awareness", "notification"]

_ONE_DAY = timedelta(days=1)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # One-off holidays (jubilees, state funerals, coronations) only appear once
    # the `holidays` package release knows about them; it is a pinned dependency.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(d: date) -> bool:
    """True if `d` is Monday to Friday and not an England and Wales bank holiday."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def _check_non_negative(n: int) -> None:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")


def add_working_days(start: date, n: int) -> date:
    """Return the date `n` working days after `start` (`start` is not counted).

    For n == 0 this returns `start` if it is a working day, otherwise the next
    working day: a clock of zero days falls due on the first working day on or
    after its start.
    """
    _check_non_negative(n)
    current = start
    if n == 0:
        while not is_working_day(current):
            current += _ONE_DAY
        return current
    remaining = n
    while remaining:
        current += _ONE_DAY
        if is_working_day(current):
            remaining -= 1
    return current


def subtract_working_days(end: date, n: int) -> date:
    """Return the date `n` working days before `end` (`end` is not counted).

    For n == 0 this returns `end` if it is a working day, otherwise the previous
    working day (mirroring `add_working_days`).
    """
    _check_non_negative(n)
    current = end
    if n == 0:
        while not is_working_day(current):
            current -= _ONE_DAY
        return current
    remaining = n
    while remaining:
        current -= _ONE_DAY
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(a: date, b: date) -> int:
    """Count working days after `a` up to and including `b`; negative if b < a.

    Inverse of `add_working_days`: working_days_between(a, add_working_days(a, n)) == n
    for n >= 1.
    """
    if b < a:
        return -working_days_between(b, a)
    # Arithmetic rather than a walk day by day: agendas ask this of every deadline,
    # including ones breached years ago.
    holidays_in_range = sum(
        1
        for year in range(a.year, b.year + 1)
        for h in _bank_holidays(year)
        if a < h <= b and h.weekday() < 5
    )
    return _weekdays_through(b) - _weekdays_through(a) - holidays_in_range


def _weekdays_through(d: date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday, ordinal 1) up to and including `d`."""
    weeks, rest = divmod(d.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def add_months(d: date, months: int) -> date:
    """Add calendar months, clamping to month end (31 Aug + 6 months = 28/29 Feb)."""
    year, month_index = divmod(d.year * 12 + (d.month - 1) + months, 12)
    month = month_index + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


class ClockName(StrEnum):
    """Statutory clocks in the child safeguarding practice review process."""

    SERIOUS_INCIDENT_NOTIFICATION = "serious_incident_notification"
    """Notify the national Panel within 5 working days of becoming aware."""
    RAPID_REVIEW = "rapid_review"
    """Complete the rapid review within 15 working days of becoming aware."""
    PRACTICE_REVIEW_PUBLICATION = "practice_review_publication"
    """Publish the practice review within 6 months of deciding to initiate it."""
    FINAL_REPORT_TO_PANEL = "final_report_to_panel"
    """Send the final report to the Panel at least 7 working days before publication."""


class Deadline(BaseModel):
    """One statutory clock: when it started, when it falls due, when it was met.

    For FINAL_REPORT_TO_PANEL, which counts backwards, `starts_on` is the
    publication date the deadline is counted back from, so it is after `due_on`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    clock: ClockName
    starts_on: date
    due_on: date
    met_on: date | None = None

    def status(self, today: date) -> DeadlineStatus:
        """met / met_late when met_on is set, else breached once today > due_on, else open."""
        if self.met_on is not None:
            return "met" if self.met_on <= self.due_on else "met_late"
        return "breached" if today > self.due_on else "open"

    def days_remaining(self, today: date) -> int:
        """Working days from `today` to `due_on`; negative when overdue.

        Ignores `met_on`. A deadline that passed on the last working day reads 0
        over the following weekend; use `status` to detect a breach.
        """
        return working_days_between(today, self.due_on)

    def working_days_remaining(self, today: date) -> int | None:
        """`days_remaining`, or None once the deadline is met: nothing remains to do."""
        return None if self.met_on is not None else self.days_remaining(today)

    def is_breached(self, today: date) -> bool:
        """True if the deadline is breached or was met late."""
        return self.status(today) in ("breached", "met_late")


def deadlines_for(
    *,
    aware_on: date | None,
    notified_on: date | None,
    rapid_review_completed_on: date | None,
    initiated_on: date | None,
    planned_publication_on: date | None,
    published_on: date | None,
    final_report_sent_on: date | None,
    rapid_review_starts_from: RapidReviewStart = "awareness",
) -> list[Deadline]:
    """Return the deadlines that apply given the dates known so far.

    - No `aware_on`: no notification or rapid review clock.
    - Rapid review from "notification" uses `notified_on`, falling back to
      `aware_on` until the Panel has been notified, so the clock is never hidden
      and never later than the true one (notification cannot precede awareness).
    - No `initiated_on`: no publication clock.
    - Final report clock counts back from `published_on` if known, else
      `planned_publication_on`; absent if neither is known.
    """
    deadlines: list[Deadline] = []
    if aware_on is not None:
        deadlines.append(
            Deadline(
                clock=ClockName.SERIOUS_INCIDENT_NOTIFICATION,
                starts_on=aware_on,
                due_on=add_working_days(aware_on, NOTIFICATION_WORKING_DAYS),
                met_on=notified_on,
            )
        )
        rapid_start = (
            notified_on
            if rapid_review_starts_from == "notification" and notified_on is not None
            else aware_on
        )
        deadlines.append(
            Deadline(
                clock=ClockName.RAPID_REVIEW,
                starts_on=rapid_start,
                due_on=add_working_days(rapid_start, RAPID_REVIEW_WORKING_DAYS),
                met_on=rapid_review_completed_on,
            )
        )
    if initiated_on is not None:
        deadlines.append(
            Deadline(
                clock=ClockName.PRACTICE_REVIEW_PUBLICATION,
                starts_on=initiated_on,
                due_on=add_months(initiated_on, PUBLICATION_MONTHS),
                met_on=published_on,
            )
        )
    publication_on = published_on if published_on is not None else planned_publication_on
    if publication_on is not None:
        deadlines.append(
            Deadline(
                clock=ClockName.FINAL_REPORT_TO_PANEL,
                starts_on=publication_on,
                due_on=subtract_working_days(
                    publication_on, FINAL_REPORT_WORKING_DAYS_BEFORE_PUBLICATION
                ),
                met_on=final_report_sent_on,
            )
        )
    return deadlines


class StatutoryDates(BaseModel):
    """The dates the statutory clocks run from: an activity carries them, and so do the views."""

    model_config = ConfigDict(frozen=True)

    aware_on: date | None = None
    notified_on: date | None = None
    rapid_review_completed_on: date | None = None
    initiated_on: date | None = None
    planned_publication_on: date | None = None
    published_on: date | None = None
    final_report_sent_on: date | None = None

    def deadlines(self, rapid_review_starts_from: RapidReviewStart = "awareness") -> list[Deadline]:
        return deadlines_for(
            aware_on=self.aware_on,
            notified_on=self.notified_on,
            rapid_review_completed_on=self.rapid_review_completed_on,
            initiated_on=self.initiated_on,
            planned_publication_on=self.planned_publication_on,
            published_on=self.published_on,
            final_report_sent_on=self.final_report_sent_on,
            rapid_review_starts_from=rapid_review_starts_from,
        )
