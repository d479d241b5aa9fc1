"""Publishing events to Kafka, and how long learning takes to reach an agency's feed.

Needs a broker: LIF_BENCH_KAFKA_BOOTSTRAP, else (full mode only) the local one of
`deploy/kafka.sh` (started if need be). `--quick` skips these cases unless
LIF_BENCH_KAFKA_BOOTSTRAP is set. Topics, consumer group and feed prefix are
unique to the run (`lif.bench-<run>...`), so nothing else on the broker is touched.

Cases (SQLite store):

- relay: events/s of `Relay.run_once` until caught up (read the log, decode,
  envelope, send, flush and wait for the acks of every batch of 200, advance
  the tracking row), from a generated history, vs a bare kafka-python producer
  with the same settings (`make_producer`: idempotent, acks=all, linger 5 ms)
  sending the same envelopes (already encoded), flushed once at the end.
  Alternating, after a warm-up of each.
- latency: `lif relay` and `lif worker` run as subprocesses (default settings)
  on a store that this process appends findings to at a fixed offered rate
  (200 events/s for 20 s). Each finding reaches one agency's feed topic (the
  agency subscribed to everything); latency = when this process's consumer
  received it from the feed topic - when the command committed. Baseline, at
  the same time and rate: a bare producer (same settings) to a topic read by
  the same consumer, latency = received - sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

from bench.backends import REPO
from bench.core import Options, Row, benchmark, paired, skipped, stopwatch
from bench.history import sqlite_copy, workdir
from bench.queries import percentile

NAME = "dissemination"
RELAY_TARGET = 0.8
P99_TARGET_MS = 100.0
RATE = 200.0
PARTITIONS = int(os.environ.get("LIF_BENCH_PARTITIONS", "3"))
AGENCY = "merseyside-police"
KAFKA_SCRIPT = REPO / "deploy" / "kafka.sh"


def bootstrap(quick: bool) -> tuple[str | None, str]:
    if server := os.environ.get("LIF_BENCH_KAFKA_BOOTSTRAP"):
        return server, "LIF_BENCH_KAFKA_BOOTSTRAP"
    if quick:
        return None, "--quick (set LIF_BENCH_KAFKA_BOOTSTRAP to run it)"
    started = subprocess.run(["bash", str(KAFKA_SCRIPT), "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        return None, f"deploy/kafka.sh start failed: {started.stderr.strip()[-300:]}"
    return started.stdout.strip().splitlines()[-1], "deploy/kafka.sh"


def create_topics(server: str, *names: str) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=server, client_id="lif-bench")
    try:
        admin.create_topics([NewTopic(n, num_partitions=PARTITIONS, replication_factor=1) for n in names])
    finally:
        admin.close()


def delete_topics(server: str, prefix: str) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=server, client_id="lif-bench")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    except Exception as e:  # leftovers are harmless; say so and go on
        print(f"  could not delete topics {prefix}*: {e}", file=sys.stderr)
    finally:
        admin.close()


@benchmark(NAME, "relay events/s vs a bare Kafka producer; commit-to-agency-feed latency at 200 events/s")
def run(opts: Options) -> Iterator[Row]:
    server, source = bootstrap(opts.quick)
    if server is None:
        yield skipped(NAME, "relay + latency", "kafka", source)
        return
    print(f"  kafka: {server} ({source})", flush=True)
    prefix = f"lif.bench-{uuid.uuid4().hex[:8]}"
    try:
        yield relay_row(server, prefix, opts)
        yield from latency_rows(server, prefix, opts)
    finally:
        delete_topics(server, prefix)


# --- throughput ----------------------------------------------------------------------


def relay_row(server: str, prefix: str, opts: Options) -> Row:
    from kafka import KafkaProducer

    from adapters.kafka_settings import delivery_db
    from adapters.outbox import Tracking, make_producer, read_envelopes
    from adapters.store import EventStore
    from services.workers.relay import Relay

    size = opts.scale(10_000, 2_000)
    subject_topic, baseline_topic = f"{prefix}.relay", f"{prefix}.raw"
    create_topics(server, subject_topic, baseline_topic)
    settings = sqlite_copy(size, 10_000, workdir())
    store = EventStore.from_settings(settings)
    db = delivery_db(settings)
    producer = make_producer(server)
    raw = KafkaProducer(bootstrap_servers=server, enable_idempotence=True, acks="all", linger_ms=5,
                        client_id="lif-bench-raw")
    envelopes, _ = read_envelopes(store, 0, 10**9)
    messages = [(e.partnership_id.encode(), e.to_json()) for e in envelopes]  # keyed as the relay keys
    runs = iter(range(10**6))
    try:

        def relay() -> tuple[int, float]:
            tracking = Tracking(db, f"bench-{prefix}-{next(runs)}")
            try:
                r = Relay(store, tracking, producer, subject_topic)
                with stopwatch() as elapsed:
                    while r.run_once():
                        pass
                return len(messages), elapsed()
            finally:
                tracking.close()

        def bare() -> tuple[int, float]:
            with stopwatch() as elapsed:
                futures = [raw.send(baseline_topic, key=k, value=v) for k, v in messages]
                raw.flush()
                for f in futures:
                    f.get(timeout=30)
            return len(messages), elapsed()

        result = paired(relay, bare, min(opts.repeats, opts.scale(5, 2)))
    finally:
        producer.close()
        raw.close()
        store.close()
    row = result.row(NAME, "relay", "sqlite+kafka", "bare KafkaProducer", target=f">= {RELAY_TARGET} x bare",
                     note=f"{len(messages):,} envelopes of a generated history; relay batches of 200")
    row.met = row.ratio is not None and row.ratio >= RELAY_TARGET
    return row


# --- latency -------------------------------------------------------------------------


class Feeds:
    """One consumer of the agency's feed topic and of the baseline topic, noting when each message arrives."""

    def __init__(self, server: str, topics: list[str]) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(
            bootstrap_servers=server, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=5,
            client_id="lif-bench-feeds",
        )
        partitions = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            self.consumer.position(tp)  # resolve "end" now, not at the first poll
        self.arrived: dict[str, dict[str, float]] = {t: {} for t in topics}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="bench-feeds", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            for tp, records in self.consumer.poll(timeout_ms=50).items():
                now = time.time()
                for r in records:
                    message = json.loads(r.value)
                    key = message["payload"].get("finding_id") or message["event_id"]
                    self.arrived[tp.topic].setdefault(str(key), now)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.consumer.close()


class Processes:
    """`lif relay` and `lif worker` on the store, with run-unique topics; logs kept for errors."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.env = env
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        for name in ("worker", "relay"):
            args = ["worker", "--loglevel", "warning"] if name == "worker" else ["relay"]
            log = directory / f"{name}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen([sys.executable, "-m", "services.cli", *args], cwd=REPO, env=env,
                                        stdout=out, stderr=subprocess.STDOUT)
            self.procs.append((proc, log))

    def check(self) -> None:
        for proc, log in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} exited ({proc.returncode}): {log.read_text()[-2000:]}")

    def close(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def latency_rows(server: str, prefix: str, opts: Options) -> Iterator[Row]:
    from kafka import KafkaProducer

    from adapters.kafka_settings import KafkaSettings
    from adapters.settings import Settings
    from adapters.store import EventStore
    from domain import commands as cmd
    from domain.activity import FindingCategory
    from domain.aggregate import Context
    from domain.framework import Theme
    from services.application.service import LearningService

    seconds = opts.scale(20, 5)
    directory = workdir() / f"latency-{prefix}"
    directory.mkdir()
    settings = Settings(persistence="sqlite", sqlite_path=str(directory / "events.sqlite"))
    pid = "bench-latency"
    kafka = KafkaSettings(bootstrap=server, events_topic=f"{prefix}.events", feed_prefix=f"{prefix}.feed",
                          ingest_topic=f"{prefix}.ingest", dlq_topic=f"{prefix}.ingest.dlq", app_id=f"{prefix}-app")
    feed, baseline_topic = kafka.feed_topic(pid, AGENCY), f"{prefix}.latency-raw"
    create_topics(server, kafka.events_topic, feed, baseline_topic)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "LIF_PERSISTENCE": "sqlite", "LIF_SQLITE_PATH": settings.sqlite_path,
        "LIF_KAFKA_BOOTSTRAP": server, "LIF_KAFKA_EVENTS_TOPIC": kafka.events_topic,
        "LIF_KAFKA_FEED_PREFIX": kafka.feed_prefix, "LIF_KAFKA_INGEST_TOPIC": kafka.ingest_topic,
        "LIF_KAFKA_DLQ_TOPIC": kafka.dlq_topic, "LIF_KAFKA_APP_ID": kafka.app_id,
    }

    store = EventStore.from_settings(settings)
    service = LearningService(store)
    ctx = Context(partnership_id=pid, principal="bench")
    service.execute(Context(partnership_id="-", principal="bench"),
                    cmd.RegisterPartnership(partnership_id=pid, display_name="Bench partnership"))
    service.execute(ctx, cmd.Subscribe(agency_id=AGENCY, everything=True))
    activities = [
        UUID(service.execute(ctx, cmd.OpenActivity.model_validate({
            "kind": "multi_agency_case_audit", "title": f"Audit {i}", "opened_on": "2026-01-05",
            "scope": "Neglect cases", "agencies_involved": [AGENCY],
        })).body["id"])
        for i in range(40)
    ]
    committed: dict[str, float] = {}

    def finding(i: int) -> None:
        finding_id = uuid.uuid4()
        service.execute(ctx, cmd.RecordFinding(
            finding_id=finding_id, category=FindingCategory.AREA_FOR_IMPROVEMENT,
            summary="Chronologies were not shared before the strategy meeting.", themes=(Theme.NEGLECT,),
            recorded_on=date(2026, 2, 1),
        ), activities[i % len(activities)])
        committed[str(finding_id)] = time.time()

    raw = KafkaProducer(bootstrap_servers=server, enable_idempotence=True, acks="all", linger_ms=5,
                        client_id="lif-bench-raw-latency")
    sent: dict[str, float] = {}
    # About an envelope's size; the consumer keys it by event_id, as it keys envelopes without a finding.
    body = json.dumps({"event_id": "@KEY@", "payload": {"summary": "x" * 600}}).encode()

    def bare(i: int) -> None:
        key = uuid.uuid4().hex
        sent[key] = time.time()
        raw.send(baseline_topic, key=key.encode(), value=body.replace(b"@KEY@", key.encode()))

    # The events topic too: the relay's share of the latency (commit -> lif.events), for the note.
    feeds = Feeds(server, [feed, baseline_topic, kafka.events_topic])
    procs = Processes(env, directory)
    try:
        # The worker takes a while to join its group: drive findings until the first reaches the feed.
        print("  latency: waiting for lif worker and lif relay ...", flush=True)
        deadline, i = time.monotonic() + 120, 0
        while not feeds.arrived[feed]:
            procs.check()
            if time.monotonic() > deadline:
                raise RuntimeError("no finding reached the agency's feed topic within 120 s")
            finding(i)
            i += 1
            time.sleep(0.2)
        time.sleep(2.0)
        warm = set(committed)
        print(f"  latency: offering {RATE:.0f} findings/s (and {RATE:.0f} bare messages/s) for {seconds} s ...",
              flush=True)
        n = int(RATE * seconds)
        start = time.monotonic()
        behind = 0.0
        for k in range(n):
            due = start + k / RATE
            lag = due - time.monotonic()
            if lag > 0:
                time.sleep(lag)
            else:
                behind = max(behind, -lag)
            finding(i + k)
            bare(k)
        offered = n / (time.monotonic() - start)
        raw.flush()
        wanted = sorted(set(committed) - warm, key=committed.__getitem__)  # samples in commit order
        deadline = time.monotonic() + 30
        expected = set(wanted)
        while time.monotonic() < deadline and (
            len(feeds.arrived[feed].keys() & expected) < len(expected)
            or len(feeds.arrived[baseline_topic]) < len(sent)
        ):
            procs.check()
            time.sleep(0.2)
    finally:
        feeds.close()
        procs.close()
        raw.close()
        store.close()
    lif_ms = [(feeds.arrived[feed][k] - committed[k]) * 1000 for k in wanted if k in feeds.arrived[feed]]
    got = feeds.arrived[baseline_topic]
    raw_ms = [(got[k] - t) * 1000 for k, t in sent.items() if k in got]
    events = feeds.arrived[kafka.events_topic]
    relay_ms = [(events[k] - committed[k]) * 1000 for k in wanted if k in events]
    missing = len(wanted) - len(lif_ms)
    what = (f"{len(lif_ms)}/{len(wanted)} findings delivered at {offered:.0f}/s offered for {seconds} s"
            f" (driver at most {behind * 1000:.0f} ms behind schedule); of which commit -> lif.events (relay)"
            f" p50 {percentile(relay_ms, 50) if relay_ms else float('nan'):.0f} ms,"
            f" p99 {percentile(relay_ms, 99) if relay_ms else float('nan'):.0f} ms")
    if not lif_ms or not raw_ms:
        yield Row(benchmark=NAME, case="latency", backend="sqlite+kafka", unit="", value=None,
                  note=f"FAILED: nothing measured; {what}")
        return
    for stat, q in (("p50", 50.0), ("p99", 99.0)):
        value, base = percentile(lif_ms, q), percentile(raw_ms, q)
        row = Row(
            benchmark=NAME, case=f"commit -> agency feed, {stat}", backend="sqlite+kafka", unit="ms",
            value=value, baseline="bare producer -> consumer", baseline_value=base,
            ratio=value / base if base else None,
            samples=[round(x, 1) for x in lif_ms] if stat == "p50" else [],
            baseline_samples=[round(x, 1) for x in raw_ms] if stat == "p50" else [],
            note=f"{what}; {missing} missing; ratio = latency / baseline (lower is better)",
        )
        if stat == "p99":
            row.target = f"<= {P99_TARGET_MS:.0f} ms"
            row.met = value <= P99_TARGET_MS and missing == 0
        yield row
