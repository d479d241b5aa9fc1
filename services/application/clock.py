"""The clock: records, exactly once each, the events that the passing of time causes.

Each tick reads every partnership's state from the views (projections/clock_facts.py),
asks the pure `domain.falling_due.falling_due` what is due by the day, and saves what the
store does not hold yet. Every such event has a deterministic id and is version 1 of its
stream, so the store's uniqueness of (id, version) is what makes "once" hold: a second
clock racing this one, a restart, or a day set back offers the same ids, and the store
refuses them (here: dropped, counted as `already`). The views are brought up to the log's
head first (`catch_up`), so the clock judges the state every command so far has made.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.persistence import IntegrityError, RecordConflictError

from adapters.bounded_writes import FirstEvents
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain.dates import today_in_england
from domain.falling_due import falling_due
from domain.partnership import Partnership, partnership_uuid
from domain.reminder_policy import DEFAULT_REMINDER_POLICY
from domain.time_events import TimeEvent
from projections.clock_facts import partnerships, read_clock_facts

log = logging.getLogger("lif.ops")


@dataclass
class Tick:
    """One tick's outcome: what it recorded, and how many due events were stored already."""

    today: date
    recorded: list[TimeEvent] = field(default_factory=list)
    already: int = 0


class ViewsBehind(RuntimeError):
    """The views did not reach the log's head in time: the tick is skipped, not judged on stale state."""


def waiting_for(projector: Any, timeout: float = 30.0) -> Callable[[], None]:
    """A `catch_up` that waits for a projector run by someone else (the API's, in process) to reach the head."""

    def catch_up() -> None:
        head = projector.head()
        if not projector.wait_for(head, timeout):
            raise ViewsBehind(f"the views did not reach log position {head} within {timeout:g} s")

    return catch_up


class Clock:
    def __init__(self, store: EventStore, views: ViewDb, catch_up: Callable[[], None] = lambda: None) -> None:
        """`catch_up`: brings the views to the log's head (the clock's own projector, or a wait for the
        process's one)."""
        self.store = store
        self.views = views
        self.catch_up = catch_up

    def due(self, today: date) -> list[TimeEvent]:
        """Every event due by `today`, in every partnership, as the views know it now."""
        conn = self.views.connect()
        try:
            with self.views.transaction(conn) as cur:
                found: list[TimeEvent] = []
                for pid in partnerships(cur):
                    partnership = self.store.load(partnership_uuid(pid), Partnership)
                    policy = partnership.reminders if partnership is not None else DEFAULT_REMINDER_POLICY
                    found.extend(falling_due(read_clock_facts(cur, pid, today, policy), today))
                return found
        finally:
            conn.close()

    def tick(self, today: date) -> Tick:
        self.catch_up()
        due = self.due(today)
        fresh = self._not_stored(due)
        tick = Tick(today=today, already=len(due) - len(fresh))
        tick.recorded = self._record(fresh)
        tick.already += len(fresh) - len(tick.recorded)
        return tick

    def _not_stored(self, events: Sequence[TimeEvent]) -> list[TimeEvent]:
        """The events whose id the store does not hold yet (read at once where the recorder can)."""
        recorder = self.store.recorder
        if isinstance(recorder, FirstEvents):
            stored = {e.originator_id for e in recorder.select_first_events([e.originator_id for e in events])}
        else:
            stored = {e.originator_id for e in events if any(True for _ in self.store.events.get(e.originator_id))}
        return [e for e in events if e.originator_id not in stored]

    def _record(self, events: list[TimeEvent]) -> list[TimeEvent]:
        """Saves them together; if another clock stored one meanwhile, each alone, dropping those it has."""
        if not events:
            return []
        try:
            self.store.save(*events)
            return events
        except (IntegrityError, RecordConflictError):
            pass
        recorded = []
        for event in events:
            try:
                self.store.save(event)
            except (IntegrityError, RecordConflictError):
                continue  # recorded by another clock: once is enough
            recorded.append(event)
        return recorded


class ClockSchedule:
    """The clock on a daemon thread: a tick every `every_seconds` (`lif serve` on the embedded default)."""

    def __init__(
        self, clock: Clock, *, every_seconds: float = 60.0, today: Callable[[], date] = today_in_england,
    ) -> None:
        self.clock = clock
        self.every_seconds = every_seconds
        self.today = today
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Tick:
        tick = self.clock.tick(self.today())
        if tick.recorded:
            log.info("clock recorded what fell due", extra={"fields": {
                "event": "clock_tick", "today": tick.today.isoformat(), "recorded": len(tick.recorded),
                "already": tick.already,
            }})
        return tick

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a failed tick must not stop the server: logged, tried again next tick
                log.exception("clock tick failed", extra={"fields": {"event": "clock_tick_failed"}})
            self._stop.wait(self.every_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="lif-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
