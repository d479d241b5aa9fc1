"""Commands on a forum meeting (domain/meeting.py): its agenda drafted, added to, ordered and
published; then the meeting's attendance, minutes, action log, and its minutes' approval.

`GET .../forums/{forum_id}/meetings/{meets_on}/agenda-draft` proposes the generated items for
`draft_agenda` (the generated agenda's items for that day); the command records them as given.
A meeting's id is derived from its forum and day (domain.meeting_state.meeting_uuid); the
meeting itself answers with it, and `GET .../forums/{forum_id}/meetings/{meets_on}` reads it.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain import meeting as meetings
from domain.commands.base import Command, Roles, declare, non_empty
from domain.meeting_state import AgendaItem, DeclaredInterest, ItemOrigin, Purpose
from domain.values import IsoDate, Name, Slug, Text, TextRule

M = "meetings/{meeting_id}"
SECRETARY_DRAFTS: Roles = {"admin": "anything", "secretary": "own_forum_in_body"}
"""The forum's secretary drafts its own forum's agendas; the business unit may too."""
SECRETARY_RECORDS: Roles = {"admin": "anything", "secretary": "own_forum_meeting"}
"""And keeps its own forum's meetings' records."""

ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}(:[A-Za-z0-9_.:-]{1,120}|-[0-9]{1,4})$")]
"""A generated item's `<section>:<subject>`, or an added item's `added-<n>`."""
StartsAt = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Detail = Annotated[str, TextRule(10_000, min_length=0, single_line=False)]


class GeneratedItem(BaseModel):
    """A generated agenda item as the draft proposal gives it (GET .../agenda-draft)."""

    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)

    item_id: ItemId
    section: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
    title: Name
    detail: Detail = ""
    purpose: Purpose
    subject_id: UUID | None = None

    def to_item(self) -> AgendaItem:
        return AgendaItem(origin=ItemOrigin.GENERATED, **self.model_dump())


class InterestDeclared(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)

    person: Name
    interest: Text
    item_id: ItemId | None = Field(default=None, description="The item it is declared on; none: the meeting.")


@declare(meetings.draft_agenda, "agendas", SECRETARY_DRAFTS)
class DraftAgenda(Command):
    """Start the meeting's record: its agenda drafted from the generated items given."""

    name: ClassVar[str] = "draft_agenda"
    forum_id: Slug
    meets_on: IsoDate
    venue: Name
    starts_at: StartsAt = Field(description="The time the meeting starts, HH:MM (24-hour, local).")
    chair: Name
    generated: tuple[GeneratedItem, ...] = Field(
        default=(), description="The generated items, as GET .../agenda-draft proposes them.",
        json_schema_extra={"maxItems": meetings.MAX_ITEMS},
    )
    drafted_on: IsoDate

    def arguments(self) -> dict[str, Any]:
        return {
            **super().arguments(), "starts_at": time.fromisoformat(self.starts_at),
            "generated": tuple(g.to_item() for g in self.generated),
        }


@declare(meetings.add_agenda_item, f"{M}/items", SECRETARY_RECORDS)
class AddAgendaItem(Command):
    """Add an item to the draft agenda (a presentation, any other business): it goes last."""

    name: ClassVar[str] = "add_agenda_item"
    title: Name
    purpose: Purpose
    presenter: Name | None = None
    minutes_allowed: int | None = Field(default=None, ge=1, le=meetings.MAX_MINUTES_ALLOWED)
    detail: Text | None = None


@declare(meetings.reorder_agenda, f"{M}/order", SECRETARY_RECORDS)
class ReorderAgenda(Command):
    """Put the draft agenda's items in a new order: every item's id, each once."""

    name: ClassVar[str] = "reorder_agenda"
    order: tuple[ItemId, ...] = non_empty("Every item's id, in the new order.")


@declare(meetings.remove_agenda_item, f"{M}/removals", SECRETARY_RECORDS)
class RemoveAgendaItem(Command):
    """Take an added item off the draft agenda (items drawn from the records stay)."""

    name: ClassVar[str] = "remove_agenda_item"
    item_id: ItemId


@declare(meetings.publish_agenda, f"{M}/publication", SECRETARY_RECORDS)
class PublishAgenda(Command):
    """Publish the agenda: it is frozen as it stands, for good."""

    name: ClassVar[str] = "publish_agenda"
    published_on: IsoDate


@declare(meetings.record_attendance, f"{M}/attendance", SECRETARY_RECORDS)
class RecordAttendance(Command):
    """Who was present, who sent apologies, and the interests declared (the whole list each time)."""

    name: ClassVar[str] = "record_attendance"
    present: tuple[Name, ...] = non_empty("Who was present: at least one.")
    apologies: tuple[Name, ...] = ()
    declarations: tuple[InterestDeclared, ...] = ()

    def arguments(self) -> dict[str, Any]:
        return {
            **super().arguments(),
            "declarations": tuple(DeclaredInterest(**d.model_dump()) for d in self.declarations),
        }


@declare(meetings.record_minutes, f"{M}/minutes", SECRETARY_RECORDS)
class RecordMinutes(Command):
    """The minutes of one item, and the decision noted on it (replacing what was recorded)."""

    name: ClassVar[str] = "record_minutes"
    item_id: ItemId
    minutes: Text
    decision: Text | None = None


@declare(meetings.log_meeting_action, f"{M}/actions", SECRETARY_RECORDS)
class LogMeetingAction(Command):
    """Add an action to the meeting's action log."""

    name: ClassVar[str] = "log_meeting_action"
    description: Text
    owner_agency_id: Slug
    due_on: IsoDate
    item_id: ItemId | None = None


@declare(meetings.complete_meeting_action, f"{M}/actions/done", SECRETARY_RECORDS)
class CompleteMeetingAction(Command):
    """Mark an action of the meeting's log done."""

    name: ClassVar[str] = "complete_meeting_action"
    number: int = Field(ge=1, le=10_000)
    done_on: IsoDate


@declare(meetings.approve_minutes, f"{M}/minutes/approval", SECRETARY_RECORDS)
class ApproveMinutes(Command):
    """Record that the forum's next meeting approved this meeting's minutes."""

    name: ClassVar[str] = "approve_minutes"
    approved_on: IsoDate = Field(description="The day of the next meeting, which approved them.")
