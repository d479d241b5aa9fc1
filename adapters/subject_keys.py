"""Data subjects' keys: the `subject_keys` table, and destroying a key for good.

One store per persistence: `MemorySubjectKeys` (tests, demos), `SQLiteSubjectKeys` and
`PostgresSubjectKeys` (the table in the events' database, apart from the events);
`subject_keys_for` picks the one the settings name. Keys are stored wrapped under the
key-encryption key ring (adapters/subject_kek.py), so the database alone decrypts nothing.
Destroying a key is what erases a subject ("crypto-shredding"), so each store also proves
the old key gone from its files (adapters/subject_scrub.py). Apart from the service because
they are the storage, swapped by settings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.key_tables import PostgresKeyTable, SQLiteKeyTable
from adapters.settings import Settings
from adapters.subject_kek import KeyRing, load_key_ring, unwrap, wrap
from adapters.subject_scrub import prove_gone_postgres, prove_gone_sqlite
from domain.errors import RuleViolation


class SubjectKeys(Protocol):
    def create(self, subject_ref: str, partnership_id: str) -> bytes: ...
    def get(self, subject_ref: str) -> bytes | None: ...
    def destroy(self, subject_ref: str) -> bool:
        """Destroys the key (True if there was one to destroy) and proves no copy of it is left in
        the store's files, raising `ErasureIncomplete` if it cannot; again for a key destroyed
        earlier, so that erasing again completes an erasure that failed."""
        ...

    def rewrap(self) -> int:
        """Wraps every live key under the ring's current KEK (rotation); how many were rewrapped."""
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

    def rewrap(self) -> int:
        return 0

    def close(self) -> None:
        pass


def _open(ring: KeyRing, subject_ref: str, kek_id: str | None, stored: bytes) -> bytes:
    # A key with no kek_id was stored in the clear by an older version (wrapped on open).
    return unwrap(ring, subject_ref, kek_id, stored) if kek_id is not None else stored


def _erased(subject_ref: str) -> RuleViolation:
    return RuleViolation("subject_erased", f"Data subject {subject_ref} was erased; their key is gone for good.")


class SQLiteSubjectKeys(SQLiteKeyTable):
    """`subject_keys` in the events' SQLite file (0600). A destroyed key is overwritten, not just unlinked."""

    TABLE, ID = "subject_keys", "subject_ref"

    def __init__(self, path: str, ring: KeyRing, erasure_timeout: float = 30.0) -> None:
        super().__init__(path, ring, erasure_timeout)
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS subject_keys (subject_ref TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, "
                "key BLOB, created_at TEXT NOT NULL, erased_at TEXT, kek_id TEXT)"
            )
            if "kek_id" not in {row[1] for row in conn.execute("PRAGMA table_info(subject_keys)")}:
                conn.execute("ALTER TABLE subject_keys ADD COLUMN kek_id TEXT")
        self._wrap_legacy()

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        with self._write() as conn:
            row = conn.execute(
                "SELECT key, kek_id FROM subject_keys WHERE subject_ref=?", (subject_ref,)
            ).fetchone()
            if row is not None:
                if row[0] is None:
                    raise _erased(subject_ref)
                return _open(self.ring, subject_ref, row[1], bytes(row[0]))
            key = AESGCM.generate_key(bit_length=256)
            kek_id, sealed = wrap(self.ring, subject_ref, key)
            conn.execute(
                "INSERT INTO subject_keys (subject_ref, partnership_id, key, created_at, kek_id) VALUES (?,?,?,?,?)",
                (subject_ref, partnership_id, sealed, _now(), kek_id),
            )
            return key

    def get(self, subject_ref: str) -> bytes | None:
        with self._write() as conn:
            row = conn.execute("SELECT key, kek_id FROM subject_keys WHERE subject_ref=?", (subject_ref,)).fetchone()
        return _open(self.ring, subject_ref, row[1], bytes(row[0])) if row and row[0] is not None else None

    def destroy(self, subject_ref: str) -> bool:
        _, stored = self._destroy_row(subject_ref, subject_ref, "erased_at=?", (_now(),))
        return stored is not None

    def _rewrap_where(self, condition: str) -> list[bytes]:
        """Rewraps the live keys matching `condition` under the current KEK; their old stored bytes."""
        current, _ = self.ring.current
        old: list[bytes] = []
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT subject_ref, key, kek_id FROM subject_keys WHERE key IS NOT NULL AND ({condition})",
                (current,),
            ).fetchall()
            for subject_ref, stored, kek_id in rows:
                key = _open(self.ring, subject_ref, kek_id, bytes(stored))
                new_id, sealed = wrap(self.ring, subject_ref, key)
                conn.execute(
                    "UPDATE subject_keys SET key=?, kek_id=? WHERE subject_ref=?", (sealed, new_id, subject_ref)
                )
                old.append(bytes(stored))
        for stored in old:
            prove_gone_sqlite(self.path, "a rewrapped subject", stored, self.erasure_timeout)
        return old

    def _wrap_legacy(self) -> None:
        # Stores written before keys were wrapped hold them in the clear (kek_id NULL).
        self._rewrap_where("kek_id IS NULL AND ? IS NOT NULL")

    def rewrap(self) -> int:
        return len(self._rewrap_where("kek_id IS NULL OR kek_id <> ?"))

    def close(self) -> None:
        pass


class PostgresSubjectKeys(PostgresKeyTable):
    """`subject_keys` in the events' PostgreSQL schema."""

    TABLE, ID = "subject_keys", "subject_ref"

    def __init__(self, dsn: str, schema: str, ring: KeyRing, erasure_timeout: float = 30.0) -> None:
        from psycopg.sql import SQL

        super().__init__(dsn, schema, ring, erasure_timeout)
        with self._connect() as conn:
            self.take_turn(conn)
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (subject_ref text PRIMARY KEY, partnership_id text NOT NULL, "
                    "key bytea, created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz)"
                ).format(self.table)
            )
            conn.execute(SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS kek_id text").format(self.table))
        self._rewrap_where("kek_id IS NULL AND %s::text IS NOT NULL")

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        from psycopg.sql import SQL

        key = AESGCM.generate_key(bit_length=256)
        kek_id, sealed = wrap(self.ring, subject_ref, key)
        with self._connect() as conn:
            conn.execute(
                SQL(
                    "INSERT INTO {} (subject_ref, partnership_id, key, kek_id) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT DO NOTHING"
                ).format(self.table),
                (subject_ref, partnership_id, sealed, kek_id),
            )
            row = conn.execute(
                SQL("SELECT key, kek_id FROM {} WHERE subject_ref = %s").format(self.table), (subject_ref,)
            ).fetchone()
        if row is None or row[0] is None:
            raise _erased(subject_ref)
        return _open(self.ring, subject_ref, row[1], bytes(row[0]))

    def get(self, subject_ref: str) -> bytes | None:
        from psycopg.sql import SQL

        with self._connect() as conn:
            row = conn.execute(
                SQL("SELECT key, kek_id FROM {} WHERE subject_ref = %s").format(self.table), (subject_ref,)
            ).fetchone()
        return _open(self.ring, subject_ref, row[1], bytes(row[0])) if row and row[0] is not None else None

    def destroy(self, subject_ref: str) -> bool:
        _, stored = self._destroy_row(subject_ref, subject_ref, "erased_at = now()", ())
        return stored is not None

    def _rewrap_where(self, condition: str) -> int:
        from psycopg.sql import SQL

        current, _ = self.ring.current
        with self._connect() as conn:
            rows = conn.execute(
                SQL("SELECT subject_ref, key, kek_id, txid_current() FROM {} WHERE key IS NOT NULL AND (")
                .format(self.table) + SQL(condition) + SQL(") FOR UPDATE"),
                (current,),
            ).fetchall()
            for subject_ref, stored, kek_id, _ in rows:
                new_id, sealed = wrap(self.ring, subject_ref, _open(self.ring, subject_ref, kek_id, bytes(stored)))
                conn.execute(
                    SQL("UPDATE {} SET key = %s, kek_id = %s WHERE subject_ref = %s").format(self.table),
                    (sealed, new_id, subject_ref),
                )
        if rows:
            prove_gone_postgres(
                self.dsn, self.table, "a rewrapped subject", bytes(rows[0][1]), int(rows[0][3]), self.erasure_timeout
            )
        return len(rows)

    def rewrap(self) -> int:
        return self._rewrap_where("kek_id IS NULL OR kek_id <> %s::text")

    def close(self) -> None:
        pass


def subject_keys_for(settings: Settings) -> SubjectKeys:
    if settings.persistence == "sqlite":
        return SQLiteSubjectKeys(settings.sqlite_path, load_key_ring(settings), settings.erasure_timeout)
    if settings.persistence == "postgres":
        return PostgresSubjectKeys(
            settings.postgres_dsn, settings.postgres_schema or "public", load_key_ring(settings),
            settings.erasure_timeout,
        )
    return MemorySubjectKeys()
