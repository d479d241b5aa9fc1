"""A small database adapter so each view writes one SQL for SQLite and PostgreSQL.

Views write `?` placeholders; PostgreSQL gets `%s`. Views keep to the SQL both
engines share (ON CONFLICT upserts, TEXT/INTEGER/BIGINT/REAL columns, ISO dates
stored as TEXT so ordering works the same on both).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]

MULTI_ROW_ROWS = 100
"""Rows per multi-row INSERT on PostgreSQL (`_Cur.executemany`): fewer statements for the
server to parse and run (a rebuild's server time fell by a quarter), in messages kept small."""
_MAX_PARAMS = 65_535
"""PostgreSQL's bound on the parameters of one statement (the protocol counts them in 16 bits)."""


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
            with self.creating(pg):
                pg.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            pg.execute(f'SET search_path TO "{self.schema}"')
        return pg

    @contextmanager
    def creating(self, conn: Any) -> Iterator[None]:
        """On PostgreSQL, a creation by processes started together in turn: `IF NOT EXISTS` is not
        safe against a concurrent creation of the same thing (a unique violation in pg_type or
        pg_namespace). Inside a transaction the turn lasts until it ends; outside, until the
        statement (committed on its own) is done."""
        if self.dialect != "postgres":
            yield
            return
        from psycopg.pq import TransactionStatus

        key = (f"lif.create-views.{self.schema or 'public'}",)
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", key)
            yield
            return
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", key)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", key)

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


def _is_creation(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "CREATE" and "IF NOT EXISTS" in sql.upper()


class _Cur:
    def __init__(self, db: ViewDb, cur: Any) -> None:
        self._db = db
        self._cur = cur
        self._read = cur
        self._lite = db.dialect == "sqlite"
        self._raw: Any = None
        """PostgreSQL: a cursor taking `$1` marks as they are (`executemany`)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._lite:  # the hot path of a replay: sqlite3 takes the statement and a tuple or list as they are
            return self._cur.execute(sql, params if isinstance(params, tuple | list) else tuple(params))
        if sql.lstrip()[:6].upper() == "SELECT":
            # A cursor of its own: in a pipeline, a cursor holds the results of every statement
            # sent on it since the last sync, so after writes a fetch could read a write's result.
            self._read = self._cur.connection.cursor()
            return self._read.execute(self._db.sql(sql), tuple(params))
        if _is_creation(sql):
            with self._db.creating(self._cur.connection):
                return self._cur.execute(self._db.sql(sql), tuple(params))
        return self._cur.execute(self._db.sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        if self._lite:
            return self._cur.executemany(sql, rows)
        split = _values_split(sql) if len(rows) > 1 else None
        if split is None:
            return self._cur.executemany(self._db.sql(sql), [tuple(r) for r in rows])
        # One INSERT of many rows rather than one per row: psycopg sends each row of an
        # executemany as a statement of its own, and PostgreSQL parses, plans and runs each.
        # Written with PostgreSQL's own numbered marks, sent by a raw cursor: psycopg parses
        # `%s` marks itself, in Python, and keeps the result only for statements of at most
        # 50 parameters, so it parsed every one of these again (a third of a rebuild's time).
        width = split[3]
        chunk = max(1, min(MULTI_ROW_ROWS, _MAX_PARAMS // max(width, 1)))
        if self._raw is None:
            import psycopg

            self._raw = psycopg.RawCursor(self._cur.connection)
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = [value for row in part for value in row]
            if len(params) != width * len(part):  # a row of another width: psycopg says which
                return self._cur.executemany(self._db.sql(sql), [tuple(r) for r in rows[start:]])
            self._raw.execute(_numbered(sql, len(part)), params)
        return None

    def fetchall(self) -> list[Any]:
        return list(self._read.fetchall())

    def fetchone(self) -> Any:
        return self._read.fetchone()

    @property
    def description(self) -> Any:
        """The last read's columns (DB-API: a sequence whose items start with the column's name)."""
        return self._read.description

@lru_cache(maxsize=1024)
def _numbered(sql: str, rows: int) -> str:
    """The multi-row INSERT of `rows` rows of `sql` (an INSERT `_values_split` takes), with
    PostgreSQL's numbered marks ($1, $2, ...) in place of `?`."""
    split = _values_split(sql)
    assert split is not None
    head, row_marks, tail, _ = split
    parts = f"{head}{', '.join([row_marks] * rows)}{tail}".split("?")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


@cache
def _values_split(sql: str) -> tuple[str, str, str, int] | None:
    """`INSERT ... VALUES (?, ...) [ON CONFLICT ...]` as (text up to VALUES, the row's
    parenthesised marks, the text after them, marks per row); None for any other statement,
    and for an upsert that updates (DO UPDATE): rows of one statement must not update the same
    row twice, as successive rows may (the later one wins)."""
    upper = sql.upper()
    if not upper.lstrip().startswith("INSERT") or upper.count(" VALUES") != 1 or "SELECT" in upper:
        return None
    if "DO UPDATE" in upper:
        return None
    start = sql.index("(", upper.index(" VALUES"))
    depth, quoted = 0, False
    for end in range(start, len(sql)):
        char = sql[end]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                row = sql[start : end + 1]
                return sql[:start], row, sql[end + 1 :], row.count("?")
    return None
