"""Where the routing facts (adapters/routing_state.py) live between batches: the ledger's database.

- `routing_facts`: per follower (the Kafka worker, or an embedded filler) and
  partnership, one JSON value per key (the partnership's own facts, each activity,
  each recommendation). Written in the transaction that adds the ledger rows the
  same events caused, so the facts never run ahead of, or behind, the deliveries.
- `routing_decision`: per learning event, the facts its routing looked at and its
  title (the same whichever follower wrote it first).
- `routing_history`: when each agency joined, subscribed or cancelled, by log
  position: what a scrutineer's "why (not)?" compares an event with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from adapters.envelope import Envelope
from adapters.routing_state import Decision, Facts, activity_key, keys_for
from adapters.sql import Cursor

FACTS = "routing_facts"
DECISIONS = "routing_decision"
HISTORY = "routing_history"


def create_tables(cur: Cursor) -> None:
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {FACTS} (
            follower TEXT NOT NULL, partnership_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (follower, partnership_id, key))"""
    )
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {DECISIONS} (
            event_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, position BIGINT NOT NULL,
            type TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL)"""
    )
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {HISTORY} (
            partnership_id TEXT NOT NULL, agency_id TEXT NOT NULL, position BIGINT NOT NULL,
            what TEXT NOT NULL, subscription TEXT,
            PRIMARY KEY (partnership_id, agency_id, position))"""
    )


def _load_keys(cur: Cursor, follower: str, facts: Facts, keys: set[str]) -> None:
    missing = sorted(k for k in keys if k not in facts.values)
    if not missing:
        return
    marks = ", ".join("?" * len(missing))
    cur.execute(
        f"SELECT key, value FROM {FACTS} WHERE follower = ? AND partnership_id = ? AND key IN ({marks})",
        [follower, facts.partnership_id, *missing],
    )
    for key, value in cur.fetchall():
        facts.values[str(key)] = json.loads(value)


def load(cur: Cursor, follower: str, envelopes: Sequence[Envelope]) -> dict[str, Facts]:
    """The facts these events read, per partnership, as the follower last saved them."""
    wanted: dict[str, set[str]] = {}
    for e in envelopes:
        wanted.setdefault(e.partnership_id, set()).update(keys_for(e))
    out: dict[str, Facts] = {}
    for partnership_id, keys in wanted.items():
        facts = out[partnership_id] = Facts(partnership_id)
        _load_keys(cur, follower, facts, keys)
        # A decided recommendation reads the activity its findings came from.
        referenced = {
            activity_key(v["activity_id"]) for k, v in facts.values.items() if k.startswith("recommendation:")
        }
        _load_keys(cur, follower, facts, referenced)
    return out


def save(cur: Cursor, follower: str, facts: Iterable[Facts]) -> None:
    rows = [
        (follower, f.partnership_id, key, json.dumps(f.values[key], sort_keys=True))
        for f in facts for key in sorted(f.dirty) if key in f.values
    ]
    if rows:
        cur.executemany(
            f"INSERT INTO {FACTS} (follower, partnership_id, key, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (follower, partnership_id, key) DO UPDATE SET value = excluded.value",
            rows,
        )
    history = [
        (f.partnership_id, h.agency_id, h.position, h.what, json.dumps(h.subscription) if h.subscription else None)
        for f in facts for h in f.history
    ]
    if history:
        cur.executemany(
            f"INSERT INTO {HISTORY} (partnership_id, agency_id, position, what, subscription)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (partnership_id, agency_id, position) DO NOTHING",
            history,
        )


def record_decisions(cur: Cursor, decisions: Sequence[Decision]) -> None:
    rows = [
        (
            str(d.envelope.event_id), d.envelope.partnership_id, d.envelope.position, d.envelope.type, d.title,
            json.dumps({**d.summary.model_dump(mode="json"), "forums": list(d.forums)}, sort_keys=True),
        )
        for d in decisions
    ]
    if rows:
        cur.executemany(
            f"INSERT INTO {DECISIONS} (event_id, partnership_id, position, type, title, summary)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
            rows,
        )


def decision(cur: Cursor, partnership_id: str, event_id: str) -> dict[str, Any] | None:
    cur.execute(
        f"SELECT position, type, title, summary FROM {DECISIONS} WHERE partnership_id = ? AND event_id = ?",
        (partnership_id, event_id),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return {"position": int(row[0]), "type": str(row[1]), "title": str(row[2]), "summary": json.loads(row[3])}


def standing(cur: Cursor, partnership_id: str, agency_id: str, before: int) -> tuple[bool, dict[str, Any] | None]:
    """Whether the agency had joined the partnership before this log position, and its
    subscription then (None if it had none)."""
    cur.execute(
        f"SELECT what, subscription FROM {HISTORY} WHERE partnership_id = ? AND agency_id = ? AND position < ?"
        " ORDER BY position",
        (partnership_id, agency_id, before),
    )
    joined, subscription = False, None
    for what, value in cur.fetchall():
        if what == "joined":
            joined = True
        elif what == "subscribed":
            subscription = json.loads(value)
        else:
            subscription = None
    return joined, subscription

