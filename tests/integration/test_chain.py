"""Tamper evidence: the hash chain written with each event, and `verify` catching changes.

Each tampering is done directly in the database with SQL, as someone with access to
it (but not to the application) would: alter a row's state, delete a row, swap the
states and topics of two rows, insert a row. `verify`, `lif verify` and
GET /v1/admin/verify must each name the first bad position.
"""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from adapters.chain import GENESIS, link_hash, parse_anchor, verify
from adapters.chain_recorders import ChainedPostgresApplicationRecorder, ChainedSQLiteApplicationRecorder
from adapters.settings import Settings, get_settings
from adapters.store import EventStore
from domain.aggregate import Context
from domain.framework import Sector
from domain.partnership import add_agency, register_partnership
from services import cli
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)
from tests.integration.stores import sqlite_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CTX = Context(partnership_id="st-helens", principal="alice@st-helens", rationale="testing the chain")


def fill(store: EventStore, agencies: int = 6) -> list[int]:
    """Write a partnership and some agencies; return the log's notification ids."""
    p = register_partnership(CTX, display_name="St Helens", with_framework_defaults=False)
    store.save(*p.events)
    state = p.result
    for i in range(agencies):
        change = add_agency(state, CTX, agency_id=f"agency-{i}", display_name=f"Agency {i}", sector=Sector.HEALTH)
        store.save(*change.events)
        state = change.result
    return [n.id for n in store.recorder.select_notifications(start=None, limit=1000)]


class Tamper:
    """Direct SQL on the events and chain tables of one store."""

    def __init__(self, store: EventStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        recorder: Any = store.recorder
        self.events = recorder.events_table_name
        self.chain = recorder.chain_table_name
        if isinstance(recorder, ChainedSQLiteApplicationRecorder):
            self.dialect, self.id_col = "sqlite", "rowid"
        else:
            assert isinstance(recorder, ChainedPostgresApplicationRecorder)
            self.dialect, self.id_col = "postgres", "notification_id"
            self.schema = recorder.datastore.schema

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.dialect == "sqlite":
            conn = sqlite3.connect(self.settings.sqlite_path)
            try:
                yield conn.cursor()
                conn.commit()
            finally:
                conn.close()
        else:
            with psycopg.connect(self.settings.postgres_dsn) as pg:
                pg.execute(SQL("SET search_path TO {}").format(Identifier(self.schema)))
                yield _QmarkCursor(pg.cursor())

    def execute(self, statement: str, *params: Any) -> list[Any]:
        with self._cursor() as cur:
            cur.execute(statement.format(events=self.events, chain=self.chain, id=self.id_col), params)
            try:
                return list(cur.fetchall())
            except (sqlite3.Error, psycopg.ProgrammingError):
                return []

    def alter_state(self, position: int) -> None:
        self.execute("UPDATE {events} SET state = ? WHERE {id} = ?", b'{"tampered": true}', position)

    def delete(self, position: int) -> None:
        self.execute("DELETE FROM {events} WHERE {id} = ?", position)

    def delete_link(self, position: int) -> None:
        self.execute("DELETE FROM {chain} WHERE notification_id = ?", position)

    def swap(self, first: int, second: int) -> None:
        rows = {
            row[0]: (row[1], bytes(row[2]))
            for row in self.execute("SELECT {id}, topic, state FROM {events} WHERE {id} IN (?, ?)", first, second)
        }
        for target, source in ((first, second), (second, first)):
            topic, state = rows[source]
            self.execute("UPDATE {events} SET topic = ?, state = ? WHERE {id} = ?", topic, state, target)


def rechain(tamper: Tamper) -> None:
    """Recompute every link from the events as they now are: what someone able to write
    both tables would do to cover their changes. The chain then holds by itself."""
    prev = GENESIS
    for n in tamper.store.recorder.select_notifications(start=None, limit=10_000):
        prev = link_hash(prev, n.id, n.originator_id, n.originator_version, n.topic, n.state)
        tamper.execute("UPDATE {chain} SET hash = ? WHERE notification_id = ?", prev, n.id)


class _QmarkCursor:
    """psycopg takes %s; the tampering statements are written with ? for both dialects."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.cur = cur

    def execute(self, statement: str, params: tuple[Any, ...]) -> None:
        self.cur.execute(statement.replace("?", "%s"), params)

    def fetchall(self) -> list[Any]:
        return self.cur.fetchall()


def test_the_store_writes_through_the_chained_recorder(store: EventStore) -> None:
    assert hasattr(store.recorder, "chain_table_name")
    ids = fill(store)
    report = verify(store)
    assert report.ok and report.checked == len(ids)
    # The head hash is the chain recomputed from scratch, link by link.
    prev = GENESIS
    for n in store.recorder.select_notifications(start=None, limit=1000):
        prev = link_hash(prev, n.id, n.originator_id, n.originator_version, n.topic, n.state)
    assert report.head_hash == prev.hex()


def test_an_altered_state_is_caught_at_its_position(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    Tamper(store, settings).alter_state(ids[3])
    report = verify(store)
    assert not report.ok
    assert report.first_bad_position == ids[3]
    assert report.checked == 3
    assert "altered" in (report.reason or "")


def test_a_deleted_row_is_caught_at_its_position(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    Tamper(store, settings).delete(ids[2])
    report = verify(store)
    assert (report.ok, report.first_bad_position) == (False, ids[2])
    assert "deleted" in (report.reason or "")


def test_a_row_deleted_with_its_chain_link_is_caught_at_the_next_position(
    store: EventStore, settings: Settings
) -> None:
    ids = fill(store)
    tamper = Tamper(store, settings)
    tamper.delete(ids[2])
    tamper.delete_link(ids[2])
    report = verify(store)
    assert (report.ok, report.first_bad_position) == (False, ids[3])


def test_a_deleted_last_row_is_caught_while_its_link_remains(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    Tamper(store, settings).delete(ids[-1])
    assert verify(store).first_bad_position == ids[-1]


def test_two_swapped_rows_are_caught_at_the_earlier_position(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    Tamper(store, settings).swap(ids[1], ids[4])
    report = verify(store)
    assert (report.ok, report.first_bad_position) == (False, ids[1])


def test_a_row_inserted_outside_the_store_has_no_link(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    tamper = Tamper(store, settings)
    # Copy the last event under a new version, as a forger would, bypassing the recorder.
    row = tamper.execute(
        "SELECT originator_id, originator_version, topic, state FROM {events} WHERE {id} = ?", ids[-1]
    )[0]
    tamper.execute(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        row[0],
        row[1] + 1,
        row[2],
        bytes(row[3]),
    )
    report = verify(store)
    assert not report.ok
    assert report.first_bad_position is not None and report.first_bad_position > ids[-1]
    assert "no chain entry" in (report.reason or "")


def test_verify_pages_through_long_logs(store: EventStore, settings: Settings) -> None:
    ids = fill(store, agencies=12)
    seen: list[tuple[int, int]] = []
    assert verify(store, page_size=4, progress=lambda pos, head: seen.append((pos, head))).ok
    assert seen[-1] == (ids[-1], ids[-1])
    Tamper(store, settings).alter_state(ids[9])
    assert verify(store, page_size=4).first_bad_position == ids[9]


def test_an_existing_unchained_log_is_adopted_when_the_chain_table_is_created(settings: Settings) -> None:
    unchained = EventStore.from_settings(settings.model_copy(update={"chain_events": False}))
    try:
        ids = fill(unchained)
        assert not hasattr(unchained.recorder, "chain_table_name")
    finally:
        unchained.close()
    chained = EventStore.from_settings(settings)
    try:
        assert verify(chained).checked == len(ids)
        more = fill_more(chained)
        report = verify(chained)
        assert report.ok and report.checked == len(ids) + more
    finally:
        chained.close()


def fill_more(store: EventStore) -> int:
    p = register_partnership(CTX.model_copy(update={"partnership_id": "wirral"}), display_name="Wirral")
    store.save(*p.events)
    return len(p.events)


# ------------------------------------------------------------ CLI and HTTP


@pytest.fixture
def env_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[Settings], AbstractContextManager[None]]:
    @contextmanager
    def apply(settings: Settings) -> Iterator[None]:
        monkeypatch.setenv("LIF_PERSISTENCE", settings.persistence)
        monkeypatch.setenv("LIF_SQLITE_PATH", settings.sqlite_path)
        monkeypatch.setenv("LIF_POSTGRES_DSN", settings.postgres_dsn)
        if settings.postgres_schema:
            monkeypatch.setenv("LIF_POSTGRES_SCHEMA", settings.postgres_schema)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()

    return apply


def test_lif_verify_exits_1_naming_the_first_bad_position(
    store: EventStore,
    settings: Settings,
    env_for: Callable[[Settings], AbstractContextManager[None]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = fill(store)
    with env_for(settings):
        assert cli.main(["verify"]) == 0
        out, err = capsys.readouterr()
        assert f"ok: {len(ids)} events chained" in out
        assert "verify [" in err  # the progress bar
        Tamper(store, settings).swap(ids[2], ids[5])
        assert cli.main(["verify", "--no-progress"]) == 1
        out, err = capsys.readouterr()
        assert f"TAMPERED at position {ids[2]}" in err


def test_admin_verify_endpoint(store: EventStore, settings: Settings) -> None:
    from services.api.app import create_app
    from tests.fixtures.auth import auth_headers

    ids = fill(store)
    app = create_app(settings, store=store)
    client = TestClient(app, headers=auth_headers(app))
    body = client.get("/v1/admin/verify").json()
    assert body["ok"] is True and body["checked"] == len(ids) and body["first_bad_position"] is None
    Tamper(store, settings).delete(ids[4])
    body = client.get("/v1/admin/verify").json()
    assert body["ok"] is False and body["first_bad_position"] == ids[4]


def test_sqlite_refuses_to_reuse_the_position_of_a_deleted_last_event(tmp_path: Path) -> None:
    from eventsourcing.persistence import DataError

    settings = sqlite_settings(tmp_path)
    store = EventStore.from_settings(settings)
    try:
        ids = fill(store)
        Tamper(store, settings).delete(ids[-1])
        # SQLite would hand the deleted event's rowid to the next insert.
        with pytest.raises(DataError, match=f"position {ids[-1]}"):
            fill_more(store)
        assert verify(store).first_bad_position == ids[-1]
    finally:
        store.close()


# --- anchors: what the chain alone cannot show -----------------------------------------


def test_the_newest_events_removed_with_their_links_are_caught_by_an_anchor(
    store: EventStore, settings: Settings
) -> None:
    ids = fill(store)
    head = verify(store)
    assert head.anchor == f"{ids[-1]}:{head.head_hash}"
    tamper = Tamper(store, settings)
    for position in ids[-2:]:
        tamper.delete(position)
        tamper.delete_link(position)
    assert verify(store).ok  # the chain alone holds: the gap anchors close
    report = verify(store, anchors=dict([parse_anchor(head.anchor or "")]))
    assert (report.ok, report.first_bad_position) == (False, ids[-1])
    assert "newest events removed" in (report.reason or "")


def test_a_history_rewritten_and_rechained_is_caught_by_an_anchor(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    early = verify(store)
    fill_more(store)  # events after the anchor: it still vouches for what came before
    tamper = Tamper(store, settings)
    tamper.alter_state(ids[2])
    rechain(tamper)
    assert verify(store).ok
    report = verify(store, anchors=dict([parse_anchor(early.anchor or "")]))
    assert (report.ok, report.first_bad_position) == (False, ids[-1])
    assert "anchor" in (report.reason or "")
    # An anchor taken after the rewrite is met: it vouches only for what came before it.
    assert verify(store, anchors=dict([parse_anchor(verify(store).anchor or "")])).ok


def test_an_anchored_position_removed_from_the_middle_is_named(store: EventStore, settings: Settings) -> None:
    ids = fill(store)
    prev = GENESIS
    anchors: dict[int, bytes] = {}
    for n in store.recorder.select_notifications(start=None, limit=1000):
        prev = link_hash(prev, n.id, n.originator_id, n.originator_version, n.topic, n.state)
        anchors[n.id] = prev
    tamper = Tamper(store, settings)
    tamper.delete(ids[3])
    tamper.delete_link(ids[3])
    rechain(tamper)
    report = verify(store, anchors={ids[3]: anchors[ids[3]]})
    assert (report.ok, report.first_bad_position) == (False, ids[3])
    assert "no longer hold" in (report.reason or "")


def test_anchors_through_lif_verify_and_the_endpoint(
    store: EventStore,
    settings: Settings,
    env_for: Callable[[Settings], AbstractContextManager[None]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from services.api.app import create_app
    from tests.fixtures.auth import auth_headers

    ids = fill(store)
    with env_for(settings):
        assert cli.main(["verify", "--no-progress"]) == 0
        out = capsys.readouterr().out
        anchor = next(line.split()[1] for line in out.splitlines() if line.startswith("anchor: "))
        assert anchor.startswith(f"{ids[-1]}:")
        assert cli.main(["verify", "--no-progress", "--anchor", anchor]) == 0
        assert "1 anchor(s) met" in capsys.readouterr().out
        with pytest.raises(SystemExit) as bad:
            cli.main(["verify", "--anchor", "12:not-a-hash"])
        assert bad.value.code == 2
        assert "POSITION:HASH" in capsys.readouterr().err

    app = create_app(settings, store=store)
    client = TestClient(app, headers=auth_headers(app))
    assert client.get("/v1/admin/verify").json()["anchor"] == anchor
    tamper = Tamper(store, settings)
    tamper.delete(ids[-1])
    tamper.delete_link(ids[-1])
    body = client.get("/v1/admin/verify", params={"anchor": anchor}).json()
    assert body["ok"] is False and body["first_bad_position"] == ids[-1]
    with env_for(settings):
        assert cli.main(["verify", "--no-progress", "--anchor", anchor]) == 1
        assert f"TAMPERED at position {ids[-1]}" in capsys.readouterr().err
    refused = client.get("/v1/admin/verify", params={"anchor": "0:abc"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "anchor"
