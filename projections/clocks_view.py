"""Statutory deadlines partnership-wide: every open clock and every breach.

The view stores only each activity's clock dates; the Deadline objects (and
whether one is open or breached) are computed at query time with
`domain.clocks.deadlines_for`, because "breached" depends on the day asked.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from adapters.sql import Cursor, Dialect
from domain.clocks import DeadlineStatus, RapidReviewStart, StatutoryDates
from domain.partnership import PartnershipRegistered
from projections import codecs, redactions
from projections.facts import CLOCK_COLUMNS, ActivityRows
from projections.redactions import CorrectsText
from projections.view import View, handles
from projections.writes import Writes

DEFAULT_STATUSES: frozenset[DeadlineStatus] = frozenset({"open", "breached", "met_late"})
"""Without a filter: every clock still running, and every breach (late or still unmet)."""


class ClockDates(StatutoryDates):
    """One activity's row: the dates its statutory clocks are computed from."""

    activity_id: UUID
    kind: str
    title: str
    status: str


class DeadlineEntry(BaseModel):
    activity_id: UUID
    activity_title: str
    source_kind: str
    clock: str
    starts_on: date
    due_on: date
    met_on: date | None
    status: DeadlineStatus
    working_days_remaining: int | None = Field(
        description="Working days from today to due_on, negative once overdue; null once the deadline is met."
    )


def deadline_entries(
    rows: list[ClockDates],
    starts_from: RapidReviewStart,
    today: date,
    statuses: frozenset[DeadlineStatus] = DEFAULT_STATUSES,
) -> list[DeadlineEntry]:
    """Every deadline of `rows` whose status on `today` is one of `statuses`, soonest due first."""
    entries = []
    for row in rows:
        for d in row.deadlines(starts_from):
            status = d.status(today)
            if status not in statuses:
                continue
            entries.append(
                DeadlineEntry(
                    activity_id=row.activity_id,
                    activity_title=row.title,
                    source_kind=row.kind,
                    clock=d.clock.value,
                    starts_on=d.starts_on,
                    due_on=d.due_on,
                    met_on=d.met_on,
                    status=status,
                    working_days_remaining=d.working_days_remaining(today),
                )
            )
    return sorted(entries, key=lambda e: (e.due_on, e.activity_title, e.clock))


class ClocksView(ActivityRows, CorrectsText, View):
    corrections = redactions.CLOCKS
    name = "clocks"
    tables = ("clocks_partnerships", "clocks_activities")
    activities_table = "clocks_activities"

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS clocks_partnerships ("
            " partnership_id TEXT PRIMARY KEY, rapid_review_starts_from TEXT NOT NULL)"
        )
        dates = ", ".join(f"{c} TEXT" for c in CLOCK_COLUMNS)
        cur.execute(
            "CREATE TABLE IF NOT EXISTS clocks_activities ("
            " activity_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, kind TEXT NOT NULL,"
            f" title TEXT NOT NULL, status TEXT NOT NULL, {dates})"
        )
        cur.execute(
            "CREATE INDEX IF NOT EXISTS clocks_activities_by_partnership"
            " ON clocks_activities (partnership_id)"
        )

    @handles(PartnershipRegistered)
    def _registered(self, w: Writes, event: PartnershipRegistered, position: int) -> None:
        w.write(
            "clocks_partnerships", event.partnership_id,
            "INSERT INTO clocks_partnerships (partnership_id, rapid_review_starts_from)"
            " VALUES (?, ?) ON CONFLICT (partnership_id) DO UPDATE"
            " SET rapid_review_starts_from = excluded.rapid_review_starts_from",
            (event.partnership_id, event.rapid_review_starts_from),
        )

    # --- queries -------------------------------------------------------------

    def rapid_review_starts_from(self, cur: Cursor, partnership_id: str) -> RapidReviewStart | None:
        """The partnership's rule, or None if no such partnership is registered."""
        cur.execute(
            "SELECT rapid_review_starts_from FROM clocks_partnerships WHERE partnership_id = ?",
            (partnership_id,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        starts: RapidReviewStart = "notification" if row[0] == "notification" else "awareness"
        return starts

    def activities(self, cur: Cursor, partnership_id: str) -> list[ClockDates]:
        """Only activities with a date that can start a clock."""
        dates = ", ".join(CLOCK_COLUMNS)
        cur.execute(
            f"SELECT activity_id, kind, title, status, {dates} FROM clocks_activities"
            " WHERE partnership_id = ? AND (aware_on IS NOT NULL OR initiated_on IS NOT NULL"
            " OR planned_publication_on IS NOT NULL OR published_on IS NOT NULL)"
            " ORDER BY activity_id",
            (partnership_id,),
        )
        return [_clock_dates(row) for row in cur.fetchall()]

    def status_counts(self, cur: Cursor, partnership_id: str) -> dict[str, int]:
        """How many of the partnership's activities are in each status (opened, in_progress, …)."""
        cur.execute(
            "SELECT status, COUNT(*) FROM clocks_activities WHERE partnership_id = ? GROUP BY status",
            (partnership_id,),
        )
        return {status: int(n) for status, n in cur.fetchall()}


def _clock_dates(row: Any) -> ClockDates:
    activity_id, kind, title, status, *dates = row
    return ClockDates(
        activity_id=UUID(activity_id),
        kind=kind,
        title=title,
        status=status,
        **{column: codecs.read_day(value) for column, value in zip(CLOCK_COLUMNS, dates, strict=True)},
    )

