"""Issue 12: a redaction on each real store (SQLite, PostgreSQL).

Free text is stored sealed, so its plaintext is never in the events' table; a redaction
destroys the field's key, proven gone from the store's files (on PostgreSQL: the key table's
data file, read back where the role may), the old event then reads with the corrected text in
this process and in a fresh one, and the hash chain still verifies.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from pydantic import SecretStr

from adapters.chain import verify
from adapters.settings import Settings
from adapters.store import EventStore, PydanticMapper
from adapters.subject_kek import new_entry
from adapters.subject_scrub import sqlite_files
from domain.activity_state import ActivityOpened
from domain.aggregate import Context
from domain.commands import OpenActivity, RedactText, RegisterPartnership
from services.application.service import LearningService
from services.cli.subjects import run_subjects_cli
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)
from tests.integration.stores import postgres_settings, sqlite_settings

MARKER = "Quillbramble"
CORRECTED = "Thematic audit: neglect of a pre-school child"
ADMIN = Context(partnership_id="st-helens", principal="admin:alice")


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield sqlite_settings(tmp_path)
    else:
        yield postgres_settings(request.getfixturevalue("postgres_dsn"))


def _stored_states(store: EventStore) -> list[bytes]:
    return [bytes(n.state) for n in store.recorder.select_notifications(start=1, limit=10_000)]


def _text_key_row(settings: Settings, key_id: str) -> tuple[bytes | None, str | None]:
    if settings.persistence == "sqlite":
        with sqlite3.connect(settings.sqlite_path) as conn:
            row = conn.execute("SELECT key, replacement FROM text_keys WHERE key_id = ?", (key_id,)).fetchone()
    else:
        with psycopg.connect(settings.postgres_dsn) as conn:
            row = conn.execute(
                f"SELECT key, replacement FROM {settings.postgres_schema}.text_keys WHERE key_id = %s", (key_id,)
            ).fetchone()
    assert row is not None
    return (bytes(row[0]) if row[0] is not None else None), row[1]


def _live_keys(settings: Settings) -> int:
    sql = "SELECT count(*) FROM {}text_keys WHERE key IS NOT NULL"
    if settings.persistence == "sqlite":
        with sqlite3.connect(settings.sqlite_path) as conn:
            return int(conn.execute(sql.format("")).fetchone()[0])
    with psycopg.connect(settings.postgres_dsn) as pg:
        row = pg.execute(sql.format(f"{settings.postgres_schema}.")).fetchone()  # type: ignore[arg-type]
        return int(row[0]) if row else 0


def _in_store_files(settings: Settings, needle: bytes) -> bool:
    if settings.persistence == "sqlite":
        return any(needle in p.read_bytes() for p in sqlite_files(settings.sqlite_path))
    table = f"{settings.postgres_schema}.text_keys"
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        found = conn.execute(
            "SELECT position(%s::bytea in pg_read_binary_file(pg_relation_filepath(%s::regclass)))", (needle, table)
        ).fetchone()
    return found is not None and found[0] > 0


def test_a_redaction_on_each_store(settings: Settings) -> None:
    store = EventStore.from_settings(settings)
    service = LearningService(store)
    try:
        service.execute(ADMIN, RegisterPartnership(partnership_id="st-helens", display_name="St Helens"))
        opened = service.execute(ADMIN, OpenActivity.model_validate({
            "kind": "thematic_audit", "title": f"Thematic audit: {MARKER} at nursery", "opened_on": "2026-02-02",
            "scope": "Ten cases of neglect open to children's social care."}))
        activity = UUID(opened.body["id"])
        assert not any(MARKER.encode() in state for state in _stored_states(store))
        stored = store.recorder.select_events(activity, lte=1)[0]
        mapper = store.mapper
        assert isinstance(mapper, PydanticMapper)
        key_id = mapper.stored_json(stored).split(b'"title":{"sealed":"')[1][:32].decode()
        wrapped, _ = _text_key_row(settings, key_id)
        assert wrapped is not None and _in_store_files(settings, wrapped), "the key is there, so its absence shows"

        service.execute(ADMIN, RedactText(
            aggregate_id=activity, version=1, field="title", text=CORRECTED,
            rationale="The title named the child's nickname."))

        assert _text_key_row(settings, key_id)[0] is None
        assert not _in_store_files(settings, wrapped)
        fresh = EventStore.from_settings(settings)  # another process: nothing cached
        try:
            for reader in (store, fresh):
                (first, *_) = reader.events_of(activity)
                assert isinstance(first, ActivityOpened) and first.title == CORRECTED
        finally:
            fresh.close()
        assert verify(store).ok
    finally:
        store.close()


def test_lif_subjects_rewrap_rewraps_text_keys_too(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    k1, k2 = new_entry("k1"), new_entry("k2")
    before = settings.model_copy(update={"subject_kek": SecretStr(k1)})
    store = EventStore.from_settings(before)
    try:
        service = LearningService(store)
        service.execute(ADMIN, RegisterPartnership(partnership_id="st-helens", display_name="St Helens"))
        opened = service.execute(ADMIN, OpenActivity.model_validate({
            "kind": "thematic_audit", "title": f"Thematic audit: {MARKER} at nursery", "opened_on": "2026-02-02",
            "scope": "Ten cases of neglect open to children's social care."}))
        activity = UUID(opened.body["id"])
        key_id = store.stored_json(store.recorder.select_events(activity, lte=1)[0]).split(
            b'"title":{"sealed":"')[1][:32].decode()
        wrapped_by_k1, _ = _text_key_row(settings, key_id)
    finally:
        store.close()
    assert wrapped_by_k1 is not None

    rotated = settings.model_copy(update={"subject_kek": SecretStr(f"{k2},{k1}")})
    store = EventStore.from_settings(rotated)
    try:
        args = argparse.Namespace(action="rewrap")
        assert run_subjects_cli(rotated, store, args, sys.stdout, sys.stderr) == 0
        said = capsys.readouterr().out
        assert f"{_live_keys(settings)} text key(s) rewrapped" in said, said  # every field's: names, title, scope
        assert run_subjects_cli(rotated, store, args, sys.stdout, sys.stderr) == 0
        assert "0 text key(s) rewrapped" in capsys.readouterr().out
    finally:
        store.close()
    assert _text_key_row(settings, key_id)[0] != wrapped_by_k1
    assert not _in_store_files(settings, wrapped_by_k1)
    only_k2 = EventStore.from_settings(settings.model_copy(update={"subject_kek": SecretStr(k2)}))
    try:
        (first, *_) = only_k2.events_of(activity)
        assert isinstance(first, ActivityOpened) and MARKER in first.title
    finally:
        only_k2.close()
