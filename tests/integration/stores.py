"""Event stores on each real backend, for behavioural tests that must hold on both."""

from __future__ import annotations

import uuid
from pathlib import Path

from adapters.settings import Settings


def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(persistence="sqlite", sqlite_path=str(tmp_path / "events.sqlite"))


def postgres_settings(dsn: str) -> Settings:
    """A fresh schema per test keeps tests apart on one server."""
    return Settings(
        persistence="postgres", postgres_dsn=dsn, postgres_schema=f"t_{uuid.uuid4().hex[:12]}",
        secret_key="test-" + uuid.uuid4().hex * 2,  # a server store has no file to keep one beside
    )
