"""Where benchmarks store events: a fresh SQLite file or a fresh PostgreSQL schema each time."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from adapters.settings import Settings

REPO = Path(__file__).resolve().parent.parent
POSTGRES_SCRIPT = REPO / "deploy" / "postgres.sh"


class Backend:
    """Hands out empty stores on one kind of backend, and removes them at the end."""

    name: str

    def fresh(self, label: str) -> Settings:
        """Settings (LIF_*) of a new, empty store; `label` only makes it recognisable."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def lif_env(settings: Settings) -> dict[str, str]:
    """The LIF_* variables that make `create_app()` in another process use `settings`."""
    env = {
        "LIF_PERSISTENCE": settings.persistence,
        "LIF_SQLITE_PATH": settings.sqlite_path,
        "LIF_POSTGRES_DSN": settings.postgres_dsn,
        "LIF_PROJECTIONS_IN_PROCESS": "true" if settings.projections_in_process else "false",
    }
    for name, value in (
        ("LIF_POSTGRES_SCHEMA", settings.postgres_schema),
        ("LIF_VIEWS_SQLITE_PATH", settings.views_sqlite_path),
        ("LIF_VIEWS_POSTGRES_SCHEMA", settings.views_postgres_schema),
    ):
        if value:
            env[name] = value
    return env


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lif-bench-"))
        self.count = 0

    def fresh(self, label: str) -> Settings:
        self.count += 1
        base = self.dir / f"{self.count:03d}-{label}"
        return Settings(
            persistence="sqlite",
            sqlite_path=f"{base}.sqlite",
            views_sqlite_path=f"{base}-views.sqlite",
        )

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresBackend(Backend):
    """One schema per store, all named bench_<run>_..., dropped at the end."""

    name = "postgres"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.prefix = f"bench_{uuid.uuid4().hex[:8]}"
        self.count = 0

    def fresh(self, label: str) -> Settings:
        self.count += 1
        schema = f"{self.prefix}_{self.count:03d}_{label}"[:63]
        self.create_schema(schema)
        return Settings(
            persistence="postgres",
            postgres_dsn=self.dsn,
            postgres_schema=schema,
            views_postgres_schema=f"{schema}_v"[:63],
        )

    def create_schema(self, schema: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))

    def close(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (self.prefix + "_",)
            ).fetchall()
            for (schema,) in rows:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def postgres_dsn(mode: str, quick: bool) -> tuple[str | None, str]:
    """A DSN to benchmark PostgreSQL on, or None and why not.

    LIF_BENCH_POSTGRES_DSN wins. Otherwise the throwaway cluster of
    deploy/postgres.sh: started if need be, except in --quick mode (CI), which
    uses it only if it already runs, since a first start may install PostgreSQL.
    """
    if mode == "skip":
        return None, "--postgres skip"
    if dsn := os.environ.get("LIF_BENCH_POSTGRES_DSN"):
        return dsn, "LIF_BENCH_POSTGRES_DSN"
    script = ["bash", str(POSTGRES_SCRIPT)]
    if quick and mode == "auto":
        running = subprocess.run([*script, "status"], capture_output=True, text=True, check=False)
        if running.returncode != 0:
            return None, "not running (--quick starts nothing; use --postgres require)"
    started = subprocess.run([*script, "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        return None, f"deploy/postgres.sh start failed: {started.stderr.strip()[-300:]}"
    dsn = subprocess.run([*script, "dsn"], capture_output=True, text=True, check=True).stdout.strip()
    return dsn, "deploy/postgres.sh"
