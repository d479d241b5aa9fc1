"""Facts several views keep about the same things, folded by one piece of code.

The clocks and agenda views each keep an activity row (kind, title, status and the
dates its statutory clocks start from). Each keeps it in a table of its own rather than
reading another's: a view's rows must move with its own tracking position, and a
rebuild of one view must not depend on where another stands. What they share is how
events fold into the row: `ActivityRows`, a mixin of handlers over the view's table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from domain import activity as ev
from domain.events import DomainEvent
from projections import codecs
from projections.codecs import ident
from projections.view import handles
from projections.writes import Writes

CLOCK_COLUMNS = (
    "aware_on", "notified_on", "rapid_review_completed_on", "initiated_on",
    "planned_publication_on", "published_on", "final_report_sent_on",
)
"""An activity's clock dates, a column each (read back as clocks_view.ClockDates)."""

STATUS_AFTER: dict[type[DomainEvent], str] = {
    ev.ActivityStarted: "in_progress",
    ev.ActivityReported: "reported",
    ev.ActivitySignedOff: "signed_off",
    ev.ActivityPublished: "published",
    ev.ActivityClosed: "closed",
}
"""An activity's status once the event has happened."""

CLOCK_DATE: dict[type[DomainEvent], tuple[str, Callable[[Any], date]]] = {
    ev.SeriousIncidentNotified: ("notified_on", lambda e: e.notified_on),
    ev.RapidReviewCompleted: ("rapid_review_completed_on", lambda e: e.completed_on),
    ev.PublicationPlanned: ("planned_publication_on", lambda e: e.planned_on),
    ev.FinalReportSentToPanel: ("final_report_sent_on", lambda e: e.sent_on),
    ev.ActivityPublished: ("published_on", lambda e: e.published_on),
}
"""The clock date an event sets: (column, how to read it from the event)."""


def activity_changes(event: DomainEvent) -> dict[str, Any]:
    """The columns of the shared activity row this event changes (status, clock date)."""
    columns: dict[str, Any] = {}
    status = STATUS_AFTER.get(type(event))
    if status is not None:
        columns["status"] = status
    clock = CLOCK_DATE.get(type(event))
    if clock is not None:
        column, read = clock
        columns[column] = codecs.day(read(event))
    return columns


class ActivityRows:
    """Handlers keeping `activities_table` (activity_id, partnership_id, kind, title, status
    and CLOCK_COLUMNS, at least) for a view that mixes this in."""

    activities_table: ClassVar[str]

    def more_activity_columns(self, event: DomainEvent) -> dict[str, Any]:
        """Columns of the view's own the same event sets (written in the same statement)."""
        return {}

    @handles(ev.ActivityOpened)
    def _activity_opened(self, w: Writes, event: ev.ActivityOpened, position: int) -> None:
        w.write(
            self.activities_table, event.originator_id,
            f"INSERT INTO {self.activities_table} (activity_id, partnership_id, kind, title, status,"
            " aware_on, initiated_on) VALUES (?, ?, ?, ?, 'opened', ?, ?)"
            " ON CONFLICT (activity_id) DO NOTHING",
            (ident(event.originator_id), event.partnership_id, event.kind.value, event.title,
             codecs.day(event.aware_on), codecs.day(event.initiated_on)),
        )

    @handles(*dict.fromkeys([*STATUS_AFTER, *CLOCK_DATE]))
    def _activity_changed(self, w: Writes, event: DomainEvent, position: int) -> None:
        columns = {**activity_changes(event), **self.more_activity_columns(event)}
        assignments = ", ".join(f"{c} = ?" for c in columns)
        w.write(
            self.activities_table, event.originator_id,
            f"UPDATE {self.activities_table} SET {assignments} WHERE activity_id = ?",
            (*columns.values(), ident(event.originator_id)),
        )
