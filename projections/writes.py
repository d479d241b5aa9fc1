"""A view's writes for a batch of events, sent as one `executemany` per table and statement.

A rebuild applies millions of events; a statement each made the round trips (PostgreSQL)
and the per-statement work of the driver (both engines) most of a view's cost. Handlers
hand their writes to `Writes` with the table and the key of the rows each one touches,
and `Writes` sends them per table, grouped by statement, with the same result as one by one:

- Statements on different tables never touch the same rows (views have no triggers or
  foreign keys), so tables are independent of each other.
- Within a table, statements on different keys commute. Each write goes to the first
  *layer* after the last one holding its key, so a key's writes keep their order across
  layers, and within a layer every key is different: its statements can run grouped.
- A read of a key with writes pending flushes that table first (`one`), so handlers read
  what they wrote; reading any other key needs no flush. A read may name a *facet*: then
  its answer is kept for the batch (until a write of that key), and a handler that knows
  what a row holds after its write may say so (`know`), sparing PostgreSQL a round trip.

`Writes` is also a `Cursor`: a statement given straight to `execute` flushes everything
pending first, so code that knows nothing of keys stays correct (only slower).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any
from uuid import UUID

from adapters.sql import Cursor


class _Pending:
    """One table's writes not yet sent: layers of {statement: rows}, and each key's last layer."""

    __slots__ = ("depth", "layers")

    def __init__(self) -> None:
        self.layers: list[dict[str, list[Sequence[Any]]]] = []
        self.depth: dict[Hashable, int] = {}


def _key(key: Hashable) -> Hashable:
    """A UUID as its number: the same key, hashed in C (a UUID's hash is Python code, and a
    rebuild hashes a key several times per write)."""
    return key.int if type(key) is UUID else key


class Writes:
    def __init__(self, cur: Cursor) -> None:
        self.cur = cur
        self._tables: dict[str, _Pending] = {}
        self._known: dict[str, dict[Hashable, dict[str, Any]]] = {}
        """Per table and key, what `one` answered (or `know` was told) by facet."""

    def write(self, table: str, key: Hashable, sql: str, *rows: Sequence[Any], keeps: str | None = None) -> None:
        """`sql` once per row of `rows`, touching only rows of `table` under `key` (the rows
        given together must not depend on each other's order: one INSERT per theme, say).
        What `one` knew of the key is forgotten, but for the facet `keeps` (one whose columns
        `sql` leaves as they were): a later read of it needs no flush and no round trip."""
        if not rows:
            return
        key = key.int if type(key) is UUID else key  # `_key`, inline: called for every write
        known = self._known.get(table)
        if known:
            facets = known.pop(key, None)
            if keeps is not None and facets is not None and keeps in facets:
                known[key] = {keeps: facets[keeps]}
        pending = self._tables.get(table)
        if pending is None:
            pending = self._tables[table] = _Pending()
        depth = pending.depth
        layer = depth.get(key, -1) + 1
        depth[key] = layer
        layers = pending.layers
        if layer == len(layers):
            layers.append({sql: list(rows)})
            return
        statements = layers[layer]
        batch = statements.get(sql)
        if batch is None:
            statements[sql] = list(rows)
        else:
            batch.extend(rows)

    def one(self, table: str, key: Hashable, sql: str, params: Sequence[Any], facet: str | None = None) -> Any:
        """The first row `sql` selects from `table` under `key` (or None), pending writes of it included.
        With a `facet` (a name for what `sql` reads of the key), known answers are given from memory."""
        key = _key(key)
        if facet is not None:
            known = self._known.get(table)
            facets = known.get(key) if known else None
            if facets is not None and facet in facets:
                return facets[facet]
        pending = self._tables.get(table)
        if pending is not None and key in pending.depth:
            self.flush(table)
        self.cur.execute(sql, params)
        row = self.cur.fetchone()
        if facet is not None:
            self.know(table, key, facet, row)
        return row

    def know(self, table: str, key: Hashable, facet: str, row: Any) -> None:
        """What `one(table, key, ..., facet)` would answer now (say so after the write that makes it so)."""
        known = self._known.get(table)
        if known is None:
            known = self._known[table] = {}
        facets = known.get(key := _key(key))
        if facets is None:
            known[key] = {facet: row}
        else:
            facets[facet] = row

    def flush(self, table: str | None = None) -> None:
        """Sends what is pending: of one table, or of all in the order they were first written."""
        for name in [table] if table is not None else list(self._tables):
            pending = self._tables.pop(name, None)
            if pending is None:
                continue
            for statements in pending.layers:
                for sql, rows in statements.items():
                    if len(rows) == 1:
                        self.cur.execute(sql, rows[0])
                    else:
                        self.cur.executemany(sql, rows)

    def forget(self) -> None:
        """Drops every answer kept by `know` (after a statement that changed rows behind their keys)."""
        self._known.clear()

    # --- Cursor: plain statements, after everything pending --------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.flush()
        return self.cur.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        self.flush()
        return self.cur.executemany(sql, rows)

    def fetchall(self) -> list[Any]:
        return self.cur.fetchall()

    def fetchone(self) -> Any:
        return self.cur.fetchone()
