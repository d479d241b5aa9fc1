"""Behavioural tests here run once on the SQLite file and once on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.settings import Settings, get_settings
from adapters.store import EventStore
from services.api.app import create_app
from tests.fixtures.auth import AdminOfWhicheverPartnership
from tests.integration.stores import postgres_settings, sqlite_settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    return postgres_settings(request.getfixturevalue("postgres_dsn"))


@pytest.fixture
def store(settings: Settings) -> Iterator[EventStore]:
    s = EventStore.from_settings(settings)
    yield s
    s.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on each backend, as the admin of whichever partnership a request names."""
    app = create_app(settings)
    with TestClient(app) as c:
        c.auth = AdminOfWhicheverPartnership(app)
        yield c


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A SQLite store named by the environment, as the CLI reads it."""
    path = tmp_path / "demo.sqlite"
    monkeypatch.setenv("LIF_PERSISTENCE", "sqlite")
    monkeypatch.setenv("LIF_SQLITE_PATH", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()
