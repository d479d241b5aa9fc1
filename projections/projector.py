"""Follows the event store's notification log and keeps views up to date.

Each view has its own tracking row, written in the same transaction as the
rows the view derives from a batch of events, so a crash anywhere leaves each
view exactly at some position it can resume from: every event applied once.
SQLite has no push subscription in `eventsourcing`, so the log is polled; the
same loop serves PostgreSQL. A batch commits on a thread of its own (the database's
work, in C or on the server) while the next is read and decoded (Python's); the next
begins only once that commit is settled, so batches still commit one after another.

Poison is isolated (projections/parking.py). A batch is applied in one (pipelined)
transaction; if a view raises, the batch rolls back and is applied again in a plain
transaction, each view under a savepoint and, in the view that failed, each event
under its own. The event that fails is parked (position, partnership, view, error,
first and last attempt) and the view goes on: other partnerships' events, and the same
partnership's events in other views, are applied as usual. Later events of that
partnership in that view are *held* (parked behind it, not applied), so that once the
view is fixed `retry` applies them in log order and the tables converge to those of a
clean rebuild. Failures of the database itself (connection lost, locked, timeout) are
not the event's fault: they roll the batch back and raise, as before, for the loop to
retry. Tracking moves past parked events: reads report them as degraded, not behind.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from adapters.sql import Cursor, ViewDb
from adapters.store import EventStore
from domain.events import DomainEvent, event_class_for
from projections import parking, redactions
from projections.parking import Parked, RetryResult
from projections.replay import drop_secondary_indexes, fewer_collections
from projections.view import View

TRACKING = "projection_tracking"
Progress = Callable[[int, int], None]
REBUILD_CACHE_KIB = 65536
"""SQLite page cache of the writer connection (KiB): a rebuild touches every page of
the views' B-trees, far more than SQLite's 2 MB default holds."""


RETRY_CHUNK = 500
"""Parked events a retry applies per transaction."""
log = logging.getLogger("lif.projections")

@dataclass
class _Batch:
    """Events read from the log after `start`: every one (None where no view reads it or it
    cannot be decoded), those with an event, and why the undecodable are so."""

    start: int
    items: list[tuple[int, DomainEvent | None]]
    undecodable: list[parking.Undecodable]
    events: list[tuple[int, DomainEvent]] = field(init=False)

    def __post_init__(self) -> None:
        self.events = [(pos, event) for pos, event in self.items if event is not None]


class ProjectorClosed(RuntimeError):
    """Used after `close()`: a clear error in place of a call on a closed connection."""


class Projector:
    def __init__(
        self,
        store: EventStore,
        db: ViewDb,
        views: Sequence[View],
        batch_size: int = 500,
        rebuild_batch_size: int | None = None,
    ) -> None:
        self.store = store
        self.db = db
        self.views = list(views)
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size or batch_size
        """Events per transaction of a rebuild: bigger batches mean fewer commits."""
        self._conn: Any = db.connect()
        if db.dialect == "sqlite":
            self._conn.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
        # Positions are read by request threads while the loop writes: a second
        # connection, so a read never starts a transaction on the writer's.
        self._read_conn: Any = db.connect()
        self._read_lock = threading.Lock()
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._closed = False
        self._committer = ThreadPoolExecutor(1, thread_name_prefix="lif-projector-commit")
        """Commits a batch while the next is read and decoded: the commit is the database's work
        (SQLite writing its pages, PostgreSQL running what the pipeline sent), the reading is Python's."""
        self._read_topics: dict[str, bool] = {}
        """Whether any view reads the events of a topic (`_decode`)."""
        with db.transaction(self._conn) as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )
            parking.create(cur)
            for view in self.views:
                view.create(cur, db.dialect)
                cur.execute(
                    f"INSERT INTO {TRACKING} (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
                    (view.name,),
                )

    def positions(self) -> dict[str, int]:
        with self._read_lock:
            self._check_open()
            cur = self._read_conn.cursor()
            cur.execute(f"SELECT name, position FROM {TRACKING}")
            return {name: int(pos) for name, pos in cur.fetchall()}

    def _locked_positions(self, cur: Cursor) -> dict[str, int]:
        """Positions read inside the write transaction: another projector (the API's
        in-process one, `lif project`, a rebuild) may have moved them since."""
        lock = " FOR UPDATE" if self.db.dialect == "postgres" else ""
        cur.execute(f"SELECT name, position FROM {TRACKING}{lock}")
        return {name: int(pos) for name, pos in cur.fetchall()}

    def position(self) -> int:
        """The position every view has reached."""
        positions = self.positions()
        return min((positions.get(v.name, 0) for v in self.views), default=0)

    def head(self) -> int:
        return self.store.recorder.max_notification_id() or 0

    def run_once(self, progress: Progress | None = None) -> int:
        """Applies everything committed so far; returns how many events were applied."""
        return self._run(self.batch_size, progress)

    def _run(self, batch_size: int, progress: Progress | None) -> int:
        applied = 0
        with self._lock:
            positions = self.positions()  # raises ProjectorClosed once closed
            start = min((positions[v.name] for v in self.views), default=0)
            head = self.head()
            pending: tuple[_Batch, Future[Any]] | None = None
            try:
                while start < head:
                    notifications = self.store.recorder.select_notifications(
                        start=start + 1, limit=batch_size, stop=head
                    )
                    if not notifications:
                        break
                    batch = _Batch(start, *parking.decode_batch(notifications, self._decode))
                    if pending:  # its commit ran while this batch was read and decoded
                        applied += self._settle(*pending, head, progress)
                        pending = None
                    pending = self._apply(batch)
                    if pending is None:
                        applied += self._after(batch, head, progress)
                    start = batch.items[-1][0]
                if pending:
                    applied += self._settle(*pending, head, progress)
                    pending = None
            finally:
                if pending:  # failed before it was settled: done with the connection before anything else uses it
                    pending[1].exception()
        if applied:
            with self._changed:
                self._changed.notify_all()
        return applied

    def _apply(self, batch: _Batch) -> tuple[_Batch, Future[Any]] | None:
        """Applies a batch in one pipelined transaction whose commit goes on on the committer's thread
        (returned, to settle), or, if it has undecodable events or a view refuses one, carefully (None)."""
        if not batch.undecodable:
            transaction = self.db.pipelined_transaction(self._conn)
            try:
                cur = transaction.__enter__()
                try:
                    self._apply_views(cur, batch.start, batch.items, batch.events)
                except BaseException as error:
                    transaction.__exit__(type(error), error, error.__traceback__)  # rolls back
                    raise
            except Exception as error:
                self._refused(batch, error)
            else:
                return batch, self._committer.submit(transaction.__exit__, None, None, None)
        self._apply_carefully(batch)
        return None

    def _settle(self, batch: _Batch, commit: Future[Any], head: int, progress: Progress | None) -> int:
        """Waits for a batch's commit; applies it carefully if it failed there (in a pipeline a view's
        error may surface at any later statement, the commit included)."""
        try:
            commit.result()
        except Exception as error:
            self._refused(batch, error)
            self._apply_carefully(batch)
        return self._after(batch, head, progress)

    def _refused(self, batch: _Batch, error: Exception) -> None:
        """A failed batch, rolled back: raised if the database failed, else to be applied again carefully."""
        if parking.is_transient(error):
            raise error
        # A view refused an event. Go again, where each failure shows where it happens.
        log.warning("batch after position %d failed (%s); applying it event by event",
                    batch.start, parking.describe(error))

    def _apply_carefully(self, batch: _Batch) -> None:
        with self.db.transaction(self._conn) as cur:
            self._apply_views(cur, batch.start, batch.items, batch.events, batch.undecodable, careful=True)

    def _after(self, batch: _Batch, head: int, progress: Progress | None) -> int:
        """What follows a batch's commit; how many events it applied."""
        redactions.scrub_after(self.db, self._conn, batch.events)
        if progress:
            progress(batch.items[-1][0], head)
        return len(batch.items)

    def _apply_views(
        self,
        cur: Cursor,
        start: int,
        batch: list[tuple[int, DomainEvent | None]],
        events: list[tuple[int, DomainEvent]],
        undecodable: Sequence[parking.Undecodable] = (),
        careful: bool = False,
    ) -> None:
        positions = self._locked_positions(cur)
        # Read in the transaction: a retry in another process may have cleared some since.
        blocked = parking.blocked(cur)
        for view in self.views:
            position = positions.get(view.name, 0)
            if position < start:
                # Reset by a rebuild elsewhere since we read it: a later
                # pass starts from its new position.
                continue
            todo = events
            if batch and batch[0][0] <= position:  # the view is partly ahead: skip what it has
                todo = [(pos, event) for pos, event in events if pos > position]
            if careful:
                unread = [u for u in undecodable if u.position > position]
                parking.apply_carefully(cur, view, todo, blocked, unread)
            else:
                parking.apply_holding(cur, view, todo, blocked)
            last = max(position, batch[-1][0]) if batch else position
            cur.execute(f"UPDATE {TRACKING} SET position = ? WHERE name = ?", (last, view.name))

    def _decode(self, notification: Any) -> DomainEvent | None:
        """The event, or None if no view reads it (not decoded at all: bookkeeping such as id
        claims is many events) or no class has its topic."""
        read = self._read_topics.get(notification.topic)
        if read is None:
            try:
                cls = event_class_for(notification.topic)
            except LookupError:
                return None
            read = self._read_topics[notification.topic] = any(view.reads(cls) for view in self.views)
        if not read:
            return None
        try:
            event = self.store.mapper.to_domain_event(notification)
        except LookupError:
            return None
        return event if isinstance(event, DomainEvent) else None

    def rebuild(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Drops the named views (all by default) and replays the log into them."""
        chosen = [v for v in self.views if names is None or v.name in names]
        unknown = set(names or ()) - {v.name for v in self.views}
        if unknown:
            raise KeyError(f"no projection named {', '.join(sorted(unknown))}")
        with self._lock, self.db.transaction(self._conn) as cur:
            # Tracking first, in the order run_once takes its locks, so a projector
            # in another process and this rebuild queue rather than deadlock.
            self._locked_positions(cur)
            parking.drop_views(cur, [view.name for view in chosen])
            for view in chosen:
                view.drop(cur)
                view.create(cur, self.db.dialect)
                cur.execute(f"UPDATE {TRACKING} SET position = 0 WHERE name = ?", (view.name,))
            deferred = drop_secondary_indexes(cur, self.db.dialect, chosen)
            for view in chosen:
                deferred.extend(view.bulk_load(cur, self.db.dialect))
        with fewer_collections():
            return self._replay(chosen, deferred, progress)

    def _replay(self, chosen: Sequence[View], deferred: list[str], progress: Progress | None) -> int:
        if self.db.dialect == "sqlite":
            # No fsync while replaying (about a tenth of a rebuild's time). A process
            # crash loses nothing; a power cut mid-rebuild may damage the views' file,
            # which holds nothing the log cannot rebuild: delete it and rebuild.
            with self._lock:  # the writer's connection is the loop's too
                self._conn.execute("PRAGMA synchronous = OFF")
        try:
            return self._run(self.rebuild_batch_size, progress)
        finally:
            if self.db.dialect == "sqlite":
                with self._lock:
                    self._conn.execute("PRAGMA synchronous = NORMAL")
            # Also after a failure: the views stay queryable at their usual speed.
            # (Should the process die here instead, the next Projector's `create` restores them.)
            if deferred:
                with self._lock, self.db.transaction(self._conn) as cur:
                    for statement in deferred:
                        cur.execute(statement)

    def parked(self, view: str | None = None, partnership_id: str | None = None) -> list[Parked]:
        """What is parked (projections/parking.py), in the order a retry takes it."""
        with self._read_lock:
            self._check_open()
            return parking.listing(self.db.cursor(self._read_conn), view, partnership_id)

    def parked_count(self) -> int:
        """How many events are parked, across views and partnerships (for a metrics gauge)."""
        with self._read_lock:
            self._check_open()
            return parking.count(self.db.cursor(self._read_conn))

    def retry(
        self,
        view: str | None = None,
        position: int | None = None,
        partnership_id: str | None = None,
        progress: Progress | None = None,
    ) -> RetryResult:
        """Applies parked events again, after a fix: per (view, partnership) stream, in log order
        from its first parked event, stopping a stream at an event that fails again (it stays
        parked, and those behind it held). `position` picks the streams that hold that position;
        `view` and `partnership_id` narrow the streams too. `progress` gets (done, total)."""
        if view is not None and view not in {v.name for v in self.views}:
            raise KeyError(f"no projection named {view}")
        streams: dict[tuple[str, str], int] = {}
        for row in self.parked(view, partnership_id):
            streams[(row.view, row.partnership_id)] = streams.get((row.view, row.partnership_id), 0) + 1
        if position is not None:
            chosen = {(r.view, r.partnership_id) for r in self.parked(view, partnership_id) if r.position == position}
            streams = {key: n for key, n in streams.items() if key in chosen}
        known = {v.name for v in self.views}  # rows of a view no longer run are left alone
        streams = {key: n for key, n in streams.items() if key[0] in known}
        result, total = RetryResult(), sum(streams.values())
        for name, partnership in streams:
            done = self._retry_stream(self._view(name), partnership, result, total, progress)
            result.still_parked.extend(self.parked(name, partnership) if not done else [])
        if result.applied:
            with self._changed:
                self._changed.notify_all()
        return result

    def _view(self, name: str) -> View:
        return next(v for v in self.views if v.name == name)

    def _retry_stream(
        self, view: View, partnership: str, result: RetryResult, total: int, progress: Progress | None
    ) -> bool:
        """True once nothing of the stream is parked; False when an event failed again."""
        while True:
            with self._lock:
                self._check_open()
                rows = self._retry_chunk(view, partnership, result, total, progress)
            if rows is None:
                return False
            if rows < RETRY_CHUNK:
                return True

    def _retry_chunk(
        self, view: View, partnership: str, result: RetryResult, total: int, progress: Progress | None
    ) -> int | None:
        """Up to RETRY_CHUNK of the stream in one transaction: how many applied, None if one failed again."""
        with self.db.transaction(self._conn) as cur:
            self._locked_positions(cur)  # queue behind (and hold off) a batch of the loop
            rows = parking.listing(cur, view.name, partnership, limit=RETRY_CHUNK)
            for row in rows:
                event, reason = self._event_at(row.position)
                if event is not None:
                    reason = parking.try_one(cur, view, row.position, event)
                if reason is not None:
                    parking.park(cur, view.name, row.position, partnership, row.topic, "failed", reason)
                    log.warning("retry: %s position %d still fails: %s", view.name, row.position, reason)
                    return None  # what applied before it commits
                parking.unpark(cur, view.name, row.position)
                result.applied += 1
                if progress:
                    progress(result.applied, total)
            return len(rows)

    def _event_at(self, position: int) -> tuple[DomainEvent | None, str | None]:
        """The event at `position`, or why it cannot be decoded."""
        found = self.store.recorder.select_notifications(start=position, limit=1, stop=position)
        if not found or found[0].id != position:
            return None, None
        batch, undecodable = parking.decode_batch(found, self._decode)
        return batch[0][1], undecodable[0].reason if undecodable else None

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Read-your-writes: wait until every view has applied `position` (a parked event counts:
        reads say they are degraded). A failing batch here only means not yet: the loop retries it."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                self.run_once()
            except ProjectorClosed:
                raise
            except Exception:
                log.exception("projector batch failed while a read waited")
            with self._changed:
                self._changed.wait(min(remaining, 0.05))
        return True

    def run_forever(self, stop: threading.Event, interval: float = 0.2) -> None:
        while not stop.is_set():
            if not self.run_once():
                stop.wait(interval)

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ProjectorClosed("the projector is closed: its database connections are gone")

    def close(self) -> None:
        """Waits for a batch or a read in flight: SQLite connections closed under a running
        statement on another thread crash the interpreter rather than raise."""
        with self._lock, self._read_lock:
            if self._closed:
                return
            self._closed = True
            self._committer.shutdown()
            self._conn.close()
            self._read_conn.close()
