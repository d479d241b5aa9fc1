"""Settings of the Kafka side (LIF_KAFKA_*), and where delivery state is kept."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.settings import Settings
from adapters.sql import ViewDb


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIF_KAFKA_", extra="ignore")

    bootstrap: str = "127.0.0.1:19092"
    events_topic: str = "lif.events"
    feed_prefix: str = "lif.feed"
    """Per-agency feeds are `<feed_prefix>.<partnership>.<agency>`."""
    ingest_topic: str = "lif.ingest"
    dlq_topic: str = "lif.ingest.dlq"
    app_id: str = "lif-consumers"
    """The faust app id: also the consumer group, so one per deployment."""
    datadir: str = ""
    """faust's working directory; empty: `lif-<app_id>` under the system's temporary
    directory. Nothing in it outlives a restart (tables live in memory), so it need not
    sit in the directory the worker was started from."""
    embedded_feeds: bool | None = None
    """Let the API fill the feeds from the log itself when they are read (no Kafka needed).
    Unset: on only while Kafka is not configured (no LIF_KAFKA_BOOTSTRAP), so the worker is
    the ledger's one writer and a feed cannot look complete while Kafka delivery is broken."""
    group_instance_id: str = ""
    """The worker's static membership of the consumer group (Kafka's group.instance.id): a
    worker restarted under the same id takes its partitions back at once, instead of after
    the dead one's session timed out. Empty: `<app_id>-<host name>`; give each worker on one
    host its own id (two alike fence each other)."""
    static_membership: bool = True
    """False: no group.instance.id; a restarted worker then waits for the dead one's session
    to time out (faust's broker_session_timeout) before it gets partitions."""

    def embedded_feeds_on(self) -> bool:
        if self.embedded_feeds is not None:
            return self.embedded_feeds
        return "bootstrap" not in self.model_fields_set

    def worker_instance_id(self) -> str | None:
        if not self.static_membership:
            return None
        return self.group_instance_id or f"{self.app_id}-{socket.gethostname()}"

    def worker_datadir(self) -> str:
        return self.datadir or str(Path(tempfile.gettempdir()) / f"lif-{self.app_id}")

    def feed_topic(self, partnership_id: str, agency_id: str) -> str:
        return f"{self.feed_prefix}.{partnership_id}.{agency_id}"


def delivery_db(settings: Settings) -> ViewDb:
    """The event store's own database, which also keeps the relay's position and the ledger.

    Keeping them beside the events means one backup holds all of it; with the
    in-memory store, a private in-memory SQLite stands in (nothing survives).
    """
    if settings.persistence == "postgres":
        return ViewDb("postgres", settings.postgres_dsn, settings.postgres_schema)
    if settings.persistence == "sqlite":
        return ViewDb("sqlite", settings.sqlite_path)
    return ViewDb("sqlite", ":memory:")
