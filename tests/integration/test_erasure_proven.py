"""Erasure is proven or fails loudly: a reader holding an old copy of the key's page.

Before, with one other connection holding a read transaction on the SQLite store, erasure
printed "key destroyed" and left the key in the WAL, where it still decrypted the child's
details. Now it retries while the reader holds on, fails naming the file that keeps the copy,
and erasing again once the reader is gone completes it. On PostgreSQL an open snapshot keeps
the old row version through VACUUM FULL, and is named the same way.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from adapters.settings import Settings
from adapters.store import EventStore
from adapters.subject_keys import PostgresSubjectKeys, SQLiteSubjectKeys, subject_keys_for
from adapters.subject_scrub import ErasureIncomplete, file_holds, sqlite_files
from domain.aggregate import Context
from domain.framework import SourceKind
from domain.partnership import register_partnership
from domain.personal_data import PersonalDetails, SubjectRole
from services.application.subjects.service import PersonalDataService
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)
from tests.integration.stores import postgres_settings, sqlite_settings

CTX = Context(partnership_id="st-helens", principal="caseworker@st-helens", rationale="Case file for the review")
DPO = "dpo@st-helens"
DETAILS = PersonalDetails(name="Zephyrine Quillfeather", date_of_birth=date(2014, 3, 17))


def _open_case_file(store: EventStore, service: PersonalDataService) -> str:
    store.save(*register_partnership(CTX, display_name="St Helens", with_framework_defaults=False).events)
    view = service.open(
        CTX, case_reference="SHSCP-2025-014", source_kind=SourceKind.THEMATIC_AUDIT,
        role=SubjectRole.CHILD, details=DETAILS,
    )
    return view.subject_ref


@pytest.fixture
def sqlite_service(tmp_path: Path) -> Iterator[tuple[Settings, PersonalDataService, SQLiteSubjectKeys]]:
    settings = sqlite_settings(tmp_path).model_copy(update={"erasure_timeout": 0.6})
    store = EventStore.from_settings(settings)
    keys = subject_keys_for(settings)
    assert isinstance(keys, SQLiteSubjectKeys)
    yield settings, PersonalDataService(store, keys), keys
    store.close()


def _stored_sqlite(path: str, ref: str) -> bytes:
    """The key as the store keeps it on disk (wrapped): what must not survive erasure."""
    with sqlite3.connect(path) as conn:
        (stored,) = conn.execute("SELECT key FROM subject_keys WHERE subject_ref = ?", (ref,)).fetchone()
    return bytes(stored)


def _hold_a_read_transaction(path: str) -> sqlite3.Connection:
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM subject_keys").fetchone()
    return reader


def test_sqlite_erasure_fails_naming_the_wal_while_a_reader_holds_it(
    sqlite_service: tuple[Settings, PersonalDataService, SQLiteSubjectKeys],
) -> None:
    settings, service, keys = sqlite_service
    ref = _open_case_file(service.store, service)
    assert keys.get(ref) is not None
    key = _stored_sqlite(settings.sqlite_path, ref)
    reader = _hold_a_read_transaction(settings.sqlite_path)
    try:
        with pytest.raises(ErasureIncomplete) as refused:
            service.erase(ref, principal=DPO, rationale="Erasure request, ref 90")
        assert refused.value.code == "erasure_incomplete" and refused.value.field == "subject_ref"
        assert f"{settings.sqlite_path}-wal" in refused.value.message
        assert "read transaction" in refused.value.message
        assert keys.get(ref) is None, "the key is unreadable through the database at once"
        # What the failure reports is true: a copy of the key is on disk.
        assert any(file_holds(p, key) for p in sqlite_files(settings.sqlite_path))
    finally:
        reader.execute("ROLLBACK")
        reader.close()

    again = service.erase(ref, principal=DPO, rationale="Erasure request, ref 90")
    assert again.events_recorded == 0
    for path in sqlite_files(settings.sqlite_path):
        assert key not in path.read_bytes(), path


def test_sqlite_erasure_waits_for_a_reader_that_ends_in_time(
    sqlite_service: tuple[Settings, PersonalDataService, SQLiteSubjectKeys],
) -> None:
    settings, service, keys = sqlite_service
    keys.erasure_timeout = 10.0
    ref = _open_case_file(service.store, service)
    assert keys.get(ref) is not None
    key = _stored_sqlite(settings.sqlite_path, ref)
    reader = _hold_a_read_transaction(settings.sqlite_path)
    ended = threading.Event()

    def end_the_read() -> None:
        ended.wait(0.5)
        reader.execute("ROLLBACK")

    t = threading.Thread(target=end_the_read)
    t.start()
    try:
        report = service.erase(ref, principal=DPO, rationale="Erasure request, ref 91")
    finally:
        t.join()
        reader.close()
    assert report.key_destroyed
    for path in sqlite_files(settings.sqlite_path):
        assert key not in path.read_bytes(), path


@pytest.mark.postgres
def test_postgres_erasure_names_an_open_snapshot_then_completes(postgres_dsn: str) -> None:  # noqa: F811
    settings = postgres_settings(postgres_dsn).model_copy(update={"erasure_timeout": 0.6})
    store = EventStore.from_settings(settings)
    keys = subject_keys_for(settings)
    assert isinstance(keys, PostgresSubjectKeys)
    service = PersonalDataService(store, keys)
    try:
        ref = _open_case_file(store, service)
        assert keys.get(ref) is not None
        table = f"{settings.postgres_schema}.subject_keys"
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            (stored,) = admin.execute(f"SELECT key FROM {table}").fetchone()
            key = bytes(stored)
            admin.execute("CHECKPOINT")
            found = admin.execute(
                "SELECT position(%s::bytea in pg_read_binary_file(pg_relation_filepath(%s::regclass)))", (key, table)
            ).fetchone()
            assert found is not None and found[0] > 0, "the key is in the table's file, so its absence can be shown"

        with psycopg.connect(postgres_dsn, application_name="nightly-backup") as reader:
            reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            reader.execute("SELECT 1").fetchone()
            with pytest.raises(ErasureIncomplete) as refused:
                service.erase(ref, principal=DPO, rationale="Erasure request, ref 92")
            assert "nightly-backup" in refused.value.message and "open snapshots" in refused.value.message
            assert keys.get(ref) is None
            reader.rollback()

        report = service.erase(ref, principal=DPO, rationale="Erasure request, ref 92")
        assert report.events_recorded == 0
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute("CHECKPOINT")
            gone = admin.execute(
                "SELECT position(%s::bytea in pg_read_binary_file(pg_relation_filepath(%s::regclass)))", (key, table)
            ).fetchone()
            assert gone == (0,)
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_erasure_waits_for_a_writer_that_holds_no_snapshot(postgres_dsn: str) -> None:  # noqa: F811
    """A transaction that wrote before the erasure, idle between two statements, has no snapshot
    (backend_xmin) and still holds VACUUM's horizon back by its own id. Before, the wait looked at
    snapshots only: VACUUM FULL kept the old row version and erasure failed at once, naming no
    one, whenever some session on the server was mid-write. Now it waits for that writer too."""
    settings = postgres_settings(postgres_dsn).model_copy(update={"erasure_timeout": 10.0})
    store = EventStore.from_settings(settings)
    keys = subject_keys_for(settings)
    assert isinstance(keys, PostgresSubjectKeys)
    service = PersonalDataService(store, keys)
    table = f"{settings.postgres_schema}.subject_keys"
    try:
        ref = _open_case_file(store, service)
        with psycopg.connect(postgres_dsn) as admin:
            key = bytes(admin.execute(f"SELECT key FROM {table}").fetchone()[0])  # type: ignore[index]
        writer = psycopg.connect(postgres_dsn, application_name="case-import")
        writer.execute("SELECT txid_current()").fetchone()  # an id of its own, then idle: no snapshot
        with psycopg.connect(postgres_dsn) as look:
            (xmin, xid) = look.execute(
                "SELECT backend_xmin, backend_xid FROM pg_stat_activity WHERE application_name = 'case-import'"
            ).fetchone()  # type: ignore[misc]
        assert xmin is None and xid is not None
        ends = threading.Timer(1.0, writer.commit)
        ends.start()
        try:
            report = service.erase(ref, principal=DPO, rationale="Erasure request, ref 93")
        finally:
            ends.join()
            writer.close()
        assert report.key_destroyed
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute("CHECKPOINT")
            gone = admin.execute(
                "SELECT position(%s::bytea in pg_read_binary_file(pg_relation_filepath(%s::regclass)))", (key, table)
            ).fetchone()
        assert gone == (0,)
    finally:
        store.close()


def test_a_case_file_cannot_close_or_be_born_in_the_future(
    sqlite_service: tuple[Settings, PersonalDataService, SQLiteSubjectKeys],
) -> None:
    """Before, closed_on decades ahead was accepted, pushing erasure out by as much."""
    from datetime import timedelta

    from domain.dates import today_in_england
    from domain.errors import RuleViolation

    _, service, _ = sqlite_service
    ref = _open_case_file(service.store, service)
    (cf,) = [cf for cf in service.case_files() if cf.subject.subject_ref == ref]
    tomorrow = today_in_england() + timedelta(days=1)
    with pytest.raises(RuleViolation) as refused:
        service.close(CTX, cf.id, tomorrow)
    assert (refused.value.code, refused.value.field) == ("date_in_future", "closed_on")
    assert service.close(CTX, cf.id, today_in_england()).closed_on == today_in_england()
    with pytest.raises(RuleViolation) as unborn:
        service.open(
            CTX, case_reference="SHSCP-2025-015", source_kind=SourceKind.THEMATIC_AUDIT, role=SubjectRole.CHILD,
            details=PersonalDetails(name="Someone Else", date_of_birth=tomorrow),
        )
    assert (unborn.value.code, unborn.value.field) == ("date_in_future", "date_of_birth")


def test_the_retention_schedule_runs_once_a_day_and_records_each_run(
    sqlite_service: tuple[Settings, PersonalDataService, SQLiteSubjectKeys],
) -> None:
    """Before, nothing ran erase-due on a schedule, and a run left no record of itself."""
    from domain.dates import today_in_england
    from domain.personal_data import RetentionRun, RetentionRunStarted, add_years, retention_run_id
    from services.application.subjects.schedule import RetentionSchedule

    _, service, keys = sqlite_service
    ref = _open_case_file(service.store, service)
    (cf,) = service.case_files()
    service.close(CTX, cf.id, today_in_england())
    run_on = add_years(today_in_england(), 7)
    schedules = [RetentionSchedule(service, today=lambda: run_on, every_seconds=0.05) for _ in range(2)]
    for s in schedules:
        s.start()
    try:
        deadline = time.monotonic() + 10
        while not list(service.store.events.get(retention_run_id(CTX.partnership_id, run_on))):
            assert time.monotonic() < deadline, "no run recorded"
            time.sleep(0.05)
        time.sleep(0.3)  # both schedules have checked again by now
    finally:
        for s in schedules:
            s.stop()
    started, run = list(service.store.events.get(retention_run_id(CTX.partnership_id, run_on)))
    assert isinstance(started, RetentionRunStarted) and started.due_count == 1
    assert isinstance(run, RetentionRun)
    assert (run.run_on, run.erased, run.failed, run.principal) == (run_on, (ref,), (), "system:retention-schedule")
    assert keys.get(ref) is None
