"""Settings from the environment (LIF_*)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIF_", extra="ignore")

    persistence: Literal["sqlite", "postgres", "memory"] = "sqlite"
    sqlite_path: str = "lif.sqlite"
    postgres_dsn: str = "postgresql://lif:lif@127.0.0.1:5432/lif"
    postgres_schema: str | None = None
    views_sqlite_path: str | None = None
    """Where SQLite views live; default: beside the event store, suffixed -views."""
    views_postgres_schema: str | None = None
    """Schema of the PostgreSQL views; default: `<postgres_schema>_views`, or lif_views."""
    projections_in_process: bool = True
    """Run projections inside the API process (the embedded default)."""
    read_cache_entries: int = Field(default=128, ge=0)
    """Agendas and tracker pages kept while their view stands still (services/api/read_cache.py); 0: none."""
    max_body_bytes: int = 1_048_576
    ingest_max_items: int = 1000
    secret_key: str | None = None
    """Signs bearer tokens (LIF_SECRET_KEY). Unset with SQLite: a key generated once into
    `<sqlite_path>.secret` (mode 0600); with memory: a key for this process only."""
    secret_key_file: str | None = None
    """Where to keep the generated key instead (any persistence)."""
    rate_limit_per_minute: int = 600
    """Requests each principal may make per minute (a token bucket; bursts up to this many)."""
    chain_events: bool = True
    """Chain every stored event by hash (services/chain_recorders.py); `lif verify` checks it."""

    def eventsourcing_env(self) -> dict[str, str]:
        """The `eventsourcing` library's environment for the chosen store."""
        if self.persistence == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.persistence == "sqlite":
            return self._chained({
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "10",
            })
        url = urlparse(self.postgres_dsn)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "lif",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "lif"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": "5",
        }
        if self.postgres_schema:
            env["POSTGRES_SCHEMA"] = self.postgres_schema
        return self._chained(env)

    def _chained(self, env: dict[str, str]) -> dict[str, str]:
        """Select the hash-chaining recorder, so the API, projector and relay all write through it."""
        if self.chain_events:
            from services.chain_recorders import CHAINED_RECORDER_TOPICS

            env["APPLICATION_RECORDER_TOPIC"] = CHAINED_RECORDER_TOPICS[env["PERSISTENCE_MODULE"]]
        return env


@lru_cache
def get_settings() -> Settings:
    return Settings()
