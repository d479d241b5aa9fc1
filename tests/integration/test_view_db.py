"""adapters/sql.py: on PostgreSQL an executemany of an INSERT is sent as multi-row INSERTs,
which leave the same rows as one statement per row (SQLite runs its own executemany)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import adapters.sql
from adapters.sql import ViewDb, _values_split
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)

CREATE = "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, n BIGINT, state TEXT NOT NULL, seen INTEGER NOT NULL)"
UPSERT = "INSERT INTO t (k, v, n, state, seen) VALUES (?, lower(?), ?, 'new', 1) ON CONFLICT (k) DO NOTHING"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ViewDb]:
    if request.param == "sqlite":
        yield ViewDb("sqlite", str(tmp_path / "views.sqlite"))
        return
    dsn = request.getfixturevalue("postgres_dsn")
    schema = f"vdb_{uuid.uuid4().hex[:12]}"
    yield ViewDb("postgres", dsn, schema)
    conn = ViewDb("postgres", dsn).connect()
    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()


def table(db: ViewDb, many: bool, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    conn = db.connect()
    try:
        with db.transaction(conn) as cur:
            cur.execute("DROP TABLE IF EXISTS t")
            cur.execute(CREATE)
            if many:
                cur.executemany(UPSERT, rows)
            else:
                for row in rows:
                    cur.execute(UPSERT, row)
        cur = db.cursor(conn)
        cur.execute("SELECT k, v, n, state, seen FROM t ORDER BY k")
        return [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def test_many_rows_in_one_statement_leave_the_rows_of_one_statement_each(
    db: ViewDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapters.sql, "MULTI_ROW_ROWS", 23)  # several statements, the last one short
    rows: list[tuple[Any, ...]] = [
        (f"k{i % 19}", f"Text {i} (in brackets)", None if i % 5 == 0 else i * 2**40, ) for i in range(30)
    ]  # keys repeat, within a statement and across: the first row of a key stays
    assert table(db, many=True, rows=rows) == table(db, many=False, rows=rows)
    assert len(table(db, many=True, rows=rows)) == 19


def test_only_an_insert_of_values_is_split() -> None:
    assert _values_split(UPSERT) == (
        "INSERT INTO t (k, v, n, state, seen) VALUES ", "(?, lower(?), ?, 'new', 1)", " ON CONFLICT (k) DO NOTHING", 3
    )
    assert _values_split("INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v") is None
    assert _values_split("INSERT INTO t (k) SELECT k FROM u WHERE k = ?") is None
    assert _values_split("UPDATE t SET v = ? WHERE k = ?") is None
    quoted = "INSERT INTO t (k, v) VALUES (?, 'a)b')"
    assert _values_split(quoted) == ("INSERT INTO t (k, v) VALUES ", "(?, 'a)b')", "", 1)
