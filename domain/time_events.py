"""Time that passes is an event too: what falls due, recorded once each.

Each event here is caused by a day arriving, not by anyone's command: an action falls due
soon, becomes overdue or is escalated; a statutory deadline approaches or is breached; an
agency's acknowledgement of learning is outstanding; a meeting's papers are due. Each is
stored under a deterministic id (`time_event_id`: its kind, its partnership, what fell due
and the date it fell due on, never the day it was noticed) as version 1 of a stream of its
own, so the store's uniqueness of (id, version) records it once however many clock
processes notice it, after a restart, or with a clock set back. Deciding which are due is
the pure function in domain/falling_due.py; when is the partnership's `ReminderPolicy`,
set here by `set_reminder_policy`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.errors import RuleViolation
from domain.events import DomainEvent
from domain.partnership import Partnership
from domain.reminder_policy import ReminderPolicy
from domain.routing import LearningKind

CLOCK_PRINCIPAL = "system:clock"
"""Who records what time causes: the clock, not a person."""

EscalationLevel = Literal["forum", "executive"]


class TimeEvent(DomainEvent):
    """Something that fell due. `due_on` is when; `as_of` the day the clock found it.

    It names what fell due (an action, an activity) and copies none of its free text: a reader
    shows the description or title from the action or activity itself (or a view of it), which
    a redaction corrects, so a redacted text has no copy here to be missed. Version 1 copied it
    (an action's description sealed under keys of its own, an activity's title in the clear):
    such events are read with the copy dropped (`upcast_v1_v2`), though their stored bytes keep it
    (docs/security.md).
    """

    KIND: ClassVar[str] = ""
    class_version: ClassVar[int] = 2
    COPIED: ClassVar[tuple[str, ...]] = ()
    """The free text version 1 copied, dropped on reading it."""
    due_on: date
    as_of: date

    @classmethod
    def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
        for name in cls.COPIED:
            state.pop(name, None)

    def key(self) -> tuple[str, ...]:
        """What fell due, besides its partnership and `due_on`: the parts of its id."""
        raise NotImplementedError


def time_event_id(kind: str, partnership_id: str, due_on: date, *parts: str) -> UUID:
    return uuid5(NAMESPACE_URL, ":".join(("lif:time", kind, partnership_id, *parts, due_on.isoformat())))


class _ActionTime(TimeEvent):
    action_id: UUID
    activity_id: UUID
    recommendation_id: UUID
    owner_agency_id: str
    """For whom: the agency that owns the action."""
    COPIED = ("description",)

    def key(self) -> tuple[str, ...]:
        return (str(self.action_id),)


class ActionDueSoon(_ActionTime):
    TOPIC = "lif.time.action_due_soon"
    KIND = "action_due_soon"
    SUMMARY = "Action of {owner_agency_id} due on {due_on} ({working_days_left} working day(s) left)"
    LEARNING = LearningKind.ACTION_DUE_SOON
    working_days_left: int


class ActionOverdue(_ActionTime):
    TOPIC = "lif.time.action_overdue"
    KIND = "action_overdue"
    SUMMARY = "Action of {owner_agency_id} overdue: it was due on {due_on}"
    LEARNING = LearningKind.ACTION_OVERDUE


class ActionEscalated(_ActionTime):
    TOPIC = "lif.time.action_escalated"
    KIND = "action_escalated"
    SUMMARY = (
        "Action of {owner_agency_id} due on {due_on}, overdue by more than {threshold_working_days}"
        " working days, escalated to the agenda of {forum_id}"
    )
    forum_id: str
    """The forum whose agenda it goes onto."""
    level: EscalationLevel
    threshold_working_days: int
    """The partnership's threshold it passed."""

    def key(self) -> tuple[str, ...]:
        return (str(self.action_id), self.level)


class _DeadlineTime(TimeEvent):
    COPIED = ("activity_title",)
    activity_id: UUID
    clock: str
    """domain.clocks.ClockName."""
    forum_id: str | None
    """For whom: the forum that signs off the activity's kind (None: the kind is not routed)."""

    def key(self) -> tuple[str, ...]:
        return (str(self.activity_id), self.clock)


class DeadlineApproaching(_DeadlineTime):
    TOPIC = "lif.time.deadline_approaching"
    KIND = "deadline_approaching"
    SUMMARY = "Statutory deadline {clock} due on {due_on}: {working_days_left} working day(s) left"
    working_days_left: int


class DeadlineBreached(_DeadlineTime):
    TOPIC = "lif.time.deadline_breached"
    KIND = "deadline_breached"
    SUMMARY = "Statutory deadline {clock} breached: it was due on {due_on}"


class AcknowledgementOutstanding(TimeEvent):
    TOPIC = "lif.time.acknowledgement_outstanding"
    KIND = "acknowledgement_outstanding"
    SUMMARY = "{agency_id} has not acknowledged the learning of an activity, expected by {due_on}"
    LEARNING = LearningKind.ACKNOWLEDGEMENT_OUTSTANDING
    COPIED = ("activity_title",)
    activity_id: UUID
    agency_id: str
    """For whom: the agency expected to acknowledge."""
    ready_on: date
    """When the learning was signed off: the expectation runs from it."""

    def key(self) -> tuple[str, ...]:
        return (str(self.activity_id), self.agency_id)


class PapersDue(TimeEvent):
    TOPIC = "lif.time.papers_due"
    KIND = "papers_due"
    SUMMARY = "Papers for the meeting of {forum_id} on {meets_on} are due on {due_on}"
    forum_id: str
    """For whom: the forum (its secretary and members)."""
    meets_on: date

    def key(self) -> tuple[str, ...]:
        return (self.forum_id, self.meets_on.isoformat())


TIME_EVENTS: tuple[type[TimeEvent], ...] = (
    ActionDueSoon, ActionOverdue, ActionEscalated, DeadlineApproaching, DeadlineBreached,
    AcknowledgementOutstanding, PapersDue,
)


def time_event(cls: type[TimeEvent], partnership_id: str, **fields: Any) -> TimeEvent:
    """The event under its deterministic id (version 1 of its own stream)."""
    draft = cls.model_construct(partnership_id=partnership_id, **fields)
    return cls(
        originator_id=time_event_id(cls.KIND, partnership_id, fields["due_on"], *draft.key()),
        originator_version=1, partnership_id=partnership_id, principal=CLOCK_PRINCIPAL, **fields,
    )


# --- the policy: partnership data ---------------------------------------------------------


class ReminderPolicySet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.reminder_policy_set"
    SUMMARY = (
        "Reminders: actions {action_due_soon_working_days} working days before due; deadlines"
        " {deadline_warning_working_days} before; acknowledgements expected within"
        " {acknowledgement_expected_working_days}; papers {papers_due_working_days} before a meeting;"
        " escalation after {escalate_after_working_days} overdue, to {executive_forum_id} after"
        " {escalate_to_executive_after_working_days}"
    )
    action_due_soon_working_days: int
    deadline_warning_working_days: int
    acknowledgement_expected_working_days: int
    papers_due_working_days: int
    escalate_after_working_days: int
    escalate_to_executive_after_working_days: int
    executive_forum_id: str

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        policy = ReminderPolicy.model_validate(self.model_dump(include=set(ReminderPolicy.model_fields)))
        return state.model_copy(update={"reminders": policy})


def set_reminder_policy(
    p: Partnership,
    ctx: Context,
    *,
    action_due_soon_working_days: int | None = None,
    deadline_warning_working_days: int | None = None,
    acknowledgement_expected_working_days: int | None = None,
    papers_due_working_days: int | None = None,
    escalate_after_working_days: int | None = None,
    escalate_to_executive_after_working_days: int | None = None,
    executive_forum_id: str | None = None,
) -> Change[Partnership]:
    """Changes when reminders, expectations and escalations fall; a value not given keeps its
    own. It holds from the clock's next run: events already recorded stay as they were."""
    given = {
        "action_due_soon_working_days": action_due_soon_working_days,
        "deadline_warning_working_days": deadline_warning_working_days,
        "acknowledgement_expected_working_days": acknowledgement_expected_working_days,
        "papers_due_working_days": papers_due_working_days,
        "escalate_after_working_days": escalate_after_working_days,
        "escalate_to_executive_after_working_days": escalate_to_executive_after_working_days,
        "executive_forum_id": executive_forum_id,
    }
    merged = {**p.reminders.model_dump(), **{k: v for k, v in given.items() if v is not None}}
    forum = merged["executive_forum_id"]
    p.forum(forum, "executive_forum_id")
    if merged["escalate_to_executive_after_working_days"] <= merged["escalate_after_working_days"]:
        raise RuleViolation(
            "escalation_thresholds_out_of_order",
            "An action reaches the Executive only after its own forum: escalate_to_executive_after_working_days "
            f"({merged['escalate_to_executive_after_working_days']}) must be more than escalate_after_working_days "
            f"({merged['escalate_after_working_days']}).",
            "escalate_to_executive_after_working_days",
        )
    policy = ReminderPolicy.model_validate(merged)
    if policy == p.reminders:
        raise RuleViolation(
            "reminder_policy_unchanged", "The reminder policy already is as given; nothing to change.",
            "action_due_soon_working_days",
        )
    return change(p).trigger(ReminderPolicySet, ctx, **policy.model_dump())
