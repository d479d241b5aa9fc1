"""How long delivery stops when a worker is killed with -9 and started again.

Needs a broker, as `dissemination` does (LIF_BENCH_KAFKA_BOOTSTRAP, else in full
mode `deploy/kafka.sh`); topics and consumer group are unique to the run.

`lif relay` runs throughout; a `lif worker` delivers a first finding, is killed
with SIGKILL, and a new one is started at once on the same group; a finding is
written just after. The figure: seconds from the restart (the new process spawned)
to that finding marked delivered in the ledger, i.e. acknowledged on the agency's
feed topic. It includes the new process's start-up (imports, connecting,
joining the group). Subject: static group membership (group.instance.id, the
default). Baseline: the same with LIF_KAFKA_STATIC_MEMBERSHIP=false, where the
group first waits out the dead member's session (faust's default, 60 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

from bench.backends import REPO
from bench.core import Options, Row, benchmark, skipped
from bench.dissemination import AGENCY, bootstrap, delete_topics
from bench.history import workdir

NAME = "restart"
BOUND_SECONDS = 10.0
"""The issue's bound: delivering again within 10 s of the restart."""
GIVE_UP_SECONDS = 120.0


class Stack:
    """A store, `lif relay`, and the worker restarts measured on it."""

    def __init__(self, server: str, prefix: str, static: bool, directory: Path) -> None:
        from adapters.kafka_settings import delivery_db
        from adapters.settings import Settings
        from adapters.store import EventStore
        from domain import commands as cmd
        from domain.aggregate import Context
        from services.application.service import LearningService

        directory.mkdir(parents=True)
        self.directory = directory
        self.settings = Settings(persistence="sqlite", sqlite_path=str(directory / "events.sqlite"))
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "LIF_PERSISTENCE": "sqlite", "LIF_SQLITE_PATH": self.settings.sqlite_path,
            "LIF_KAFKA_BOOTSTRAP": server, "LIF_KAFKA_EVENTS_TOPIC": f"{prefix}.events",
            "LIF_KAFKA_FEED_PREFIX": f"{prefix}.feed", "LIF_KAFKA_INGEST_TOPIC": f"{prefix}.ingest",
            "LIF_KAFKA_DLQ_TOPIC": f"{prefix}.ingest.dlq", "LIF_KAFKA_APP_ID": f"{prefix}-app",
            "LIF_KAFKA_DATADIR": str(directory / "faust"),
            "LIF_KAFKA_STATIC_MEMBERSHIP": "true" if static else "false",
        }
        self.store = EventStore.from_settings(self.settings)
        self.db = delivery_db(self.settings)
        self.service = LearningService(self.store)
        self.pid = "bench-restart"
        self.ctx = Context(partnership_id=self.pid, principal="bench")
        self.service.execute(Context(partnership_id="-", principal="bench"),
                             cmd.RegisterPartnership(partnership_id=self.pid, display_name="Bench"))
        self.service.execute(self.ctx, cmd.Subscribe(agency_id=AGENCY, everything=True))
        self.activity = UUID(self.service.execute(self.ctx, cmd.OpenActivity.model_validate({
            "kind": "multi_agency_case_audit", "title": "Audit", "opened_on": "2026-01-05", "scope": "Neglect",
        })).body["id"])
        self.relay = self.spawn("relay", ["relay"])
        self.worker = self.spawn("worker-0", ["worker", "--loglevel", "warning"])
        self.workers = 0

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        with (self.directory / f"{name}.log").open("wb") as out:
            return subprocess.Popen([sys.executable, "-m", "services.cli", *args], cwd=REPO, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT)

    def finding(self) -> str:
        from domain import commands as cmd
        from domain.activity import FindingCategory
        from domain.framework import Theme

        self.service.execute(self.ctx, cmd.RecordFinding(
            finding_id=uuid.uuid4(), category=FindingCategory.AREA_FOR_IMPROVEMENT, summary="Plans drifted",
            themes=(Theme.NEGLECT,), recorded_on=date(2026, 2, 1),
        ), self.activity)
        return str(list(self.store.events_of(self.activity))[-1].event_id)

    def delivered(self, event_id: str) -> bool:
        from adapters.ledger import Ledger

        ledger = Ledger(self.db)
        try:
            return (event_id, AGENCY, 1) in ledger.rows(self.pid)
        finally:
            ledger.close()

    def wait_delivered(self, event_id: str) -> float | None:
        """Seconds until delivered, or None after GIVE_UP_SECONDS."""
        start = time.monotonic()
        while time.monotonic() - start < GIVE_UP_SECONDS:
            if self.delivered(event_id):
                return time.monotonic() - start
            for proc in (self.relay, self.worker):
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args!r} exited ({proc.returncode}); logs in {self.directory}")
            time.sleep(0.05)
        return None

    def restart_gap(self) -> float | None:
        """Kill -9 the worker (once it delivers), start another: seconds to the next delivery."""
        if self.wait_delivered(self.finding()) is None:
            raise RuntimeError(f"the worker delivered nothing within {GIVE_UP_SECONDS:.0f} s")
        self.worker.kill()
        self.worker.wait()
        self.workers += 1
        restarted = time.monotonic()
        self.worker = self.spawn(f"worker-{self.workers}", ["worker", "--loglevel", "warning"])
        event_id = self.finding()
        if self.wait_delivered(event_id) is None:
            return None
        return time.monotonic() - restarted

    def close(self) -> None:
        for proc in (self.worker, self.relay):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.worker, self.relay):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.store.close()


@benchmark(NAME, "a worker killed with -9: seconds from its restart to the next delivery (static membership vs not)")
def run(opts: Options) -> Iterator[Row]:
    server, source = bootstrap(opts.quick)
    if server is None:
        yield skipped(NAME, "kill -9 -> delivery", "kafka", source)
        return
    repeats = opts.scale(min(opts.repeats, 3), 1)
    samples: dict[bool, list[float]] = {True: [], False: []}
    failed: dict[bool, int] = {True: 0, False: 0}
    prefix = f"lif.bench-{uuid.uuid4().hex[:8]}"
    try:
        for static in (True, False):
            stack = Stack(server, f"{prefix}-{'static' if static else 'dynamic'}", static,
                          workdir() / f"restart-{prefix}-{static}")
            try:
                for _ in range(repeats):
                    gap = stack.restart_gap()
                    if gap is None:
                        failed[static] += 1
                    else:
                        samples[static].append(gap)
                    print(f"  restart gap ({'static' if static else 'dynamic'} membership): "
                          f"{'none within the limit' if gap is None else f'{gap:.1f} s'}", flush=True)
            finally:
                stack.close()
    finally:
        delete_topics(server, prefix)
    subject, baseline = samples[True], samples[False]
    value = sorted(subject)[len(subject) // 2] if subject else None
    base = sorted(baseline)[len(baseline) // 2] if baseline else None
    yield Row(
        benchmark=NAME, case="kill -9 worker -> next delivery", backend="sqlite+kafka", unit="s", value=value,
        baseline="no static membership (LIF_KAFKA_STATIC_MEMBERSHIP=false)", baseline_value=base,
        ratio=value / base if value and base else None, target=f"<= {BOUND_SECONDS:.0f} s",
        met=value is not None and failed[True] == 0 and max(subject) <= BOUND_SECONDS,
        samples=[round(s, 2) for s in subject], baseline_samples=[round(s, 2) for s in baseline],
        note=f"median of {len(subject)} restarts (baseline {len(baseline)}); includes the new process's start-up; "
        f"{failed[True]} + {failed[False]} gave up after {GIVE_UP_SECONDS:.0f} s; "
        "ratio = gap / baseline (lower is better)",
    )
