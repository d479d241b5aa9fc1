"""Which agencies have acknowledged an activity's learning, and which are still expected to.

Part of the agenda view (its tables are the agenda's): expected agencies are those
involved in the activity, those its findings concern and those its recommendations
are addressed to ("partnership" is not an agency). Rows are kept for every activity;
`statuses` reads them for the activities asked about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from adapters.sql import Cursor
from domain import activity as ev
from domain import recommendation as rec
from domain.events import DomainEvent
from domain.framework import PARTNERSHIP_AGENCY
from projections import codecs
from projections.codecs import ident
from projections.view import handles
from projections.writes import Writes

TABLES = ("agenda_expected_agencies", "agenda_acknowledgements")
DDL = (
    "agenda_expected_agencies (activity_id TEXT NOT NULL, partnership_id TEXT NOT NULL,"
    " agency_id TEXT NOT NULL, PRIMARY KEY (activity_id, agency_id))",
    "agenda_acknowledgements (activity_id TEXT NOT NULL, partnership_id TEXT NOT NULL,"
    " agency_id TEXT NOT NULL, acknowledged_on TEXT NOT NULL, cascaded_by TEXT NOT NULL,"
    " notes TEXT, PRIMARY KEY (activity_id, agency_id))",
)


class AcknowledgementItem(BaseModel):
    agency_id: str
    acknowledged_on: date
    cascaded_by: list[str]
    notes: str | None = None


class AcknowledgementStatus(BaseModel):
    activity_id: UUID
    expected: list[str]
    acknowledged: list[AcknowledgementItem]
    missing: list[str]
    """Expected agencies that have not acknowledged yet."""


def _expect(w: Writes, e: DomainEvent, activity_id: UUID, agencies: Iterable[str]) -> None:
    for agency_id in dict.fromkeys(agencies):
        if agency_id == PARTNERSHIP_AGENCY:
            continue
        w.write(
            "agenda_expected_agencies", (activity_id, agency_id),
            "INSERT INTO agenda_expected_agencies (activity_id, partnership_id, agency_id) VALUES (?, ?, ?)"
            " ON CONFLICT (activity_id, agency_id) DO NOTHING",
            (ident(activity_id), e.partnership_id, agency_id),
        )


class AcknowledgementRows:
    """The agenda view's handlers for its acknowledgement tables (mixed into AgendaView)."""

    @handles(ev.ActivityOpened)
    def _expect_involved(self, w: Writes, e: ev.ActivityOpened, position: int) -> None:
        _expect(w, e, e.originator_id, e.agencies_involved)

    @handles(ev.AgencyInvolved)
    def _expect_involved_later(self, w: Writes, e: ev.AgencyInvolved, position: int) -> None:
        _expect(w, e, e.originator_id, (e.agency_id,))

    @handles(ev.FindingRecorded)
    def _expect_concerned(self, w: Writes, e: ev.FindingRecorded, position: int) -> None:
        _expect(w, e, e.originator_id, e.agencies_concerned)

    @handles(rec.RecommendationMade)
    def _expect_addressed(self, w: Writes, e: rec.RecommendationMade, position: int) -> None:
        _expect(w, e, e.activity_id, e.addressed_to)

    @handles(ev.LearningAcknowledged)
    def _acknowledged(self, w: Writes, e: ev.LearningAcknowledged, position: int) -> None:
        w.write(
            "agenda_acknowledgements", (e.originator_id, e.agency_id),
            "INSERT INTO agenda_acknowledgements (activity_id, partnership_id, agency_id, acknowledged_on,"
            " cascaded_by, notes) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id, agency_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, e.agency_id, codecs.day(e.acknowledged_on),
             codecs.items(m.value for m in e.cascaded_by), e.notes),
        )


def statuses(cur: Cursor, partnership_id: str, activity_ids: Iterable[UUID]) -> dict[UUID, AcknowledgementStatus]:
    """Each asked-for activity's expected, acknowledged and missing agencies (sorted by id)."""
    ids = sorted({str(a) for a in activity_ids})
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    expected: dict[str, list[str]] = {a: [] for a in ids}
    cur.execute(
        f"SELECT activity_id, agency_id FROM agenda_expected_agencies WHERE partnership_id = ?"
        f" AND activity_id IN ({marks}) ORDER BY agency_id", (partnership_id, *ids),
    )
    for activity_id, agency_id in cur.fetchall():
        expected[ident(activity_id)].append(str(agency_id))
    acknowledged: dict[str, list[AcknowledgementItem]] = {a: [] for a in ids}
    cur.execute(
        "SELECT activity_id, agency_id, acknowledged_on, cascaded_by, notes FROM agenda_acknowledgements"
        f" WHERE partnership_id = ? AND activity_id IN ({marks}) ORDER BY agency_id", (partnership_id, *ids),
    )
    for activity_id, agency_id, on, methods, notes in cur.fetchall():
        acknowledged[ident(activity_id)].append(
            AcknowledgementItem(
                agency_id=agency_id, acknowledged_on=date.fromisoformat(on),
                cascaded_by=list(codecs.read_items(methods)), notes=notes,
            )
        )
    result: dict[UUID, AcknowledgementStatus] = {}
    for a in ids:
        done = {item.agency_id for item in acknowledged[a]}
        result[UUID(a)] = AcknowledgementStatus(
            activity_id=UUID(a), expected=expected[a], acknowledged=acknowledged[a],
            missing=[agency for agency in expected[a] if agency not in done],
        )
    return result


LEARNING_READY = ("signed_off", "published", "closed")


def learning_ready(cur: Cursor, partnership_id: str, activity_id: UUID | None = None) -> list[tuple[UUID, str, str]]:
    """(activity_id, title, status) of the partnership's activities whose learning is ready, by title."""
    marks = ", ".join("?" for _ in LEARNING_READY)
    sql = (
        f"SELECT activity_id, title, status FROM agenda_activities WHERE partnership_id = ? AND status IN ({marks})"
    )
    params: tuple[Any, ...] = (partnership_id, *LEARNING_READY)
    if activity_id is not None:
        sql += " AND activity_id = ?"
        params = (*params, ident(activity_id))
    cur.execute(sql + " ORDER BY title, activity_id", params)
    return [(UUID(a), str(t), str(s)) for a, t, s in cur.fetchall()]
