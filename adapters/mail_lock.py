"""One mail sender's pass at a time, across threads and processes, released when its holder dies.

Rows a sender marks `sending` are in doubt only if that sender is gone (adapters/mail.py), so
a sender takes this lock for each pass: whoever holds it knows no other pass is under way, and
any row still `sending` was left by one that died. The operating system (SQLite: an `flock` on
a file beside the database) or the server (PostgreSQL: a session's advisory lock) releases it
when the holder's process or connection ends, however it ends: a killed sender never makes
the next one wait.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adapters.sql import ViewDb

_IN_MEMORY = threading.Lock()
"""The in-memory store lives in one process: a plain lock stands in."""


def _advisory_key(schema: str | None) -> int:
    """Advisory locks are per database, not per schema: the key names the schema."""
    digest = hashlib.blake2b(f"lif-mail-sender:{schema or ''}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def sender_lock(db: ViewDb, conn: Any) -> Iterator[bool]:
    """True while this pass holds the lock; False at once if another pass holds it (no waiting)."""
    if db.dialect == "postgres":
        key = _advisory_key(db.schema)
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            yield False
            return
        try:
            yield True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        return
    if db.target == ":memory:":
        if not _IN_MEMORY.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            _IN_MEMORY.release()
        return
    fd = os.open(f"{db.target}.mail-sender.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True  # closing the file releases the lock
    finally:
        os.close(fd)
