"""The delivery ledger: one row per (event, agency), which is also the agency's feed.

Inserting a row only if absent is what makes delivery exactly-once in effect:
the relay and Kafka may hand the same event over more than once, but an
agency gets one ledger row, and its feed topic one message, per event.
`sent` records that the row's message reached the agency's Kafka feed
topic. A row inserted by an earlier attempt and still not marked sent (a crash,
or a lost acknowledgement, in between) is uncertain: the message may be on the
feed already. The worker looks on the feed topic before sending it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from projections.db import ViewDb
from services.envelope import Envelope

LEDGER = "delivery_ledger"


class Ledger:
    def __init__(self, db: ViewDb) -> None:
        self.db = db
        self._conn: Any = db.connect()
        with db.transaction(self._conn) as cur:
            cur.execute(
                f"""CREATE TABLE IF NOT EXISTS {LEDGER} (
                    event_id TEXT NOT NULL,
                    agency_id TEXT NOT NULL,
                    partnership_id TEXT NOT NULL,
                    position BIGINT NOT NULL,
                    type TEXT NOT NULL,
                    envelope TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    sent INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (event_id, agency_id)
                )"""
            )
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {LEDGER}_feed ON {LEDGER} (partnership_id, agency_id, position)"
            )

    def record(self, envelope: Envelope, agencies: Iterable[str]) -> list[str]:
        """Adds the missing rows; returns the agencies whose message is still to be sent."""
        chosen = sorted(set(agencies))
        if not chosen:
            return []
        now = datetime.now(UTC).isoformat()
        body = envelope.model_dump_json()
        event_id = str(envelope.event_id)
        with self.db.transaction(self._conn) as cur:
            for agency in chosen:
                cur.execute(
                    f"INSERT INTO {LEDGER} (event_id, agency_id, partnership_id, position, type, envelope,"
                    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, agency_id) DO NOTHING",
                    (event_id, agency, envelope.partnership_id, envelope.position, envelope.type, body, now),
                )
            cur.execute(f"SELECT agency_id FROM {LEDGER} WHERE event_id = ? AND sent = 0", (event_id,))
            unsent = {row[0] for row in cur.fetchall()}
        return [a for a in chosen if a in unsent]

    def record_batch(self, planned: Sequence[tuple[Envelope, Iterable[str]]]) -> list[tuple[list[str], set[str]]]:
        """`record` for many envelopes (distinct events) in one transaction.

        Returns, per envelope, the agencies whose message is still to be sent and, of
        those, the ones whose row an earlier attempt had already inserted (uncertain:
        the message may be on the feed already).
        """
        chosen = [sorted(set(agencies)) for _, agencies in planned]
        event_ids = [str(envelope.event_id) for envelope, _ in planned]
        wanted = sorted({e for e, agencies in zip(event_ids, chosen, strict=True) if agencies})
        if not wanted:
            return [([], set()) for _ in planned]
        now = datetime.now(UTC).isoformat()
        rows = [
            (event_id, agency, envelope.partnership_id, envelope.position, envelope.type, envelope.model_dump_json(),
             now)
            for (envelope, _), event_id, agencies in zip(planned, event_ids, chosen, strict=True)
            for agency in agencies
        ]
        marks = ", ".join("?" * len(wanted))
        unsent_sql = f"SELECT event_id, agency_id FROM {LEDGER} WHERE event_id IN ({marks}) AND sent = 0"
        with self.db.transaction(self._conn) as cur:
            cur.execute(unsent_sql, wanted)
            earlier = {(str(e), str(a)) for e, a in cur.fetchall()}
            cur.executemany(
                f"INSERT INTO {LEDGER} (event_id, agency_id, partnership_id, position, type, envelope,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, agency_id) DO NOTHING",
                rows,
            )
            cur.execute(unsent_sql, wanted)
            unsent = {(str(e), str(a)) for e, a in cur.fetchall()}
        out: list[tuple[list[str], set[str]]] = []
        for event_id, agencies in zip(event_ids, chosen, strict=True):
            todo = [a for a in agencies if (event_id, a) in unsent]
            out.append((todo, {a for a in todo if (event_id, a) in earlier}))
        return out

    def unsent(self, event_id: str) -> set[str]:
        """Agencies whose row for this event exists but was not marked sent."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(f"SELECT agency_id FROM {LEDGER} WHERE event_id = ? AND sent = 0", (event_id,))
            return {row[0] for row in cur.fetchall()}

    def mark_sent(self, event_id: str, agency_id: str) -> None:
        with self.db.transaction(self._conn) as cur:
            cur.execute(f"UPDATE {LEDGER} SET sent = 1 WHERE event_id = ? AND agency_id = ?", (event_id, agency_id))

    def mark_sent_many(self, rows: Iterable[tuple[str, str]]) -> None:
        """Marks (event_id, agency_id) rows sent, in one transaction."""
        pairs = [(e, a) for e, a in rows]
        if not pairs:
            return
        with self.db.transaction(self._conn) as cur:
            cur.executemany(f"UPDATE {LEDGER} SET sent = 1 WHERE event_id = ? AND agency_id = ?", pairs)

    def recipients(self, event_id: str) -> set[str]:
        with self.db.transaction(self._conn) as cur:
            cur.execute(f"SELECT agency_id FROM {LEDGER} WHERE event_id = ?", (event_id,))
            return {row[0] for row in cur.fetchall()}

    def feed(self, partnership_id: str, agency_id: str, after: int = 0, limit: int = 100) -> list[Envelope]:
        """The agency's learning, oldest first, after log position `after`."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT envelope FROM {LEDGER} WHERE partnership_id = ? AND agency_id = ? AND position > ?"
                " ORDER BY position, event_id LIMIT ?",
                (partnership_id, agency_id, after, limit),
            )
            return [Envelope.model_validate_json(row[0]) for row in cur.fetchall()]

    def rows(self, partnership_id: str) -> list[tuple[str, str, int]]:
        """(event_id, agency_id, sent) for every row of a partnership."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT event_id, agency_id, sent FROM {LEDGER} WHERE partnership_id = ? ORDER BY position, agency_id",
                (partnership_id,),
            )
            return [(str(e), str(a), int(s)) for e, a, s in cur.fetchall()]

    def close(self) -> None:
        self._conn.close()
