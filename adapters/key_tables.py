"""What the two key tables share: the data subjects' (adapters/subject_keys.py) and free text's
(adapters/text_keys.py).

Both keep keys wrapped under the key-encryption key ring (adapters/subject_kek.py) in a table of
the events' database, and destroy a key the same way: its column emptied in one transaction,
then its old bytes proven gone from the store's files (adapters/subject_scrub.py), or
`ErasureIncomplete`. `SQLiteKeyTable` and `PostgresKeyTable` hold the connection each table
writes through and that destroying routine; each table says its name, its id column and what
else a destroyed row records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from adapters.private_files import create_private_file
from adapters.subject_kek import KeyRing
from adapters.subject_scrub import prove_gone_postgres, prove_gone_sqlite


def _nothing() -> None:
    pass


class SQLiteKeyTable:
    """A key table in the events' SQLite file (0600)."""

    TABLE: ClassVar[str]
    ID: ClassVar[str]
    """The column that names a key (a subject's reference, a text key's id)."""

    def __init__(self, path: str, ring: KeyRing, erasure_timeout: float = 30.0) -> None:
        self.path, self.ring, self.erasure_timeout = path, ring, erasure_timeout
        create_private_file(Path(path))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction, with freed pages zeroed: an old key does not linger in the file."""
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _read(self, sql: str, params: Sequence[Any]) -> list[Any]:
        # A connection per read, in autocommit: a held snapshot would stop a destruction's checkpoint.
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def _destroy_row(
        self, key_id: str, what: str, changes: str, params: Sequence[Any], before_proof: Callable[[], None] = _nothing,
    ) -> tuple[bool, bytes | None]:
        """Empties the key of row `key_id`, with `changes` (more `column=?` assignments, `params`
        their values), then proves its bytes gone; (whether the row exists, the bytes it held,
        None if it was destroyed already). `before_proof` runs once the transaction is committed."""
        with self._write() as conn:
            row = conn.execute(f"SELECT key FROM {self.TABLE} WHERE {self.ID}=?", (key_id,)).fetchone()
            stored = bytes(row[0]) if row is not None and row[0] is not None else None
            if stored is not None:
                conn.execute(f"UPDATE {self.TABLE} SET key=NULL, {changes} WHERE {self.ID}=?", (*params, key_id))
        if row is None:
            return False, None
        before_proof()
        prove_gone_sqlite(self.path, what, stored, self.erasure_timeout)
        return True, stored


class PostgresKeyTable:
    """A key table in the events' PostgreSQL schema."""

    TABLE: ClassVar[str]
    ID: ClassVar[str]

    def __init__(self, dsn: str, schema: str, ring: KeyRing, erasure_timeout: float = 30.0) -> None:
        from psycopg.sql import SQL, Identifier

        self.dsn, self.schema, self.ring, self.erasure_timeout = dsn, schema, ring, erasure_timeout
        self.table = SQL("{}.{}").format(Identifier(schema), Identifier(self.TABLE))
        with self._connect() as conn:
            self.take_turn(conn)
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))

    def take_turn(self, conn: Any) -> None:
        """Creations of the schema and tables by processes started together take turns until the
        transaction ends: PostgreSQL's IF NOT EXISTS is not safe against a concurrent creation."""
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"lif.create.{self.schema}",))

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            yield conn

    def _destroy_row(
        self, key_id: str, what: str, changes: str, params: Sequence[Any], before_proof: Callable[[], None] = _nothing,
    ) -> tuple[bool, bytes | None]:
        """As `SQLiteKeyTable._destroy_row` (`changes` with `%s` placeholders): the row locked, its
        key emptied, then its old versions proven gone from the table's files."""
        from psycopg.sql import SQL, Identifier

        column = Identifier(self.ID)
        with self._connect() as conn:
            row = conn.execute(
                SQL("SELECT key, txid_current() FROM {} WHERE {} = %s FOR UPDATE").format(self.table, column),
                (key_id,),
            ).fetchone()
            stored = bytes(row[0]) if row is not None and row[0] is not None else None
            if stored is not None:
                conn.execute(
                    SQL("UPDATE {} SET key = NULL, " + changes + " WHERE {} = %s").format(self.table, column),
                    (*params, key_id),
                )
        if row is None:
            return False, None
        before_proof()
        prove_gone_postgres(self.dsn, self.table, what, stored, int(row[1]), self.erasure_timeout, self.TABLE)
        return True, stored
