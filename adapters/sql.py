"""A small database adapter so each view writes one SQL for SQLite and PostgreSQL.

Views write `?` placeholders; PostgreSQL gets `%s`. Views keep to the SQL both
engines share (ON CONFLICT upserts, TEXT/INTEGER/BIGINT/REAL columns, ISO dates
stored as TEXT so ordering works the same on both).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


class ViewDb:
    """One connection for writing views, and short-lived reads."""

    def __init__(self, dialect: Dialect, target: str, schema: str | None = None) -> None:
        self.dialect = dialect
        self.target = target
        self.schema = schema

    def connect(self) -> Any:
        if self.dialect == "sqlite":
            lite = sqlite3.connect(self.target, timeout=30, isolation_level=None, check_same_thread=False)
            lite.execute("PRAGMA journal_mode=WAL")
            lite.execute("PRAGMA synchronous=NORMAL")
            # A row rewritten in its page (a redaction's correction) leaves no old bytes in the
            # page; FAST: without zeroing whole freed pages, which a rebuild's drop would pay for.
            lite.execute("PRAGMA secure_delete=FAST")
            return lite
        import psycopg

        pg = psycopg.connect(self.target, autocommit=True)
        if self.schema:
            pg.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            pg.execute(f'SET search_path TO "{self.schema}"')
        return pg

    def cursor(self, conn: Any) -> _Cur:
        """A cursor that takes `?` placeholders on either engine (outside any transaction)."""
        return _Cur(self, conn.cursor())

    def sql(self, statement: str) -> str:
        return statement if self.dialect == "sqlite" else statement.replace("?", "%s")

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[_Cur]:
        """A transaction; everything inside commits together or not at all."""
        cur = _Cur(self, conn.cursor())
        cur.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")

    @contextmanager
    def pipelined_transaction(self, conn: Any) -> Iterator[_Cur]:
        """A transaction whose writes PostgreSQL receives without a round trip each
        (psycopg's pipeline mode: only reads wait for their answer). Views write far
        more than they read, and a round trip per statement bounded a rebuild on
        PostgreSQL. SQLite, in process, has no round trips: a plain transaction."""
        if self.dialect != "postgres":
            with self.transaction(conn) as cur:
                yield cur
            return
        try:
            with conn.pipeline(), self.transaction(conn) as cur:
                yield cur
        except BaseException:
            # After a failed statement the pipeline skipped what followed it, the
            # transaction's ROLLBACK included: end the transaction outside it.
            conn.execute("ROLLBACK")
            raise


class _Cur:
    def __init__(self, db: ViewDb, cur: Any) -> None:
        self._db = db
        self._cur = cur
        self._read = cur
        self._lite = db.dialect == "sqlite"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._lite:  # the hot path of a replay: sqlite3 takes the statement and a tuple or list as they are
            return self._cur.execute(sql, params if isinstance(params, tuple | list) else tuple(params))
        if sql.lstrip()[:6].upper() == "SELECT":
            # A cursor of its own: in a pipeline, a cursor holds the results of every statement
            # sent on it since the last sync, so after writes a fetch could read a write's result.
            self._read = self._cur.connection.cursor()
            return self._read.execute(self._db.sql(sql), tuple(params))
        return self._cur.execute(self._db.sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        if self._lite:
            return self._cur.executemany(sql, rows)
        return self._cur.executemany(self._db.sql(sql), [tuple(r) for r in rows])

    def fetchall(self) -> list[Any]:
        return list(self._read.fetchall())

    def fetchone(self) -> Any:
        return self._read.fetchone()

    @property
    def description(self) -> Any:
        """The last read's columns (DB-API: a sequence whose items start with the column's name)."""
        return self._read.description
