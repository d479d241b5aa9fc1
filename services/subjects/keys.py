"""Data subjects' keys: the `subject_keys` table, and destroying a key for good.

One store per persistence: `MemorySubjectKeys` (tests, demos), `SQLiteSubjectKeys` and
`PostgresSubjectKeys` (the table in the events' database, apart from the events);
`subject_keys_for` picks the one the settings name. Destroying a key is what erases a
subject ("crypto-shredding"), so each store also scrubs the old key from its files.
Apart from the service because they are the storage, swapped by settings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import RuleViolation
from services.settings import Settings
from services.subjects.scrub import prove_gone_postgres, prove_gone_sqlite


class SubjectKeys(Protocol):
    def create(self, subject_ref: str, partnership_id: str) -> bytes: ...
    def get(self, subject_ref: str) -> bytes | None: ...
    def destroy(self, subject_ref: str) -> bool:
        """Destroys the key (True if there was one to destroy) and proves no copy of it is left in
        the store's files, raising `ErasureIncomplete` if it cannot; again for a key destroyed
        earlier, so that erasing again completes an erasure that failed."""
        ...

    def close(self) -> None: ...


def _now() -> str:
    return datetime.now(UTC).isoformat()


class MemorySubjectKeys:
    """For the in-memory store (tests, demos): keys live as long as the process."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        existing = self.keys.get(subject_ref)
        if existing is not None:
            return existing
        if subject_ref in self.keys:
            raise _erased(subject_ref)
        self.keys[subject_ref] = AESGCM.generate_key(bit_length=256)
        return self.keys[subject_ref] or b""

    def get(self, subject_ref: str) -> bytes | None:
        return self.keys.get(subject_ref)

    def destroy(self, subject_ref: str) -> bool:
        had = self.keys.get(subject_ref) is not None
        self.keys[subject_ref] = None
        return had

    def close(self) -> None:
        pass


def _erased(subject_ref: str) -> RuleViolation:
    return RuleViolation("subject_erased", f"Data subject {subject_ref} was erased; their key is gone for good.")


class SQLiteSubjectKeys:
    """`subject_keys` in the events' SQLite file. A destroyed key is overwritten, not just unlinked."""

    def __init__(self, path: str, erasure_timeout: float = 30.0) -> None:
        self.path = path
        self.erasure_timeout = erasure_timeout
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS subject_keys (subject_ref TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, "
                "key BLOB, created_at TEXT NOT NULL, erased_at TEXT)"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            # Freed pages are zeroed, so the old key does not linger in the file.
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

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        with self._connect() as conn:
            row = conn.execute("SELECT key, erased_at FROM subject_keys WHERE subject_ref=?", (subject_ref,)).fetchone()
            if row is not None:
                if row[0] is None:
                    raise _erased(subject_ref)
                return bytes(row[0])
            key = AESGCM.generate_key(bit_length=256)
            conn.execute(
                "INSERT INTO subject_keys (subject_ref, partnership_id, key, created_at) VALUES (?,?,?,?)",
                (subject_ref, partnership_id, key, _now()),
            )
            return key

    def get(self, subject_ref: str) -> bytes | None:
        with self._connect() as conn:
            row = conn.execute("SELECT key FROM subject_keys WHERE subject_ref=?", (subject_ref,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def destroy(self, subject_ref: str) -> bool:
        with self._connect() as conn:
            row = conn.execute("SELECT key FROM subject_keys WHERE subject_ref=?", (subject_ref,)).fetchone()
            key = bytes(row[0]) if row is not None and row[0] is not None else None
            if key is not None:
                conn.execute(
                    "UPDATE subject_keys SET key=NULL, erased_at=? WHERE subject_ref=?", (_now(), subject_ref)
                )
        if row is not None:
            prove_gone_sqlite(self.path, subject_ref, key, self.erasure_timeout)
        return key is not None

    def close(self) -> None:
        pass


class PostgresSubjectKeys:
    """`subject_keys` in the events' PostgreSQL schema."""

    def __init__(self, dsn: str, schema: str, erasure_timeout: float = 30.0) -> None:
        from psycopg.sql import SQL, Identifier

        self.dsn = dsn
        self.erasure_timeout = erasure_timeout
        self.schema = schema
        self.table = SQL("{}.subject_keys").format(Identifier(schema))
        with self._connect() as conn:
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (subject_ref text PRIMARY KEY, partnership_id text NOT NULL, "
                    "key bytea, created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz)"
                ).format(self.table)
            )

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            yield conn

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        from psycopg.sql import SQL

        key = AESGCM.generate_key(bit_length=256)
        with self._connect() as conn:
            conn.execute(
                SQL(
                    "INSERT INTO {} (subject_ref, partnership_id, key) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(self.table),
                (subject_ref, partnership_id, key),
            )
            row = conn.execute(
                SQL("SELECT key FROM {} WHERE subject_ref = %s").format(self.table), (subject_ref,)
            ).fetchone()
        if row is None or row[0] is None:
            raise _erased(subject_ref)
        return bytes(row[0])

    def get(self, subject_ref: str) -> bytes | None:
        from psycopg.sql import SQL

        with self._connect() as conn:
            row = conn.execute(
                SQL("SELECT key FROM {} WHERE subject_ref = %s").format(self.table), (subject_ref,)
            ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def destroy(self, subject_ref: str) -> bool:
        from psycopg.sql import SQL

        with self._connect() as conn:
            row = conn.execute(
                SQL("SELECT key, txid_current() FROM {} WHERE subject_ref = %s FOR UPDATE").format(self.table),
                (subject_ref,),
            ).fetchone()
            key = bytes(row[0]) if row is not None and row[0] is not None else None
            if key is not None:
                conn.execute(
                    SQL("UPDATE {} SET key = NULL, erased_at = now() WHERE subject_ref = %s").format(self.table),
                    (subject_ref,),
                )
        if row is not None:
            prove_gone_postgres(self.dsn, self.table, subject_ref, key, int(row[1]), self.erasure_timeout)
        return key is not None

    def close(self) -> None:
        pass


def subject_keys_for(settings: Settings) -> SubjectKeys:
    if settings.persistence == "sqlite":
        return SQLiteSubjectKeys(settings.sqlite_path, settings.erasure_timeout)
    if settings.persistence == "postgres":
        return PostgresSubjectKeys(
            settings.postgres_dsn, settings.postgres_schema or "public", settings.erasure_timeout
        )
    return MemorySubjectKeys()
