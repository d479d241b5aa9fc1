"""What falls due on a day: the one pure function the clock asks.

Given a partnership's state as the views know it (`ClockFacts`) and a day, `falling_due`
returns every time-derived event (domain/time_events.py) whose moment has come by that
day. It returns them all, not only the new ones: each carries its deterministic id, and
recording an id already stored is refused by the store, so the answer may be given again
on any later day, by any process, without recording anything twice.

Thresholds are in working days (domain/clocks.py), read from the partnership's
`ReminderPolicy`. A moment already passed by a later one is not announced late: an action
found overdue is not also said to be due soon, nor a breached deadline to be approaching.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.clocks import RapidReviewStart, StatutoryDates, add_working_days, subtract_working_days
from domain.clocks import working_days_between as working_days
from domain.reminder_policy import DEFAULT_REMINDER_POLICY, ReminderPolicy
from domain.time_events import (
    AcknowledgementOutstanding,
    ActionDueSoon,
    ActionEscalated,
    ActionOverdue,
    DeadlineApproaching,
    DeadlineBreached,
    PapersDue,
    TimeEvent,
    time_event,
)


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True)


class ActionFacts(_Facts):
    action_id: UUID
    activity_id: UUID
    recommendation_id: UUID
    source_kind: str
    owner_agency_id: str
    due_on: date
    status: str
    """open, completed or assured: only an open action falls due."""


class ActivityClockFacts(_Facts):
    activity_id: UUID
    source_kind: str
    dates: StatutoryDates


class LearningFacts(_Facts):
    """Learning signed off, and the agencies expected to acknowledge it that have not."""

    activity_id: UUID
    ready_on: date
    missing: tuple[str, ...]


class MeetingFacts(_Facts):
    forum_id: str
    meets_on: date


class ClockFacts(_Facts):
    partnership_id: str
    policy: ReminderPolicy = DEFAULT_REMINDER_POLICY
    rapid_review_starts_from: RapidReviewStart = "awareness"
    sign_off_forums: dict[str, str] = {}
    """Source kind -> the forum that signs its activities off: the forum an action of it is escalated to."""
    actions: tuple[ActionFacts, ...] = ()
    activities: tuple[ActivityClockFacts, ...] = ()
    learning: tuple[LearningFacts, ...] = ()
    meetings: tuple[MeetingFacts, ...] = ()


def falling_due(facts: ClockFacts, today: date) -> list[TimeEvent]:
    """Every time-derived event due by `today`, in a stable order."""
    events = [
        *_actions(facts, today), *_deadlines(facts, today), *_acknowledgements(facts, today), *_papers(facts, today),
    ]
    return sorted(events, key=lambda e: (e.TOPIC, str(e.originator_id)))


def _actions(facts: ClockFacts, today: date) -> Iterator[TimeEvent]:
    policy, pid = facts.policy, facts.partnership_id
    for a in facts.actions:
        if a.status != "open":
            continue
        about = {
            "action_id": a.action_id, "activity_id": a.activity_id, "recommendation_id": a.recommendation_id,
            "owner_agency_id": a.owner_agency_id, "due_on": a.due_on, "as_of": today,
        }
        if a.due_on >= today:
            left = working_days(today, a.due_on)
            if left <= policy.action_due_soon_working_days:
                yield time_event(ActionDueSoon, pid, working_days_left=left, **about)
            continue
        yield time_event(ActionOverdue, pid, **about)
        overdue_by = working_days(a.due_on, today)
        levels = (
            ("forum", facts.sign_off_forums.get(a.source_kind), policy.escalate_after_working_days),
            ("executive", policy.executive_forum_id, policy.escalate_to_executive_after_working_days),
        )
        for level, forum_id, threshold in levels:
            if forum_id is None or overdue_by <= threshold:
                continue
            if level == "executive" and forum_id == facts.sign_off_forums.get(a.source_kind):
                continue  # the Executive owns it already: its forum-level escalation put it there
            yield time_event(
                ActionEscalated, pid, forum_id=forum_id, level=level, threshold_working_days=threshold, **about
            )


def _deadlines(facts: ClockFacts, today: date) -> Iterator[TimeEvent]:
    warning = facts.policy.deadline_warning_working_days
    for activity in facts.activities:
        for d in activity.dates.deadlines(facts.rapid_review_starts_from):
            if d.met_on is not None:
                continue
            about = {
                "activity_id": activity.activity_id, "clock": d.clock.value,
                "forum_id": facts.sign_off_forums.get(activity.source_kind), "due_on": d.due_on, "as_of": today,
            }
            if today > d.due_on:
                yield time_event(DeadlineBreached, facts.partnership_id, **about)
                continue
            left = d.days_remaining(today)
            if left <= warning:
                yield time_event(DeadlineApproaching, facts.partnership_id, working_days_left=left, **about)


def _acknowledgements(facts: ClockFacts, today: date) -> Iterator[TimeEvent]:
    within = facts.policy.acknowledgement_expected_working_days
    for learning in facts.learning:
        expected_by = add_working_days(learning.ready_on, within)
        if today <= expected_by:
            continue
        for agency_id in learning.missing:
            yield time_event(
                AcknowledgementOutstanding, facts.partnership_id, activity_id=learning.activity_id,
                agency_id=agency_id, ready_on=learning.ready_on, due_on=expected_by, as_of=today,
            )


def _papers(facts: ClockFacts, today: date) -> Iterator[TimeEvent]:
    before = facts.policy.papers_due_working_days
    for meeting in facts.meetings:
        papers_due_on = subtract_working_days(meeting.meets_on, before)
        if papers_due_on <= today <= meeting.meets_on:
            yield time_event(
                PapersDue, facts.partnership_id, forum_id=meeting.forum_id, meets_on=meeting.meets_on,
                due_on=papers_due_on, as_of=today,
            )
