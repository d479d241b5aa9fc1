"""What every follower of the notification log, and every publisher to Kafka, shares.

Named positions in the log (`Tracking`, one row per follower), the log's events as
envelopes (bookkeeping topics left out), its head, and the idempotent producer. The
relay (services/workers/relay.py), the embedded feeds (services/workers/feeds.py) and the Kafka
worker (consumers/app.py) are built on these; they live apart from the relay so
that those do not depend on a process's entry point.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaProducer

from adapters.envelope import Envelope, envelope_for
from adapters.sealed_text import sealed_payload
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain.events import DomainEvent

log = logging.getLogger(__name__)

TRACKING = "outbox_tracking"
SKIPPED_TOPICS = frozenset({"lif.idempotency.answered", "lif.case_file.personal_details_read"})
"""Bookkeeping events, not facts about the partnership's learning, and reads of case files'
personal details (access control, like scrutineers' reads: the audit trail has them)."""
SKIPPED_PREFIXES = ("lif.access.", "lif.claim.")
"""Access control (API keys and their hashes, scrutineers' reads) and id claims (bookkeeping):
kept out of the shared topic."""


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
            # Free text leaves the store sealed, as stored: a redaction corrects every copy.
            envelopes.append(envelope_for(event, n.id, sealed_payload(event, store.stored_json(n))))
    return envelopes, (notifications[-1].id if notifications else after)


BLOCK_SECONDS = 10.0
"""What the relay's producer may block for at most (bootstrap, metadata, a batch's acknowledgements):
through a broker outage each attempt fails within it, is logged and retried, and SIGTERM is
answered within it, where a send had blocked 60 s and a flush 120 s."""


def make_producer(
    bootstrap: str, client_id: str = "lif-relay", *, block_seconds: float | None = None
) -> KafkaProducer:
    """An idempotent producer: the broker drops the duplicates of its own retries."""
    bounded = {} if block_seconds is None else {
        "max_block_ms": int(block_seconds * 1000), "bootstrap_timeout_ms": int(block_seconds * 1000),
    }
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        client_id=client_id,
        **bounded,
    )


def head(store: EventStore) -> int:
    return store.recorder.max_notification_id() or 0


