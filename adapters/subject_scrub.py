"""Proving a destroyed key gone from every file the store controls, or failing loudly.

Setting a key's column to NULL only makes it unreadable through the database: the old
bytes stay wherever the database kept a copy of the page. On SQLite that is the write-ahead
log (until a checkpoint copies the new page over the old one and the log is truncated) and
the main file (until that checkpoint). A checkpoint cannot pass a reader that still holds an
older snapshot (a backup, `lif verify`, a projection rebuild, any long read), so it is
retried until `timeout` runs out, and then erasure fails naming the file that holds the copy.
On PostgreSQL the old row version stays in the table's data file until `VACUUM FULL`
rewrites it, and `VACUUM FULL` keeps a version that any open snapshot may still see, so the
sessions holding such snapshots are waited for and, past `timeout`, named.

What the store cannot reach (backups, WAL archives, a replica's files) is described in
docs/security.md with the settings that bound it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from domain.errors import DomainError

POLL_SECONDS = 0.2
_CHUNK = 1 << 20


class ErasureIncomplete(DomainError):
    """A destroyed key that the store could not yet prove gone from its files.

    The key is already unreadable through the database; a copy remains on disk until what
    holds it lets go. Erasing the same subject again finishes the job."""

    status = 503

    def __init__(self, subject_ref: str, holder: str, remedy: str) -> None:
        super().__init__(
            "erasure_incomplete",
            f"The key of {subject_ref} is no longer readable, but a copy of it remains in {holder}. "
            f"{remedy} Then erase {subject_ref} again: erasure is not complete until then.",
            "subject_ref",
        )
        self.holder = holder


def file_holds(path: Path, needle: bytes) -> bool:
    """Whether `needle` occurs in the file's raw bytes (read in chunks, so any size will do)."""
    if not needle or not path.exists():
        return False
    overlap = len(needle) - 1
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-overlap:] if overlap else b""
    return False


def _retry_until(timeout: float, attempt: Callable[[], str | None]) -> str | None:
    """Runs `attempt` until it answers None (done) or `timeout` has passed; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        blocker = attempt()
        if blocker is None or time.monotonic() >= deadline:
            return blocker
        time.sleep(POLL_SECONDS)


# ------------------------------------------------------------------ SQLite


def sqlite_files(path: str) -> list[Path]:
    """The database file and the journals SQLite keeps beside it."""
    return [p for p in (Path(path), Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]


def prove_gone_sqlite(path: str, subject_ref: str, key: bytes | None, timeout: float) -> None:
    """Checkpoints the WAL into the database and truncates it, retrying past readers; then,
    when the key's bytes are known, checks that no file of the database still holds them."""

    def checkpoint() -> str | None:
        # A short busy timeout: the retry loop, not SQLite's busy handler, does the waiting.
        conn = sqlite3.connect(path, timeout=min(1.0, max(timeout, 0.01)))
        try:
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:  # "database is locked": a writer holds it
            return f"{path}-wal (the database is locked by a writer: {exc})"
        finally:
            conn.close()
        if busy:
            return f"{path}-wal"
        return None

    blocker = _retry_until(timeout, checkpoint)
    if blocker is not None:
        raise ErasureIncomplete(
            subject_ref, blocker,
            f"Another connection to {path} holds a read transaction (a backup, `lif verify`, a projection "
            f"rebuild or a long read), so SQLite cannot checkpoint past it; tried for {timeout:g} s. "
            "End that reader.",
        )
    if key is not None:
        _refuse_if_found(subject_ref, sqlite_files(path), key)


def _refuse_if_found(subject_ref: str, files: Iterable[Path], key: bytes) -> None:
    holders = [str(p) for p in files if file_holds(p, key)]
    if holders:
        raise ErasureIncomplete(
            subject_ref, ", ".join(holders),
            "The database kept an old copy of the page that held it (is secure_delete off?).",
        )


# ------------------------------------------------------------------ PostgreSQL


# VACUUM keeps a deleted row version while any session's snapshot (backend_xmin) or any
# transaction's own id (backend_xid: a writer between two statements has no snapshot, and
# still holds the horizon back) is as old as the deletion.
_SNAPSHOT_HOLDERS = """
SELECT pid, coalesce(nullif(application_name, ''), usename, '?'), state, xact_start
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND (
  (backend_xmin IS NOT NULL AND age(backend_xmin) >= age(%(erased)s::text::xid))
  OR (backend_xid IS NOT NULL AND age(backend_xid) >= age(%(erased)s::text::xid)))
ORDER BY xact_start
"""


def snapshot_holders(conn: Any, erased_xid: int) -> list[str]:
    """Sessions whose snapshot may still see the row version written before `erased_xid`."""
    rows = conn.execute(_SNAPSHOT_HOLDERS, {"erased": str(erased_xid % (1 << 32))}).fetchall()
    return [f"pid {pid} ({name}, {state}, in a transaction since {start:%H:%M:%S})" for pid, name, state, start in rows]


def prove_gone_postgres(
    dsn: str, table: Any, subject_ref: str, key: bytes | None, erased_xid: int, timeout: float,
    table_name: str = "subject_keys",
) -> None:
    """Waits until no snapshot can see the key's old row version, rewrites the table with
    VACUUM FULL (under a lock timeout, retried), and where the server lets this role read
    the table's file, checks the key's bytes are not in it."""
    import psycopg
    from psycopg.sql import SQL

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '1s'")

        def vacuum() -> str | None:
            holders = snapshot_holders(conn, erased_xid)
            if holders:
                return f"the {table_name} table's old row versions, which open snapshots still see: " + "; ".join(
                    holders
                )
            try:
                conn.execute(SQL("VACUUM FULL {}").format(table))
            except psycopg.errors.LockNotAvailable:
                return f"the {table_name} table's old row versions (another session holds a lock on the table)"
            if key is not None and _in_relation(conn, table, key):
                # Something the check could not see held the old version back (a busy server): again.
                return f"the {table_name} table's data file (VACUUM FULL kept the old row version)"
            return None

        blocker = _retry_until(timeout, vacuum)
        if blocker is not None:
            raise ErasureIncomplete(
                subject_ref, blocker,
                f"PostgreSQL keeps a row version while any open transaction may still see it; tried for "
                f"{timeout:g} s. End those transactions.",
            )


def _in_relation(conn: Any, table: Any, key: bytes) -> bool:
    """Whether the table's data file holds `key`; False where this role may not read it."""
    import psycopg

    try:
        # The data file on disk is what a copy of it would hold: flush shared buffers first.
        conn.execute("CHECKPOINT")
        row = conn.execute(
            "SELECT position(%s::bytea in pg_read_binary_file(pg_relation_filepath(%s::regclass)))",
            (key, table.as_string(conn)),
        ).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        # Only superusers (and pg_checkpoint with pg_read_server_files) may; the snapshot wait
        # and VACUUM FULL above are then the proof.
        return False
    return row is not None and bool(row[0])
