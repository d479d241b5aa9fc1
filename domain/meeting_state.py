"""A forum meeting's state: its agenda (drafted, then published), and what the meeting recorded.

One record per forum meeting, under an id derived from its partnership, forum and day
(`meeting_uuid`), so a page or a client finds it from the date alone. Its events and rules
are in domain/meeting.py.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from domain.aggregate import AggregateState
from domain.values import FreeText


def meeting_uuid(partnership_id: str, forum_id: str, meets_on: date) -> UUID:
    """The meeting's record id: the same for the same forum and day, found without a look-up."""
    return uuid5(NAMESPACE_URL, f"lif:meeting:{partnership_id}:{forum_id}:{meets_on.isoformat()}")


class Purpose(StrEnum):
    """Why an item is in front of the meeting: what the chair asks of it."""

    DECISION = "for_decision"
    INFORMATION = "for_information"
    ASSURANCE = "for_assurance"


class ItemOrigin(StrEnum):
    GENERATED = "generated"
    """Drawn from the records (the generated agenda's items, as they stood when drafted)."""
    ADDED = "added"
    """Added by the secretary (a presentation, any other business)."""


class AgendaItem(BaseModel):
    """One item in front of the meeting. A generated item's `item_id` is its section and subject
    (`awaiting_decision:<recommendation id>`), so the live agenda can be compared with it."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    origin: ItemOrigin
    section: str
    title: FreeText
    detail: FreeText = ""
    purpose: Purpose
    presenter: FreeText | None = None
    minutes_allowed: int | None = None
    subject_id: UUID | None = None
    """The recommendation, activity or action a generated item is about."""


class DeclaredInterest(BaseModel):
    model_config = ConfigDict(frozen=True)

    person: FreeText
    interest: FreeText
    item_id: str | None = None
    """The item it is declared on; none for the whole meeting."""


class ItemMinutes(BaseModel):
    model_config = ConfigDict(frozen=True)

    item_id: str
    minutes: FreeText
    decision: FreeText | None = None
    """The decision noted on the item, in the meeting's words."""


class LoggedAction(BaseModel):
    """An entry of the meeting's action log: numbered from 1 within the meeting."""

    model_config = ConfigDict(frozen=True)

    number: int
    description: FreeText
    owner_agency_id: str
    due_on: date
    item_id: str | None = None
    done_on: date | None = None


class MeetingStatus(StrEnum):
    DRAFTED = "drafted"
    PUBLISHED = "published"


class Meeting(AggregateState):
    forum_id: str
    meets_on: date
    venue: str
    starts_at: time
    chair: str
    status: MeetingStatus = MeetingStatus.DRAFTED
    items: tuple[AgendaItem, ...] = ()
    drafted_on: date
    published_on: date | None = None
    present: tuple[str, ...] = ()
    apologies: tuple[str, ...] = ()
    declarations: tuple[DeclaredInterest, ...] = ()
    minutes: dict[str, ItemMinutes] = {}
    """By item id."""
    actions: tuple[LoggedAction, ...] = ()
    minutes_approved_on: date | None = None
    """The later meeting of the forum that approved these minutes."""

    def item(self, item_id: str) -> AgendaItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)

    @property
    def open_actions(self) -> tuple[LoggedAction, ...]:
        return tuple(a for a in self.actions if a.done_on is None)
