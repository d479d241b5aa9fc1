"""Writes to the event log that hold its lock for a bounded time, or fail cleanly.

Every write takes the log's one write lock: PostgreSQL's EXCLUSIVE lock on the
events table (so notification ids commit in order), SQLite's database write lock.
A write that cannot get it within `write_lock_timeout`, or that would keep it
past `write_statement_timeout`, is rolled back and raises `StoreBusy` (the API
answers 503 `store_busy` with Retry-After), so one client's write never stalls
everyone else's.

PostgreSQL: the library's recorder sends the insert in psycopg pipeline mode, and
psycopg's pipeline loop (`pipeline_communicate`) stops sending once its command
queue is empty even when PQflush() reported data still buffered; `Pipeline.sync()`
then waits to read a result the server cannot send, since it is still waiting
(`ClientRead`) for the rest of the message. Any insert larger than the socket
buffers take at once (about 8 MB on loopback) hung for ever with the table lock
held. These recorders send each statement in the ordinary protocol, which flushes
fully before waiting, under `SET LOCAL lock_timeout` and `statement_timeout`;
`idle_in_transaction_session_timeout` (the same bound) covers pauses between them.

SQLite: `BEGIN IMMEDIATE` takes the write lock up front, waiting at most the busy
timeout; a progress handler then interrupts the insert past the statement bound.

Both store the keys the events' free text is sealed under (adapters/text_keys.py) in the
same transaction, after the lock: the keys and their events commit, or wait, or fail, together.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import psycopg_pool
from eventsourcing.persistence import (
    ConnectionUnavailableError,
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from adapters.text_key_rows import key_rows, store_rows_postgres, store_rows_sqlite

LOCK_TIMEOUT_KEY = "WRITE_LOCK_TIMEOUT"
STATEMENT_TIMEOUT_KEY = "WRITE_STATEMENT_TIMEOUT"
"""Keys of the eventsourcing environment that carry the bounds (Settings.eventsourcing_env)."""


class StoreBusy(Exception):
    """The event log's write lock could not be had, or held, within the bounds; nothing was written."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class WriteBounds:
    lock_timeout: float = 5.0
    """Seconds a write may wait for the write lock."""
    statement_timeout: float = 15.0
    """Seconds any one statement of a write may run while it holds the lock."""

    @classmethod
    def from_env(cls, get: Callable[[str], str | None]) -> WriteBounds:
        lock, statement = get(LOCK_TIMEOUT_KEY), get(STATEMENT_TIMEOUT_KEY)
        return cls(
            lock_timeout=float(lock) if lock else cls.lock_timeout,
            statement_timeout=float(statement) if statement else cls.statement_timeout,
        )

    @property
    def retry_after(self) -> int:
        """Retry-After for a refused write: about as long as a write may wait for the lock."""
        return max(1, math.ceil(self.lock_timeout))

    def busy(self, why: str) -> StoreBusy:
        return StoreBusy(
            f"The event store could not take this write now ({why}); nothing was recorded. "
            f"Retry after {self.retry_after} s.",
            self.retry_after,
        )


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


class BoundedPostgresApplicationRecorder(PostgresApplicationRecorder):
    bounds = WriteBounds()

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._lock_statement = SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        self._notify_statement = SQL("NOTIFY {0}").format(Identifier(self.channel_name))

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # No @retry (the library's retries a lock timeout ten times): a refused write is
        # reported at once, for the client to retry after Retry-After.
        if not stored_events:
            return None
        bounds = self.bounds
        try:
            with self.datastore.get_connection() as conn:
                try:
                    with conn.transaction(), conn.cursor() as curs:
                        curs.execute(
                            "SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
                            (f"{_ms(bounds.lock_timeout)}ms", f"{_ms(bounds.statement_timeout)}ms"),
                        )
                        curs.execute(self._lock_statement)
                        curs.execute(self._notify_statement)
                        rows = key_rows(stored_events)
                        if rows:
                            store_rows_postgres(curs, self.datastore.schema, rows)
                        self._insert_events(curs, stored_events, **kwargs)
                        super(PostgresApplicationRecorder, self)._insert_stored_events(curs, stored_events, **kwargs)
                        return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                except psycopg.errors.LockNotAvailable as e:
                    raise bounds.busy(f"waited {bounds.lock_timeout:g} s for the write lock") from e
                except psycopg.errors.QueryCanceled as e:
                    raise bounds.busy(f"a statement ran past {bounds.statement_timeout:g} s") from e
                except psycopg.errors.IdleInTransactionSessionTimeout as e:
                    raise bounds.busy("the transaction paused too long") from e
        except psycopg_pool.PoolTimeout as e:  # pragma: no cover - every pooled connection busy
            raise bounds.busy("no database connection was free") from e


    def select_first_events(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The first event of each of these aggregates that has one, in one query
        (a batch's idempotency answers: one round trip, not one per item)."""
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) AND originator_version = 1"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (list(originator_ids),))
            return [
                StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
                for row in curs.fetchall()
            ]


class BoundedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    bounds = WriteBounds()

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        bounds = self.bounds
        pool = self.datastore.pool
        try:
            # Other threads of this process wait here (the pool's writer lock) ...
            conn = pool.get_connection(timeout=bounds.lock_timeout, is_writer=True)
        except ConnectionUnavailableError as e:
            raise bounds.busy(f"waited {bounds.lock_timeout:g} s for the write lock") from e
        try:
            return self._insert_bounded(conn._sqlite_conn, stored_events, **kwargs)
        finally:
            pool.put_connection(conn)

    def _insert_bounded(
        self, db: sqlite3.Connection, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        bounds = self.bounds
        # ... other processes here (SQLite's busy timeout).
        db.execute(f"PRAGMA busy_timeout = {_ms(bounds.lock_timeout)}")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise bounds.busy(f"waited {bounds.lock_timeout:g} s for the write lock") from e
        deadline = time.monotonic() + bounds.statement_timeout
        db.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            try:
                rows = key_rows(stored_events)
                if rows:
                    store_rows_sqlite(db, rows)
                ids = self._insert_events(SQLiteCursor(db.cursor()), stored_events, **kwargs)
            finally:
                db.set_progress_handler(None, 0)
            db.commit()
        except BaseException as e:
            db.rollback()
            if isinstance(e, sqlite3.OperationalError) and "interrupted" in str(e):
                raise bounds.busy(f"the write ran past {bounds.statement_timeout:g} s") from e
            if isinstance(e, sqlite3.Error):
                raise _persistence_error(e) from e
            raise
        return ids


    def select_first_events(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The first event of each of these aggregates that has one, in a few queries."""
        found: list[StoredEvent] = []
        ids = [i.hex for i in originator_ids]
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), _SQLITE_IDS_PER_QUERY):
                chunk = ids[start : start + _SQLITE_IDS_PER_QUERY]
                c.execute(
                    f"SELECT originator_id, originator_version, topic, state FROM {self.events_table_name} "
                    f"WHERE originator_version = 1 AND originator_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.extend(
                    StoredEvent(self.convert_originator_id(row[0]), row[1], row[2], bytes(row[3]))
                    for row in c.fetchall()
                )
        return found


_SQLITE_IDS_PER_QUERY = 500

_SQLITE_ERRORS: Mapping[type[sqlite3.Error], type[PersistenceError]] = {
    sqlite3.IntegrityError: IntegrityError,
    sqlite3.DataError: DataError,
    sqlite3.OperationalError: OperationalError,
    sqlite3.DatabaseError: DatabaseError,
}


def _persistence_error(e: sqlite3.Error) -> PersistenceError:
    """As the library's SQLite transaction would report it (IntegrityError: a concurrent write)."""
    for kind, ours in _SQLITE_ERRORS.items():
        if isinstance(e, kind):
            return ours(e)
    return PersistenceError(e)


FirstEvents = BoundedPostgresApplicationRecorder | BoundedSQLiteApplicationRecorder
"""Recorders that read many aggregates' first events at once."""


def configure(recorder: object, get: Callable[[str], str | None]) -> None:
    """Gives a bounded recorder the bounds in the store's environment."""
    if isinstance(recorder, BoundedPostgresApplicationRecorder | BoundedSQLiteApplicationRecorder):
        recorder.bounds = WriteBounds.from_env(get)


BOUNDED_RECORDER_TOPICS: dict[str, str] = {
    "eventsourcing.sqlite": get_topic(BoundedSQLiteApplicationRecorder),
    "eventsourcing.postgres": get_topic(BoundedPostgresApplicationRecorder),
}
"""APPLICATION_RECORDER_TOPIC for each PERSISTENCE_MODULE when events are not chained."""
