"""Behavioural tests here run once on the SQLite file and once on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.settings import Settings
from services.store import EventStore
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
