"""Generated histories (services/seeds/generate.py) shared by the projection and query benchmarks.

A history of N events is N / PER_PARTNERSHIP partnerships of PER_PARTNERSHIP
events each, generated one after another with seeds seed, seed+1, ... So the
first partnership (`FIRST`) is the same in every history of the same seed and
partnership size, and the queries on it answer the same question whatever the
size of the store around it: the growth with size is the cost of the store, not
of a bigger answer.

SQLite histories are cached under bench/results/ (git-ignored), keyed by seed,
size and partnership size, so a rerun reuses them; generating a million events
takes minutes. PostgreSQL histories are generated afresh (small sizes only).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

from adapters.settings import Settings
from bench.backends import REPO

CACHE = REPO / "bench" / "results" / "histories"
SEED = 6
FORMAT = 2
"""Bump when generate.py changes what it writes, so old caches are not reused (2: free text sealed)."""
KEK = "bench:" + "A" * 43 + "="
"""The benchmarks' key-encryption key ring: a fixed one, so that a copy of a cached history (at
another path, which the embedded default would give another ring) still opens its free text."""


def partnership(index: int) -> str:
    return f"gen-{index:03d}"


FIRST = partnership(0)


def cached_path(size: int, per_partnership: int, seed: int = SEED) -> Path:
    return CACHE / f"history-v{FORMAT}-seed{seed}-{size}-per{per_partnership}.sqlite"


def generate_into(settings: Settings, size: int, per_partnership: int, seed: int = SEED, label: str = "") -> int:
    """Appends `size` events (a few more at most) to the store of `settings`; returns the log's head."""
    from adapters.store import EventStore
    from services.application.service import LearningService
    from services.seeds.generate import generate_history

    store = EventStore.from_settings(settings)
    try:
        service = LearningService(store)
        parts = max(1, -(-size // per_partnership))
        started = time.monotonic()
        done = 0
        for i in range(parts):
            share = min(per_partnership, size - done) if i == parts - 1 else per_partnership
            stats = generate_history(service, max(share, 1), seed=seed + i, partnership_id=partnership(i))
            done += stats.events
            if parts > 1:
                elapsed = time.monotonic() - started
                rate = done / elapsed if elapsed else 0.0
                eta = (size - done) / rate if rate else 0.0
                print(
                    f"\r  generating {label}{size:,} events: {done:,} ({done / size:5.1%}), "
                    f"{rate:,.0f} events/s, ETA {eta:,.0f} s   ",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        if parts > 1:
            print(file=sys.stderr, flush=True)
        head: int = store.recorder.max_notification_id() or 0
        return head
    finally:
        store.close()


def cached_sqlite(size: int, per_partnership: int, seed: int = SEED) -> Path:
    """The cached SQLite event store of this history, generated first if missing."""
    path = cached_path(size, per_partnership, seed)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".partial-{os.getpid()}")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    print(f"  generating {path.name} (once; cached for later runs)", file=sys.stderr, flush=True)
    started = time.monotonic()
    head = generate_into(
        Settings(persistence="sqlite", sqlite_path=str(partial), subject_kek=KEK), size, per_partnership, seed,
        label="a history of ",
    )
    _checkpoint(partial)
    partial.rename(path)
    print(f"  generated {head:,} events in {time.monotonic() - started:,.0f} s", file=sys.stderr, flush=True)
    return path


def _checkpoint(path: Path) -> None:
    """Folds the WAL into the file, so that the one file is the whole store."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@cache
def workdir() -> Path:
    """A directory for this run's copies of the histories and their views (removed at exit).

    Shared by the benchmarks, so that the views one of them built are there for the next.
    """
    path = Path(tempfile.mkdtemp(prefix="lif-bench-history-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def sqlite_copy(size: int, per_partnership: int, directory: Path, seed: int = SEED) -> Settings:
    """Settings of a private copy of the cached history (benchmarks may write to it), views beside it."""
    source = cached_sqlite(size, per_partnership, seed)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / source.name
    if not target.exists():
        shutil.copyfile(source, target)
    return Settings(
        persistence="sqlite",
        sqlite_path=str(target),
        views_sqlite_path=str(directory / f"{source.stem}-views.sqlite"),
        subject_kek=KEK,
    )
