"""The rows of new text keys, stored by the write that stores the events sealed under them.

Kept apart from adapters/text_keys.py (the key store) so the recorders
(adapters/bounded_writes.py) can store them without importing the settings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent

KeyRow = tuple[str, str, bytes, "str | None"]
"""A new key's row as the write stores it: (key id, partnership id, wrapped key, KEK id)."""


@dataclass(frozen=True)
class SealedStoredEvent(StoredEvent):
    """A stored event with the rows of the keys its free text is sealed under, which the
    recorder stores in the event's own transaction."""

    text_keys: tuple[KeyRow, ...] = ()


def key_rows(stored_events: Sequence[StoredEvent]) -> list[KeyRow]:
    return [row for e in stored_events if isinstance(e, SealedStoredEvent) for row in e.text_keys]


def store_rows_sqlite(db: sqlite3.Connection, rows: Sequence[KeyRow]) -> None:
    """Inside the event write's transaction (adapters/bounded_writes.py)."""
    created = now()
    db.executemany(
        "INSERT INTO text_keys (key_id, partnership_id, key, kek_id, created_at) VALUES (?,?,?,?,?)",
        [(key_id, partnership_id, stored, kek_id, created) for key_id, partnership_id, stored, kek_id in rows],
    )


def store_rows_postgres(curs: Any, schema: str, rows: Sequence[KeyRow]) -> None:
    """Inside the event write's transaction, after its table lock (adapters/bounded_writes.py)."""
    from psycopg.sql import SQL, Identifier

    columns = list(zip(*rows, strict=True))
    curs.execute(
        SQL(
            "INSERT INTO {}.text_keys (key_id, partnership_id, key, kek_id) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::bytea[], %s::text[])"
        ).format(Identifier(schema)),
        [list(column) for column in columns],
    )


def now() -> str:
    return datetime.now(UTC).isoformat()
