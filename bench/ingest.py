"""Appending through our domain application vs the bare `eventsourcing` library.

Two cases on each backend, the same events both ways:

- single: one command per transaction (`LearningService.execute(RecordFinding)`
  vs the library's load, trigger, `Application.save`);
- batched: many items per transaction (`LearningService.ingest` vs one
  `Application.save` of every aggregate the batch touched, each loaded once).

Every run records its findings on activities opened for that run, so that the
replay each command does stays the same size from run to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any
from uuid import UUID

from adapters.settings import Settings
from adapters.store import EventStore
from bench.core import Options, Row, benchmark, paired, skipped, stopwatch
from bench.workload import OPEN_ACTIVITY, PARTNERSHIP, PRINCIPAL, RECORD_FINDING, BareApp, chunks, ingest_items
from domain import commands as cmd
from domain.aggregate import Context
from services.application.service import LearningService

NAME = "ingest"
TARGET = 0.8


class Domain:
    """Our service on a fresh store, with one registered partnership."""

    def __init__(self, settings: Settings) -> None:
        self.store = EventStore.from_settings(settings)
        self.service = LearningService(self.store)
        self.ctx = Context(partnership_id=PARTNERSHIP, principal=PRINCIPAL)
        register = cmd.RegisterPartnership(partnership_id=PARTNERSHIP, display_name="Bench partnership")
        self.service.execute(Context(partnership_id="-", principal=PRINCIPAL), register)

    def open_activities(self, n: int) -> list[UUID]:
        command = cmd.OpenActivity.model_validate(OPEN_ACTIVITY)
        return [UUID(self.service.execute(self.ctx, command).body["id"]) for _ in range(n)]

    def single(self, activity_ids: list[UUID], per_activity: int) -> tuple[int, float]:
        with stopwatch() as elapsed:
            for _ in range(per_activity):
                for activity_id in activity_ids:
                    command = cmd.RecordFinding.model_validate(RECORD_FINDING)
                    self.service.execute(self.ctx, command, activity_id)
        return len(activity_ids) * per_activity, elapsed()

    def batched(self, batches: list[list[dict[str, Any]]]) -> tuple[int, float]:
        done = 0
        with stopwatch() as elapsed:
            for batch in batches:
                report = self.service.ingest(PRINCIPAL, batch)
                if report.rejected:
                    raise RuntimeError(f"ingest rejected items: {report.rejected[:3]}")
                done += len(report.applied)
        return done, elapsed()

    def close(self) -> None:
        self.store.close()


class Bare:
    def __init__(self, settings: Settings) -> None:
        self.app = BareApp(env=settings.eventsourcing_env())

    def open_activities(self, n: int) -> list[UUID]:
        return [self.app.open_activity() for _ in range(n)]

    def single(self, activity_ids: list[UUID], per_activity: int) -> tuple[int, float]:
        with stopwatch() as elapsed:
            for _ in range(per_activity):
                for activity_id in activity_ids:
                    self.app.execute_one(activity_id, RECORD_FINDING)
        return len(activity_ids) * per_activity, elapsed()

    def batched(self, batches: list[list[dict[str, Any]]]) -> tuple[int, float]:
        with stopwatch() as elapsed:
            done = sum(self.app.ingest(batch) for batch in batches)
        return done, elapsed()

    def close(self) -> None:
        self.app.close()


@benchmark(NAME, "events/s appended by LearningService (execute, ingest) vs the bare eventsourcing library")
def run(opts: Options) -> Iterator[Row]:
    activities = opts.scale(40, 4)
    per_activity = opts.scale(10, 2)
    batch_activities = opts.scale(10, 4)
    batch_per_activity = opts.scale(60, 5)
    batch_size = opts.scale(200, 20)
    target = f">= {TARGET} x bare"
    for name, reason in opts.skipped_backends.items():
        yield skipped(NAME, "single + batched", name, reason)
    for backend in opts.backends:
        domain = Domain(backend.fresh("domain"))
        bare = Bare(backend.fresh("bare"))
        try:

            def single(subject: Domain | Bare) -> tuple[int, float]:
                return subject.single(subject.open_activities(activities), per_activity)

            def batched(subject: Domain | Bare) -> tuple[int, float]:
                ids = subject.open_activities(batch_activities)
                return subject.batched(chunks(ingest_items(ids, batch_per_activity), batch_size))

            for case, fn, what in (
                ("single", single, f"{activities}x{per_activity} commands, 1 per transaction"),
                ("batched", batched, f"{batch_activities}x{batch_per_activity} items, {batch_size} per transaction"),
            ):
                result = paired(partial(fn, domain), partial(fn, bare), opts.repeats)
                row = result.row(NAME, case, backend.name, "bare eventsourcing", target=target, note=what)
                row.met = row.ratio is not None and row.ratio >= TARGET
                yield row
        finally:
            domain.close()
            bare.close()
