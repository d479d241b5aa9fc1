"""A forum meeting: its record, the generated items proposed for its draft, and how the live
agenda now differs from the meeting's (published) one.

Drafting, publishing and recording the meeting are commands (domain/commands/meeting.py).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from domain.commands.meeting import GeneratedItem
from domain.errors import NotFound
from domain.meeting_state import meeting_uuid
from domain.values import IsoDate
from projections.meetings import MeetingRow, MeetingsView, forum_meetings
from services.api.deps import PartnershipId, StoreDep
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES, READ_RESPONSES
from services.api.routers.agendas import ForumId, agenda_for
from services.application.meeting_items import AgendaDiff, compare, generated_items
from services.application.meetings import MeetingRecord, load_meeting, meeting_record

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/forums/{forum_id}/meetings", tags=["meetings"])

MeetsOn = Annotated[IsoDate, Path(description="The meeting's day (YYYY-MM-DD), one of the forum's meetings.")]


class AgendaProposal(BaseModel):
    """The generated items for the meeting's draft: post them as `generated` to `.../agendas`
    (`draft_agenda`), with the meeting's venue, time and chair."""

    meeting_id: UUID = Field(description="The meeting's record id, the target of its other commands.")
    generated: list[GeneratedItem]


class ForumMeetings(BaseModel):
    """The forum's meetings whose agenda is drafted, soonest first (the meetings view): all of them, one page."""

    items: list[MeetingRow]
    count: int
    next: str | None = Field(default=None, description="Always null: a forum's meetings fit one page.")


@router.get("", response_model=ForumMeetings, responses=PROJECTION_READ_RESPONSES,
            summary="A forum's drafted and published meetings, with their action logs' counts")
def get_forum_meetings(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId, min_position: MinPosition = None,
) -> ForumMeetings:
    with projection_read(request, MeetingsView.name, min_position) as (cur, _):
        rows = forum_meetings(cur, partnership_id, forum_id)
    return ForumMeetings(items=rows, count=len(rows))


def _unknown(forum_id: str, meets_on: object) -> NotFound:
    return NotFound("unknown_meeting", f"The forum {forum_id!r} has no meeting on {meets_on}.", "meets_on")


@router.get("/{meets_on}", response_model=MeetingRecord, responses=READ_RESPONSES, summary="A forum meeting's record")
def get_meeting(partnership_id: PartnershipId, forum_id: ForumId, meets_on: MeetsOn, store: StoreDep) -> MeetingRecord:
    record = meeting_record(store, partnership_id, forum_id, meets_on)
    if record is None:
        raise _unknown(forum_id, meets_on)
    return record


@router.get("/{meets_on}/agenda-draft", response_model=AgendaProposal, responses=PROJECTION_READ_RESPONSES,
            summary="The generated items proposed for the meeting's draft agenda")
def get_agenda_proposal(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId, meets_on: MeetsOn, store: StoreDep,
    min_position: MinPosition = None,
) -> AgendaProposal:
    if meeting_record(store, partnership_id, forum_id, meets_on) is None:
        raise _unknown(forum_id, meets_on)
    agenda, _ = agenda_for(request, partnership_id, forum_id, meets_on, min_position)
    return AgendaProposal(meeting_id=meeting_uuid(partnership_id, forum_id, meets_on),
                          generated=generated_items(agenda))


@router.get("/{meets_on}/agenda-diff", response_model=AgendaDiff, responses=PROJECTION_READ_RESPONSES,
            summary="The live agenda against the meeting's (published) one")
def get_agenda_diff(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId, meets_on: MeetsOn, store: StoreDep,
    min_position: MinPosition = None,
) -> AgendaDiff:
    meeting = load_meeting(store, partnership_id, forum_id, meets_on)
    if meeting is None:
        raise NotFound("unknown_meeting", f"No agenda is drafted for {forum_id!r} on {meets_on}.", "meets_on")
    agenda, _ = agenda_for(request, partnership_id, forum_id, meets_on, min_position)
    return compare(meeting.items, generated_items(agenda))
