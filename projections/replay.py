"""What a rebuild does around its replay of the log (projections/projector.py): fewer
garbage collections, and the views' secondary indexes dropped, to be built once at the end."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from adapters.sql import Cursor, Dialect
from projections.view import View

REPLAY_GC_THRESHOLD = 50_000
"""Allocations between young-generation collections while replaying (Python's default: 700)."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """A replay allocates and frees millions of short-lived objects (decoded events, rows),
    almost none in reference cycles; at the default threshold the collector ran thousands
    of times per million events and took an eighth of a rebuild. Restored afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], REPLAY_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def drop_secondary_indexes(cur: Cursor, dialect: Dialect, views: Sequence[View]) -> list[str]:
    """Drops the secondary indexes of the emptied views' tables and returns their SQL.

    Building an index once over the full tables is much cheaper than keeping it
    up to date row by row; views look rows up by primary key only while applying
    events, so a replay never needs them. On PostgreSQL an UPDATE of an indexed
    column also writes a new entry in each index (no HOT update): more so.
    Unique indexes stay: ON CONFLICT needs them.
    """
    tables = [t for v in views for t in v.tables]
    if not tables:
        return []
    if dialect == "postgres":
        cur.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(?)"
            " AND NOT x.indisunique AND NOT x.indisprimary",
            (tables,),
        )
    else:
        marks = ", ".join("?" for _ in tables)
        cur.execute(
            "SELECT name, sql FROM sqlite_master"
            f" WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tables,
        )
    indexes = [(str(name), str(sql)) for name, sql in cur.fetchall()]
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    # The statement is kept without IF NOT EXISTS; put it back, since another
    # process's Projector (its `create`) may have made the index again meanwhile.
    return [re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX IF NOT EXISTS ", sql) for _, sql in indexes]
