"""Events a view could not apply, parked so that the view goes on with the rest of the log.

One table beside the tracking rows, `projection_parked`, one row per (view, position):

- `failed`: applying the event raised; `error` says why, `attempts` how often it was tried.
- `held`: an event of the same partnership that came after a failed one in the same view.
  It is not applied until the failed one is: a view's rows for a partnership depend on
  that partnership's events in log order (an action row needs its recommendation's row),
  so applying later events over a gap would give tables no rebuild gives. Holding keeps
  the promise that a retry after the fix converges to the tables of a clean rebuild.

Partnerships never share rows, so another partnership's events, and the same partnership's
events in other views, are applied as usual. The rows are written in the projector's
transaction, with the view's tracking position, which moves past a parked event: a view
is never stuck, and "the position a view has reached" counts parked events as handled.
So a read's `min_position` wait for a parked position returns, and the read says it is
degraded (services/api/projection_reads.py) rather than 503 for as long as the fix takes.

An event the mapper cannot decode is parked in every view, under the partnership named in
its raw payload. A retry (`Projector.retry`, `lif projections retry`, POST
/v1/admin/projections/retry) takes each (view, partnership) stream from its first parked
event in log order and stops the stream at an event that fails again. A rebuild forgets a
view's parked rows and parks again whatever still fails.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from adapters.sql import Cursor
from domain.events import DomainEvent
from projections.view import View, read_by

PARKED = "projection_parked"
ERROR_CHARS = 500
"""Stored length of an error's text: enough for a database's message, not a whole payload."""

Status = Literal["failed", "held"]
log = logging.getLogger("lif.projections")

_SCHEMA = f"""CREATE TABLE IF NOT EXISTS {PARKED} (
    view TEXT NOT NULL,
    position BIGINT NOT NULL,
    partnership_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT NOT NULL,
    PRIMARY KEY (view, position)
)"""


def is_transient(error: BaseException) -> bool:
    """A failure of the database or the process, not of the event: the batch is retried
    whole later (the projector's loop logs and waits) rather than anything parked. Database
    locked, disk full, connection lost or closed, statement timeout, deadlock, serialization."""
    import psycopg  # here: the SQLite-only CLI paths need not load it

    return isinstance(error, sqlite3.OperationalError | psycopg.OperationalError | psycopg.InterfaceError | MemoryError)


@dataclass(frozen=True)
class Parked:
    view: str
    position: int
    partnership_id: str
    topic: str
    status: Status
    error: str
    attempts: int
    first_attempt_at: str
    last_attempt_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RetryResult:
    applied: int = 0
    """Parked events now applied (and no longer parked)."""
    still_parked: list[Parked] = field(default_factory=list)
    """What the retried streams still hold: the event that failed again and those behind it."""


def describe(error: BaseException) -> str:
    """The exception's class and message on one line, cut to `ERROR_CHARS`."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create(cur: Cursor) -> None:
    cur.execute(_SCHEMA)
    cur.execute(f"CREATE INDEX IF NOT EXISTS {PARKED}_partnership ON {PARKED} (partnership_id, view, position)")


def blocked(cur: Cursor) -> set[tuple[str, str]]:
    """(view, partnership) pairs with something parked: their later events are held."""
    cur.execute(f"SELECT DISTINCT view, partnership_id FROM {PARKED}")
    return {(str(view), str(partnership)) for view, partnership in cur.fetchall()}


def park(
    cur: Cursor, view: str, position: int, partnership_id: str, topic: str, status: Status, error: str
) -> None:
    """Records (or, tried again, updates) a parked event."""
    at = now()
    cur.execute(
        f"""INSERT INTO {PARKED} (view, position, partnership_id, topic, status, error, attempts,
            first_attempt_at, last_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (view, position) DO UPDATE SET status = excluded.status, error = excluded.error,
            attempts = {PARKED}.attempts + excluded.attempts, last_attempt_at = excluded.last_attempt_at""",
        (view, position, partnership_id, topic, status, error, 1 if status == "failed" else 0, at, at),
    )


HELD = "held: waits for an earlier parked event of this partnership in this view"


def hold_all(cur: Cursor, view: str, rows: Iterable[tuple[int, str, str]]) -> None:
    """Parks (position, partnership, topic) rows as held behind their partnership's failed event."""
    at = now()
    reason = HELD
    cur.executemany(
        f"""INSERT INTO {PARKED} (view, position, partnership_id, topic, status, error, attempts,
            first_attempt_at, last_attempt_at) VALUES (?, ?, ?, ?, 'held', ?, 0, ?, ?)
        ON CONFLICT (view, position) DO NOTHING""",
        [(view, position, partnership, topic, reason, at, at) for position, partnership, topic in rows],
    )


def unpark(cur: Cursor, view: str, position: int) -> None:
    cur.execute(f"DELETE FROM {PARKED} WHERE view = ? AND position = ?", (view, position))


def drop_views(cur: Cursor, views: Sequence[str]) -> None:
    """A rebuilt view starts with nothing parked (what still fails is parked again)."""
    for view in views:
        cur.execute(f"DELETE FROM {PARKED} WHERE view = ?", (view,))


def listing(
    cur: Cursor, view: str | None = None, partnership_id: str | None = None, limit: int | None = None
) -> list[Parked]:
    """Parked events, by view, partnership and position (the order a retry takes)."""
    where, params = [], []
    if view is not None:
        where.append("view = ?")
        params.append(view)
    if partnership_id is not None:
        where.append("partnership_id = ?")
        params.append(partnership_id)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    cur.execute(
        f"SELECT view, position, partnership_id, topic, status, error, attempts, first_attempt_at, "
        f"last_attempt_at FROM {PARKED}{clause} ORDER BY view, partnership_id, position"
        + (f" LIMIT {int(limit)}" if limit is not None else ""),
        params,
    )
    return [
        Parked(str(v), int(p), str(pid), str(t), s, str(e), int(a), str(f), str(la))
        for v, p, pid, t, s, e, a, f, la in cur.fetchall()
    ]


def count(cur: Cursor) -> int:
    cur.execute(f"SELECT COUNT(*) FROM {PARKED}")
    row = cur.fetchone()
    return int(row[0]) if row else 0


def degraded(cur: Cursor, view: str, partnership_id: str) -> list[dict[str, Any]]:
    """What a read of `view` for the partnership lacks: the failed event and how many wait behind it."""
    cur.execute(
        f"""SELECT MIN(position), COUNT(*), MIN(first_attempt_at), MAX(last_attempt_at) FROM {PARKED}
        WHERE view = ? AND partnership_id = ?""",
        (view, partnership_id),
    )
    first, events, since, last = cur.fetchone() or (None, 0, None, None)
    if first is None:
        return []
    cur.execute(f"SELECT error FROM {PARKED} WHERE view = ? AND position = ?", (view, first))
    row = cur.fetchone()
    return [{
        "view": view,
        "reason": "events_parked",
        "first_parked_position": int(first),
        "parked_events": int(events),
        "error": str(row[0]) if row else "",
        "since": str(since),
        "last_attempt_at": str(last),
    }]


# --- applying a view's share of a batch, parking what fails --------------------------


def apply_holding(
    cur: Cursor, view: View, events: list[tuple[int, DomainEvent]], blocked: set[tuple[str, str]]
) -> None:
    """Applies `events`, except those of partnerships with something parked in the view: held."""
    held_for = {partnership for name, partnership in blocked if name == view.name}
    if held_for:
        held = [(pos, e.partnership_id, type(e).topic()) for pos, e in events if e.partnership_id in held_for]
        if held:
            hold_all(cur, view.name, held)
            events = [(pos, e) for pos, e in events if e.partnership_id not in held_for]
    view.apply_batch(cur, read_by(view, events))


@dataclass(frozen=True)
class Undecodable:
    """A stored event the mapper cannot turn back into a domain event (a payload no class
    version accepts): no view can apply it. Its partnership is read from the raw payload
    if possible, else "" (then nothing can be held behind it)."""

    position: int
    partnership_id: str
    topic: str
    reason: str


def decode_batch(
    notifications: Sequence[Any], decode: Callable[[Any], DomainEvent | None]
) -> tuple[list[tuple[int, DomainEvent | None]], list[Undecodable]]:
    batch: list[tuple[int, DomainEvent | None]] = []
    undecodable: list[Undecodable] = []
    for notification in notifications:
        try:
            event = decode(notification)
        except Exception as error:
            if is_transient(error):
                raise
            event = None
            undecodable.append(Undecodable(
                notification.id, _partnership_in(notification.state), notification.topic, describe(error)
            ))
        batch.append((notification.id, event))
    return batch, undecodable


def _partnership_in(state: bytes) -> str:
    try:
        value = json.loads(state).get("partnership_id")
    except (ValueError, AttributeError):  # not JSON (compressed or encrypted), or not an object
        return ""
    return value if isinstance(value, str) else ""


def apply_carefully(
    cur: Cursor,
    view: View,
    events: list[tuple[int, DomainEvent]],
    blocked: set[tuple[str, str]],
    undecodable: Sequence[Undecodable] = (),
) -> None:
    """The view's share of a batch under a savepoint; if it fails (or some of the batch cannot
    be decoded), event by event in log order, parking what fails and holding what follows it."""
    if not undecodable and _applied_whole(cur, view, events, blocked):
        return
    items: list[tuple[int, DomainEvent | Undecodable]] = sorted(
        [*events, *((u.position, u) for u in undecodable)], key=lambda item: item[0]
    )
    for position, item in items:
        if isinstance(item, Undecodable):
            partnership, topic, reason = item.partnership_id, item.topic, item.reason
        else:
            partnership, topic, reason = item.partnership_id, type(item).topic(), None
        if (view.name, partnership) in blocked:
            hold_all(cur, view.name, [(position, partnership, topic)])
            continue
        if isinstance(item, DomainEvent):
            reason = try_one(cur, view, position, item)
        if reason is not None:
            park(cur, view.name, position, partnership, topic, "failed", reason)
            blocked.add((view.name, partnership))
            log.error("projection %s parked position %d of partnership %s: %s",
                      view.name, position, partnership or "(unknown)", reason)


def _applied_whole(
    cur: Cursor, view: View, events: list[tuple[int, DomainEvent]], blocked: set[tuple[str, str]]
) -> bool:
    """The view's share of the batch under a savepoint: True if it applied, else undone."""
    cur.execute("SAVEPOINT lif_view")
    try:
        apply_holding(cur, view, events, blocked)
    except Exception as error:
        if is_transient(error):
            raise
        cur.execute("ROLLBACK TO SAVEPOINT lif_view")
        cur.execute("RELEASE SAVEPOINT lif_view")
        return False
    cur.execute("RELEASE SAVEPOINT lif_view")
    return True


def try_one(cur: Cursor, view: View, position: int, event: DomainEvent) -> str | None:
    """Applies one event under a savepoint: None if it applied, else why not (its writes undone)."""
    cur.execute("SAVEPOINT lif_event")
    try:
        view.apply_batch(cur, read_by(view, [(position, event)]))
    except Exception as error:
        if is_transient(error):
            raise
        cur.execute("ROLLBACK TO SAVEPOINT lif_event")
        cur.execute("RELEASE SAVEPOINT lif_event")
        return describe(error)
    cur.execute("RELEASE SAVEPOINT lif_event")
    return None
