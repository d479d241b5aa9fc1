"""A forum meeting as one plain record: what an agenda pack, a page or the API shows of it.

`meeting_record(store, partnership_id, forum_id, meets_on)` reads the meeting's own record
(domain/meeting.py, found by its derived id), the forum's earlier meetings (the last one's
minutes for approval; the open entries of their action logs, the matters arising) and the
partnership (the forum's next meeting, the agencies' names). Its answer, `MeetingRecord`, is
plain data with no internals: ids only where a reader needs them to act, names for agencies.
A meeting not yet drafted still has a record: no items, but its matters arising and the
minutes waiting for approval, which belong on its agenda whatever else does.
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from adapters.store import EventStore
from domain.meeting_state import Meeting, meeting_uuid
from domain.partnership import Partnership, partnership_uuid

Status = Literal["not_drafted", "drafted", "published"]


class RecordItem(BaseModel):
    """One agenda item, numbered from 1 in the agenda's order, with what the meeting minuted on it."""

    number: int
    item_id: str
    origin: Literal["generated", "added"]
    """generated: drawn from the records; added: by the secretary."""
    section: str
    """The generated agenda's section (awaiting_decision, awaiting_sign_off, actions_overdue, ...) or "added"."""
    title: str
    detail: str
    purpose: Literal["for_decision", "for_information", "for_assurance"]
    presenter: str | None
    minutes_allowed: int | None
    subject_id: UUID | None
    """The recommendation, activity or action a generated item is about."""
    minutes: str | None
    decision: str | None
    """The decision noted on the item at the meeting."""


class Interest(BaseModel):
    person: str
    interest: str
    item_number: int | None
    """The agenda item it was declared on; none: the whole meeting."""


class ActionEntry(BaseModel):
    """An entry of a meeting's action log."""

    meets_on: date
    """The meeting that logged it."""
    number: int
    description: str
    owner_agency_id: str
    owner: str
    """The owner agency's name."""
    due_on: date
    done_on: date | None
    item_number: int | None = None


class MinutesForApproval(BaseModel):
    """The forum's previous meeting's minutes, for this meeting to approve."""

    meets_on: date
    items: list[RecordItem]
    approved_on: date | None
    """The meeting that approved them (this one, once it has)."""


class MeetingRecord(BaseModel):
    """A forum meeting: its agenda (published, else the draft) and what was recorded of it."""

    partnership_id: str
    partnership_name: str
    forum_id: str
    forum_name: str
    meets_on: date
    status: Status
    venue: str | None = None
    starts_at: time | None = None
    chair: str | None = None
    drafted_on: date | None = None
    published_on: date | None = None
    items: list[RecordItem] = Field(default_factory=list)
    present: list[str] = Field(default_factory=list)
    apologies: list[str] = Field(default_factory=list)
    declarations: list[Interest] = Field(default_factory=list)
    actions: list[ActionEntry] = Field(default_factory=list)
    """This meeting's action log."""
    minutes_approved_on: date | None = None
    """The later meeting that approved this meeting's minutes."""
    previous_minutes: MinutesForApproval | None = None
    matters_arising: list[ActionEntry] = Field(default_factory=list)
    """Entries of earlier meetings' action logs not done before this meeting."""
    previous_meeting_on: date | None = None
    next_meeting_on: date | None = None
    version: int = 0
    """The meeting record's version (0: not drafted): a command's expected_version."""


def _items(m: Meeting) -> list[RecordItem]:
    out = []
    for n, i in enumerate(m.items, start=1):
        noted = m.minutes.get(i.item_id)
        out.append(RecordItem(
            number=n, item_id=i.item_id, origin=i.origin.value, section=i.section, title=i.title, detail=i.detail,
            purpose=i.purpose.value, presenter=i.presenter, minutes_allowed=i.minutes_allowed,
            subject_id=i.subject_id, minutes=noted.minutes if noted else None,
            decision=noted.decision if noted else None,
        ))
    return out


def _actions(m: Meeting, names: dict[str, str], numbers: dict[str, int]) -> list[ActionEntry]:
    return [
        ActionEntry(
            meets_on=m.meets_on, number=a.number, description=a.description, owner_agency_id=a.owner_agency_id,
            owner=names.get(a.owner_agency_id, a.owner_agency_id), due_on=a.due_on, done_on=a.done_on,
            item_number=numbers.get(a.item_id) if a.item_id else None,
        )
        for a in m.actions
    ]


def load_meeting(store: EventStore, partnership_id: str, forum_id: str, meets_on: date) -> Meeting | None:
    m = store.load(meeting_uuid(partnership_id, forum_id, meets_on), Meeting)
    return m if m is not None and m.partnership_id == partnership_id else None


def meeting_record(store: EventStore, partnership_id: str, forum_id: str, meets_on: date) -> MeetingRecord | None:
    """The meeting of `forum_id` on `meets_on`; None when the partnership, the forum or the meeting
    (one of the forum's scheduled days) is not on record."""
    p = store.load(partnership_uuid(partnership_id), Partnership)
    forum = p.forums.get(forum_id) if p else None
    if p is None or forum is None or meets_on not in forum.meetings:
        return None
    names = {agency_id: agency.name for agency_id, agency in p.agencies.items()}
    earlier = sorted(d for d in forum.meetings if d < meets_on)
    record = MeetingRecord(
        partnership_id=partnership_id, partnership_name=p.name, forum_id=forum_id, forum_name=forum.name,
        meets_on=meets_on, status="not_drafted", previous_meeting_on=earlier[-1] if earlier else None,
        next_meeting_on=min((d for d in forum.meetings if d > meets_on), default=None),
    )
    m = load_meeting(store, partnership_id, forum_id, meets_on)
    if m is not None:
        items = _items(m)
        numbers = {i.item_id: i.number for i in items}
        record = record.model_copy(update={
            "status": m.status.value, "venue": m.venue, "starts_at": m.starts_at, "chair": m.chair,
            "drafted_on": m.drafted_on, "published_on": m.published_on, "items": items,
            "present": list(m.present), "apologies": list(m.apologies),
            "declarations": [
                Interest(person=d.person, interest=d.interest, item_number=numbers.get(d.item_id or ""))
                for d in m.declarations
            ],
            "actions": _actions(m, names, numbers), "minutes_approved_on": m.minutes_approved_on,
            "version": m.version,
        })
    arising: list[ActionEntry] = []
    for day in earlier:
        before = load_meeting(store, partnership_id, forum_id, day)
        if before is None:
            continue
        if day == earlier[-1]:
            record.previous_minutes = MinutesForApproval(
                meets_on=day, items=[i for i in _items(before) if i.minutes or i.decision],
                approved_on=before.minutes_approved_on,
            )
        arising += [a for a in _actions(before, names, {}) if a.done_on is None or a.done_on >= meets_on]
    record.matters_arising = arising
    return record
