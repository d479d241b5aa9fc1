"""What the clock needs to know of a partnership, read from the views that know it.

The tracker's actions, the clocks view's statutory dates, the agenda's routing, meetings,
signed-off learning and acknowledgements: read here into `domain.falling_due.ClockFacts`,
which the pure `falling_due` judges. Only what can fall due by the policy's furthest
horizon is read, so a partnership's thousands of actions due next year cost nothing.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from adapters.sql import Cursor
from domain.clocks import add_working_days
from domain.falling_due import ActionFacts, ActivityClockFacts, ClockFacts, LearningFacts, MeetingFacts
from domain.reminder_policy import ReminderPolicy
from projections import acknowledgements as acks
from projections.clocks_view import ClocksView
from projections.tracker import ACTIONS


def partnerships(cur: Cursor) -> list[str]:
    """Every partnership the views know of."""
    cur.execute("SELECT partnership_id FROM agenda_partnerships ORDER BY partnership_id")
    return [str(row[0]) for row in cur.fetchall()]


def read_clock_facts(cur: Cursor, partnership_id: str, today: date, policy: ReminderPolicy) -> ClockFacts:
    pid = partnership_id
    cur.execute("SELECT rapid_review_starts_from FROM agenda_partnerships WHERE partnership_id = ?", (pid,))
    row = cur.fetchone()
    starts = "notification" if row is not None and row[0] == "notification" else "awareness"
    cur.execute("SELECT source_kind, sign_off_forum FROM agenda_routing WHERE partnership_id = ?", (pid,))
    sign_off = {str(kind): str(forum) for kind, forum in cur.fetchall()}
    horizon = add_working_days(today, policy.action_due_soon_working_days)
    cur.execute(
        "SELECT action_id, activity_id, recommendation_id, source_kind, owner_agency_id, due_on, status"
        f" FROM {ACTIONS} WHERE partnership_id = ? AND status = 'open' AND due_on <= ? ORDER BY due_on, action_id",
        (pid, horizon.isoformat()),
    )
    actions = tuple(
        ActionFacts(
            action_id=a, activity_id=act, recommendation_id=r, source_kind=k, owner_agency_id=o,
            due_on=date.fromisoformat(due), status=s,
        )
        for a, act, r, k, o, due, s in cur.fetchall()
    )
    activities = tuple(
        ActivityClockFacts(
            activity_id=c.activity_id, source_kind=c.kind,
            dates=c.model_dump(include={"aware_on", "notified_on", "rapid_review_completed_on", "initiated_on",
                                        "planned_publication_on", "published_on", "final_report_sent_on"}),
        )
        for c in ClocksView().activities(cur, pid)
    )
    marks = ", ".join("?" for _ in acks.LEARNING_READY)
    cur.execute(
        f"SELECT activity_id, signed_off_on FROM agenda_activities WHERE partnership_id = ?"
        f" AND status IN ({marks}) AND signed_off_on IS NOT NULL ORDER BY activity_id",
        (pid, *acks.LEARNING_READY),
    )
    ready = {UUID(a): date.fromisoformat(on) for a, on in cur.fetchall()}
    statuses = acks.statuses(cur, pid, ready)
    learning = tuple(
        LearningFacts(activity_id=a, ready_on=on, missing=tuple(statuses[a].missing))
        for a, on in ready.items() if statuses[a].missing
    )
    cur.execute(
        "SELECT forum_id, meets_on FROM agenda_meetings WHERE partnership_id = ? AND meets_on >= ?"
        " ORDER BY forum_id, meets_on", (pid, today.isoformat()),
    )
    meetings = tuple(MeetingFacts(forum_id=f, meets_on=date.fromisoformat(m)) for f, m in cur.fetchall())
    return ClockFacts(
        partnership_id=pid, policy=policy, rapid_review_starts_from=starts, sign_off_forums=sign_off,
        actions=actions, activities=activities, learning=learning, meetings=meetings,
    )
