"""Processes started together on a fresh PostgreSQL schema (`lif serve`, `lif relay`, `lif worker`,
`lif webhooks`, as docker-compose starts them) each open the event store, which creates its schema
and tables if missing. PostgreSQL's CREATE ... IF NOT EXISTS is not safe against a concurrent one
(a unique violation in its catalogue); the raw-bytes test once saw `lif webhooks` crash so."""

from __future__ import annotations

import threading
import uuid

import pytest

from adapters.settings import Settings
from adapters.store import EventStore

pytestmark = pytest.mark.postgres
OPENERS = 8


def test_stores_opened_together_on_a_fresh_schema_all_open(postgres_dsn: str) -> None:
    settings = Settings(persistence="postgres", postgres_dsn=postgres_dsn,  # type: ignore[arg-type]
                        postgres_schema=f"t_start_{uuid.uuid4().hex[:10]}", secret_key="s" * 40)
    together = threading.Barrier(OPENERS)
    opened: list[EventStore] = []
    failed: list[BaseException] = []

    def open_store() -> None:
        together.wait()
        try:
            opened.append(EventStore.from_settings(settings))
        except BaseException as e:
            failed.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(OPENERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failed == [], [str(e) for e in failed]
        assert len(opened) == OPENERS
    finally:
        for store in opened:
            store.close()
