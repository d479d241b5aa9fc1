"""What the independent scrutineer reads, as the application answers it: the lists as at a
moment, the decision history of a record, and the hash chain's verification.

The lists as at a moment are the lists' own queries (services/application/lists.py) run on
views rebuilt in memory from the events the reading counts (services/application/as_at.py),
as the tracker's `as_of` is: the views on disk hold only the present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from adapters.chain import BadAnchor, parse_anchor
from adapters.chain import verify as verify_chain
from adapters.sql import Cursor, ViewDb
from adapters.store import EventStore
from domain.action import ActionAgreed
from domain.errors import InvalidInput
from domain.events import DomainEvent
from projections.audit import entity_history
from projections.tracker import TrackerView, partnership_entity_ids
from projections.view import View
from projections.views import list_queries as lq
from projections.views.lists import ListsView
from services.application.as_at import AsAt, EventKey, accepted_on, effective_dates, events_as_at

# --- lists as at a moment -------------------------------------------------------------------


def partnership_events(store: EventStore, cur: Cursor, partnership_id: str) -> list[DomainEvent]:
    """Every event of the partnership's configuration and records (not the scrutineers' reads)."""
    ids = [*partnership_entity_ids(cur, partnership_id), *(UUID(i) for i in lq.decision_ids(cur, partnership_id))]
    return [event for aggregate_id in ids for event in store.events_of(aggregate_id)]


@contextmanager
def lists_as_at(store: EventStore, cur: Cursor, partnership_id: str, as_at: AsAt) -> Iterator[Cursor]:
    """A cursor on the lists and the tracker as `as_at` reads them, for the lists' queries.
    `cur` is a snapshot of today's views, which say what belongs to the partnership."""
    events = events_as_at(partnership_events(store, cur, partnership_id), as_at)
    db = ViewDb("sqlite", ":memory:")
    conn = db.connect()
    try:
        views: tuple[View, ...] = (ListsView(), TrackerView())
        with db.transaction(conn) as mem:
            for view in views:
                view.create(mem, db.dialect)
            for event in events:
                for view in views:
                    if view.reads(type(event)):
                        view.apply(mem, event, 0)
            yield mem
    finally:
        conn.close()


# --- the decision history of a record -------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One event about a record: who, when (recorded, and the day it says), what, why."""

    position: int
    recorded_at: datetime
    effective_on: date
    principal: str
    topic: str
    aggregate_type: str
    summary: str
    rationale: str | None
    payload: dict[str, Any]

    @property
    def decided_by(self) -> list[str]:
        value = self.payload.get("decided_by")
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def is_decision(self) -> bool:
        return self.topic == "lif.decision.recorded"


def _effective_days(store: EventStore, aggregate_ids: Iterable[str]) -> dict[EventKey, date]:
    events: list[DomainEvent] = []
    for aggregate_id in dict.fromkeys(aggregate_ids):
        events.extend(store.events_of(UUID(aggregate_id)))
    recommendations = {e.recommendation_id for e in events if isinstance(e, ActionAgreed)}
    accepted = accepted_on(e for r in recommendations for e in store.events_of(r))
    return effective_dates(events, {**accepted, **accepted_on(events)})


def decision_history(
    store: EventStore, cur: Cursor, partnership_id: str, entity_id: UUID, as_at: AsAt | None
) -> list[HistoryEntry] | None:
    """Every event about the record (its own and the decisions naming it), in the order lif
    recorded them, as `as_at` reads them; None if lif knows no such record."""
    rows = entity_history(cur, partnership_id, str(entity_id))
    if not rows:
        return None
    days = _effective_days(store, (row["aggregate_id"] for row in rows))
    entries = [
        HistoryEntry(
            position=row["position"], recorded_at=datetime.fromisoformat(row["occurred_at"]),
            effective_on=days.get((UUID(row["aggregate_id"]), row["version"]), date.max),
            principal=row["principal"], topic=row["topic"], aggregate_type=row["aggregate_type"],
            summary=row["summary"], rationale=row["rationale"], payload=row["payload"],
        )
        for row in rows
    ]
    if as_at is None:
        return entries
    if as_at.reading == "recorded":
        return [e for e in entries if e.recorded_at <= as_at.end]
    return [e for e in entries if e.effective_on <= as_at.day]


# --- the hash chain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_position: int | None
    reason: str | None
    head_position: int | None
    head_hash: str | None
    anchor: str | None
    anchors_checked: tuple[str, ...]


def read_anchors(anchors: Iterable[str]) -> tuple[str, ...]:
    """The anchors given (blank ones left out), each checked to be POSITION:HASH; a malformed
    one is refused as `invalid_anchor` on `anchor`."""
    given = tuple(a.strip() for a in anchors if a.strip())
    for text in given:
        try:
            parse_anchor(text)
        except BadAnchor as e:
            raise InvalidInput("invalid_anchor", str(e), "anchor") from None
    return given


def check_chain(store: EventStore, anchors: Iterable[str] = ()) -> ChainCheck:
    """Recompute the whole log's hash chain (adapters/chain.py), holding it to the anchors kept
    from earlier checks (see `read_anchors`)."""
    given = read_anchors(anchors)
    report = verify_chain(store, anchors=dict(parse_anchor(text) for text in given))
    return ChainCheck(
        ok=report.ok, checked=report.checked, first_bad_position=report.first_bad_position, reason=report.reason,
        head_position=report.head_position, head_hash=report.head_hash, anchor=report.anchor, anchors_checked=given,
    )
