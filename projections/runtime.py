"""Building the view database and the projector from `Settings`.

The views live apart from the events: on SQLite in a file beside the event
store (so a rebuild never locks the store), on PostgreSQL in their own schema
of the same database.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from adapters.private_files import create_private_file
from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from projections.projector import Projector, ProjectorClosed
from projections.registry import all_views

DEFAULT_VIEWS_SCHEMA = "lif_views"
REBUILD_BATCH_SIZE = 5000
"""Events per transaction when rebuilding: replaying the whole log is one long
catch-up, where a commit every 500 events costs a third of the time."""
log = logging.getLogger("lif.projections")


def views_sqlite_path(settings: Settings) -> str:
    if settings.views_sqlite_path:
        return settings.views_sqlite_path
    store = Path(settings.sqlite_path)
    return str(store.with_name(f"{store.stem}-views.sqlite"))


def views_schema(settings: Settings) -> str:
    """The views' schema: set explicitly, else beside the events' own schema."""
    if settings.views_postgres_schema:
        return settings.views_postgres_schema
    if settings.postgres_schema:
        return f"{settings.postgres_schema}_views"
    return DEFAULT_VIEWS_SCHEMA


def build_view_db(settings: Settings) -> ViewDb:
    if settings.persistence == "postgres":
        return ViewDb("postgres", settings.postgres_dsn, views_schema(settings))
    if settings.persistence == "memory":
        # Events in memory die with the process; so may the views. A file,
        # because reads open their own connections.
        directory = tempfile.mkdtemp(prefix="lif-views-")
        return ViewDb("sqlite", str(Path(directory) / "views.sqlite"))
    # The views hold the events' free text: readable by their owner only, like the store.
    create_private_file(Path(views_sqlite_path(settings)))
    return ViewDb("sqlite", views_sqlite_path(settings))


def build_projector(
    settings: Settings, store: EventStore, batch_size: int = 500, rebuild_batch_size: int = REBUILD_BATCH_SIZE
) -> Projector:
    return Projector(
        store, build_view_db(settings), all_views(), batch_size=batch_size, rebuild_batch_size=rebuild_batch_size
    )


class BackgroundProjector:
    """The projector's loop on a daemon thread, for the embedded (in-process) mode."""

    def __init__(self, projector: Projector, interval: float = 0.2, step: Callable[[], int] | None = None) -> None:
        self.projector = projector
        self.step = step or projector.run_once
        """One pass over what the log holds (the API passes one that counts what it applied)."""
        self.interval = interval
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lif-projector", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                while not self.stop_event.is_set():
                    if not self.step():
                        self.stop_event.wait(self.interval)
            except ProjectorClosed:
                return  # closed by its owner: nothing left to follow
            except Exception:
                # A failed batch rolled back and left tracking where it was; say so
                # and try again rather than let the views silently stop.
                log.exception("projector batch failed; retrying")
                self.stop_event.wait(max(self.interval, 1.0))

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
