"""The forums' meetings as records of their own (domain/meeting.py): where each stands, and each
meeting's action log, for lists across meetings (a forum's meetings with their state, the
actions still open across them) without loading every meeting.

No free text is kept here (titles, minutes and actions' words stay in the meeting's events),
so a redaction has nothing to correct in it; a meeting's own words are read from its record.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from adapters.sql import Cursor, Dialect
from domain import meeting as mt
from projections import codecs
from projections.codecs import ident
from projections.view import View, handles
from projections.writes import Writes


class MeetingRow(BaseModel):
    meeting_id: UUID
    forum_id: str
    meets_on: date
    status: str
    """drafted or published (a meeting not drafted has no row)."""
    drafted_on: date
    published_on: date | None
    items: int
    actions: int
    open_actions: int
    minutes_approved_on: date | None


class MeetingsView(View):
    name = "meetings"
    tables = ("meetings", "meeting_actions")

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS meetings (meeting_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL,"
            " forum_id TEXT NOT NULL, meets_on TEXT NOT NULL, status TEXT NOT NULL, drafted_on TEXT NOT NULL,"
            " published_on TEXT, items INTEGER NOT NULL, minutes_approved_on TEXT)"
        )
        cur.execute("CREATE INDEX IF NOT EXISTS meetings_by_forum ON meetings (partnership_id, forum_id, meets_on)")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS meeting_actions (meeting_id TEXT NOT NULL, number INTEGER NOT NULL,"
            " partnership_id TEXT NOT NULL, owner_agency_id TEXT NOT NULL, due_on TEXT NOT NULL, done_on TEXT,"
            " PRIMARY KEY (meeting_id, number))"
        )

    def _set(self, w: Writes, meeting_id: UUID, assignments: str, *values: object) -> None:
        w.write("meetings", meeting_id, f"UPDATE meetings SET {assignments} WHERE meeting_id = ?",
                (*values, str(meeting_id)))

    @handles(mt.AgendaDrafted)
    def _drafted(self, w: Writes, e: mt.AgendaDrafted, position: int) -> None:
        w.write(
            "meetings", e.originator_id,
            "INSERT INTO meetings (meeting_id, partnership_id, forum_id, meets_on, status, drafted_on, items)"
            " VALUES (?, ?, ?, ?, 'drafted', ?, ?) ON CONFLICT (meeting_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, e.forum_id, codecs.day(e.meets_on), codecs.day(e.drafted_on),
             len(e.items)),
        )

    @handles(mt.AgendaItemAdded)
    def _added(self, w: Writes, e: mt.AgendaItemAdded, position: int) -> None:
        self._set(w, e.originator_id, "items = items + 1")

    @handles(mt.AgendaItemRemoved)
    def _removed(self, w: Writes, e: mt.AgendaItemRemoved, position: int) -> None:
        self._set(w, e.originator_id, "items = items - 1")

    @handles(mt.AgendaPublished)
    def _published(self, w: Writes, e: mt.AgendaPublished, position: int) -> None:
        self._set(w, e.originator_id, "status = 'published', published_on = ?, items = ?",
                  codecs.day(e.published_on), len(e.items))

    @handles(mt.MinutesApproved)
    def _approved(self, w: Writes, e: mt.MinutesApproved, position: int) -> None:
        self._set(w, e.originator_id, "minutes_approved_on = ?", codecs.day(e.approved_on))

    @handles(mt.MeetingActionLogged)
    def _logged(self, w: Writes, e: mt.MeetingActionLogged, position: int) -> None:
        w.write(
            "meeting_actions", (e.originator_id, e.number),
            "INSERT INTO meeting_actions (meeting_id, number, partnership_id, owner_agency_id, due_on)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (meeting_id, number) DO NOTHING",
            (ident(e.originator_id), e.number, e.partnership_id, e.owner_agency_id, codecs.day(e.due_on)),
        )

    @handles(mt.MeetingActionDone)
    def _done(self, w: Writes, e: mt.MeetingActionDone, position: int) -> None:
        w.write(
            "meeting_actions", (e.originator_id, e.number),
            "UPDATE meeting_actions SET done_on = ? WHERE meeting_id = ? AND number = ?",
            (codecs.day(e.done_on), ident(e.originator_id), e.number),
        )


def forum_meetings(cur: Cursor, partnership_id: str, forum_id: str) -> list[MeetingRow]:
    """The forum's drafted and published meetings, soonest first, with their action logs' counts."""
    cur.execute(
        "SELECT m.meeting_id, m.forum_id, m.meets_on, m.status, m.drafted_on, m.published_on, m.items,"
        " m.minutes_approved_on, COUNT(a.number), COUNT(a.number) - COUNT(a.done_on)"
        " FROM meetings m LEFT JOIN meeting_actions a ON a.meeting_id = m.meeting_id"
        " WHERE m.partnership_id = ? AND m.forum_id = ?"
        " GROUP BY m.meeting_id, m.forum_id, m.meets_on, m.status, m.drafted_on, m.published_on, m.items,"
        " m.minutes_approved_on ORDER BY m.meets_on",
        (partnership_id, forum_id),
    )
    return [
        MeetingRow(
            meeting_id=UUID(str(r[0])), forum_id=r[1], meets_on=date.fromisoformat(r[2]), status=r[3],
            drafted_on=date.fromisoformat(r[4]), published_on=date.fromisoformat(r[5]) if r[5] else None,
            items=r[6], minutes_approved_on=date.fromisoformat(r[7]) if r[7] else None, actions=r[8],
            open_actions=r[9],
        )
        for r in cur.fetchall()
    ]
