"""Settings from the environment (LIF_*)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.bounded_writes import LOCK_TIMEOUT_KEY, STATEMENT_TIMEOUT_KEY


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
    write_lock_timeout: float = Field(default=5.0, gt=0)
    """Seconds a write waits for the event log's write lock (PostgreSQL `lock_timeout` on the
    events table's EXCLUSIVE lock; SQLite's busy timeout) before it is refused: 503 store_busy."""
    write_statement_timeout: float = Field(default=15.0, gt=0)
    """Seconds any one statement of a write may run holding that lock (PostgreSQL `statement_timeout`,
    and `idle_in_transaction_session_timeout` between statements; SQLite: the whole insert). Past it the
    write rolls back and is refused: 503 store_busy. See adapters/bounded_writes.py."""
    subject_kek: SecretStr | None = None
    """The key-encryption keys that wrap data subjects' keys: `id:base64` entries (32 random bytes
    each), comma-separated, the current first (adapters/subject_kek.py; `lif subjects new-kek`)."""
    subject_kek_file: str | None = None
    """A file holding that ring instead, outside the database's directory. With neither, the
    embedded default generates one under `$XDG_CONFIG_HOME/lif/subject-keks/`."""
    retention_schedule: bool = True
    """`lif serve` on the embedded default (SQLite) runs the retention schedule daily
    (services/application/subjects/schedule.py); elsewhere the clock process runs `lif subjects erase-due`."""
    clock_in_process: bool = True
    """`lif serve` on the embedded default (SQLite) runs the clock (services/application/clock.py) every
    `clock_interval` seconds; elsewhere `lif clock` runs as its own process (any number of them)."""
    clock_interval: float = Field(default=60.0, gt=0)
    erasure_timeout: float = Field(default=30.0, gt=0)
    """Seconds erasing a subject may wait for readers that keep an old copy of the key's page (a
    SQLite read transaction, a PostgreSQL snapshot) before it fails naming them; the key is already
    unreadable then, and erasing again completes it (adapters/subject_scrub.py)."""
    chain_events: bool = True
    """Chain every stored event by hash (adapters/chain_recorders.py); `lif verify` checks it."""
    tls: bool = False
    """lif is reached over HTTPS (directly or behind a proxy that terminates TLS): every response
    carries Strict-Transport-Security and the web session's cookie is `Secure`."""
    web_assets_dir: str | None = None
    """The `node_modules` folder holding govuk-frontend and swagger-ui-dist (`npm ci`); default:
    the one beside pyproject.toml (services/web/assets.py)."""
    oidc_issuer: str | None = None
    """The OpenID Connect provider people sign in through (LIF_OIDC_ISSUER), e.g. Microsoft Entra ID's
    `https://login.microsoftonline.com/<tenant>/v2.0`; its discovery document says the rest. Unset: the
    web pages offer no sign-in through an organisation."""
    oidc_client_id: str | None = None
    """lif's client (application) id at that provider."""
    oidc_client_secret: SecretStr | None = None
    """lif's client secret there (sent by HTTP Basic to the token endpoint)."""
    oidc_scopes: str = "openid profile email"
    oidc_redirect_url: str | None = None
    """Where the provider sends people back (`https://<host>/sign-in/callback`), when the address
    requests arrive on is not the public one (behind a proxy); by default, that address."""
    oidc_partnership: str | None = None
    """The partnership people sign in to when the sign-in link does not name one (`?partnership=`)."""

    def eventsourcing_env(self) -> dict[str, str]:
        """The `eventsourcing` library's environment for the chosen store."""
        if self.persistence == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        bounds = {
            LOCK_TIMEOUT_KEY: str(self.write_lock_timeout),
            STATEMENT_TIMEOUT_KEY: str(self.write_statement_timeout),
        }
        if self.persistence == "sqlite":
            return self._chained({
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": str(math.ceil(self.write_lock_timeout)),
                **bounds,
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
            "POSTGRES_LOCK_TIMEOUT": str(math.ceil(self.write_lock_timeout)),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(math.ceil(self.write_statement_timeout)),
            **bounds,
        }
        if self.postgres_schema:
            env["POSTGRES_SCHEMA"] = self.postgres_schema
        return self._chained(env)

    def _chained(self, env: dict[str, str]) -> dict[str, str]:
        """Select the hash-chaining recorder, so the API, projector and relay all write through it
        (unchained: the bounded recorder it is built on)."""
        if self.chain_events:
            from adapters.chain_recorders import CHAINED_RECORDER_TOPICS

            env["APPLICATION_RECORDER_TOPIC"] = CHAINED_RECORDER_TOPICS[env["PERSISTENCE_MODULE"]]
        else:
            from adapters.bounded_writes import BOUNDED_RECORDER_TOPICS

            env["APPLICATION_RECORDER_TOPIC"] = BOUNDED_RECORDER_TOPICS[env["PERSISTENCE_MODULE"]]
        return env


class MailSettings(BaseSettings):
    """LIF_MAIL_*: the SMTP server mail is handed to, and how mails name lif."""

    model_config = SettingsConfigDict(env_prefix="LIF_MAIL_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    tls: Literal["none", "starttls", "ssl"] = "none"
    """none (a local relay), starttls (submission, usually port 587) or ssl (implicit TLS, usually 465)."""
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "lif@localhost"
    """The From address."""
    public_url: str = "http://localhost:8000"
    """Where lif is reached: the stop link in each mail starts with it."""
    timeout: float = 10.0
    in_process: bool = True
    """`lif serve` on the embedded default (SQLite) sends mail itself, a pass every `interval` seconds,
    as it runs the clock; false: run `lif mail send` beside it instead (one pass at a time either way)."""
    interval: float = Field(default=5.0, gt=0)
    backoff_seconds: float = 60.0
    """The first retry after a refusal; doubled each time, up to `backoff_max_seconds`."""
    backoff_max_seconds: float = 3600.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
