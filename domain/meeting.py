"""A forum meeting as a record of its own: its agenda drafted, ordered and published, then what
the meeting recorded (attendance, interests declared, minutes and decisions per item, its action
log), and the approval of its minutes at the forum's next meeting.

The agenda is drafted from the generated agenda's items as they stood that day (a snapshot the
command carries) and the items the secretary adds. Publishing freezes it: `AgendaPublished`
carries every item in full, so the agenda the meeting had in front of it reads the same for
ever after, whatever happens to the records it was drawn from (the live agenda can still be
compared with it). A meeting is recorded only once its agenda is published and its day has come.
"""

from __future__ import annotations

from datetime import date, time

from domain.aggregate import AggregateEvent, Change, Context, base_fields, change
from domain.dates import not_after_today, not_before
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.meeting_state import (
    AgendaItem,
    DeclaredInterest,
    ItemMinutes,
    ItemOrigin,
    LoggedAction,
    Meeting,
    MeetingStatus,
    Purpose,
    meeting_uuid,
)
from domain.partnership import Partnership
from domain.values import FreeText

MAX_ITEMS = 60
MAX_MINUTES_ALLOWED = 240


class AgendaDrafted(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.agenda_drafted"
    SUMMARY = "Agenda of {forum_id} for {meets_on} drafted on {drafted_on}"
    forum_id: str
    meets_on: date
    venue: FreeText
    starts_at: time
    chair: FreeText
    items: tuple[AgendaItem, ...]
    drafted_on: date

    def apply(self, state: Meeting | None) -> Meeting:
        return Meeting(
            **base_fields(self), forum_id=self.forum_id, meets_on=self.meets_on, venue=self.venue,
            starts_at=self.starts_at, chair=self.chair, items=self.items, drafted_on=self.drafted_on,
        )


class AgendaItemAdded(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.agenda_item_added"
    SUMMARY = "Agenda item added: {item}"
    item: AgendaItem

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        return state.model_copy(update={"items": (*state.items, self.item)})


class AgendaReordered(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.agenda_reordered"
    SUMMARY = "Agenda reordered: {order}"
    order: tuple[str, ...]

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        by_id = {i.item_id: i for i in state.items}
        return state.model_copy(update={"items": tuple(by_id[i] for i in self.order)})


class AgendaItemRemoved(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.agenda_item_removed"
    SUMMARY = "Agenda item {item_id} removed"
    item_id: str

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        return state.model_copy(update={"items": tuple(i for i in state.items if i.item_id != self.item_id)})


class AgendaPublished(AggregateEvent[Meeting]):
    """The agenda as published, in full: what the meeting had in front of it."""

    TOPIC = "lif.meeting.agenda_published"
    SUMMARY = "Agenda of {forum_id} for {meets_on} published on {published_on}"
    forum_id: str
    meets_on: date
    venue: FreeText
    starts_at: time
    chair: FreeText
    items: tuple[AgendaItem, ...]
    published_on: date

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        return state.model_copy(update={
            "status": MeetingStatus.PUBLISHED, "items": self.items, "venue": self.venue,
            "starts_at": self.starts_at, "chair": self.chair, "published_on": self.published_on,
        })


class AttendanceRecorded(AggregateEvent[Meeting]):
    """Who was there, who sent apologies, and the interests declared: the whole list each time."""

    TOPIC = "lif.meeting.attendance_recorded"
    SUMMARY = "Attendance recorded: {present} present, apologies from {apologies}"
    present: tuple[FreeText, ...]
    apologies: tuple[FreeText, ...]
    declarations: tuple[DeclaredInterest, ...]

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        return state.model_copy(update={
            "present": self.present, "apologies": self.apologies, "declarations": self.declarations,
        })


class MinutesRecorded(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.minutes_recorded"
    SUMMARY = "Minutes of item {item_id} recorded"
    item_id: str
    minutes: FreeText
    decision: FreeText | None = None

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        noted = ItemMinutes(item_id=self.item_id, minutes=self.minutes, decision=self.decision)
        return state.model_copy(update={"minutes": {**state.minutes, self.item_id: noted}})


class MeetingActionLogged(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.action_logged"
    SUMMARY = "Action {number} logged for {owner_agency_id}, due {due_on}"
    number: int
    description: FreeText
    owner_agency_id: str
    due_on: date
    item_id: str | None = None

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        logged = LoggedAction(
            number=self.number, description=self.description, owner_agency_id=self.owner_agency_id,
            due_on=self.due_on, item_id=self.item_id,
        )
        return state.model_copy(update={"actions": (*state.actions, logged)})


class MeetingActionDone(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.action_done"
    SUMMARY = "Action {number} of the meeting's log done on {done_on}"
    number: int
    done_on: date

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        actions = tuple(
            a.model_copy(update={"done_on": self.done_on}) if a.number == self.number else a for a in state.actions
        )
        return state.model_copy(update={"actions": actions})


class MinutesApproved(AggregateEvent[Meeting]):
    TOPIC = "lif.meeting.minutes_approved"
    SUMMARY = "Minutes approved at the meeting of {approved_on}"
    approved_on: date

    def apply(self, state: Meeting | None) -> Meeting:
        assert state is not None
        return state.model_copy(update={"minutes_approved_on": self.approved_on})


# --- the rules ----------------------------------------------------------------------


def _check_added(title: str, minutes_allowed: int | None) -> None:
    if not title.strip():
        raise InvalidInput("title_required", "Give the item a title.", "title")
    if minutes_allowed is not None and not 1 <= minutes_allowed <= MAX_MINUTES_ALLOWED:
        raise InvalidInput(
            "invalid_minutes_allowed", f"Allow between 1 and {MAX_MINUTES_ALLOWED} minutes for an item.",
            "minutes_allowed",
        )


def _still_a_draft(m: Meeting, field: str) -> None:
    if m.status is MeetingStatus.PUBLISHED:
        raise RuleViolation(
            "agenda_published",
            f"The agenda was published on {m.published_on}; a published agenda is not changed.", field,
        )


def _held(m: Meeting, field: str) -> None:
    """The meeting is recorded against its published agenda, once its day has come."""
    if m.status is not MeetingStatus.PUBLISHED:
        raise RuleViolation(
            "agenda_not_published", "Publish the meeting's agenda before recording the meeting.", field
        )
    not_after_today("meets_on", m.meets_on, "the meeting's day (a meeting is recorded once held)")


def _known_item(m: Meeting, item_id: str | None, field: str = "item_id") -> None:
    if item_id is not None and m.item(item_id) is None:
        raise NotFound("unknown_item", f"The agenda has no item {item_id!r}.", field)


def draft_agenda(
    p: Partnership, ctx: Context, *, forum_id: str, meets_on: date, venue: str, starts_at: time, chair: str,
    generated: tuple[AgendaItem, ...], drafted_on: date,
) -> Change[Meeting]:
    """The meeting's record, its agenda drafted from the generated items given (a snapshot)."""
    forum = p.forum(forum_id)
    if meets_on not in forum.meetings:
        raise RuleViolation(
            "not_a_meeting_date", f"{forum.name} does not meet on {meets_on.isoformat()}; schedule the "
            "meeting first.", "meets_on",
        )
    if len(generated) > MAX_ITEMS:
        raise InvalidInput("too_many_items", f"An agenda holds at most {MAX_ITEMS} items.", "generated")
    ids = [i.item_id for i in generated]
    if len(set(ids)) != len(ids):
        # A rule over the items together, which no schema of one item states: 409.
        raise RuleViolation("duplicate_item", "Each generated item appears once.", "generated")
    if any(i.origin is not ItemOrigin.GENERATED for i in generated):
        raise InvalidInput("not_generated", "The draft takes the generated items only; add others after.",
                           "generated")
    c: Change[Meeting] = Change(None, meeting_uuid(ctx.partnership_id, forum_id, meets_on))
    return c.trigger(
        AgendaDrafted, ctx, forum_id=forum_id, meets_on=meets_on, venue=venue, starts_at=starts_at, chair=chair,
        items=generated, drafted_on=drafted_on,
    )


def add_agenda_item(
    m: Meeting, ctx: Context, *, title: str, purpose: Purpose, presenter: str | None = None,
    minutes_allowed: int | None = None, detail: str | None = None,
) -> Change[Meeting]:
    _still_a_draft(m, "title")
    _check_added(title, minutes_allowed)
    if len(m.items) >= MAX_ITEMS:
        raise RuleViolation("too_many_items", f"An agenda holds at most {MAX_ITEMS} items.", "title")
    number = 1 + sum(1 for i in m.items if i.origin is ItemOrigin.ADDED)
    while m.item(f"added-{number}") is not None:  # a removed item's number is not used again
        number += 1
    item = AgendaItem(
        item_id=f"added-{number}", origin=ItemOrigin.ADDED, section="added", title=title, detail=detail or "",
        purpose=purpose, presenter=presenter, minutes_allowed=minutes_allowed,
    )
    return change(m).trigger(AgendaItemAdded, ctx, item=item)


def reorder_agenda(m: Meeting, ctx: Context, *, order: tuple[str, ...]) -> Change[Meeting]:
    """`order`: every item's id, each once, in the new order."""
    _still_a_draft(m, "order")
    current = [i.item_id for i in m.items]
    if sorted(order) != sorted(current):
        # Judged against the agenda as it stands: a conflict with its state, not bad input.
        raise RuleViolation(
            "order_mismatch", "Name every item of the agenda once, in the new order.", "order"
        )
    if list(order) == current:
        raise RuleViolation("nothing_changed", "The agenda is in that order already.", "order")
    return change(m).trigger(AgendaReordered, ctx, order=order)


def remove_agenda_item(m: Meeting, ctx: Context, *, item_id: str) -> Change[Meeting]:
    _still_a_draft(m, "item_id")
    _known_item(m, item_id)
    item = m.item(item_id)
    assert item is not None
    if item.origin is not ItemOrigin.ADDED:
        # What the records put in front of the meeting stays: the forum decides it, or defers it.
        raise RuleViolation(
            "generated_item", "An item drawn from the records is not removed; only an added item is.", "item_id"
        )
    return change(m).trigger(AgendaItemRemoved, ctx, item_id=item_id)


def publish_agenda(m: Meeting, ctx: Context, *, published_on: date) -> Change[Meeting]:
    _still_a_draft(m, "published_on")
    if not m.items:
        raise RuleViolation("empty_agenda", "The agenda has no item to publish.", "items")
    not_before("published_on", published_on, m.drafted_on, "the agenda's drafted_on")
    return change(m).trigger(
        AgendaPublished, ctx, forum_id=m.forum_id, meets_on=m.meets_on, venue=m.venue, starts_at=m.starts_at,
        chair=m.chair, items=m.items, published_on=published_on,
    )


def record_attendance(
    m: Meeting, ctx: Context, *, present: tuple[str, ...], apologies: tuple[str, ...] = (),
    declarations: tuple[DeclaredInterest, ...] = (),
) -> Change[Meeting]:
    _held(m, "present")
    if not present:
        raise InvalidInput("present_required", "Name at least one person present (the chair).", "present")
    both = {p.casefold() for p in present} & {a.casefold() for a in apologies}
    if both:
        raise InvalidInput(
            "present_and_apologies", f"{sorted(both)[0]} is both present and sending apologies.", "apologies"
        )
    for n, d in enumerate(declarations):
        _known_item(m, d.item_id, f"declarations.{n}.item_id")
    return change(m).trigger(AttendanceRecorded, ctx, present=present, apologies=apologies, declarations=declarations)


def record_minutes(
    m: Meeting, ctx: Context, *, item_id: str, minutes: str, decision: str | None = None
) -> Change[Meeting]:
    _held(m, "minutes")
    _known_item(m, item_id)
    if m.minutes_approved_on is not None:
        raise RuleViolation(
            "minutes_approved", f"The minutes were approved at the meeting of {m.minutes_approved_on}; "
            "they are not changed after.", "minutes",
        )
    return change(m).trigger(MinutesRecorded, ctx, item_id=item_id, minutes=minutes, decision=decision)


def log_meeting_action(
    m: Meeting, p: Partnership, ctx: Context, *, description: str, owner_agency_id: str, due_on: date,
    item_id: str | None = None,
) -> Change[Meeting]:
    _held(m, "description")
    _known_item(m, item_id)
    p.agency(owner_agency_id, "owner_agency_id")
    not_before("due_on", due_on, m.meets_on, "the meeting's day")
    return change(m).trigger(
        MeetingActionLogged, ctx, number=len(m.actions) + 1, description=description,
        owner_agency_id=owner_agency_id, due_on=due_on, item_id=item_id,
    )


def complete_meeting_action(m: Meeting, ctx: Context, *, number: int, done_on: date) -> Change[Meeting]:
    logged = next((a for a in m.actions if a.number == number), None)
    if logged is None:
        raise NotFound("unknown_action", f"The meeting's action log has no action {number}.", "number")
    if logged.done_on is not None:
        raise RuleViolation("action_done", f"Action {number} was done on {logged.done_on}.", "number")
    not_before("done_on", done_on, m.meets_on, "the meeting's day")
    not_after_today("done_on", done_on, "the day the action was done")
    return change(m).trigger(MeetingActionDone, ctx, number=number, done_on=done_on)


def approve_minutes(m: Meeting, p: Partnership, ctx: Context, *, approved_on: date) -> Change[Meeting]:
    """The forum's next meeting approves this one's minutes: `approved_on` is that meeting's day."""
    _held(m, "approved_on")
    if m.minutes_approved_on is not None:
        raise RuleViolation(
            "minutes_approved", f"These minutes were approved at the meeting of {m.minutes_approved_on}.",
            "approved_on",
        )
    following = p.next_meeting(m.forum_id, m.meets_on + (date.resolution))
    if approved_on != following:
        said = f"its next meeting, {following.isoformat()}" if following else "its next meeting (none is scheduled)"
        raise RuleViolation(
            "not_the_next_meeting", f"A meeting's minutes are approved at {said}.", "approved_on"
        )
    not_after_today("approved_on", approved_on, "the meeting that approves the minutes")
    return change(m).trigger(MinutesApproved, ctx, approved_on=approved_on)
