"""The relay, the delivery worker and the ingest agent against a real Kafka broker.

One faust worker (`lif worker`, a subprocess) serves the whole module, on
topics and a consumer group unique to this run; the event store is a SQLite
file shared by the test process, the relay and the worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from adapters.envelope import Envelope, json_schema
from adapters.kafka_settings import KafkaSettings, delivery_db
from adapters.ledger import Ledger
from adapters.outbox import Tracking, make_producer, skipped
from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import Activity, FindingCategory
from domain.aggregate import Context
from domain.framework import ARLF, CDOP, SourceKind, Theme
from domain.partnership import partnership_uuid
from services.application.auth.apikeys import create_api_key
from services.application.service import LearningService
from services.workers.feeds import EmbeddedFeeds
from services.workers.relay import Relay
from tests.integration.stores import postgres_settings

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
POLICE, COUNCIL, ACUTE, ICB, MENTAL, SCHOOLS = (
    "merseyside-police", "st-helens-council", "mersey-west-lancs-nhs", "nhs-cheshire-merseyside-icb",
    "mersey-care-nhs", "st-helens-schools",
)
WAIT = 45.0


class Env:
    """Everything the module's tests share."""

    def __init__(self, bootstrap: str, tmp: Path) -> None:
        run = uuid.uuid4().hex[:8]
        self.run = run
        self.vars = {
            "LIF_PERSISTENCE": "sqlite",
            "LIF_SQLITE_PATH": str(tmp / "events.sqlite"),
            "LIF_KAFKA_BOOTSTRAP": bootstrap,
            "LIF_KAFKA_EVENTS_TOPIC": f"lif.events.test-{run}",
            "LIF_KAFKA_INGEST_TOPIC": f"lif.ingest.test-{run}",
            "LIF_KAFKA_DLQ_TOPIC": f"lif.ingest.dlq.test-{run}",
            "LIF_KAFKA_APP_ID": f"lif-consumers-test-{run}",
        }
        self.settings = Settings(persistence="sqlite", sqlite_path=self.vars["LIF_SQLITE_PATH"])
        self.kafka = KafkaSettings(
            bootstrap=bootstrap,
            events_topic=self.vars["LIF_KAFKA_EVENTS_TOPIC"],
            ingest_topic=self.vars["LIF_KAFKA_INGEST_TOPIC"],
            dlq_topic=self.vars["LIF_KAFKA_DLQ_TOPIC"],
        )
        self.store = EventStore.from_settings(self.settings)
        self.service = LearningService(self.store)
        self.db = delivery_db(self.settings)
        self.ledger = Ledger(self.db)

    def process_env(self) -> dict[str, str]:
        return {**os.environ, **self.vars, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}

    def lif(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "services.cli", *args]

    def relay_once(self) -> None:
        tracking = Tracking(self.db, "relay")
        producer = make_producer(self.kafka.bootstrap)
        try:
            relay = Relay(self.store, tracking, producer, self.kafka.events_topic)
            while relay.run_once():
                pass
        finally:
            producer.close()
            tracking.close()

    def do(self, partnership: str, command: cmd.Command, target: UUID | None = None) -> dict[str, Any]:
        ctx = Context(partnership_id=partnership, principal="tester")
        return self.service.execute(ctx, command, target).body

    def partnership(self) -> str:
        pid = f"p-{uuid.uuid4().hex[:10]}"
        self.do(pid, cmd.RegisterPartnership(partnership_id=pid, display_name="Test partnership"))
        return pid

    def activity(self, pid: str, kind: SourceKind = SourceKind.MULTI_AGENCY_CASE_AUDIT) -> UUID:
        body = self.do(
            pid, cmd.OpenActivity(kind=kind, title="Audit", opened_on=date(2026, 1, 5), scope="Neglect cases")
        )
        return UUID(body["id"])

    def finding(self, pid: str, activity: UUID, theme: Theme = Theme.NEGLECT) -> UUID:
        finding_id = uuid.uuid4()
        self.do(
            pid,
            cmd.RecordFinding(
                finding_id=finding_id, category=FindingCategory.AREA_FOR_IMPROVEMENT, summary="Drift in plans",
                themes=(theme,), recorded_on=date(2026, 2, 1),
            ),
            activity,
        )
        return finding_id

    def last_event_id(self, aggregate_id: UUID) -> str:
        return str(list(self.store.events_of(aggregate_id))[-1].event_id)


def read_topic(
    bootstrap: str, topic: str, done: Callable[[list[Any]], bool], timeout: float = WAIT
) -> list[Any]:
    """Every record of a topic from the start, read until `done(records)` or the timeout."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
        group_id=None, consumer_timeout_ms=500,
    )
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while not done(records) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def topics(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def wait_for(check: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture(scope="module")
def env(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    e = Env(kafka_bootstrap, tmp_path_factory.mktemp("kafka"))
    yield e
    e.ledger.close()
    e.store.close()


@pytest.fixture(scope="module")
def worker(env: Env, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            env.lif("worker", "--loglevel", "warning"), cwd=REPO, env=env.process_env(), stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def feed(env: Env, pid: str, agency: str, count: int, timeout: float = WAIT) -> list[str]:
    """The event ids on an agency's feed topic in log order (Kafka orders per key only)."""
    records = read_topic(env.kafka.bootstrap, env.kafka.feed_topic(pid, agency), lambda r: len(r) >= count, timeout)
    messages = sorted((json.loads(r.value) for r in records), key=lambda m: int(m["position"]))
    return [m["event_id"] for m in messages]


def test_learning_reaches_exactly_the_subscribed_and_addressed_agencies(env: Env, worker: Path) -> None:
    pid = env.partnership()
    env.do(pid, cmd.Subscribe(agency_id=POLICE, themes=(Theme.NEGLECT,)))
    env.do(pid, cmd.Subscribe(agency_id=COUNCIL, forums=(ARLF,)))  # audits are disseminated to ARLF
    env.do(pid, cmd.Subscribe(agency_id=ACUTE, source_kinds=(SourceKind.RAPID_REVIEW,)))
    env.do(pid, cmd.Subscribe(agency_id=ICB, forums=(CDOP,)))
    env.do(pid, cmd.Subscribe(agency_id=MENTAL, everything=True))
    env.do(pid, cmd.Unsubscribe(agency_id=MENTAL))
    activity = env.activity(pid)
    finding = env.finding(pid, activity)
    finding_event = env.last_event_id(activity)
    rec = env.do(
        pid,
        cmd.MakeRecommendation(
            finding_ids=(finding,), text="Review plans", addressed_to=(SCHOOLS,), made_on=date(2026, 2, 2)
        ),
        activity,
    )
    rec_event = env.last_event_id(UUID(rec["id"]))
    env.relay_once()

    # The police (theme) and the council (forum) receive both; the schools only
    # the recommendation addressed to them; the others nothing.
    assert feed(env, pid, POLICE, 2) == [finding_event, rec_event]
    assert feed(env, pid, COUNCIL, 2) == [finding_event, rec_event]
    assert feed(env, pid, SCHOOLS, 1) == [rec_event]
    assert env.ledger.recipients(finding_event) == {POLICE, COUNCIL}
    assert env.ledger.recipients(rec_event) == {POLICE, COUNCIL, SCHOOLS}
    existing = topics(env.kafka.bootstrap)
    for agency in (ACUTE, ICB, MENTAL):
        assert env.kafka.feed_topic(pid, agency) not in existing
    # Non-learning events (registration, subscriptions, opening) reached no ledger.
    assert {e for e, _, _ in env.ledger.rows(pid)} == {finding_event, rec_event}

    # The embedded path (no Kafka) chooses the same agencies for the same events.
    embedded_db = ViewDb("sqlite", str(Path(env.vars["LIF_SQLITE_PATH"]).with_name("embedded.sqlite")))
    embedded = Ledger(embedded_db)
    EmbeddedFeeds(env.store, embedded, Tracking(embedded_db, "embedded")).run_until_caught_up()
    assert [(e, a) for e, a, _ in embedded.rows(pid)] == [(e, a) for e, a, _ in env.ledger.rows(pid)]
    embedded.close()

    # What travelled is a valid envelope, as documented in docs/envelope.schema.json.
    documented = json.loads((REPO / "docs" / "envelope.schema.json").read_text())
    assert documented == json_schema()
    record = read_topic(env.kafka.bootstrap, env.kafka.feed_topic(pid, SCHOOLS), lambda r: len(r) >= 1)[0]
    message = json.loads(record.value)
    assert set(documented["required"]) <= set(message) <= set(documented["properties"])
    envelope = Envelope.model_validate(message)
    assert (envelope.type, envelope.partnership_id, envelope.payload["addressed_to"]) == (
        "lif.recommendation.made", pid, [SCHOOLS],
    )


def test_killed_relay_restarts_without_loss_and_deliveries_are_not_duplicated(env: Env, worker: Path) -> None:
    pid = env.partnership()
    env.do(pid, cmd.Subscribe(agency_id=POLICE, everything=True))
    activity = env.activity(pid)
    findings = [env.finding(pid, activity) for _ in range(30)]
    expected = [str(e.event_id) for e in env.store.events_of(activity)][1:]  # the 30 findings
    assert len(expected) == len(findings)
    head = env.store.recorder.max_notification_id() or 0
    tracking = Tracking(env.db, "relay")

    relay = subprocess.Popen(
        env.lif("relay", "--batch-size", "5", "--pause", "0.2"), cwd=REPO, env=env.process_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: tracking.position() > 0, 30), "the relay never advanced"
    finally:
        relay.kill()  # SIGKILL: no chance to flush or clean up
        relay.wait()
    killed_at = tracking.position()
    assert killed_at < head, "the relay finished before it was killed"

    restarted = subprocess.run(
        env.lif("relay", "--once", "--batch-size", "7"), cwd=REPO, env=env.process_env(), timeout=120, check=False,
        capture_output=True,
    )
    assert restarted.returncode == 0, restarted.stderr.decode()
    assert tracking.position() >= head

    # Nothing lost on lif.events: every event of the log up to the head is there.
    wanted = {
        str(env.store.mapper.to_domain_event(n).event_id)  # type: ignore[attr-defined]
        for n in env.store.recorder.select_notifications(start=1, limit=100_000, stop=head)
        if not skipped(n.topic)
    }
    published = read_topic(
        env.kafka.bootstrap, env.kafka.events_topic,
        lambda r: wanted <= {json.loads(x.value)["event_id"] for x in r},
    )
    assert wanted <= {json.loads(r.value)["event_id"] for r in published}

    # The agency's feed holds each finding once, in order, and the ledger agrees.
    assert wait_for(lambda: len(env.ledger.rows(pid)) >= len(expected) and all(s for _, _, s in env.ledger.rows(pid)))
    assert feed(env, pid, POLICE, len(expected)) == expected
    assert env.ledger.rows(pid) == [(e, POLICE, 1) for e in expected]
    tracking.close()


class CrashAfterAck(Relay):
    """A relay that dies after the broker acknowledged a batch, before saving its position."""

    def commit(self, position: int) -> None:
        raise RuntimeError("crashed before recording the position")


def test_a_batch_republished_after_a_crash_is_delivered_once(env: Env, worker: Path) -> None:
    env.relay_once()  # start from a caught-up relay
    pid = env.partnership()
    env.do(pid, cmd.Subscribe(agency_id=COUNCIL, themes=(Theme.DOMESTIC_ABUSE,)))
    activity = env.activity(pid)
    for _ in range(3):
        env.finding(pid, activity, Theme.DOMESTIC_ABUSE)
    expected = [str(e.event_id) for e in env.store.events_of(activity)][1:]

    tracking = Tracking(env.db, "relay")
    before = tracking.position()
    producer = make_producer(env.kafka.bootstrap)
    crashing = CrashAfterAck(env.store, tracking, producer, env.kafka.events_topic)
    with pytest.raises(RuntimeError):
        crashing.run_once()
    producer.close()
    assert tracking.position() == before  # published, but the position did not move
    env.relay_once()  # the restarted relay publishes the same batch again
    tracking.close()

    published = read_topic(
        env.kafka.bootstrap, env.kafka.events_topic,
        lambda r: sum(json.loads(x.value)["event_id"] in expected for x in r) >= 2 * len(expected),
    )
    on_topic = [json.loads(r.value)["event_id"] for r in published]
    assert all(on_topic.count(e) == 2 for e in expected)  # at least once: here, twice
    assert wait_for(lambda: len(env.ledger.rows(pid)) == len(expected))
    assert feed(env, pid, COUNCIL, len(expected)) == expected
    # Read on for a while: a wrongly duplicated delivery would show up here.
    assert feed(env, pid, COUNCIL, len(expected) + 1, timeout=3.0) == expected
    assert env.ledger.rows(pid) == [(e, COUNCIL, 1) for e in expected]


def test_ingest_applies_good_messages_once_and_dead_letters_the_rest(env: Env, worker: Path) -> None:
    pid = env.partnership()
    other = env.partnership()
    activity = env.activity(pid)
    key = create_api_key(env.store, pid, "case-system", issued_by="admin:test").key

    def item(summary: str, partnership: str = pid, key: str | None = None, **extra: Any) -> bytes:
        payload = {
            "category": "good_practice", "summary": summary, "themes": ["voice_of_the_child"],
            "recorded_on": "2026-03-01", **extra,
        }
        return json.dumps({
            "partnership_id": partnership, "command": "record_finding", "target_id": str(activity),
            "payload": payload, "idempotency_key": key or f"k-{summary}",
        }).encode()

    good = [("x-api-key", key.encode())]
    messages: list[tuple[bytes, list[tuple[str, bytes]]]] = [
        (item("first"), good),
        (item("first"), good),  # redelivered: applied once
        (item("no key"), []),
        (item("bad key"), [("x-api-key", b"lif_0000000000000000_" + b"x" * 43)]),
        (b"\xff\xfe not json at all", good),
        (json.dumps({"partnership_id": pid, "command": "launch_rockets", "payload": {}}).encode(), good),
        (item("unknown agency", agencies_concerned=["no-such-agency"]), good),
        (item("elsewhere", partnership=other), good),  # the key is for `pid` only
        (json.dumps(["a", "list"]).encode(), good),
        (item("a timestamp", recorded_on=20260301), good),  # strict input: dates are YYYY-MM-DD only
        (item("a datetime", recorded_on="2026-03-01T00:00:00"), good),
        (item("nul\u0000byte", key="k-nul"), good),
        (b'{"partnership_id": NaN}', good),  # Python's json reads NaN; JSON has no NaN
        (item("second"), good),  # bad input before it did not stop the agent
    ]
    producer = KafkaProducer(bootstrap_servers=env.kafka.bootstrap, acks="all")
    for raw, headers in messages:  # one key: one partition, so processed in this order
        producer.send(env.kafka.ingest_topic, key=pid.encode(), value=raw, headers=headers)
    producer.flush()
    producer.close()

    def summaries() -> list[str]:
        state = env.store.load(activity, Activity)
        assert state is not None
        return sorted(f.summary for f in state.findings.values())

    assert wait_for(lambda: summaries() == ["first", "second"])
    letters = read_topic(env.kafka.bootstrap, env.kafka.dlq_topic, lambda r: len(r) >= 11)
    reasons = [json.loads(r.value)["error"]["code"] for r in letters]
    assert reasons == [
        "unauthenticated", "unauthenticated", "invalid_json", "unknown_command", "unknown_agency",
        "other_partnership", "invalid_item", "invalid_date", "invalid_date", "invalid_text", "invalid_json",
    ]
    strict = [json.loads(r.value)["error"] for r in letters[7:10]]
    assert [e["field"] for e in strict] == ["recorded_on", "recorded_on", "summary"]
    assert "YYYY-MM-DD" in strict[0]["message"] and "U+0000 (NUL)" in strict[2]["message"]
    assert json.loads(letters[2].value)["original"].endswith("not json at all")
    findings = [e for e in env.store.events_of(activity) if type(e).__name__ == "FindingRecorded"]
    assert {e.principal for e in findings} == {"service:case-system"}
    assert summaries() == ["first", "second"]

    # The relay publishes the findings, but not the API key's event (it carries a secret's hash).
    env.relay_once()
    last = str(findings[-1].event_id)
    published = read_topic(
        env.kafka.bootstrap, env.kafka.events_topic, lambda r: any(json.loads(x.value)["event_id"] == last for x in r)
    )
    types = {json.loads(r.value)["type"] for r in published}
    assert "lif.activity.finding_recorded" in types
    assert not {t for t in types if t.startswith("lif.access.")}


@pytest.mark.postgres
def test_relay_on_postgresql_resumes_from_its_tracked_position(kafka_bootstrap: str, postgres_dsn: str) -> None:
    settings = postgres_settings(postgres_dsn)
    store = EventStore.from_settings(settings)
    service = LearningService(store)
    ctx = Context(partnership_id="pg-relay", principal="tester")
    service.execute(ctx, cmd.RegisterPartnership(partnership_id="pg-relay", display_name="PG"))
    topic = f"lif.events.test-pg-{uuid.uuid4().hex[:8]}"
    db = delivery_db(settings)
    head = store.recorder.max_notification_id() or 0

    producer = make_producer(kafka_bootstrap)
    tracking = Tracking(db, "relay")
    with pytest.raises(RuntimeError):
        CrashAfterAck(store, tracking, producer, topic, batch_size=10).run_once()
    assert tracking.position() == 0
    relay = Relay(store, tracking, producer, topic, batch_size=10)
    while relay.run_once():
        pass
    assert tracking.position() == head
    # A new tracking object (a restarted process) resumes where the last one stopped.
    service.execute(ctx, cmd.Subscribe(agency_id=POLICE, everything=True))
    assert Relay(store, Tracking(db, "relay"), producer, topic).run_once() == 1
    producer.close()

    wanted = [str(e.event_id) for e in store.events_of(partnership_uuid("pg-relay"))]
    records = read_topic(kafka_bootstrap, topic, lambda r: len(r) >= head + 1 + 10)
    ids = [json.loads(r.value)["event_id"] for r in records]
    assert set(ids) == set(wanted)
    assert len(ids) == len(wanted) + 10  # the first batch of ten went out twice
    tracking.close()
    store.close()
