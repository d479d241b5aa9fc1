"""Nothing one client writes stops the others: writes wait for, and hold, the log's lock
within the settings' bounds, and a large batch does not hang (adapters/bounded_writes.py).

Each test runs on the SQLite file and on a real PostgreSQL server; requests go over real
HTTP to the app served by uvicorn in a thread, or through the ASGI test client.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
import uvicorn
from eventsourcing.persistence import StoredEvent
from fastapi import FastAPI

from adapters.settings import Settings
from adapters.store import EventStore
from services.api.app import create_app
from tests.fixtures.auth import AdminOfWhicheverPartnership

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BATCH = 1000
AUDIT = {"kind": "thematic_audit", "title": "Neglect audit", "opened_on": "2026-02-02", "scope": "Neglect."}
FINDING = {
    "category": "area_for_improvement",
    "summary": "Chronologies were not shared between agencies before the strategy meeting.",
    "themes": ["neglect", "information_sharing"],
    "recorded_on": "2026-02-10",
}


def _bounded(settings: Settings, **bounds: float) -> Settings:
    return settings.model_copy(update={"rate_limit_per_minute": 10**6, **bounds})


@contextmanager
def served(app: FastAPI) -> Iterator[httpx.Client]:
    """The app behind a real uvicorn server on a free port, and a client for it."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=AdminOfWhicheverPartnership(app),
                          timeout=180) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join()


def _open_audit(client: httpx.Client | TestClient, partnership: str) -> str:
    r = client.post("/v1/partnerships", json={"partnership_id": partnership, "display_name": partnership})
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/partnerships/{partnership}/activities", json=AUDIT)
    assert r.status_code == 201, r.text
    activity: str = r.json()["id"]
    return activity


def _items(activity: str, n: int, *, keyed: bool) -> list[dict[str, Any]]:
    return [
        {"partnership_id": "st-helens", "command": "record_finding", "target_id": activity, "payload": FINDING,
         **({"idempotency_key": f"batch-{i}"} if keyed else {})}
        for i in range(n)
    ]


def test_small_writes_of_another_partnership_are_answered_while_a_large_batch_runs(settings: Settings) -> None:
    app = create_app(_bounded(settings))
    with served(app) as client:
        ours, theirs = _open_audit(client, "st-helens"), _open_audit(client, "wirral")
        batch: dict[str, Any] = {}

        def send_batch() -> None:
            try:
                batch["response"] = client.post("/v1/ingest", json={"items": _items(ours, BATCH, keyed=True)})
            finally:
                batch["finished"] = time.monotonic()

        sender = threading.Thread(target=send_batch)
        sender.start()
        small: list[tuple[int, float]] = []
        while sender.is_alive():
            r = client.post(f"/v1/partnerships/wirral/activities/{theirs}/findings", json=FINDING)
            small.append((r.status_code, time.monotonic()))
        sender.join()
        store: EventStore = app.state.store
        recorded_theirs = len(list(store.events_of(UUID(theirs))))
        recorded_ours = len(list(store.events_of(UUID(ours))))

    response = batch["response"]
    assert response.status_code == 200, response.text
    assert len(response.json()["applied"]) == BATCH and response.json()["rejected"] == []
    assert {status for status, _ in small} == {200}, small[:5]
    answered_meanwhile = [at for _, at in small if at < batch["finished"]]
    assert answered_meanwhile, "no small write of the other partnership was answered while the batch ran"
    assert recorded_theirs == 1 + len(small)
    assert recorded_ours == 1 + BATCH


@contextmanager
def write_lock_held(settings: Settings) -> Iterator[None]:
    """Another session holds the event log's write lock, as a long write would."""
    if settings.persistence == "postgres":
        with psycopg.connect(settings.postgres_dsn) as conn:
            conn.execute(f'LOCK TABLE "{settings.postgres_schema}".lif_events IN EXCLUSIVE MODE')
            yield
            conn.rollback()
    else:
        db = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            db.rollback()
            db.close()


def _text_keys_stored(settings: Settings) -> int:
    """Rows in the free text's key table (adapters/text_keys.py), read from another connection."""
    if settings.persistence == "postgres":
        with psycopg.connect(settings.postgres_dsn) as conn:
            row = conn.execute(f'SELECT count(*) FROM "{settings.postgres_schema}".text_keys').fetchone()
            return int(row[0]) if row else 0
    db = sqlite3.connect(settings.sqlite_path)
    try:
        return int(db.execute("SELECT count(*) FROM text_keys").fetchone()[0])
    finally:
        db.close()


def test_write_waiting_past_the_lock_bound_is_503_and_records_nothing(settings: Settings) -> None:
    app = create_app(_bounded(settings, write_lock_timeout=0.3))
    with TestClient(app) as client:
        client.auth = AdminOfWhicheverPartnership(app)
        activity = _open_audit(client, "st-helens")
        store: EventStore = app.state.store
        before = store.recorder.max_notification_id()
        keys_before = _text_keys_stored(settings)
        path = f"/v1/partnerships/st-helens/activities/{activity}/findings"
        with write_lock_held(settings):
            refused = client.post(path, json=FINDING, headers={"Idempotency-Key": "during-the-lock"})
            batch = client.post("/v1/ingest", json={"items": _items(activity, 10, keyed=False)})
        for r in (refused, batch):
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "store_busy"
            assert r.headers["Retry-After"] == "1"
        assert store.recorder.max_notification_id() == before
        assert len(list(store.events_of(UUID(activity)))) == 1
        # The findings' texts' keys waited with their events, and were not stored either.
        assert _text_keys_stored(settings) == keys_before
        # Nothing was remembered under the key either: once the lock is free the same request applies.
        retried = client.post(path, json=FINDING, headers={"Idempotency-Key": "during-the-lock"})
        assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
        assert retried.json()["version"] == 2
        assert _text_keys_stored(settings) == keys_before + 1  # the finding's summary


def test_write_running_past_the_statement_bound_is_503_and_rolls_back(settings: Settings) -> None:
    first = create_app(_bounded(settings))
    with TestClient(first) as client:
        client.auth = AdminOfWhicheverPartnership(first)
        activity = _open_audit(client, "st-helens")
    # The same store, served with a bound no batch of this size can meet.
    app = create_app(_bounded(settings, write_statement_timeout=0.001))
    with TestClient(app) as client:
        client.auth = AdminOfWhicheverPartnership(app)
        store: EventStore = app.state.store
        before = store.recorder.max_notification_id()
        r = client.post("/v1/ingest", json={"items": _items(activity, BATCH, keyed=True)})
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "store_busy"
        assert store.recorder.max_notification_id() == before
        assert len(list(store.events_of(UUID(activity)))) == 1


def test_an_insert_larger_than_the_socket_buffers_completes(store: EventStore) -> None:
    # On PostgreSQL the library's pipelined insert left the tail of a large message
    # unsent and waited for an answer for ever, holding the table lock.
    events = [
        StoredEvent(originator_id=uuid4(), originator_version=1, topic="lif.test.blob", state=b"x" * 2_000_000)
        for _ in range(6)
    ]
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.update(ids=store.recorder.insert_events(events)), daemon=True)
    worker.start()
    worker.join(timeout=300)  # a hang detector, not a speed limit: the write takes seconds
    assert not worker.is_alive(), "the insert never returned"
    assert len(outcome["ids"]) == len(events)
    assert store.recorder.max_notification_id() == max(outcome["ids"])


def test_an_ingest_message_refused_while_the_store_is_busy_is_retried(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import consumers.ingest
    from services.application.auth.apikeys import create_api_key
    from services.application.service import LearningService

    app = create_app(_bounded(settings, write_lock_timeout=0.3))
    with TestClient(app) as client:
        client.auth = AdminOfWhicheverPartnership(app)
        activity = _open_audit(client, "st-helens")
        store: EventStore = app.state.store
        key = create_api_key(store, "st-helens", "case-system", issued_by="admin:test").key
        message = json.dumps({"partnership_id": "st-helens", "command": "record_finding", "target_id": activity,
                              "payload": FINDING, "idempotency_key": "from-kafka"}).encode()
        waits: list[float] = []
        with ExitStack() as held:
            held.enter_context(write_lock_held(settings))
            # The consumer's wait before retrying is where the other writer finishes.
            monkeypatch.setattr(consumers.ingest, "pause", lambda s: (waits.append(s), held.close()))
            letter = consumers.ingest.apply_message(LearningService(store), message, key)
        assert letter is None
        assert waits == [1]
        assert len(list(store.events_of(UUID(activity)))) == 2
