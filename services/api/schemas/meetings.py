"""A forum meeting's record as its commands answer it (domain/meeting_state.py): the agenda as it
stands, and what was recorded of the meeting. `GET .../forums/{forum_id}/meetings/{meets_on}`
answers the fuller `MeetingRecord` (numbered items, agencies' names, the last meeting's minutes
and the matters arising)."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field

from domain.meeting_state import AgendaItem, DeclaredInterest, ItemMinutes, LoggedAction, MeetingStatus
from services.api.schemas.records import Record


class MeetingAnswer(Record):
    """A meeting, as a command on it answers."""

    type: Literal["meeting"] = Field(description="The kind of record.")
    forum_id: str
    meets_on: date = Field(description="The meeting's day.")
    venue: str
    starts_at: time
    chair: str
    status: MeetingStatus = Field(description="drafted, or published (the agenda frozen).")
    items: list[AgendaItem] = Field(description="The agenda's items in order.")
    drafted_on: date
    published_on: date | None = None
    present: list[str] = Field(default_factory=list)
    apologies: list[str] = Field(default_factory=list)
    declarations: list[DeclaredInterest] = Field(default_factory=list)
    minutes: dict[str, ItemMinutes] = Field(default_factory=dict, description="By item id.")
    actions: list[LoggedAction] = Field(default_factory=list, description="The meeting's action log.")
    minutes_approved_on: date | None = Field(default=None, description="The meeting that approved the minutes.")
