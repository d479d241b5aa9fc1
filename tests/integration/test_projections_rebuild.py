"""Rebuilding equals following incrementally, and an interrupted rebuild resumes to the same tables."""

from __future__ import annotations

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.sql import Cursor, ViewDb
from adapters.store import EventStore
from domain.events import DomainEvent
from projections.audit import AuditView
from projections.projector import Projector
from projections.replay import REPLAY_GC_THRESHOLD
from projections.runtime import build_view_db
from projections.tracker import TrackerView
from projections.view import View
from services.application.service import LearningService
from services.seeds.generate import generate_history
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)
from tests.integration.projections_support import PID, dump, positions
from tests.integration.stores import sqlite_settings

REPO = Path(__file__).resolve().parents[2]


def views() -> list[View]:
    return [TrackerView(), AuditView()]


def second_db(settings: Settings, tmp_path: Path, name: str) -> ViewDb:
    """Another, empty place for the same views."""
    if settings.persistence == "postgres":
        return ViewDb("postgres", settings.postgres_dsn, f"{settings.postgres_schema}_{name}")
    return ViewDb("sqlite", str(tmp_path / f"{name}.sqlite"))


def test_rebuild_gives_the_tables_incremental_projection_built(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    service = LearningService(store)
    incremental = Projector(store, build_view_db(settings), views(), batch_size=7)
    for seed in range(4):  # follow along as the history grows, in small batches
        generate_history(service, 400, seed=seed, partnership_id=f"{PID}-{seed}")
        incremental.run_once()
    rebuilt = Projector(store, second_db(settings, tmp_path, "rebuilt"), views(), batch_size=500)
    rebuilt.rebuild()
    assert positions(incremental) == positions(rebuilt) == {"tracker": store.recorder.max_notification_id(),
                                                            "audit": store.recorder.max_notification_id()}
    before = dump(incremental.db, views())
    assert before == dump(rebuilt.db, views())
    head = store.recorder.max_notification_id() or 0
    claims = len(store.recorder.select_notifications(1, head, topics=["lif.claim.id_claimed"]))
    # Every event is an audit row but the findings' id claims (bookkeeping).
    assert len(before["tracker_actions"]) > 50 and len(before["audit_events"]) == head - claims >= 1200
    # And rebuilding one view in place changes nothing.
    incremental.rebuild(["tracker"])
    assert dump(incremental.db, views()) == before
    incremental.close()
    rebuilt.close()


class Crash(Exception):
    pass


class Killed(BaseException):
    """The process dying mid-batch: not an event's fault, so nothing is parked (see test_projections_poison.py)."""


class CrashingTracker(TrackerView):
    """Dies inside the projector's transaction after `after` events."""

    def __init__(self, after: int) -> None:
        self.left = after

    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        self.left -= 1
        if self.left < 0:
            raise Killed(position)
        super().apply(cur, event, position)


def indexes(db: ViewDb) -> set[tuple[str, str]]:
    """(name, definition) of every index of the views' database."""
    conn = db.connect()
    try:
        cur = db.cursor(conn)
        if db.dialect == "postgres":
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        else:
            cur.execute("SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'")
        return {(str(name), str(sql)) for name, sql in cur.fetchall()}
    finally:
        conn.close()


def test_a_rebuild_drops_the_secondary_indexes_while_it_replays_and_makes_them_again(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    generate_history(LearningService(store), 300, seed=3, partnership_id=PID)
    projector = Projector(store, second_db(settings, tmp_path, "indexed"), views())
    made = indexes(projector.db)
    secondary = {  # of the views' tables (the projector's own tables keep theirs)
        name for name, sql in made if sql.upper().startswith("CREATE INDEX") and name.startswith(("tracker", "audit"))
    }
    assert {"tracker_actions_owner", "audit_events_topic"} <= secondary
    during: list[set[str]] = []
    replay = projector._run

    def watched(batch_size: int, progress: Any) -> int:
        during.append({name for name, _ in indexes(projector.db)})
        return replay(batch_size, progress)

    projector._run = watched  # type: ignore[method-assign]
    projector.rebuild()
    assert during and not during[0] & secondary  # replayed without them (unique ones stay)
    after = indexes(projector.db)
    assert {name for name, _ in after} == {name for name, _ in made}
    projector.close()


def test_a_rebuild_killed_midway_resumes_to_identical_tables(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    generate_history(LearningService(store), 1200, seed=3, partnership_id=PID)
    head = store.recorder.max_notification_id()
    reference = Projector(store, second_db(settings, tmp_path, "reference"), views())
    reference.run_once()
    expected = dump(reference.db, views())
    reference.close()

    db = build_view_db(settings)
    first = Projector(store, db, views())
    first.run_once()
    first.close()
    crashing = Projector(store, db, [CrashingTracker(after=377), AuditView()], batch_size=100)
    with pytest.raises(Killed) as killed:
        crashing.rebuild()
    crashing.close()
    died_at = killed.value.args[0]  # the tracker is handed only the events it reads
    resumed = Projector(store, db, views(), batch_size=100)
    # The failed batch rolled back whole: the tracker stands at a batch boundary short of the crash.
    assert positions(resumed)["tracker"] == (died_at - 1) // 100 * 100 > 0
    resumed.run_once()
    assert positions(resumed) == {"tracker": head, "audit": head}
    assert dump(db, views()) == expected
    resumed.close()


class FailingOnceTracker(TrackerView):
    """Fails once, at its `at`-th event: by raising, by a statement the database refuses, or as
    the database itself failing (locked)."""

    def __init__(self, at: int, how: str) -> None:
        self.left, self.how = at, how
        self.failed_at = 0

    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        self.left -= 1
        if self.left == 0:
            self.failed_at = position
            if self.how == "python":
                raise Crash(position)
            if self.how == "database":
                raise sqlite3.OperationalError("database is locked")
            # A duplicate primary key: PostgreSQL reports it only when the pipeline syncs.
            cur.execute("INSERT INTO projection_tracking (name, position) VALUES ('audit', 0)")
        super().apply(cur, event, position)


@pytest.mark.parametrize("how", ["python", "sql"])
def test_a_batch_that_failed_once_is_applied_again_event_by_event(
    settings: Settings, store: EventStore, tmp_path: Path, how: str
) -> None:
    generate_history(LearningService(store), 600, seed=4, partnership_id=PID)
    head = store.recorder.max_notification_id()
    reference = Projector(store, second_db(settings, tmp_path, "reference"), views())
    reference.run_once()
    expected = dump(reference.db, views())
    reference.close()

    projector = Projector(store, build_view_db(settings), [FailingOnceTracker(250, how), AuditView()], batch_size=100)
    # The batch rolled back whole and went again, each event on its own: this time it applied.
    projector.run_once()
    assert projector.positions() == {"tracker": head, "audit": head}
    assert projector.parked() == []
    assert dump(projector.db, views()) == expected
    projector.close()


def test_a_failure_of_the_database_leaves_the_projector_able_to_go_on(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    generate_history(LearningService(store), 600, seed=4, partnership_id=PID)
    head = store.recorder.max_notification_id()
    reference = Projector(store, second_db(settings, tmp_path, "reference"), views())
    reference.run_once()
    expected = dump(reference.db, views())
    reference.close()

    failing = FailingOnceTracker(250, "database")
    projector = Projector(store, build_view_db(settings), [failing, AuditView()], batch_size=100)
    with pytest.raises(sqlite3.OperationalError):
        projector.run_once()
    # Not the event's fault: nothing parked, rolled back whole, and the same connection goes on
    # (as the background loop retries it). The tracker is handed only the events it reads.
    boundary = (failing.failed_at - 1) // 100 * 100
    assert boundary > 0
    assert projector.positions() == {"tracker": boundary, "audit": boundary}
    assert projector.parked() == []
    projector.run_once()
    assert projector.positions() == {"tracker": head, "audit": head}
    assert dump(projector.db, views()) == expected
    projector.close()


class ThresholdSpy(TrackerView):
    """Notes the collector's threshold while events are applied, then fails at `fail_at`."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.seen: set[int] = set()
        self.left = fail_at

    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        self.seen.add(gc.get_threshold()[0])
        if self.left is not None:
            self.left -= 1
            if self.left < 0:
                raise Killed(position)
        super().apply(cur, event, position)


def test_a_rebuild_collects_garbage_less_often_and_restores_the_collector(
    settings: Settings, store: EventStore
) -> None:
    generate_history(LearningService(store), 300, seed=5, partnership_id=PID)
    before = gc.get_threshold()
    for spy in (ThresholdSpy(), ThresholdSpy(fail_at=100)):
        projector = Projector(store, build_view_db(settings), [spy])
        try:
            projector.rebuild()
        except Killed:
            assert spy.left is not None and spy.left < 0
        finally:
            projector.close()
        assert spy.seen == {max(before[0], REPLAY_GC_THRESHOLD)}
        assert gc.get_threshold() == before
    # Following the log incrementally (as inside the API) leaves the collector alone.
    spy = ThresholdSpy()
    projector = Projector(store, build_view_db(settings), [spy])
    projector.rebuild()
    generate_history(LearningService(store), 50, seed=6, partnership_id="wirral")
    spy.seen.clear()
    projector.run_once()
    projector.close()
    assert spy.seen == {before[0]}


def _cli(settings: Settings, *args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "LIF_PERSISTENCE": "sqlite", "LIF_SQLITE_PATH": settings.sqlite_path}


def test_lif_projections_rebuild_killed_then_run_again(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    store = EventStore.from_settings(settings)
    generate_history(LearningService(store), 2500, seed=11, partnership_id=PID)
    head = store.recorder.max_notification_id()
    reference = Projector(store, second_db(settings, tmp_path, "reference"), views())
    reference.run_once()
    expected = dump(reference.db, views())
    reference.close()

    process = subprocess.Popen(
        _cli(settings, "projections", "rebuild", "--batch-size", "5", "tracker", "audit"),
        cwd=tmp_path, env=_env(settings), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )
    assert process.stderr is not None
    seen = b""
    while b"%" not in seen:  # progress is being drawn: it is replaying
        chunk = process.stderr.read1(256)  # type: ignore[attr-defined]
        if not chunk:
            break
        seen += chunk
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert b"ev/s" in seen and b"ETA" in seen

    listed = subprocess.run(
        _cli(settings, "projections", "list"), cwd=tmp_path, env=_env(settings), capture_output=True, text=True,
        check=True,
    ).stdout
    assert "tracker" in listed and "audit" in listed

    # Running it again (or just resuming with `lif project`) ends with the same tables.
    subprocess.run(
        _cli(settings, "projections", "rebuild", "tracker", "audit"),
        cwd=tmp_path, env=_env(settings), check=True, capture_output=True,
    )
    db = build_view_db(settings)
    assert dump(db, views()) == expected
    check = Projector(store, db, views())
    assert positions(check) == {"tracker": head, "audit": head}
    check.close()
    store.close()


def test_a_killed_rebuild_resumes_by_following_the_log(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    store = EventStore.from_settings(settings)
    generate_history(LearningService(store), 2500, seed=12, partnership_id=PID)
    reference = Projector(store, second_db(settings, tmp_path, "reference"), views())
    reference.run_once()
    expected = dump(reference.db, views())
    reference.close()
    process = subprocess.Popen(
        _cli(settings, "projections", "rebuild", "--batch-size", "5", "audit", "tracker"),
        cwd=tmp_path, env=_env(settings), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )
    assert process.stderr is not None
    seen = b""
    while b"%" not in seen:
        chunk: Any = process.stderr.read1(256)  # type: ignore[attr-defined]
        if not chunk:
            break
        seen += chunk
    process.send_signal(signal.SIGKILL)
    process.wait()
    resumed = Projector(store, build_view_db(settings), views())
    resumed.run_once()
    assert dump(resumed.db, views()) == expected
    resumed.close()
    store.close()


def test_two_projectors_on_the_same_views_apply_each_event_once(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    """The API's in-process projector, `lif project` and a rebuild may overlap."""
    generate_history(LearningService(store), 1500, seed=5, partnership_id=PID)
    reference = Projector(store, second_db(settings, tmp_path, "reference"), views())
    reference.run_once()
    expected = dump(reference.db, views())
    reference.close()

    db = build_view_db(settings)
    a = Projector(store, db, views(), batch_size=9)
    b = Projector(store, db, views(), batch_size=13)
    errors: list[BaseException] = []

    def follow(p: Projector) -> None:
        try:
            p.run_once()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=follow, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    b.rebuild(["audit"])
    for t in threads:
        t.join()
    a.run_once()
    assert errors == []
    assert dump(db, views()) == expected
    a.close()
    b.close()


def test_a_read_waiting_on_a_failing_batch_waits_rather_than_fails(settings: Settings, store: EventStore) -> None:
    """`min_position` reads drive the projector (wait_for): a database failure there is 'not yet', never a 500."""
    generate_history(LearningService(store), 300, seed=8, partnership_id=PID)
    head = store.recorder.max_notification_id()
    projector = Projector(
        store, build_view_db(settings), [FailingOnceTracker(150, "database"), AuditView()], batch_size=100
    )
    assert projector.wait_for(head, timeout=10)
    assert projector.position() == head
    projector.close()
