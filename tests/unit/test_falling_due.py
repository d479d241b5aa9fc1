"""What falls due on a day: the pure function the clock asks, over working days and the partnership's policy."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent

from adapters.store import PydanticMapper
from domain.clocks import StatutoryDates
from domain.errors import NotFound, RuleViolation
from domain.falling_due import ActionFacts, ActivityClockFacts, ClockFacts, LearningFacts, MeetingFacts, falling_due
from domain.framework import ARLF, BOARD, EXECUTIVE
from domain.free_text import free_text, free_text_fields
from domain.reminder_policy import ReminderPolicy
from domain.time_events import (
    CLOCK_PRINCIPAL,
    TIME_EVENTS,
    AcknowledgementOutstanding,
    ActionDueSoon,
    ActionEscalated,
    ActionOverdue,
    DeadlineApproaching,
    DeadlineBreached,
    PapersDue,
    ReminderPolicySet,
    TimeEvent,
    set_reminder_policy,
)
from tests.unit.builders import POLICE, ctx, partnership

D = date
PID = "st-helens"
ACTION = UUID("00000000-0000-4000-8000-000000000001")
ACTIVITY = UUID("00000000-0000-4000-8000-000000000002")


def action(due_on: date, *, status: str = "open", kind: str = "thematic_audit") -> ActionFacts:
    return ActionFacts(
        action_id=ACTION, activity_id=ACTIVITY, recommendation_id=uuid4(), source_kind=kind,
        owner_agency_id=POLICE, due_on=due_on, status=status,
    )


def facts(**parts: object) -> ClockFacts:
    return ClockFacts.model_validate({
        "partnership_id": PID, "sign_off_forums": {"thematic_audit": ARLF, "rapid_review": BOARD}, **parts,
    })


def kinds(events: list[TimeEvent]) -> list[tuple[str, ...]]:
    return [(type(e).__name__, *e.key()[1:]) for e in events]


# Friday 14 March 2025; March 2025 has no bank holiday.
DUE = D(2025, 3, 14)


def test_an_action_is_due_soon_within_the_policys_working_days_and_not_before() -> None:
    assert falling_due(facts(actions=[action(DUE)]), D(2025, 3, 6)) == []  # 6 working days left
    (soon,) = falling_due(facts(actions=[action(DUE)]), D(2025, 3, 7))  # Friday: 5 working days left
    assert isinstance(soon, ActionDueSoon)
    assert (soon.working_days_left, soon.owner_agency_id, soon.due_on, soon.as_of) == (5, POLICE, DUE, D(2025, 3, 7))
    assert soon.partnership_id == PID and soon.principal == CLOCK_PRINCIPAL and soon.originator_version == 1
    (on_the_day,) = falling_due(facts(actions=[action(DUE)]), DUE)
    assert isinstance(on_the_day, ActionDueSoon) and on_the_day.working_days_left == 0
    wider = facts(actions=[action(DUE)], policy=ReminderPolicy(action_due_soon_working_days=6))
    assert kinds(falling_due(wider, D(2025, 3, 6))) == [("ActionDueSoon",)]


def test_an_overdue_action_is_not_said_to_be_due_soon_and_a_closed_one_is_never_due() -> None:
    (overdue,) = falling_due(facts(actions=[action(DUE)]), D(2025, 3, 15))
    assert isinstance(overdue, ActionOverdue) and (overdue.due_on, overdue.action_id) == (DUE, ACTION)
    for status in ("completed", "assured"):
        assert falling_due(facts(actions=[action(DUE, status=status)]), D(2025, 4, 30)) == []


def test_escalation_counts_working_days_overdue_to_the_owning_forum_then_the_executive() -> None:
    f = facts(actions=[action(DUE)])
    assert kinds(falling_due(f, D(2025, 3, 28))) == [("ActionOverdue",)]  # 10 working days overdue
    escalated = [e for e in falling_due(f, D(2025, 3, 31)) if isinstance(e, ActionEscalated)]  # 11
    assert [(e.forum_id, e.level, e.threshold_working_days) for e in escalated] == [(ARLF, "forum", 10)]
    assert len([e for e in falling_due(f, D(2025, 4, 11)) if isinstance(e, ActionEscalated)]) == 1  # 20
    levels = {e.level: e.forum_id for e in falling_due(f, D(2025, 4, 14)) if isinstance(e, ActionEscalated)}
    assert levels == {"forum": ARLF, "executive": EXECUTIVE}  # 21 working days overdue


def test_bank_holidays_are_not_working_days_overdue() -> None:
    # Due Thursday 17 April 2025: Good Friday, Easter Monday and the May bank holiday do not count.
    f = facts(actions=[action(D(2025, 4, 17))])
    assert not [e for e in falling_due(f, D(2025, 5, 6)) if isinstance(e, ActionEscalated)]  # 10 working days
    assert [e.level for e in falling_due(f, D(2025, 5, 7)) if isinstance(e, ActionEscalated)] == ["forum"]


def test_an_action_its_executive_owns_is_escalated_there_once() -> None:
    f = facts(actions=[action(DUE, kind="child_death_review")], sign_off_forums={"child_death_review": EXECUTIVE})
    escalated = [e for e in falling_due(f, D(2025, 4, 14)) if isinstance(e, ActionEscalated)]
    assert [(e.forum_id, e.level) for e in escalated] == [(EXECUTIVE, "forum")]


def test_the_id_names_what_fell_due_and_when_never_the_day_it_was_noticed() -> None:
    first = {type(e): e.originator_id for e in falling_due(facts(actions=[action(DUE)]), D(2025, 3, 31))}
    later = {type(e): e.originator_id for e in falling_due(facts(actions=[action(DUE)]), D(2025, 4, 3))}
    assert first == later
    moved = facts(actions=[action(D(2025, 3, 17))])
    rescheduled = {type(e): e.originator_id for e in falling_due(moved, D(2025, 4, 3))}
    assert set(rescheduled.values()).isdisjoint(first.values())  # a new due date falls due anew
    elsewhere = falling_due(facts(actions=[action(DUE)], partnership_id="wirral"), D(2025, 3, 31))
    assert {e.originator_id for e in elsewhere}.isdisjoint(first.values())


def clocks(aware_on: date, **met: date) -> ActivityClockFacts:
    return ActivityClockFacts(
        activity_id=ACTIVITY, source_kind="rapid_review",
        dates=StatutoryDates(aware_on=aware_on, **met),
    )


def test_a_statutory_deadline_approaches_then_is_breached_unless_met() -> None:
    aware = D(2025, 3, 3)  # notification due Monday 10 March, rapid review Monday 24 March
    assert falling_due(facts(activities=[clocks(aware)]), D(2025, 3, 4)) == []  # 4 working days left
    (approaching,) = falling_due(facts(activities=[clocks(aware)]), D(2025, 3, 5))
    assert isinstance(approaching, DeadlineApproaching)
    assert (approaching.clock, approaching.due_on, approaching.working_days_left, approaching.forum_id) == (
        "serious_incident_notification", D(2025, 3, 10), 3, BOARD,
    )
    assert kinds(falling_due(facts(activities=[clocks(aware)]), D(2025, 3, 11))) == [
        ("DeadlineBreached", "serious_incident_notification"),
    ]
    both = falling_due(facts(activities=[clocks(aware)]), D(2025, 3, 25))
    assert sorted(e.key()[1] for e in both if isinstance(e, DeadlineBreached)) == [
        "rapid_review", "serious_incident_notification",
    ]
    met = clocks(aware, notified_on=D(2025, 3, 12), rapid_review_completed_on=D(2025, 3, 20))
    assert falling_due(facts(activities=[met]), D(2025, 3, 25)) == []


def test_an_acknowledgement_is_outstanding_once_the_expectation_has_passed() -> None:
    ready = LearningFacts(activity_id=ACTIVITY, ready_on=D(2025, 3, 3), missing=(POLICE, "council"))
    assert falling_due(facts(learning=[ready]), D(2025, 3, 31)) == []  # the 20th working day after
    outstanding = falling_due(facts(learning=[ready]), D(2025, 4, 1))
    assert all(isinstance(e, AcknowledgementOutstanding) for e in outstanding)
    assert sorted((e.agency_id, e.due_on) for e in outstanding) == [  # type: ignore[attr-defined]
        ("council", D(2025, 3, 31)), (POLICE, D(2025, 3, 31)),
    ]


def test_papers_are_due_a_set_number_of_working_days_before_the_meeting_until_it_sits() -> None:
    meeting = MeetingFacts(forum_id=BOARD, meets_on=D(2025, 3, 17))
    assert falling_due(facts(meetings=[meeting]), D(2025, 3, 7)) == []
    (papers,) = falling_due(facts(meetings=[meeting]), D(2025, 3, 10))
    assert isinstance(papers, PapersDue) and (papers.due_on, papers.forum_id) == (D(2025, 3, 10), BOARD)
    assert falling_due(facts(meetings=[meeting]), D(2025, 3, 18)) == []


def test_the_reminder_policy_is_partnership_data_set_with_its_reasons_checked() -> None:
    p = partnership()
    assert p.reminders == ReminderPolicy()
    changed = set_reminder_policy(p, ctx("Agencies asked for a week's notice."), action_due_soon_working_days=10)
    (event,) = changed.events
    assert isinstance(event, ReminderPolicySet) and event.action_due_soon_working_days == 10
    assert changed.result.reminders.action_due_soon_working_days == 10
    assert changed.result.reminders.escalate_after_working_days == 10  # kept its own
    with pytest.raises(RuleViolation) as unchanged:
        set_reminder_policy(changed.result, ctx(), action_due_soon_working_days=10)
    assert unchanged.value.code == "reminder_policy_unchanged"
    with pytest.raises(RuleViolation) as order:
        set_reminder_policy(p, ctx(), escalate_to_executive_after_working_days=5)
    assert (order.value.code, order.value.field) == (
        "escalation_thresholds_out_of_order", "escalate_to_executive_after_working_days",
    )
    with pytest.raises(NotFound) as forum:
        set_reminder_policy(p, ctx(), executive_forum_id="no-such-forum")
    assert forum.value.field == "executive_forum_id"


def test_what_the_clock_records_copies_no_free_text_of_what_fell_due() -> None:
    # A redaction corrects an action's description or an activity's title where they were
    # recorded; a copy here would be missed (issue 12). Readers show them from the action or activity.
    for cls in TIME_EVENTS:
        assert list(free_text_fields(cls)) == ["rationale"], cls.__name__
    today = D(2025, 4, 14)
    ready = LearningFacts(activity_id=ACTIVITY, ready_on=D(2025, 3, 3), missing=(POLICE,))
    events = falling_due(facts(actions=[action(DUE)], activities=[clocks(D(2025, 3, 3))], learning=[ready]), today)
    assert {type(e) for e in events} >= {ActionOverdue, ActionEscalated, DeadlineBreached, AcknowledgementOutstanding}
    assert all(list(free_text(e)) == [] for e in events)


@pytest.mark.parametrize(("cls", "copied"), [
    (ActionOverdue, {"description": "Train every response officer."}),
    (DeadlineBreached, {"activity_title": "Rapid review: infant"}),
])
def test_an_event_stored_when_the_clock_copied_text_is_read_without_the_copy(
    cls: type[TimeEvent], copied: dict[str, str],
) -> None:
    event, *_ = [e for e in falling_due(facts(actions=[action(DUE)], activities=[clocks(D(2025, 3, 3))]),
                                        D(2025, 3, 31)) if type(e) is cls]
    v1 = {**event.model_dump(mode="json", exclude={"originator_id", "originator_version"}), **copied}
    stored = StoredEvent(originator_id=event.originator_id, originator_version=1, topic=cls.TOPIC,
                         state=JSONTranscoder().encode(v1))
    assert PydanticMapper(transcoder=JSONTranscoder()).to_domain_event(stored) == event
