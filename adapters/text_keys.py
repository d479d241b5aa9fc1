"""Free text's keys: one random key per field of an event, and destroying one for a redaction.

Each free-text field of a stored event is sealed under a key of its own (adapters/sealed_text.py),
kept here in `text_keys`, beside the events but apart from them, wrapped under the same
key-encryption key ring as the data subjects' keys (adapters/subject_kek.py). Redacting a field
destroys its key the way erasing a subject destroys theirs: the column is emptied, then the old
bytes are proven gone from the store's files or the redaction fails loudly
(adapters/subject_scrub.py). The destroyed key's row keeps the *replacement*: the sealed value of
the corrected text (sealed under the redaction event's own key), so a later decode of the old
event yields the corrected text, and redacting the correction again cascades.

A field's key is stored by the write that stores its event, in the same transaction on the same
connection (adapters/bounded_writes.py inserts the rows `SealedStoredEvent` carries, after taking
the log's write lock): a write the lock refuses stores neither, under the same bound and with the
same `StoreBusy`, and a key's row order is the order of the events' commits.

Reads are cached: a rebuild opens every event, so the keys created since the last look are
fetched in one query (by row order) and unwrapped once. A key destroyed by another process
leaves this cache when this process decodes the redaction event (`forget`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.key_tables import PostgresKeyTable, SQLiteKeyTable
from adapters.settings import Settings
from adapters.subject_kek import KeyRing, load_key_ring, unwrap, wrap
from adapters.subject_scrub import prove_gone_postgres, prove_gone_sqlite
from adapters.text_key_rows import KeyRow, now
from domain.errors import NotFound

Replacement = str
"""The sealed value (JSON text) that stands for a destroyed key's text."""

class TextKeys(Protocol):
    def create(self, partnership_id: str, count: int) -> tuple[list[tuple[str, AESGCM]], list[KeyRow]]:
        """`count` fresh keys: (key id, cipher under the key) each, and the rows the event's
        write must store with it (none where the keys are kept in memory)."""
        ...

    def lookup(self, key_id: str) -> AESGCM | Replacement:
        """The key's cipher, or, once destroyed, the replacement's sealed value; `NotFound` if never stored."""
        ...

    def destroy(self, key_id: str, replacement: Replacement) -> bool:
        """Destroys the key, keeping `replacement`, and proves its bytes gone from the store's
        files (`ErasureIncomplete` if it cannot; again for a key destroyed earlier, which
        completes a redaction that failed); True if there was a key to destroy."""
        ...

    def forget_destroyed(self) -> None:
        """Drops from this process's cache the keys destroyed since (by any process)."""
        ...

    def rewrap(self) -> int:
        """Wraps every live key under the ring's current KEK (rotation), the old wrappings proven
        gone as a destroyed key's are; how many were rewrapped."""
        ...


def _label(key_id: str) -> str:
    # Bound into the wrapping, so a wrapped text key cannot pass for a subject's or another field's.
    return f"text:{key_id}"


def _unknown(key_id: str) -> NotFound:
    return NotFound("unknown_text_key", f"No text key {key_id} is stored: is this the store's key table?", "field")


FETCH = 20_000
"""Keys unwrapped per read of the key table: a rebuild's reads stay small, and few."""


class _Cached:
    """What every store shares: the live keys this process has unwrapped or made."""

    def _ring(self) -> KeyRing | None:
        """The ring keys are wrapped under; None where they are kept in memory, in the clear."""
        return None

    def __init__(self) -> None:
        # Raw keys, not ciphers: a cipher object holds ~2.5 kB of OpenSSL state, a key 32 bytes,
        # and a rebuild of a million events meets about a million keys.
        self._live: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def create(self, partnership_id: str, count: int) -> tuple[list[tuple[str, AESGCM]], list[KeyRow]]:
        fresh = _fresh(self._ring(), count)
        made = [(key_id, AESGCM(key)) for key_id, key, _, _ in fresh]
        rows = [(key_id, partnership_id, stored, kek_id) for key_id, _, kek_id, stored in fresh]
        with self._lock:
            self._live.update((key_id, key) for key_id, key, _, _ in fresh)
        return made, self._keep(rows)

    def _keep(self, rows: list[KeyRow]) -> list[KeyRow]:
        """The rows the event's write stores; a store that keeps them itself returns none."""
        return rows

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._live.pop(key_id, None)

    def forget_destroyed(self) -> None:
        destroyed = self._destroyed()
        with self._lock:
            for key_id in destroyed:
                self._live.pop(key_id, None)

    def _destroyed(self) -> list[str]:
        raise NotImplementedError

    def lookup(self, key_id: str) -> AESGCM | Replacement:
        key = self._live.get(key_id)
        if key is not None:
            return AESGCM(key)
        with self._lock:
            # In row order, a chunk at a time (a rebuild meets its keys in about that order).
            while (key := self._live.get(key_id)) is None and (fetched := self._fetch_new()):
                self._live.update(fetched)
        if key is not None:
            return AESGCM(key)
        replacement = self._replacement(key_id)
        if replacement is None:
            raise _unknown(key_id)
        return replacement

    def _fetch_new(self) -> dict[str, bytes]:
        """Live keys stored since the last fetch (up to FETCH of them), unwrapped."""
        raise NotImplementedError

    def _unwrapped(self, rows: Sequence[Any]) -> dict[str, bytes]:
        """(row order, key id, wrapped key, kek id) rows as live keys."""
        ring = self._ring()
        assert ring is not None, "keys kept in a table are wrapped"
        return {k: unwrap(ring, _label(k), kek_id, bytes(stored)) for _, k, stored, kek_id in rows}

    def _replacement(self, key_id: str) -> Replacement | None:
        raise NotImplementedError


def _fresh(ring: KeyRing | None, count: int) -> list[tuple[str, bytes, str | None, bytes]]:
    """(key id, key, kek id, stored bytes) for `count` new keys; stored in the clear without a ring."""
    rows = []
    for _ in range(count):
        key_id, key = uuid.uuid4().hex, AESGCM.generate_key(bit_length=256)
        kek_id, stored = wrap(ring, _label(key_id), key) if ring is not None else (None, key)
        rows.append((key_id, key, kek_id, stored))
    return rows


class MemoryTextKeys(_Cached):
    """For the in-memory store (tests, demos): keys live as long as the process."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, tuple[bytes | None, Replacement | None]] = {}

    def _keep(self, rows: list[KeyRow]) -> list[KeyRow]:
        with self._lock:
            for key_id, *_ in rows:
                self.rows[key_id] = (self._live[key_id], None)
        return []

    def _fetch_new(self) -> dict[str, bytes]:
        return {}

    def _destroyed(self) -> list[str]:
        return [key_id for key_id, (key, _) in self.rows.items() if key is None]

    def _replacement(self, key_id: str) -> Replacement | None:
        return self.rows.get(key_id, (None, None))[1]

    def rewrap(self) -> int:
        return 0  # nothing is wrapped in memory

    def destroy(self, key_id: str, replacement: Replacement) -> bool:
        if key_id not in self.rows:
            raise _unknown(key_id)
        had = self.rows[key_id][0] is not None
        if had:
            self.rows[key_id] = (None, replacement)
        self.forget(key_id)
        return had


_SQLITE_TABLE = (
    "CREATE TABLE IF NOT EXISTS text_keys (key_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, key BLOB, "
    "kek_id TEXT, created_at TEXT NOT NULL, redacted_at TEXT, replacement TEXT)"
)


class SQLiteTextKeys(_Cached, SQLiteKeyTable):
    """`text_keys` in the events' SQLite file (0600); a destroyed key is overwritten and proven gone."""

    TABLE, ID = "text_keys", "key_id"

    def __init__(self, path: str, ring: KeyRing, erasure_timeout: float = 30.0) -> None:
        _Cached.__init__(self)
        SQLiteKeyTable.__init__(self, path, ring, erasure_timeout)
        self._seen = 0
        with self._write() as conn:
            conn.execute(_SQLITE_TABLE)
            conn.execute("CREATE INDEX IF NOT EXISTS text_keys_destroyed ON text_keys (key_id) WHERE key IS NULL")

    def _ring(self) -> KeyRing:
        return self.ring

    def _fetch_new(self) -> dict[str, bytes]:
        rows = self._read(
            "SELECT rowid, key_id, key, kek_id FROM text_keys WHERE rowid > ? AND key IS NOT NULL ORDER BY rowid "
            "LIMIT ?", (self._seen, FETCH),
        )
        live = self._unwrapped(rows)  # first: keys that do not unwrap (a wrong ring) are fetched again
        if rows:
            self._seen = rows[-1][0]
        return live

    def _destroyed(self) -> list[str]:
        return [str(row[0]) for row in self._read("SELECT key_id FROM text_keys WHERE key IS NULL", ())]

    def _replacement(self, key_id: str) -> Replacement | None:
        rows = self._read("SELECT replacement FROM text_keys WHERE key_id=? AND key IS NULL", (key_id,))
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def destroy(self, key_id: str, replacement: Replacement) -> bool:
        exists, stored = self._destroy_row(
            key_id, f"text key {key_id}", "kek_id=NULL, redacted_at=?, replacement=?", (now(), replacement),
            before_proof=lambda: self.forget(key_id),
        )
        if not exists:
            raise _unknown(key_id)
        return stored is not None


    def rewrap(self) -> int:
        ring = self.ring
        current, _ = ring.current
        with self._write() as conn:
            rows = conn.execute(
                "SELECT key_id, key, kek_id FROM text_keys WHERE key IS NOT NULL AND kek_id <> ?", (current,)
            ).fetchall()
            conn.executemany(
                "UPDATE text_keys SET key=?, kek_id=? WHERE key_id=?",
                [(*_rewrapped(ring, k, kek_id, bytes(stored)), k) for k, stored, kek_id in rows],
            )
        if rows:
            # The old wrappings leave the WAL; the first is looked for in the files (secure_delete
            # zeroed the pages that held them all), as a subject key's rewrap does.
            prove_gone_sqlite(self.path, "rewrapped text keys", bytes(rows[0][1]), self.erasure_timeout)
        return len(rows)


def _rewrapped(ring: KeyRing, key_id: str, kek_id: str, stored: bytes) -> tuple[bytes, str]:
    """(the key wrapped under the current KEK, that KEK's id) of a key wrapped under `kek_id`."""
    new_id, wrapped = wrap(ring, _label(key_id), unwrap(ring, _label(key_id), kek_id, stored))
    return wrapped, new_id


class PostgresTextKeys(_Cached, PostgresKeyTable):
    """`text_keys` in the events' PostgreSQL schema."""

    TABLE, ID = "text_keys", "key_id"

    def __init__(self, dsn: str, schema: str, ring: KeyRing, erasure_timeout: float = 30.0) -> None:
        from psycopg.sql import SQL, Identifier

        _Cached.__init__(self)
        PostgresKeyTable.__init__(self, dsn, schema, ring, erasure_timeout)
        self._seen = 0
        with self._connect() as conn:
            self.take_turn(conn)
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (seq bigserial UNIQUE, key_id text PRIMARY KEY, "
                    "partnership_id text NOT NULL, key bytea, kek_id text, "
                    "created_at timestamptz NOT NULL DEFAULT now(), redacted_at timestamptz, replacement text)"
                ).format(self.table)
            )
            conn.execute(
                SQL("CREATE INDEX IF NOT EXISTS {} ON {} (key_id) WHERE key IS NULL").format(
                    Identifier("text_keys_destroyed"), self.table
                )
            )

    def _ring(self) -> KeyRing:
        return self.ring

    def _fetch_new(self) -> dict[str, bytes]:
        from psycopg.sql import SQL

        with self._connect() as conn:
            rows = conn.execute(
                SQL("SELECT seq, key_id, key, kek_id FROM {} WHERE seq > %s AND key IS NOT NULL ORDER BY seq LIMIT %s")
                .format(self.table), (self._seen, FETCH),
            ).fetchall()
        live = self._unwrapped(rows)
        if rows:
            self._seen = rows[-1][0]
        return live

    def _destroyed(self) -> list[str]:
        from psycopg.sql import SQL

        with self._connect() as conn:
            rows = conn.execute(SQL("SELECT key_id FROM {} WHERE key IS NULL").format(self.table)).fetchall()
        return [str(row[0]) for row in rows]

    def _replacement(self, key_id: str) -> Replacement | None:
        from psycopg.sql import SQL

        with self._connect() as conn:
            row = conn.execute(
                SQL("SELECT replacement FROM {} WHERE key_id = %s AND key IS NULL").format(self.table), (key_id,)
            ).fetchone()
        return str(row[0]) if row is not None and row[0] is not None else None

    def destroy(self, key_id: str, replacement: Replacement) -> bool:
        exists, stored = self._destroy_row(
            key_id, f"text key {key_id}", "kek_id = NULL, redacted_at = now(), replacement = %s", (replacement,),
            before_proof=lambda: self.forget(key_id),
        )
        if not exists:
            raise _unknown(key_id)
        return stored is not None


    def rewrap(self) -> int:
        from psycopg.sql import SQL

        ring = self.ring
        current, _ = ring.current
        with self._connect() as conn:
            rows = conn.execute(
                SQL("SELECT key_id, key, kek_id, txid_current() FROM {} WHERE key IS NOT NULL AND kek_id <> %s "
                    "FOR UPDATE").format(self.table), (current,),
            ).fetchall()
            with conn.cursor() as cur:
                cur.executemany(
                    SQL("UPDATE {} SET key = %s, kek_id = %s WHERE key_id = %s").format(self.table),
                    [(*_rewrapped(ring, k, kek_id, bytes(stored)), k) for k, stored, kek_id, _ in rows],
                )
        if rows:
            prove_gone_postgres(
                self.dsn, self.table, "rewrapped text keys", bytes(rows[0][1]), int(rows[0][3]),
                self.erasure_timeout, "text_keys",
            )
        return len(rows)


def text_keys_for(settings: Settings) -> TextKeys:
    if settings.persistence == "sqlite":
        return SQLiteTextKeys(settings.sqlite_path, load_key_ring(settings), settings.erasure_timeout)
    if settings.persistence == "postgres":
        return PostgresTextKeys(
            settings.postgres_dsn, settings.postgres_schema or "public", load_key_ring(settings),
            settings.erasure_timeout,
        )
    return MemoryTextKeys()
