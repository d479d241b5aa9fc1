"""Subject keys are wrapped by a key from outside the store; the store's files are private.

Before, subject keys sat unwrapped in the same SQLite file as the events, created 0644: any
copy of the file decrypted every subject.
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import psycopg
import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from eventsourcing.utils import Environment
from pydantic import SecretStr

from adapters.settings import Settings
from adapters.store import EventStore
from adapters.subject_kek import KekError, KeyRing, SubjectKeyCipher, load_key_ring, new_entry
from adapters.subject_keys import PostgresSubjectKeys, SQLiteSubjectKeys, subject_keys_for
from adapters.subject_scrub import file_holds, sqlite_files
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)
from tests.integration.stores import postgres_settings, sqlite_settings

REF = "DS-00000000000000000001"
K1, K2 = new_entry("k1"), new_entry("k2")


def _settings(tmp_path: Path, ring: str) -> Settings:
    return sqlite_settings(tmp_path).model_copy(update={"subject_kek": SecretStr(ring)})


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_a_copy_of_the_database_alone_decrypts_nothing(tmp_path: Path) -> None:
    keys = subject_keys_for(_settings(tmp_path, K1))
    key = keys.create(REF, "st-helens")
    path = Path(_settings(tmp_path, K1).sqlite_path)
    assert not any(file_holds(p, key) for p in sqlite_files(str(path))), "the key is stored in the clear"

    elsewhere = tmp_path / "copy"
    elsewhere.mkdir()
    shutil.copy(path, elsewhere / path.name)
    thief = SQLiteSubjectKeys(str(elsewhere / path.name), KeyRing.parse(new_entry("k1"), "a guess"))
    with pytest.raises(KekError, match="does not unwrap"):
        thief.get(REF)
    assert keys.get(REF) == key


def test_the_stores_files_are_created_readable_by_their_owner_only(tmp_path: Path) -> None:
    settings = _settings(tmp_path, K1)
    store = EventStore.from_settings(settings)
    try:
        subject_keys_for(settings).create(REF, "st-helens")
        files = sqlite_files(settings.sqlite_path)
        assert any(p.name.endswith("-wal") for p in files)
        for p in files:
            assert _private(p), f"{p} is {oct(p.stat().st_mode)}"
    finally:
        store.close()


def test_the_generated_ring_lives_outside_the_database_directory_and_is_private(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    ring = load_key_ring(settings)
    assert load_key_ring(settings) == ring, "generated once, then read"
    generated = list(Path(tmp_path).rglob("*.keys"))
    assert generated == [], "the ring must not be beside the database"
    beside = settings.model_copy(update={"subject_kek_file": str(tmp_path / "ring.keys")})
    (tmp_path / "ring.keys").write_text(K1)
    with pytest.raises(KekError, match="database's directory"):
        load_key_ring(beside)


def test_rotation_rewraps_every_key_and_leaves_no_old_wrapping(tmp_path: Path) -> None:
    old = SQLiteSubjectKeys(str(tmp_path / "events.sqlite"), KeyRing.parse(K1, "test"))
    key = old.create(REF, "st-helens")
    with sqlite3.connect(tmp_path / "events.sqlite") as conn:
        (wrapped_by_k1,) = conn.execute("SELECT key FROM subject_keys").fetchone()

    rotated = SQLiteSubjectKeys(str(tmp_path / "events.sqlite"), KeyRing.parse(f"{K2},{K1}", "test"))
    assert rotated.rewrap() == 1
    assert rotated.rewrap() == 0
    only_new = SQLiteSubjectKeys(str(tmp_path / "events.sqlite"), KeyRing.parse(K2, "test"))
    assert only_new.get(REF) == key
    assert not any(file_holds(p, bytes(wrapped_by_k1)) for p in sqlite_files(str(tmp_path / "events.sqlite")))


def test_keys_stored_in_the_clear_by_an_older_version_are_wrapped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    clear = bytes(range(32))
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE subject_keys (subject_ref TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, "
            "key BLOB, created_at TEXT NOT NULL, erased_at TEXT)"
        )
        conn.execute("INSERT INTO subject_keys VALUES (?, 'st-helens', ?, '2026-01-01', NULL)", (REF, clear))
    keys = SQLiteSubjectKeys(str(path), KeyRing.parse(K1, "test"))
    assert keys.get(REF) == clear
    assert not any(file_holds(p, clear) for p in sqlite_files(str(path)))


@pytest.mark.postgres
def test_postgres_keys_are_wrapped_and_rotate(postgres_dsn: str) -> None:  # noqa: F811
    settings = postgres_settings(postgres_dsn).model_copy(update={"subject_kek": SecretStr(K1)})
    keys = subject_keys_for(settings)
    assert isinstance(keys, PostgresSubjectKeys)
    key = keys.create(REF, "st-helens")
    with psycopg.connect(postgres_dsn) as conn:
        (stored,) = conn.execute(f"SELECT key FROM {settings.postgres_schema}.subject_keys").fetchone()
    assert key not in bytes(stored)
    rotated = subject_keys_for(settings.model_copy(update={"subject_kek": SecretStr(f"{K2},{K1}")}))
    assert rotated.rewrap() == 1
    assert subject_keys_for(settings.model_copy(update={"subject_kek": SecretStr(K2)})).get(REF) == key


# --- the library's cipher cases, run against our sealing (eventsourcing.tests.persistence's
# test_mapper_with_cipher and test_mapper_with_wrong_cipher_key, and its AES cipher's cases)


def _mapper(ring: str | None) -> Mapper[object]:
    env = Environment("lif", {SubjectKeyCipher.KEK: ring} if ring else {})
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder, cipher=SubjectKeyCipher(env))


def test_cipher_needs_a_key() -> None:
    with pytest.raises(OSError, match="LIF_SUBJECT_KEK"):
        _mapper(None)


def test_cipher_round_trips_through_the_librarys_mapper_and_refuses_another_key() -> None:
    from uuid import uuid4

    event = DomainEvent(originator_id=uuid4(), originator_version=1, timestamp=DomainEvent.create_timestamp())
    stored = _mapper(K1).to_stored_event(event)
    assert _mapper(K1).to_domain_event(stored).originator_id == event.originator_id
    assert b"originator" not in stored.state
    with pytest.raises(ValueError):
        _mapper(new_entry("k1")).to_domain_event(stored)


def test_cipher_refuses_damaged_text() -> None:
    cipher = SubjectKeyCipher(Environment("lif", {SubjectKeyCipher.KEK: K1}))
    sealed = cipher.encrypt(b"plain text")
    assert cipher.decrypt(sealed) == b"plain text"
    assert cipher.encrypt(b"plain text") != sealed, "a fresh nonce each time"
    damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(ValueError):
        cipher.decrypt(damaged)
    with pytest.raises(ValueError):
        cipher.decrypt(sealed[:10])
