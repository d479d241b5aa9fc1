"""Application recorders that chain every stored event by hash, at write time.

Subclasses of the `eventsourcing` library's SQLite and PostgreSQL application
recorders. Each writes one row per inserted event into `<events table>_chain` in
the same transaction as the insert, after the insert has taken the write lock
(SQLite's database lock; PostgreSQL's EXCLUSIVE table lock that makes notification
ids commit in order), so the predecessor read under that lock is the log's last
event and concurrent writers cannot fork the chain. The factories pick them from
APPLICATION_RECORDER_TOPIC, which `Settings.eventsourcing_env` sets. They insert
through the bounded recorders (adapters/bounded_writes.py): the lock is waited for,
and held, within the settings' bounds.

A chain table created next to an events table that already holds events adopts
those events (chains them in notification order) in the transaction that creates
it; afterwards an event without a chain row is reported by `verify`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from eventsourcing.persistence import DataError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.bounded_writes import BoundedPostgresApplicationRecorder, BoundedSQLiteApplicationRecorder
from adapters.chain import GENESIS, chain_hashes

_MAX_PG_IDENTIFIER = 63
_ADOPT_BATCH = 1000


def chain_table_name(events_table_name: str, max_len: int | None = None) -> str:
    """`<events table>_chain`, shortened with a digest if the database's limit needs it."""
    name = f"{events_table_name}_chain"
    if max_len is None or len(name) <= max_len:
        return name
    digest = hashlib.sha256(events_table_name.encode()).hexdigest()[:8]
    return f"{events_table_name[: max_len - len(digest) - 7]}_{digest}_chain"


class ChainedSQLiteApplicationRecorder(BoundedSQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        self.chain_table_name = chain_table_name(events_table_name)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} "
            "(notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)"
        )
        return statements

    def _create_table(self, c: SQLiteCursor) -> None:
        c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (self.chain_table_name,))
        existed = c.fetchone() is not None
        super()._create_table(c)
        if not existed:
            self._adopt(c)

    def _adopt(self, c: SQLiteCursor) -> None:
        prev, after = GENESIS, 0
        while True:
            c.execute(
                f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid>? ORDER BY rowid LIMIT ?",
                (after, _ADOPT_BATCH),
            )
            rows = c.fetchall()
            if not rows:
                return
            ids = [row["rowid"] for row in rows]
            events = [
                StoredEvent(
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in rows
            ]
            hashes = chain_hashes(prev, ids, events)
            c.executemany(
                f"INSERT OR IGNORE INTO {self.chain_table_name} VALUES (?,?)", list(zip(ids, hashes, strict=True))
            )
            prev, after = hashes[-1], ids[-1]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Called under SQLite's write lock (BEGIN IMMEDIATE, adapters/bounded_writes.py), so the
        # head read below is the latest; inserting first keeps that true for any caller that
        # began a deferred transaction (reading first could pin an older WAL snapshot).
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            c.execute(
                f"SELECT notification_id, hash FROM {self.chain_table_name} ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
            if row is not None and row[0] >= ids[0]:
                # SQLite reuses the rowid of a deleted last event: refuse, rather than
                # let a new event take the place the chain records for the deleted one.
                raise DataError(
                    f"the hash chain already records position {row[0]}: the log's newest events were "
                    "deleted outside the store (see `lif verify`)"
                )
            hashes = chain_hashes(bytes(row[1]) if row else GENESIS, ids, stored_events)
            c.executemany(f"INSERT INTO {self.chain_table_name} VALUES (?,?)", list(zip(ids, hashes, strict=True)))
        return ids

    def select_chain(self, gt: int, lte: int | None, limit: int | None = None) -> Mapping[int, bytes]:
        statement = f"SELECT notification_id, hash FROM {self.chain_table_name} WHERE notification_id>?"
        params: list[int] = [gt]
        if lte is not None:
            statement += " AND notification_id<=?"
            params.append(lte)
        statement += " ORDER BY notification_id"
        if limit is not None:
            statement += " LIMIT ?"
            params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return {row[0]: bytes(row[1]) for row in c.fetchall()}


class ChainedPostgresApplicationRecorder(BoundedPostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        if datastore.enable_db_functions:
            # That path inserts through a stored function that knows nothing of the chain.
            raise ProgrammingError("the chained recorder does not support POSTGRES_ENABLE_DB_FUNCTIONS")
        super().__init__(datastore, events_table_name=events_table_name)
        self.chain_table_name = chain_table_name(events_table_name, _MAX_PG_IDENTIFIER)
        schema, chain = Identifier(self.datastore.schema), Identifier(self.chain_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} (notification_id bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(schema=schema, chain=chain)
        )
        self._select_head = SQL("SELECT hash FROM {schema}.{chain} ORDER BY notification_id DESC LIMIT 1").format(
            schema=schema, chain=chain
        )
        # One statement for all the links, however many (executemany sent one per event).
        self._insert_links = SQL(
            "INSERT INTO {schema}.{chain} (notification_id, hash) SELECT * FROM unnest(%s::bigint[], %s::bytea[])"
        ).format(schema=schema, chain=chain)

    def create_table(self) -> None:
        # Processes started together on a fresh schema (serve, relay, worker, webhooks) would each
        # create the types and tables, and PostgreSQL's IF NOT EXISTS is not safe against a
        # concurrent creation (a unique violation in its catalogue): they take turns, under a lock
        # held by a connection of its own across the library's several transactions.
        import psycopg

        pool = self.datastore.pool
        kwargs: dict[str, Any] = dict(pool.kwargs) if isinstance(pool.kwargs, dict) else {}
        conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
        with psycopg.connect(conninfo, **{**kwargs, "autocommit": True}) as turn:
            turn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"lif.create.{self.datastore.schema}",))
            try:
                super().create_table()
            finally:
                turn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"lif.create.{self.datastore.schema}",))

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        qualified = f'"{self.datastore.schema}"."{self.chain_table_name}"'
        row = curs.execute("SELECT to_regclass(%s) AS t", (qualified,)).fetchone()
        existed = row is not None and row["t"] is not None
        super()._create_table(curs)
        if not existed:
            self._adopt(curs)

    def _adopt(self, curs: Cursor[DictRow]) -> None:
        schema = Identifier(self.datastore.schema)
        events, chain = Identifier(self.events_table_name), Identifier(self.chain_table_name)
        # Hold off writers while existing events are chained.
        curs.execute(SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(schema, events))
        select = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema, events)
        insert = SQL("INSERT INTO {0}.{1} (notification_id, hash) VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
            schema, chain
        )
        prev, after = GENESIS, 0
        while True:
            rows = curs.execute(select, (after, _ADOPT_BATCH)).fetchall()
            if not rows:
                return
            ids = [row["notification_id"] for row in rows]
            stored = [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in rows
            ]
            hashes = chain_hashes(prev, ids, stored)
            curs.executemany(insert, list(zip(ids, hashes, strict=True)))
            prev, after = hashes[-1], ids[-1]

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Called inside the inserting transaction, after the EXCLUSIVE table lock and the
        # insert: the chain head read here is the predecessor of these events.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            row = curs.execute(self._select_head).fetchone()
            prev = bytes(row["hash"]) if row else GENESIS
            hashes = chain_hashes(prev, ids, stored_events)
            curs.execute(self._insert_links, (list(ids), hashes))
        return ids

    def select_chain(self, gt: int, lte: int | None, limit: int | None = None) -> Mapping[int, bytes]:
        statement = SQL("SELECT notification_id, hash FROM {0}.{1} WHERE notification_id > %s").format(
            Identifier(self.datastore.schema), Identifier(self.chain_table_name)
        )
        params: list[int] = [gt]
        if lte is not None:
            statement += SQL(" AND notification_id <= %s")
            params.append(lte)
        statement += SQL(" ORDER BY notification_id")
        if limit is not None:
            statement += SQL(" LIMIT %s")
            params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return {row["notification_id"]: bytes(row["hash"]) for row in curs.fetchall()}


CHAINED_RECORDER_TOPICS: dict[str, str] = {
    "eventsourcing.sqlite": get_topic(ChainedSQLiteApplicationRecorder),
    "eventsourcing.postgres": get_topic(ChainedPostgresApplicationRecorder),
}
"""APPLICATION_RECORDER_TOPIC for each PERSISTENCE_MODULE that has a chained recorder."""
