"""projections/writes.py: a batch's writes sent grouped per table and statement leave the
same rows as the same statements sent one by one."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.sql import ViewDb, _Cur
from projections.writes import Writes

INSERT = "INSERT INTO t (k, v, n) VALUES (?, ?, 0) ON CONFLICT (k) DO NOTHING"
SET = "UPDATE t SET v = ? WHERE k = ?"
BUMP = "UPDATE t SET n = n * 2 + ? WHERE k = ?"
DELETE = "DELETE FROM t WHERE k = ?"
LOG = "INSERT INTO log (seq, k) VALUES (?, ?)"


@pytest.fixture
def cur() -> Iterator[_Cur]:
    db = ViewDb("sqlite", ":memory:")
    conn = db.connect()
    c = db.cursor(conn)
    c.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, n INTEGER)")
    c.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, k TEXT)")
    yield c
    conn.close()


def script(seed: int) -> list[tuple[str, str, str, tuple[Any, ...]]]:
    """(table, key, statement, params): order matters per key (a bump doubles what came before)."""
    rng = random.Random(seed)
    steps = []
    for seq in range(400):
        k = f"k{rng.randrange(12)}"
        sql = rng.choice([INSERT, INSERT, SET, BUMP, BUMP, DELETE])
        params = {INSERT: (k, f"v{seq}"), SET: (f"s{seq}", k), BUMP: (seq % 7, k), DELETE: (k,)}[sql]
        steps.append(("t", k, sql, params))
        steps.append(("log", str(seq), LOG, (seq, k)))
    return steps


def rows(cur: _Cur) -> tuple[list[Any], list[Any]]:
    cur.execute("SELECT k, v, n FROM t ORDER BY k")
    t = cur.fetchall()
    cur.execute("SELECT seq, k FROM log ORDER BY seq")
    return t, cur.fetchall()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_writes_leave_the_rows_of_one_by_one(cur: _Cur, seed: int) -> None:
    for _, _, sql, params in script(seed):
        cur.execute(sql, params)
    expected = rows(cur)
    cur.execute("DELETE FROM t")
    cur.execute("DELETE FROM log")

    calls: list[str] = []
    real = cur.executemany

    def counted(sql: str, batch: Any) -> Any:
        calls.append(sql)
        return real(sql, batch)

    cur.executemany = counted  # type: ignore[method-assign]
    writes = Writes(cur)
    for table, key, sql, params in script(seed):
        writes.write(table, key, sql, params)
    writes.flush()
    assert rows(cur) == expected
    assert calls.count(LOG) == 1  # every log row under its own key: one statement for all 400
    assert len(calls) < 200


def test_a_read_sees_the_pending_writes_of_its_key(cur: _Cur) -> None:
    writes = Writes(cur)
    writes.write("t", "a", INSERT, ("a", "first"))
    writes.write("t", "b", INSERT, ("b", "second"))
    assert writes.one("t", "a", "SELECT v FROM t WHERE k = ?", ("a",)) == ("first",)
    writes.write("t", "c", INSERT, ("c", "third"))
    # Another key's read does not flush: "c" is still pending, and is not there yet.
    assert writes.one("t", "z", "SELECT COUNT(*) FROM t", ()) == (2,)
    writes.execute("SELECT COUNT(*) FROM t")  # a plain statement sends everything first
    assert writes.fetchone() == (3,)


def test_a_known_facet_is_answered_from_memory_until_its_key_is_written(cur: _Cur) -> None:
    cur.execute("INSERT INTO t (k, v, n) VALUES ('a', 'stored', 0)")
    writes = Writes(cur)
    select = "SELECT v FROM t WHERE k = ?"
    writes.know("t", "a", "v", ("known",))
    assert writes.one("t", "a", select, ("a",), "v") == ("known",)  # memory, not the table
    assert writes.one("t", "a", select, ("a",)) == ("stored",)  # no facet: always the table
    writes.write("t", "a", SET, ("written", "a"))
    assert writes.one("t", "a", select, ("a",), "v") == ("written",)  # a write forgets what was known


def test_a_write_that_keeps_a_facet_leaves_it_known_and_forgets_the_others(cur: _Cur) -> None:
    cur.execute("INSERT INTO t (k, v, n) VALUES ('a', 'stored', 0)")
    writes = Writes(cur)
    select_v, select_n = "SELECT v FROM t WHERE k = ?", "SELECT n FROM t WHERE k = ?"
    writes.know("t", "a", "v", ("stored",))
    writes.know("t", "a", "n", (0,))
    writes.write("t", "a", BUMP, (5, "a"), keeps="v")  # n changes, v does not
    cur.execute("UPDATE t SET v = 'behind its back' WHERE k = 'a'")  # shows which answers come from memory
    assert writes.one("t", "a", select_v, ("a",), "v") == ("stored",)
    assert writes.one("t", "a", select_n, ("a",), "n") == (5,)  # forgotten: read after the pending bump
