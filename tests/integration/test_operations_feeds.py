"""One writer of the delivery ledger: with Kafka configured, the API leaves the feeds to the worker.

Seen: with LIF_KAFKA_BOOTSTRAP set, embedded feeds stayed on by default (also in
deploy/docker-compose.yml), so the API filled the ledger too, and feeds looked complete
while Kafka delivery was broken.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.kafka_settings import KafkaSettings, delivery_db
from adapters.ledger import Ledger
from adapters.settings import Settings
from services.api.app import create_app
from tests.fixtures.auth import AdminOfWhicheverPartnership
from tests.integration.stores import sqlite_settings
from tests.integration.test_kafka_free_feeds import POLICE, feed, learning

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return sqlite_settings(tmp_path)


def client_for(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as c:
        c.auth = AdminOfWhicheverPartnership(app)
        yield c


def ledger_rows(settings: Settings) -> int:
    ledger = Ledger(delivery_db(settings))
    try:
        with ledger.db.transaction(ledger._conn) as cur:
            cur.execute("SELECT COUNT(*) FROM delivery_ledger")
            row = cur.fetchone()
        return int(row[0]) if row else 0
    finally:
        ledger.close()


def test_with_kafka_configured_the_api_writes_no_ledger_rows(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.delenv("LIF_KAFKA_EMBEDDED_FEEDS", raising=False)
    for client in client_for(settings):
        learning(client)
        assert feed(client, POLICE)["items"] == []  # the worker's to fill, not the API's
    assert ledger_rows(settings) == 0


def test_without_kafka_the_api_fills_the_feeds_itself(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("LIF_KAFKA_EMBEDDED_FEEDS", raising=False)
    for client in client_for(settings):
        learning(client)
        assert len(feed(client, POLICE)["items"]) == 2
    assert ledger_rows(settings) > 0


def test_embedded_feeds_beside_kafka_only_when_asked_for(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("LIF_KAFKA_EMBEDDED_FEEDS", "true")
    for client in client_for(settings):
        learning(client)
        assert len(feed(client, POLICE)["items"]) == 2


@pytest.mark.parametrize(
    ("env", "on"),
    [
        ({}, True),
        ({"LIF_KAFKA_BOOTSTRAP": "kafka:9092"}, False),
        ({"LIF_KAFKA_BOOTSTRAP": "kafka:9092", "LIF_KAFKA_EMBEDDED_FEEDS": "true"}, True),
        ({"LIF_KAFKA_EMBEDDED_FEEDS": "false"}, False),
    ],
)
def test_the_default_follows_whether_kafka_is_configured(
    env: dict[str, str], on: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LIF_KAFKA_BOOTSTRAP", "LIF_KAFKA_EMBEDDED_FEEDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert KafkaSettings().embedded_feeds_on() is on


def test_the_compose_stack_runs_no_embedded_feeds_beside_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "worker" in services
    for name in ("api", "projector", "relay", "worker", "webhooks"):
        environment = {k: str(v) for k, v in services[name]["environment"].items()}
        assert "LIF_KAFKA_BOOTSTRAP" in environment, name
        for key in list(environment):
            monkeypatch.delenv(key, raising=False)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        assert KafkaSettings().embedded_feeds_on() is False, name
        # Each is watched: its health and metrics served where the compose healthcheck looks.
        assert "healthcheck" in services[name], name
