"""Consistent reads of the view tables, for the HTTP endpoints.

A read takes a snapshot (a deferred SQLite transaction under WAL, a repeatable
read on PostgreSQL) so that rows from several tables, and the tracking position
reported with them, all come from the same instant of the projection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.sql import Cursor, ViewDb, _Cur
from projections.projector import TRACKING


@contextmanager
def snapshot(db: ViewDb) -> Iterator[Cursor]:
    conn = db.connect()
    try:
        cur = _Cur(db, conn.cursor())
        if db.dialect == "sqlite":
            cur.execute("BEGIN")
        else:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield cur
        finally:
            # Nothing was written; ending the transaction releases the snapshot.
            cur.execute("ROLLBACK")
    finally:
        conn.close()


def view_position(cur: Cursor, view_name: str) -> int:
    """How far into the event log the named view has applied events (0 if never run)."""
    cur.execute(f"SELECT position FROM {TRACKING} WHERE name = ?", (view_name,))
    row = cur.fetchone()
    return int(row[0]) if row else 0
