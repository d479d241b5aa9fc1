"""Views correct the rows that held a text from its redaction (domain/redaction.py).

A redaction names the event that held the text (its topic, aggregate and version), the field,
and the entity inside the aggregate the text belongs to (a finding's, a forum's, an agency's
id). Each view lists where it copied each field (`Correction`) and, from `TextRedacted`,
overwrites those columns with the corrected text. A rebuild needs none of this: the store
opens the old event with the corrected text. Where a column holds the latest of several
texts (a finding's summary after an amendment), the corrected text replaces what is there:
never the original again, though an older text may stand until the next rebuild.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from adapters.sql import Cursor, ViewDb
from domain import action as act
from domain import activity as ev
from domain import findings as fnd
from domain import partnership as pev
from domain import recommendation as rec
from domain.events import DomainEvent
from domain.redaction import TextRedacted
from projections.view import handles
from projections.writes import Writes

Key = Literal["aggregate", "entity", "partnership"]


@dataclass(frozen=True)
class Correction:
    """`table.column` holds `field` of events of `topic`, in the rows whose `keys` columns are
    the redacted event's aggregate id, entity id or partnership id."""

    topic: str
    field: str
    table: str
    column: str
    keys: tuple[tuple[str, Key], ...]

    def apply(self, w: Writes, e: TextRedacted) -> None:
        if (e.event_topic, e.field) != (self.topic, self.field):
            return
        values = {"aggregate": str(e.aggregate_id), "entity": e.entity_id, "partnership": e.partnership_id}
        where = " AND ".join(f"{column} = ?" for column, _ in self.keys)
        w.execute(
            f"UPDATE {self.table} SET {self.column} = ? WHERE {where}", [e.text, *(values[by] for _, by in self.keys)]
        )
        w.forget()  # what handlers learnt of these rows in this batch held the old text


class CorrectsText:
    """Mixed into a view: its `corrections` applied from each redaction."""

    corrections: ClassVar[tuple[Correction, ...]] = ()

    @handles(TextRedacted)
    def _text_redacted(self, w: Writes, e: TextRedacted, position: int) -> None:
        for correction in self.corrections:
            correction.apply(w, e)


_OPENED, _REPORTED = ev.ActivityOpened.TOPIC, ev.ActivityReported.TOPIC
_ACTIVITY: tuple[tuple[str, Key], ...] = (("activity_id", "aggregate"),)
_ACTION: tuple[tuple[str, Key], ...] = (("action_id", "aggregate"),)

TRACKER = (
    Correction(_OPENED, "title", "tracker_activities", "title", _ACTIVITY),
    Correction(_OPENED, "title", "tracker_actions", "activity_title", _ACTIVITY),
    Correction(act.ActionAgreed.TOPIC, "description", "tracker_actions", "description", _ACTION),
)
CLOCKS = (Correction(_OPENED, "title", "clocks_activities", "title", _ACTIVITY),)
AGENDA = (
    Correction(pev.PartnershipRegistered.TOPIC, "name", "agenda_partnerships", "name",
               (("partnership_id", "partnership"),)),
    Correction(pev.ForumAdded.TOPIC, "name", "agenda_forums", "name",
               (("partnership_id", "partnership"), ("forum_id", "entity"))),
    Correction(pev.AgencyAdded.TOPIC, "name", "agenda_agencies", "name",
               (("partnership_id", "partnership"), ("agency_id", "entity"))),
    Correction(_OPENED, "title", "agenda_activities", "title", _ACTIVITY),
    Correction(_REPORTED, "report_summary", "agenda_activities", "report_summary", _ACTIVITY),
    Correction(ev.FindingRecorded.TOPIC, "summary", "agenda_findings", "summary", (("finding_id", "entity"),)),
    Correction(fnd.FindingAmended.TOPIC, "summary", "agenda_findings", "summary", (("finding_id", "entity"),)),
    Correction(rec.RecommendationMade.TOPIC, "text", "agenda_recommendations", "body",
               (("recommendation_id", "aggregate"),)),
    Correction(act.ActionAgreed.TOPIC, "description", "agenda_actions", "description", _ACTION),
    Correction(act.ActionProgressNoted.TOPIC, "note", "agenda_actions", "last_progress_note", _ACTION),
    Correction(ev.LearningAcknowledged.TOPIC, "notes", "agenda_acknowledgements", "notes",
               (("activity_id", "aggregate"), ("agency_id", "entity"))),
)


def put(payload: Any, path: str, text: str) -> None:
    """Sets the value at `path` (`summary`, `decided_by.0`, `evidence.1.description`) of a JSON payload."""
    *parents, last = path.split(".")
    for step in parents:
        payload = payload[int(step)] if isinstance(payload, list) else payload[step]
    if isinstance(payload, list):
        payload[int(last)] = text
    elif last in payload:
        payload[last] = text


def correct_audit(cur: Cursor, e: TextRedacted) -> None:
    """The audit rows of the redacted event: its payload and rationale (the summary line is made
    from the payload when read)."""
    cur.execute(
        "SELECT e.position, e.rationale, e.payload FROM audit_entities x "
        "JOIN audit_events e ON e.position = x.position WHERE x.entity_id = ? AND e.aggregate_id = ? "
        "AND e.version = ? AND e.partnership_id = ?",
        (str(e.aggregate_id), str(e.aggregate_id), e.version, e.partnership_id),
    )
    for position, rationale, text in cur.fetchall():
        payload = json.loads(text)
        if e.field == "rationale":
            rationale = e.text
        else:
            put(payload, e.field, e.text)
        cur.execute(
            "UPDATE audit_events SET rationale = ?, payload = ? WHERE position = ?",
            (rationale, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), position),
        )


log = logging.getLogger("lif.projections")
SCRUB_SECONDS = 10.0


def scrub_after(db: ViewDb, conn: Any, events: Sequence[tuple[int, DomainEvent]]) -> None:
    """After a committed batch that corrected rows: on SQLite, full-text indexes are merged, and
    the old rows' pages leave the write-ahead log (checkpointed and truncated, retried past
    readers for a while, then said in the log with the file that still holds them). PostgreSQL's
    old row versions go with VACUUM, as docs/security.md says."""
    if db.dialect != "sqlite" or not any(isinstance(e, TextRedacted) for _, e in events):
        return
    # A full-text index keeps a deleted document's words in its older segments (a delete only
    # adds a tombstone) until they are merged: merge them all now, dropping the old words, with
    # the freed segments' pages zeroed (FAST, the connection's setting, leaves freed pages as they were).
    indexes = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%USING fts5%'").fetchall()
    if indexes:
        conn.execute("PRAGMA secure_delete=ON")
        try:
            for (table,) in indexes:
                conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        finally:
            conn.execute("PRAGMA secure_delete=FAST")
    deadline = time.monotonic() + SCRUB_SECONDS
    while True:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        if time.monotonic() >= deadline:
            log.warning("a redacted text's old rows remain in %s-wal: a reader held it for %g s; "
                        "they go at the next checkpoint", db.target, SCRUB_SECONDS)
            return
        time.sleep(0.2)
