"""The relay: follows the notification log and publishes every event to Kafka.

Events are published to one topic (`lif.events`), keyed by partnership id so
each partnership's events stay in log order on one partition, as JSON envelopes:
the delivery worker routes each event on facts it folds from the events before
it (services/routing_state.py), which needs them in that order.
The relay's position advances only after the broker acknowledged the whole
batch (acks=all, idempotent producer), in a tracking table in the event
store's database, so a crash or kill at any point re-publishes at most the
unacknowledged batch: at least once into Kafka, never a gap. Consumers
deduplicate on the envelope's event_id.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kafka import KafkaProducer

from domain.events import DomainEvent
from projections.db import ViewDb
from services.envelope import Envelope, envelope_for
from services.store import EventStore

log = logging.getLogger(__name__)

TRACKING = "outbox_tracking"
SKIPPED_TOPICS = frozenset({"lif.idempotency.answered"})
"""Bookkeeping events, not facts about the partnership's learning."""
SKIPPED_PREFIXES = ("lif.access.", "lif.claim.")
"""Access control (API keys and their hashes, scrutineers' reads) and id claims (bookkeeping):
kept out of the shared topic."""


IDLE_INTERVAL = 0.02
"""Seconds between polls of an idle log. An idle poll is two indexed reads (about 1% of
a core at this rate), while half the interval on average is added to the latency of
the next event (0.5 s made p50 ~250 ms in bench; 0.05 s left p99 at the 100 ms target's edge)."""


def skipped(topic: str) -> bool:
    return topic in SKIPPED_TOPICS or topic.startswith(SKIPPED_PREFIXES)


class Tracking:
    """Named positions in the notification log, one row per follower."""

    def __init__(self, db: ViewDb, name: str) -> None:
        self.db = db
        self.name = name
        self._conn: Any = db.connect()
        with db.transaction(self._conn) as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {TRACKING} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)")
            cur.execute(
                f"INSERT INTO {TRACKING} (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (name,)
            )

    def position(self) -> int:
        with self.db.transaction(self._conn) as cur:
            cur.execute(f"SELECT position FROM {TRACKING} WHERE name = ?", (self.name,))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def advance(self, position: int) -> None:
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"UPDATE {TRACKING} SET position = ? WHERE name = ? AND position < ?",
                (position, self.name, position),
            )

    def close(self) -> None:
        self._conn.close()


def decode(store: EventStore, notification: Any) -> DomainEvent | None:
    """The notification's event; None for bookkeeping or unknown topics."""
    if skipped(notification.topic):
        return None
    try:
        event = store.mapper.to_domain_event(notification)
    except LookupError:
        log.warning("skipping notification %s: unknown topic %s", notification.id, notification.topic)
        return None
    return event if isinstance(event, DomainEvent) else None


def read_envelopes(store: EventStore, after: int, limit: int) -> tuple[list[Envelope], int]:
    """Envelopes of the next events after `after`, and the position they reach."""
    notifications = store.recorder.select_notifications(start=after + 1, limit=limit)
    envelopes = []
    for n in notifications:
        event = decode(store, n)
        if event is not None:
            envelopes.append(envelope_for(event, n.id))
    return envelopes, (notifications[-1].id if notifications else after)


def make_producer(bootstrap: str, client_id: str = "lif-relay") -> KafkaProducer:
    """An idempotent producer: the broker drops the duplicates of its own retries."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        client_id=client_id,
    )


class Relay:
    def __init__(
        self,
        store: EventStore,
        tracking: Tracking,
        producer: KafkaProducer,
        topic: str,
        *,
        batch_size: int = 200,
        pause: float = 0.0,
    ) -> None:
        self.store = store
        self.tracking = tracking
        self.producer = producer
        self.topic = topic
        self.batch_size = batch_size
        self.pause = pause
        """Seconds to wait between batches: a throttle (and a window for crash tests)."""

    def run_once(self) -> int:
        """Publishes the next batch; returns how many log positions it covered."""
        start = self.tracking.position()
        envelopes, reached = read_envelopes(self.store, start, self.batch_size)
        if reached == start:
            return 0
        futures = [
            self.producer.send(self.topic, key=e.partnership_id.encode(), value=e.to_json()) for e in envelopes
        ]
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)  # raises unless the broker acknowledged it
        self.commit(reached)
        return reached - start

    def commit(self, position: int) -> None:
        self.tracking.advance(position)

    def run_forever(self, stop: threading.Event, interval: float = IDLE_INTERVAL) -> None:
        backoff = interval
        while not stop.is_set():
            try:
                moved = self.run_once()
            except Exception:
                # Broker or database trouble: keep the position, retry later.
                log.exception("relay batch failed; retrying in %.1fs", backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = interval
            if not moved:
                stop.wait(interval)
            elif self.pause:
                stop.wait(self.pause)


def serve(
    *, once: bool = False, batch_size: int = 200, interval: float = IDLE_INTERVAL, pause: float = 0.0
) -> int:
    """`lif relay`: relays until SIGTERM/SIGINT (or, with once, until caught up)."""
    import signal

    from services.kafka_settings import KafkaSettings, delivery_db
    from services.settings import get_settings

    settings = get_settings()
    kafka = KafkaSettings()
    store = EventStore.from_settings(settings)
    tracking = Tracking(delivery_db(settings), "relay")
    producer = make_producer(kafka.bootstrap)
    relay = Relay(store, tracking, producer, kafka.events_topic, batch_size=batch_size, pause=pause)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if once:
            while relay.run_once():
                pass
        else:
            log.info("relaying to %s on %s from position %d", kafka.events_topic, kafka.bootstrap, tracking.position())
            relay.run_forever(stop, interval)
    finally:
        producer.close()
        tracking.close()
        store.close()
    return 0
