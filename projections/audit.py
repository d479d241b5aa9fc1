"""The audit trail: every event as a row, who did it, why, and a one-line summary.

Rows are keyed by log position, so pages are cut by position (keyset
pagination) and never shift as new events arrive. Besides its own aggregate,
an event is filed under the entities it names (a finding, a decision's
subject, the decision behind a sign-off), so an entity's history is complete.

The summary line is made when a row is read, from its payload (`summarize`): a rebuild
writes a row per event and reads pages of a hundred. The `summary` column stays, empty,
so that a views database made before this (where it is NOT NULL) takes the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from string import Formatter
from typing import Any

from adapters.idempotency import CommandAnswered
from adapters.sql import Cursor, Dialect
from domain.catalogue import EVENT_CLASSES
from domain.claims import IdClaimed
from domain.events import DomainEvent
from domain.redaction import TextRedacted
from projections.codecs import instant
from projections.redactions import correct_audit
from projections.view import View

EVENTS = "audit_events"
ENTITIES = "audit_entities"
_BASE_FIELDS = {
    "originator_id", "originator_version", "timestamp", "event_id", "partnership_id", "principal", "rationale",
}
_SHORT = 80

_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {EVENTS} (
        position BIGINT PRIMARY KEY,
        event_id TEXT NOT NULL,
        partnership_id TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        aggregate_type TEXT NOT NULL,
        version INTEGER NOT NULL,
        topic TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        principal TEXT NOT NULL,
        rationale TEXT,
        summary TEXT NOT NULL,
        payload TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {EVENTS}_partnership ON {EVENTS} (partnership_id, position)",
    f"CREATE INDEX IF NOT EXISTS {EVENTS}_principal ON {EVENTS} (partnership_id, principal, position)",
    f"CREATE INDEX IF NOT EXISTS {EVENTS}_topic ON {EVENTS} (partnership_id, topic, position)",
    f"CREATE INDEX IF NOT EXISTS {EVENTS}_time ON {EVENTS} (partnership_id, occurred_at)",
    f"""CREATE TABLE IF NOT EXISTS {ENTITIES} (
        entity_id TEXT NOT NULL,
        position BIGINT NOT NULL,
        PRIMARY KEY (entity_id, position)
    )""",
)


def _short(value: Any) -> str:
    if type(value) is str:  # most fields: tested first, as a rebuild summarizes every event
        text = value
    elif value is None:
        return ""
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    # Printable text has no whitespace but the ASCII space (every other whitespace character
    # is a separator or a control): then only its spaces can need normalising. Else, or if
    # they do, normalise (which leaves text that needs none as it is).
    if not text.isprintable() or "  " in text or text[:1] == " " or text[-1:] == " ":
        text = " ".join(text.split())
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


_TEMPLATES: dict[str, str] = {cls.TOPIC: cls.SUMMARY for cls in EVENT_CLASSES if cls.SUMMARY}
"""Each event's line: its class's SUMMARY (domain/events.py)."""


_FIELDS: dict[str, tuple[str, ...]] = {
    topic: tuple(dict.fromkeys(name for _, name, _, _ in Formatter().parse(template) if name))
    for topic, template in _TEMPLATES.items()
}
"""The payload fields each template names: only those need shortening (a rebuild summarizes every event)."""


def summarize(topic: str, payload: dict[str, Any]) -> str:
    """One line a person can read in a list of events."""
    template = _TEMPLATES.get(topic)
    if template is None:
        return topic.removeprefix("lif.").replace(".", ": ").replace("_", " ").capitalize()
    values = {key: _short(payload[key]) for key in _FIELDS[topic] if key in payload}
    if isinstance(payload.get("evidence"), list):
        values["evidence_count"] = str(len(payload["evidence"]))
    try:
        return " ".join(template.format(**values).replace(" ()", "").split())
    except KeyError:  # a field renamed by a later class version; still say what happened
        return template.split(":")[0].split("{")[0].strip()


def _aggregate_type(topic: str) -> str:
    parts = topic.split(".")
    return parts[1] if len(parts) > 2 else parts[0]


_REFERENCES: dict[str, str] = {
    "lif.activity.finding_recorded": "finding_id",
    "lif.activity.finding_amended": "finding_id",
    "lif.activity.finding_withdrawn": "finding_id",
    "lif.activity.signed_off": "decision_id",
    "lif.activity.practice_review_commissioning_decided": "decision_id",
    "lif.activity.opened": "commissioning_decision_id",
    "lif.recommendation.made": "finding_ids",
    "lif.recommendation.decided": "decision_id",
    "lif.decision.recorded": "subject_id",
    "lif.action.agreed": "recommendation_id",
    "lif.case_file.personal_details_read": "case_file_id",
    # What time causes names what fell due and copies none of its text: filed under it, it is
    # read in that action's or activity's history, beside the text it is about.
    "lif.time.action_due_soon": "action_id",
    "lif.time.action_overdue": "action_id",
    "lif.time.action_escalated": "action_id",
    "lif.time.deadline_approaching": "activity_id",
    "lif.time.deadline_breached": "activity_id",
    "lif.time.acknowledgement_outstanding": "activity_id",
}
"""The payload field naming the other entities an event is filed under (one id, or a list)."""


@cache
def _shape(cls: type[DomainEvent]) -> tuple[str, str, str | None, set[str]]:
    """(topic, aggregate type, the payload field naming other entities, the fields a row reads
    besides the payload) of an event class."""
    topic = cls.topic()
    reference = _REFERENCES.get(topic)
    return topic, _aggregate_type(topic), reference, {*_HEAD, reference} if reference else set(_HEAD)


_HEAD = frozenset({"event_id", "originator_id", "timestamp"})
"""The fields a row takes in their JSON form, besides the payload."""


_TIMESTAMP_CHARS = len("2026-01-02T03:04:05.123456Z")


def _occurred(dumped: str, event: DomainEvent) -> str:
    """`instant(event.timestamp)`, read from the event's JSON form where that is the same text
    (UTC with microseconds, as every event the system records has): formatting it again is
    the slow part."""
    if len(dumped) == _TIMESTAMP_CHARS and dumped[-1] == "Z" and dumped[0] != "0":
        return dumped
    return instant(event.timestamp)


def _sqlite(statement: str) -> str:
    """The same tables in one B-tree each on SQLite: the position as the rowid (SQLite's
    INTEGER PRIMARY KEY is 64-bit), and the entity index without a rowid table beside it.
    Half the B-tree writes when a rebuild inserts a row per event."""
    statement = statement.replace("position BIGINT PRIMARY KEY", "position INTEGER PRIMARY KEY")
    if statement.lstrip().startswith(f"CREATE TABLE IF NOT EXISTS {ENTITIES} "):
        statement += " WITHOUT ROWID"
    return statement


class AuditView(View):
    name = "audit"
    tables = (EVENTS, ENTITIES)
    topics = (DomainEvent,)
    ignores = {
        CommandAnswered: "the idempotency store's bookkeeping, not a fact about the partnership",
        IdClaimed: "an id claim's bookkeeping, not a fact about the partnership",
    }

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        for statement in _SCHEMA:
            if dialect == "sqlite":
                statement = _sqlite(statement)
            cur.execute(statement)

    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: Cursor, batch: Sequence[tuple[int, DomainEvent]]) -> None:
        # One statement per table for the whole batch: rows do not depend on each other.
        rows: list[tuple[Any, ...]] = []
        entity_rows: list[tuple[str, int]] = []
        base = _BASE_FIELDS
        for position, event in batch:
            topic, aggregate_type, reference, head = _shape(type(event))
            # Pydantic writes the payload's JSON itself (in Rust), and gives the few other values
            # the row needs in their JSON form (ids as text, the timestamp): a dict of every field
            # dumped again by Python's encoder was most of the audit's share of a rebuild.
            data = event.model_dump(mode="json", include=head)
            aggregate_id: str = data["originator_id"]
            rows.append((
                position, data["event_id"], event.partnership_id, aggregate_id, aggregate_type,
                event.originator_version, topic, _occurred(data["timestamp"], event), event.principal,
                event.rationale, "", event.model_dump_json(exclude=base),
            ))
            references = data.get(reference) if reference else None
            if not references:
                entity_rows.append((aggregate_id, position))
                continue
            entities = {aggregate_id, *(references if isinstance(references, list) else [references])}
            entity_rows.extend((entity_id, position) for entity_id in sorted(entities))
        if rows:
            cur.executemany(
                f"""INSERT INTO {EVENTS} (position, event_id, partnership_id, aggregate_id, aggregate_type, version,
                    topic, occurred_at, principal, rationale, summary, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
        if entity_rows:
            cur.executemany(f"INSERT INTO {ENTITIES} (entity_id, position) VALUES (?, ?)", entity_rows)
        for _, event in batch:
            if isinstance(event, TextRedacted):  # after the rows above: it may redact one of them
                correct_audit(cur, event)


# --- queries ----------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    entity_id: str | None = None
    principal: str | None = None
    topic: str | None = None
    since: datetime | None = None
    until: datetime | None = None


_SELECT = (
    "e.position, e.event_id, e.partnership_id, e.aggregate_id, e.aggregate_type, e.version, e.topic, "
    "e.occurred_at, e.principal, e.rationale, e.payload"
)


def query_audit(
    cur: Cursor, partnership_id: str, filters: AuditFilters, after: int = 0, limit: int = 100
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of events after position `after`, oldest first, and the cursor of the next page."""
    where = ["e.partnership_id = ?", "e.position > ?"]
    params: list[Any] = [partnership_id, after]
    if filters.entity_id:
        where.append(f"EXISTS (SELECT 1 FROM {ENTITIES} x WHERE x.entity_id = ? AND x.position = e.position)")
        params.append(filters.entity_id)
    if filters.principal:
        where.append("e.principal = ?")
        params.append(filters.principal)
    if filters.topic:
        where.append("e.topic = ?")
        params.append(filters.topic)
    if filters.since:
        where.append("e.occurred_at >= ?")
        params.append(instant(filters.since))
    if filters.until:
        where.append("e.occurred_at <= ?")
        params.append(instant(filters.until))
    cur.execute(
        f"SELECT {_SELECT} FROM {EVENTS} e WHERE {' AND '.join(where)} ORDER BY e.position LIMIT ?",
        [*params, limit + 1],
    )
    rows = [_row(r) for r in cur.fetchall()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["position"] if more and rows else None)


def entity_history(cur: Cursor, partnership_id: str, entity_id: str) -> list[dict[str, Any]]:
    """Every event about one entity (as its aggregate, or naming it), oldest first."""
    cur.execute(
        f"""SELECT {_SELECT} FROM {ENTITIES} x JOIN {EVENTS} e ON e.position = x.position
        WHERE x.entity_id = ? AND e.partnership_id = ? ORDER BY e.position""",
        (entity_id, partnership_id),
    )
    return [_row(r) for r in cur.fetchall()]


def _row(r: Any) -> dict[str, Any]:
    (position, event_id, partnership_id, aggregate_id, aggregate_type, version, topic, occurred_at, principal,
     rationale, text) = r
    payload = json.loads(text)
    return {
        "position": int(position),
        "event_id": event_id,
        "partnership_id": partnership_id,
        "aggregate_id": aggregate_id,
        "aggregate_type": aggregate_type,
        "version": int(version),
        "topic": topic,
        "occurred_at": occurred_at,
        "principal": principal,
        "rationale": rationale,
        "summary": summarize(topic, payload),
        "payload": payload,
    }
