"""Processes started together on a fresh PostgreSQL schema (`lif serve`, `lif relay`, `lif worker`,
`lif webhooks`, as docker-compose starts them) each open the event store, which creates its schema
and tables if missing. PostgreSQL's CREATE ... IF NOT EXISTS is not safe against a concurrent one
(a unique violation in its catalogue); the raw-bytes test once saw `lif webhooks` crash so."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest

from adapters.ledger import Ledger
from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from services.workers.webhooks import create_table as create_webhook_table

pytestmark = pytest.mark.postgres
OPENERS = 8
T = TypeVar("T")


def all_open_together(open_one: Callable[[], T], close: Callable[[T], object]) -> None:
    """Runs `open_one` in OPENERS threads released at the same instant, closes what they opened,
    and asserts that every one opened."""
    barrier = threading.Barrier(OPENERS)
    opened: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            opened.append(open_one())
        except BaseException as e:
            failed.append(e)

    threads = [threading.Thread(target=run) for _ in range(OPENERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for one in opened:
        close(one)
    assert failed == [], [str(e) for e in failed]
    assert len(opened) == OPENERS


def test_delivery_tables_created_together_on_a_fresh_schema_all_open(postgres_dsn: str) -> None:
    """The worker, the webhook sender and `lif serve` each create the delivery ledger and the
    webhook table (adapters/sql.py's ViewDb.creating takes the turns)."""
    db = ViewDb("postgres", postgres_dsn, f"t_ledger_{uuid.uuid4().hex[:10]}")

    def open_ledger_and_webhooks() -> Ledger:
        ledger = Ledger(db)
        conn = db.connect()
        try:
            create_webhook_table(db, conn)
        finally:
            conn.close()
        return ledger

    all_open_together(open_ledger_and_webhooks, Ledger.close)


def test_stores_opened_together_on_a_fresh_schema_all_open(postgres_dsn: str) -> None:
    settings = Settings(persistence="postgres", postgres_dsn=postgres_dsn,  # type: ignore[arg-type]
                        postgres_schema=f"t_start_{uuid.uuid4().hex[:10]}", secret_key="s" * 40)
    all_open_together(lambda: EventStore.from_settings(settings), EventStore.close)
