"""Webhooks: each delivery-ledger row POSTed to its agency's webhook, signed, retried, dead-lettered.

An agency with a `webhook_url` (POST /v1/partnerships/{p}/webhooks) gets every
envelope of its feed POSTed as JSON. Each request is signed with HMAC-SHA256
over "<timestamp>.<body>" using the agency's key, derived from the deployment
secret (`agency_key`), so a receiver can check who sent it and that it is
fresh:

    X-Lif-Signature: sha256=<hex>    X-Lif-Timestamp: <unix seconds>
    X-Lif-Event-Id: <event id>       X-Lif-Delivery-Attempt: <n>

A 2xx answer delivers it; anything else (or no answer) is retried with
exponential backoff; after `max_attempts` the row is dead-lettered (status
`dead`, the last error and the time kept) and left for a person to look at
(`dead_letters`, GET /v1/partnerships/{p}/webhooks/dead-letters). The state of
each (event, agency) lives in `webhook_deliveries`, beside the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.ledger import LEDGER, Ledger
from adapters.polling import poll_until_stopped
from adapters.sealed_text import open_all
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain.partnership import Partnership, partnership_uuid

log = logging.getLogger(__name__)
TABLE = "webhook_deliveries"


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIF_WEBHOOK_", extra="ignore")

    secret: str = "change-me"
    """The deployment's secret; each agency's signing key is derived from it."""
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    """First retry after this long, doubling each time (capped at an hour)."""
    timeout_seconds: float = 5.0


def agency_key(secret: str, partnership_id: str, agency_id: str) -> bytes:
    """The key an agency verifies its webhooks with (given to it out of band)."""
    return hmac.new(secret.encode(), f"{partnership_id}/{agency_id}".encode(), hashlib.sha256).digest()


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    def __init__(
        self,
        store: EventStore,
        db: ViewDb,
        settings: WebhookSettings | None = None,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.db = db
        self.settings = settings or WebhookSettings()
        self.client = client or httpx.Client(timeout=self.settings.timeout_seconds)
        self.clock = clock
        Ledger(db).close()  # the ledger table it reads, on a deployment that never delivered yet
        self._conn: Any = db.connect()
        create_table(db, self._conn)

    def _webhook_url(self, partnership_id: str, agency_id: str) -> str | None:
        p = self.store.load(partnership_uuid(partnership_id), Partnership)
        agency = p.agencies.get(agency_id) if p else None
        return agency.webhook_url if agency else None

    def _enqueue(self) -> None:
        """Takes up ledger rows not seen yet: pending if the agency has a webhook, else none."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT l.event_id, l.agency_id, l.partnership_id FROM {LEDGER} l LEFT JOIN {TABLE} w"
                " ON w.event_id = l.event_id AND w.agency_id = l.agency_id WHERE w.event_id IS NULL"
                " ORDER BY l.position LIMIT 500"
            )
            fresh = cur.fetchall()
        urls: dict[tuple[str, str], str | None] = {}
        with self.db.transaction(self._conn) as cur:
            for event_id, agency_id, partnership_id in fresh:
                if (partnership_id, agency_id) not in urls:
                    urls[partnership_id, agency_id] = self._webhook_url(partnership_id, agency_id)
                status = "pending" if urls[partnership_id, agency_id] else "none"
                cur.execute(
                    f"INSERT INTO {TABLE} (event_id, agency_id, status) VALUES (?, ?, ?)"
                    " ON CONFLICT (event_id, agency_id) DO NOTHING",
                    (event_id, agency_id, status),
                )

    def run_once(self) -> int:
        """Attempts every delivery that is due; returns how many were attempted."""
        self._enqueue()
        now = self.clock()
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT w.event_id, w.agency_id, w.attempts, l.partnership_id, l.envelope FROM {TABLE} w"
                f" JOIN {LEDGER} l ON l.event_id = w.event_id AND l.agency_id = w.agency_id"
                " WHERE w.status = 'pending' AND w.next_attempt_at <= ? ORDER BY l.position LIMIT 100",
                (now,),
            )
            due = cur.fetchall()
        if due:  # opened as they leave: without the keys a redaction destroyed, in any process
            self.store.text_keys.forget_destroyed()
        for event_id, agency_id, attempts, partnership_id, envelope in due:
            self._attempt(str(event_id), str(agency_id), int(attempts) + 1, str(partnership_id), str(envelope))
        return len(due)

    def _attempt(self, event_id: str, agency_id: str, attempt: int, partnership_id: str, envelope: str) -> None:
        url = self._webhook_url(partnership_id, agency_id)
        if url is None:  # the agency removed its webhook meanwhile
            self._set(event_id, agency_id, "none", attempt - 1, 0, None)
            return
        # Kept sealed in the ledger (adapters/envelope.py): opened as it leaves, so a redaction
        # made before this attempt is what the agency receives.
        body = open_all(envelope.encode(), self.store.text_keys)
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "X-Lif-Event-Id": event_id,
            "X-Lif-Timestamp": timestamp,
            "X-Lif-Delivery-Attempt": str(attempt),
            "X-Lif-Signature": signature(agency_key(self.settings.secret, partnership_id, agency_id), timestamp, body),
        }
        try:
            response = self.client.post(url, content=body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"
        if error is None:
            self._set(event_id, agency_id, "delivered", attempt, 0, None)
        elif attempt >= self.settings.max_attempts:
            log.warning("webhook for %s to %s dead-lettered after %d attempts: %s", event_id, agency_id, attempt, error)
            self._set(event_id, agency_id, "dead", attempt, 0, error, dead_at=self.clock())
        else:
            delay = min(self.settings.backoff_seconds * 2 ** (attempt - 1), 3600.0)
            log.warning("webhook for %s to %s failed (attempt %d of %d): %s; retrying in %.0fs",
                        event_id, agency_id, attempt, self.settings.max_attempts, error, delay)
            self._set(event_id, agency_id, "pending", attempt, self.clock() + delay, error)

    def _set(
        self, event_id: str, agency_id: str, status: str, attempts: int, next_at: float, error: str | None,
        dead_at: float | None = None,
    ) -> None:
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"UPDATE {TABLE} SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, dead_at = ?"
                " WHERE event_id = ? AND agency_id = ?",
                (status, attempts, next_at, error, dead_at, event_id, agency_id),
            )

    def statuses(self, agency_id: str) -> list[tuple[str, str, int, str | None]]:
        """(event_id, status, attempts, last_error) of an agency's webhooks, oldest first."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT w.event_id, w.status, w.attempts, w.last_error FROM {TABLE} w JOIN {LEDGER} l"
                " ON l.event_id = w.event_id AND l.agency_id = w.agency_id WHERE w.agency_id = ? ORDER BY l.position",
                (agency_id,),
            )
            return [(str(e), str(s), int(a), err) for e, s, a, err in cur.fetchall()]

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        poll_until_stopped(self.run_once, stop, interval, "webhook dispatch")

    def close(self) -> None:
        self.client.close()
        self._conn.close()


def create_table(db: ViewDb, conn: Any) -> None:
    """The deliveries table; `dead_at` is added to a table made before it existed."""
    with db.transaction(conn) as cur:
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {TABLE} (
                event_id TEXT NOT NULL,
                agency_id TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at DOUBLE PRECISION NOT NULL DEFAULT 0,
                last_error TEXT,
                dead_at DOUBLE PRECISION,
                PRIMARY KEY (event_id, agency_id)
            )"""
        )
        if db.dialect == "postgres":
            cur.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS dead_at DOUBLE PRECISION")
        else:
            cur.execute(f"PRAGMA table_info({TABLE})")
            if "dead_at" not in {str(row[1]) for row in cur.fetchall()}:
                cur.execute(f"ALTER TABLE {TABLE} ADD COLUMN dead_at DOUBLE PRECISION")


class DeadLetter(BaseModel):
    """A delivery given up on after its last attempt: for a person to look at."""

    agency_id: str
    event_id: str
    event_type: str
    position: int
    attempts: int
    last_error: str | None
    dead_lettered_at: datetime | None
    """None for rows dead-lettered before the time was recorded."""


def dead_letters(db: ViewDb, partnership_id: str, limit: int = 500) -> list[DeadLetter]:
    """A partnership's dead-lettered webhook deliveries, most recent first."""
    Ledger(db).close()  # makes sure the ledger table exists (a deployment that never delivered)
    conn: Any = db.connect()
    try:
        create_table(db, conn)
        with db.transaction(conn) as cur:
            cur.execute(
                f"SELECT w.agency_id, w.event_id, l.type, l.position, w.attempts, w.last_error, w.dead_at"
                f" FROM {TABLE} w JOIN {LEDGER} l ON l.event_id = w.event_id AND l.agency_id = w.agency_id"
                " WHERE w.status = 'dead' AND l.partnership_id = ? ORDER BY l.position DESC, w.agency_id LIMIT ?",
                (partnership_id, limit),
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    return [
        DeadLetter(
            agency_id=str(agency), event_id=str(event), event_type=str(kind), position=int(position),
            attempts=int(attempts), last_error=error,
            dead_lettered_at=datetime.fromtimestamp(float(at), UTC) if at is not None else None,
        )
        for agency, event, kind, position, attempts, error, at in rows
    ]


def count_by_status(db: ViewDb) -> dict[str, int]:
    """How many webhook deliveries are in each status (its own connection: read by the metrics thread)."""
    conn: Any = db.connect()
    try:
        create_table(db, conn)
        with db.transaction(conn) as cur:
            cur.execute(f"SELECT status, COUNT(*) FROM {TABLE} GROUP BY status")
            return {str(status): int(n) for status, n in cur.fetchall()}
    finally:
        conn.close()


def serve(*, once: bool = False, interval: float = 1.0, metrics_port: int | None = None) -> int:
    """`lif webhooks`: dispatches until SIGTERM/SIGINT (or, with once, what is due now)."""
    from adapters.kafka_settings import delivery_db
    from adapters.observability import (
        Metrics,
        configure_logging,
        log_start,
        log_stop,
        observed,
        settings_fields,
        stop_on_signals,
    )
    from adapters.ops_http import start_ops_server
    from adapters.settings import get_settings

    configure_logging("webhooks")
    settings = get_settings()
    webhooks = WebhookSettings()
    log_start("webhooks", {**settings_fields(**{"": settings, "webhook": webhooks}), "interval": interval})
    stopper = stop_on_signals()
    store = EventStore.from_settings(settings)
    db = delivery_db(settings)
    dispatcher = WebhookDispatcher(store, db, webhooks)
    metrics = Metrics("webhooks")
    metrics.gauge(
        "lif_deliveries_pending", "Deliveries not yet made, by channel.",
        lambda: {"webhook": count_by_status(db).get("pending", 0)}, label="channel",
    )
    metrics.gauge("lif_deliveries_dead", "Deliveries given up on (dead-lettered), by channel.",
                  lambda: {"webhook": count_by_status(db).get("dead", 0)}, label="channel")
    server = start_ops_server(metrics, metrics_port)
    step = observed(dispatcher.run_once, metrics.status, "webhook_attempts")
    try:
        if once:
            step()
            return 0
        poll_until_stopped(step, stopper.event, interval, "webhook dispatch")
    finally:
        dispatcher.close()
        store.close()
        if server is not None:
            server.stop()
        log_stop("webhooks", stopper.signal_name)
    return 0
