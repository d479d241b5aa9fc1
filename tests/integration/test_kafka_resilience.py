"""Delivery survives a killed worker and a restarted broker (issue 4), against a real Kafka broker.

Each test runs `lif relay` and `lif worker` as subprocesses, on topics and a consumer
group unique to the run, while the test keeps writing learning events to the event store
(a SQLite file shared by the three processes). Then, once the relay and the worker have
caught up, every event must be in the delivery ledger and on the feed topic of exactly the
agencies it is routed to, exactly once: nothing lost, nothing twice.

- The worker is killed with SIGKILL mid-stream (no chance to commit offsets or finish a
  delivery) and started again, on the shared test broker.
- The broker is stopped (`deploy/kafka.sh stop`) mid-stream and started again on the
  same state dir, while the relay and the worker keep running and must reconnect by
  themselves. This one runs its own broker (other ports, a temporary state dir), since
  the shared one serves other test runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO
from uuid import UUID

import pytest
from kafka import KafkaConsumer, KafkaProducer

from adapters.outbox import read_envelopes
from domain import commands as cmd
from domain.framework import SourceKind, Theme
from tests.integration.test_kafka_delivery import COUNCIL, POLICE, REPO, SCHOOLS, Env

pytestmark = pytest.mark.kafka

OWN_BROKER_PORT = int(os.environ.get("LIF_TEST_RESILIENCE_KAFKA_PORT", "19192"))
OWN_CONTROLLER_PORT = int(os.environ.get("LIF_TEST_RESILIENCE_KAFKA_CONTROLLER_PORT", "19193"))
CATCH_UP = 60.0
"""Seconds the relay and the worker get to deliver everything once the trouble is over."""
LINGER = 2.0
"""Seconds a feed topic is read on after it holds every expected message: a duplicate shows up here."""

# A restarted worker joins the same consumer group while the killed one is still a member
# until its session times out: keep that short (the broker's minimum is 6 s), as a
# deployment that wants fast fail-over would.
FAUST_ENV = {"BROKER_SESSION_TIMEOUT": "6", "BROKER_HEARTBEAT_INTERVAL": "1"}


class Proc:
    """`lif <args>` as a subprocess, logging to a file."""

    def __init__(self, env: Env, args: list[str], log: Path, cwd: Path) -> None:
        self.args = args
        self.log = log
        self._out: IO[bytes] = log.open("ab")
        self.popen = subprocess.Popen(
            env.lif(*args), cwd=cwd, env={**env.process_env(), **FAUST_ENV}, stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to flush, commit or clean up."""
        self.popen.kill()
        self.popen.wait()
        self._out.close()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._out.close()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- {' '.join(self.args)} ({self.log}) ---\n" + "\n".join(text[-lines:])


class Stream:
    """Learning events written into one partnership, with the agencies each must reach.

    POLICE subscribes to everything, COUNCIL to the neglect theme, SCHOOLS to best practice
    panels; findings go round-robin over three activities (two audits, one panel,
    so keys spread over the partitions) and alternate between two themes.
    """

    def __init__(self, env: Env) -> None:
        self.env = env
        self.pid = env.partnership()
        env.do(self.pid, cmd.Subscribe(agency_id=POLICE, everything=True))
        env.do(self.pid, cmd.Subscribe(agency_id=COUNCIL, themes=(Theme.NEGLECT,)))
        env.do(self.pid, cmd.Subscribe(agency_id=SCHOOLS, source_kinds=(SourceKind.BEST_PRACTICE_PANEL,)))
        self.activities: list[tuple[UUID, SourceKind]] = [
            (env.activity(self.pid, kind), kind)
            for kind in (SourceKind.MULTI_AGENCY_CASE_AUDIT, SourceKind.BEST_PRACTICE_PANEL, SourceKind.THEMATIC_AUDIT)
        ]
        self.expected: dict[str, set[str]] = {}
        """event id -> the agencies it is routed to."""

    def write(self, n: int = 1, pace: float = 0.0) -> None:
        for _ in range(n):
            i = len(self.expected)
            activity, kind = self.activities[i % len(self.activities)]
            theme = Theme.NEGLECT if (i // len(self.activities)) % 2 == 0 else Theme.DOMESTIC_ABUSE
            self.env.finding(self.pid, activity, theme)
            agencies = {POLICE}
            if theme is Theme.NEGLECT:
                agencies.add(COUNCIL)
            if kind is SourceKind.BEST_PRACTICE_PANEL:
                agencies.add(SCHOOLS)
            self.expected[self.env.last_event_id(activity)] = agencies
            if pace:
                time.sleep(pace)

    def write_while(self, busy: Callable[[], bool], pace: float, limit: float) -> int:
        """Writes one event every `pace` seconds while `busy()`, for at most `limit` seconds."""
        deadline = time.monotonic() + limit
        written = 0
        while busy() and time.monotonic() < deadline:
            self.write(1, pace)
            written += 1
        return written

    def ledger_rows(self) -> list[tuple[str, str, int]]:
        return self.env.ledger.rows(self.pid)

    def expected_rows(self) -> set[tuple[str, str]]:
        return {(e, a) for e, agencies in self.expected.items() for a in agencies}

    def per_agency(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for e, agencies in self.expected.items():
            for a in agencies:
                out.setdefault(a, set()).add(e)
        return out

    def caught_up(self) -> bool:
        rows = self.ledger_rows()
        return {(e, a) for e, a, _ in rows} >= self.expected_rows() and all(s for _, _, s in rows)


def feed_messages(bootstrap: str, topic: str, count: int, timeout: float = CATCH_UP) -> list[str]:
    """The event ids on a topic: read until it holds `count` messages, then LINGER seconds more."""
    return topics_messages(bootstrap, {topic: count}, timeout)[topic]


def topics_messages(bootstrap: str, counts: dict[str, int], timeout: float = CATCH_UP) -> dict[str, list[str]]:
    """The event ids on each topic: read until each holds its count of messages, then LINGER
    seconds more (one linger for all the topics, read together by one consumer)."""
    consumer = KafkaConsumer(
        *counts, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
        group_id=None, consumer_timeout_ms=500,
    )
    ids: dict[str, list[str]] = {topic: [] for topic in counts}

    def poll() -> None:
        for partition, batch in consumer.poll(timeout_ms=300).items():
            ids[partition.topic].extend(json.loads(r.value)["event_id"] for r in batch)

    deadline = time.monotonic() + timeout
    try:
        while any(len(ids[t]) < n for t, n in counts.items()) and time.monotonic() < deadline:
            poll()
        linger = time.monotonic() + LINGER
        while time.monotonic() < linger:
            poll()
    finally:
        consumer.close()
    return ids


def assert_exactly_once(env: Env, stream: Stream, procs: list[Proc]) -> None:
    """Every expected (event, agency) once in the ledger, marked sent, and once on the agency's feed topic."""
    deadline = time.monotonic() + CATCH_UP
    while not stream.caught_up() and time.monotonic() < deadline:
        for p in procs:
            assert p.alive(), f"{p.args[0]} died\n{p.tail()}"
        time.sleep(0.05)
    rows = stream.ledger_rows()
    missing = stream.expected_rows() - {(e, a) for e, a, _ in rows}
    assert not missing, f"{len(missing)} deliveries missing from the ledger\n" + "\n".join(p.tail() for p in procs)
    # The ledger's primary key makes a duplicate row impossible; check the set and `sent` anyway.
    assert sorted((e, a) for e, a, _ in rows) == sorted(stream.expected_rows())
    assert [r for r in rows if r[2] != 1] == []

    wanted_by_agency = stream.per_agency()
    topics = {agency: env.kafka.feed_topic(stream.pid, agency) for agency in wanted_by_agency}
    on_topics = topics_messages(env.kafka.bootstrap, {topics[a]: len(w) for a, w in wanted_by_agency.items()})
    for agency, wanted in wanted_by_agency.items():
        counts = Counter(on_topics[topics[agency]])
        assert set(counts) == wanted, (
            f"{agency}: {len(wanted - set(counts))} missing, {len(set(counts) - wanted)} unexpected"
        )
        twice = {e: n for e, n in counts.items() if n > 1}
        assert not twice, f"{agency}: delivered more than once on the feed topic: {twice}"


def write_until_delivered(stream: Stream, procs: list[Proc], events: int = 15) -> None:
    """Keeps writing until the worker has delivered `events` of the stream, then leaves it a backlog."""
    deadline = time.monotonic() + CATCH_UP
    while len({e for e, _, _ in stream.ledger_rows()}) < events:
        for p in procs:
            assert p.alive(), f"{p.args[0]} died\n{p.tail()}"
        assert time.monotonic() < deadline, "the worker delivered nothing\n" + "\n".join(p.tail() for p in procs)
        stream.write(3)
    stream.write(10)  # a backlog the worker is working through when the trouble starts


@pytest.fixture
def env(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Env]:
    e = Env(kafka_bootstrap, tmp_path)
    yield e
    e.ledger.close()
    e.store.close()


def test_a_worker_killed_mid_stream_loses_and_duplicates_nothing(env: Env, tmp_path: Path) -> None:
    stream = Stream(env)
    # Processes run in tmp_path: faust puts its data dir in the working directory.
    relay = Proc(env, ["relay", "--batch-size", "10"], tmp_path / "relay.log", tmp_path)
    worker = Proc(env, ["worker", "--loglevel", "warning"], tmp_path / "worker-1.log", tmp_path)
    procs = [relay, worker]
    try:
        # Kill the worker once it delivered a first part of the stream, with events still flowing in.
        write_until_delivered(stream, procs)
        worker.kill()
        delivered_at_kill = {e for e, _, _ in stream.ledger_rows()}
        assert len(delivered_at_kill) < len(stream.expected), "the worker caught up before it was killed"

        stream.write(15, pace=0.02)  # written, and relayed, while no worker runs
        assert {e for e, _, _ in stream.ledger_rows()} == delivered_at_kill

        worker = Proc(env, ["worker", "--loglevel", "warning"], tmp_path / "worker-2.log", tmp_path)
        procs = [relay, worker]
        stream.write(15, pace=0.02)  # and more while it restarts and catches up
        assert_exactly_once(env, stream, procs)
        assert relay.alive() and worker.alive()
    finally:
        for p in procs:
            p.stop()


def test_a_send_the_killed_worker_did_not_record_is_looked_up_not_repeated(env: Env, tmp_path: Path) -> None:
    """The state a worker killed mid-delivery leaves, set up exactly, then a worker started on it.

    The first event's rows were recorded and its message reached POLICE's feed, but the
    worker died before marking the row sent (nor did it send to COUNCIL); the second event's
    rows were recorded, nothing sent. The restarted worker gets both again (the offsets were
    not committed) and must send each missing message once and the POLICE one not again.
    """
    stream = Stream(env)
    stream.write(2)
    first, second = stream.expected
    log = [e for e in read_envelopes(env.store, 0, 100_000)[0] if e.partnership_id == stream.pid]
    envelopes = {str(e.event_id): e for e in log}
    # What the killed worker had recorded: the rows of both events, and its routing facts.
    routed = env.ledger.route_batch(f"kafka:{env.kafka.events_topic}", log)
    for event_id in (first, second):
        assert next(r.agencies for r in routed if str(r.envelope.event_id) == event_id) == sorted(
            stream.expected[event_id]
        )
    producer = KafkaProducer(bootstrap_servers=env.kafka.bootstrap, acks="all")
    producer.send(
        env.kafka.feed_topic(stream.pid, POLICE), key=str(envelopes[first].aggregate_id).encode(),
        value=envelopes[first].to_json(),
    ).get(timeout=30)
    producer.close()
    env.relay_once()

    worker = Proc(env, ["worker", "--loglevel", "warning"], tmp_path / "worker.log", tmp_path)
    try:
        assert_exactly_once(env, stream, [worker])
    finally:
        worker.stop()
    looked_up = [line for line in worker.log.read_text().splitlines() if "not sent again" in line]
    assert {first in line and POLICE in line for line in looked_up} == {True}


class Broker:
    """A broker of our own, run by deploy/kafka.sh on other ports and a temporary state dir."""

    def __init__(self, state_dir: Path) -> None:
        self.env = {
            **os.environ,
            "LIF_KAFKA_PORT": str(OWN_BROKER_PORT),
            "LIF_KAFKA_CONTROLLER_PORT": str(OWN_CONTROLLER_PORT),
            "LIF_KAFKA_DIR": str(state_dir),
        }
        self.bootstrap = f"127.0.0.1:{OWN_BROKER_PORT}"

    def command(self, action: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["bash", str(REPO / "deploy" / "kafka.sh"), action], env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def run(self, action: str, timeout: float = 180) -> None:
        proc = self.command(action)
        _, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, f"kafka.sh {action} failed: {err.decode()}"


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    broker = Broker(tmp_path_factory.mktemp("own-broker"))
    try:
        broker.run("start")
        yield broker
    finally:
        broker.run("stop")


def test_a_broker_restart_mid_stream_loses_and_duplicates_nothing(own_broker: Broker, tmp_path: Path) -> None:
    env = Env(own_broker.bootstrap, tmp_path)
    stream = Stream(env)
    relay = Proc(env, ["relay", "--batch-size", "10"], tmp_path / "relay.log", tmp_path)
    worker = Proc(env, ["worker", "--loglevel", "warning"], tmp_path / "worker.log", tmp_path)
    procs = [relay, worker]
    try:
        write_until_delivered(stream, procs)

        # Stop the broker (SIGTERM: a clean shutdown) and start it again on the same
        # state dir, writing events all along; the relay and the worker keep running.
        stopping = own_broker.command("stop")
        during_stop = stream.write_while(lambda: stopping.poll() is None, pace=0.05, limit=60)
        assert stopping.wait() == 0, stopping.communicate()[1].decode()
        stream.write(5, pace=0.05)  # the broker is down
        starting = own_broker.command("start")
        during_start = stream.write_while(lambda: starting.poll() is None, pace=0.05, limit=120)
        assert starting.wait() == 0, starting.communicate()[1].decode()
        assert during_stop + during_start > 0
        for p in procs:
            assert p.alive(), f"{p.args[0]} died when the broker went away\n{p.tail()}"

        stream.write(10, pace=0.02)  # after the restart
        assert_exactly_once(env, stream, procs)
        for p in procs:
            assert p.alive(), f"{p.args[0]} died\n{p.tail()}"
    finally:
        for p in procs:
            p.stop()
        env.ledger.close()
        env.store.close()
