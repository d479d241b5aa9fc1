"""`lif clock`: the clock as its own process (elsewhere than the embedded default, where
`lif serve` runs it on a thread). Each tick first brings the views to the log's head with
a projector of its own (safe beside any other: projections/projector.py), then records
what fell due (services/application/clock.py), and runs the day's retention schedule
(services/application/subjects/schedule.py: each subject due for erasure erased, each day's run an
event). Any number may run: each event and each day's run is recorded once. It stops on SIGTERM or
SIGINT, after the tick in flight.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from typing import TextIO

from adapters.observability import configure_logging, log_start, log_stop, settings_fields, stop_on_signals
from adapters.settings import get_settings
from adapters.store import EventStore
from adapters.subject_keys import subject_keys_for
from domain.dates import today_in_england
from domain.personal_data import RetentionRun
from projections.audit import summarize
from projections.projector import Projector
from projections.runtime import build_projector
from services.application.clock import Clock, ClockSchedule, Tick
from services.application.subjects.schedule import RetentionSchedule
from services.application.subjects.service import PersonalDataService

log = logging.getLogger(__name__)


def caught_up(projector: Projector) -> None:
    while projector.run_once():
        pass


def report(tick: Tick, out: TextIO) -> None:
    """One line per event recorded, as the audit trail says it, then the count."""
    for event in tick.recorded:
        payload = event.model_dump(mode="json")
        print(f"{event.partnership_id}  {event.TOPIC}  {summarize(event.TOPIC, payload)}", file=out)
    print(
        f"clock {tick.today.isoformat()}: recorded {len(tick.recorded)}, already recorded {tick.already}", file=out
    )


def report_retention(runs: list[RetentionRun], out: TextIO) -> None:
    for run in runs:
        print(f"{run.partnership_id}  retention {run.run_on.isoformat()}: erased {len(run.erased)}, "
              f"could not erase {len(run.failed)}", file=out)


def serve(*, once: bool = False, now: date | None = None, interval: float = 60.0, out: TextIO = sys.stdout) -> int:
    configure_logging("clock")
    settings = get_settings()
    log_start("clock", {**settings_fields(**{"": settings}), "interval": interval, "once": once,
                        "now": now.isoformat() if now else None})
    store = EventStore.from_settings(settings)
    projector = build_projector(settings, store)
    clock = Clock(store, projector.db, catch_up=lambda: caught_up(projector))
    today = (lambda: now) if now else today_in_england
    schedule = ClockSchedule(clock, every_seconds=interval, today=today)
    retention = RetentionSchedule(PersonalDataService(store, subject_keys_for(settings)), today=today)
    try:
        if once:
            report(schedule.run_once(), out)
            report_retention(retention.run_once(), out)
            return 0
        stopper = stop_on_signals()
        while not stopper.event.is_set():
            try:
                tick = schedule.run_once()
                if tick.recorded:
                    report(tick, out)
                report_retention(retention.run_once(), out)
                out.flush()
            except Exception:  # logged and tried again at the next tick: a bad tick must not stop the clock
                log.exception("clock tick failed", extra={"fields": {"event": "clock_tick_failed"}})
            stopper.event.wait(interval)
        log_stop("clock", stopper.signal_name)
        return 0
    finally:
        projector.close()
        store.close()
