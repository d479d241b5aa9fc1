"""What the agenda pack says of a meeting beyond its generated agenda, from the meeting's own
record (services/application/meetings.py): venue, time and chair as drafted, apologies and
declarations as recorded, the last meeting's minutes for approval and its matters arising, the
forum's action log, and how each item was planned.

The pack (agenda_pack.py) takes a plain `PackMeeting` so that it can be made for a meeting with
no record yet; this is the one place that fills it from a record.
"""

from __future__ import annotations

from datetime import date

from adapters.store import EventStore
from services.application.meetings import ActionEntry, MeetingRecord, meeting_record
from services.application.products.agenda_pack import (
    PackAction,
    PackAddedItem,
    PackItemPlan,
    PackMeeting,
    PackPerson,
)
from services.application.products.agenda_pack_papers import Purpose

PURPOSES: dict[str, Purpose] = {
    "for_decision": "For decision", "for_information": "For information", "for_assurance": "For assurance",
}
SECTION_OF_ITEM = {"actions_escalated": "actions", "actions_overdue": "actions", "actions_at_risk": "actions"}
"""The meeting's items are keyed by the finer sections the pack prints under one heading."""


def _day(on: date) -> str:
    return f"{on:%A} {on.day} {on:%B %Y}"


def _action(entry: ActionEntry, today: date) -> PackAction:
    return PackAction(
        description=entry.description, owner=entry.owner, due_on=entry.due_on, done=entry.done_on is not None,
        on_track=entry.done_on is not None or entry.due_on >= today,
        note=f"Agreed at the meeting of {_day(entry.meets_on)}",
    )


def pack_meeting(record: MeetingRecord, today: date) -> PackMeeting:
    plans: dict[str, PackItemPlan] = {}
    added: list[PackAddedItem] = []
    for item in record.items:
        purpose = PURPOSES.get(item.purpose)
        if item.origin == "added":
            added.append(PackAddedItem(
                title=item.title, purpose=purpose or "For discussion", presenter=item.presenter,
                minutes=item.minutes_allowed or 15, summary=item.detail or None,
            ))
            continue
        section = SECTION_OF_ITEM.get(item.section, item.section)
        if section not in plans and (item.presenter or item.minutes_allowed):
            plans[section] = PackItemPlan(presenter=item.presenter, minutes=item.minutes_allowed, purpose=purpose)
    previous = record.previous_minutes
    minutes = None
    if previous is not None:
        said = [f"{i.number}. {i.title}: {i.minutes}" for i in previous.items if i.minutes]
        minutes = f"The meeting of {_day(previous.meets_on)}. " + (" ".join(said) or "No minutes were recorded.")
    log = {a.description: a for a in [*record.matters_arising, *record.actions]}
    return PackMeeting(
        venue=record.venue, starts_at=record.starts_at, chair=record.chair,
        expected=tuple(PackPerson(name=name) for name in record.present),
        apologies=tuple(PackPerson(name=name) for name in record.apologies),
        declarations=tuple(
            f"{d.person}: {d.interest}" + (f" (item {d.item_number})" if d.item_number else "")
            for d in record.declarations
        ),
        previous_minutes=minutes,
        matters_arising=tuple(f"{a.description} ({a.owner}, due {_day(a.due_on)})" for a in record.matters_arising),
        actions=tuple(_action(a, today) for a in log.values()),
        plans=plans, added_items=tuple(added),
        next_meeting=_day(record.next_meeting_on) if record.next_meeting_on else None,
    )


def pack_meeting_of(store: EventStore, partnership_id: str, forum_id: str, meets_on: date,
                    today: date) -> PackMeeting | None:
    """The pack's meeting details for the forum's meeting on `meets_on` (a meeting not yet drafted
    still has the last one's minutes and matters arising); None for a day the forum does not meet."""
    record = meeting_record(store, partnership_id, forum_id, meets_on)
    return pack_meeting(record, today) if record is not None else None
