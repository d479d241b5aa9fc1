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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters import routing_facts
from adapters.envelope import Envelope
from adapters.routing_state import Decision
from adapters.sealed_text import MARK, open_all, open_in_text
from adapters.sql import ViewDb
from adapters.text_keys import TextKeys
from domain.redaction import TextRedacted
from domain.routing import LEARNING_TOPICS

LEDGER = "delivery_ledger"
REDACTED = TextRedacted.TOPIC
CORRECTS_RULE = "it corrects an entry you received"
CORRECTS_TITLE = "Text corrected in an entry you received"
_INSERT = (
    f"INSERT INTO {LEDGER} (event_id, agency_id, partnership_id, position, type, envelope, recorded_at, rule, title)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, agency_id) DO NOTHING"
)


@dataclass(frozen=True)
class Entry:
    """One row of an agency's feed."""

    envelope: Envelope
    title: str
    rule: str


def opened(envelope: Envelope, keys: TextKeys) -> Envelope:
    """The envelope with its free text opened (it is kept sealed, adapters/envelope.py): the text
    under its key, or, once redacted, the correction."""
    raw = envelope.to_json()
    return envelope if MARK not in raw else Envelope.from_json(open_all(raw, keys))


def opened_entry(entry: Entry, keys: TextKeys) -> Entry:
    """A feed entry as shown: its envelope and its title opened."""
    return Entry(opened(entry.envelope, keys), open_in_text(entry.title, keys), entry.rule)


@dataclass(frozen=True)
class Routed:
    """What a batch's routing left to do for one event."""

    envelope: Envelope
    agencies: list[str]
    """The agencies whose message is still to be sent."""
    uncertain: set[str]
    """Those of them whose row an earlier attempt had inserted: the message may be on the feed already."""


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
                    rule TEXT NOT NULL DEFAULT '',
                    title TEXT NOT NULL DEFAULT '',
                    PRIMARY KEY (event_id, agency_id)
                )"""
            )
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {LEDGER}_feed ON {LEDGER} (partnership_id, agency_id, position)"
            )
            routing_facts.create_tables(cur)
        self._add_columns()

    def _add_columns(self) -> None:
        """A ledger made before rows said why and what (rule, title) gets the columns."""
        try:
            with self.db.transaction(self._conn) as cur:
                cur.execute(f"SELECT rule, title FROM {LEDGER} WHERE 1 = 0")
        except Exception:
            with self.db.transaction(self._conn) as cur:
                cur.execute(f"ALTER TABLE {LEDGER} ADD COLUMN rule TEXT NOT NULL DEFAULT ''")
                cur.execute(f"ALTER TABLE {LEDGER} ADD COLUMN title TEXT NOT NULL DEFAULT ''")

    def route_batch(self, follower: str, envelopes: Sequence[Envelope]) -> list[Routed]:
        """Routes a batch of events (distinct, in log order per partnership) as at each one's
        position, and records the ledger rows and the follower's routing facts together.

        Each event is folded into the follower's facts of its partnership
        (adapters.routing_state); a learning event gets its rows with the rule that chose
        each agency and the entry's title. A redaction (`TextRedacted`) gets a row for each
        agency that received the event it corrects, so the agencies' webhooks and feed topics
        that had the original are sent the correction. An event the facts had passed (a
        redelivery or a replay) is not routed again: its rows are those recorded when it was.
        """
        now = datetime.now(UTC).isoformat()
        learning = sorted({str(e.event_id) for e in envelopes if e.type in LEARNING_TOPICS or e.type == REDACTED})
        marks = ", ".join("?" * len(learning))
        unsent_sql = f"SELECT event_id, agency_id FROM {LEDGER} WHERE event_id IN ({marks}) AND sent = 0"
        with self.db.transaction(self._conn) as cur:
            facts = routing_facts.load(cur, follower, envelopes)
            decisions: list[Decision] = []
            corrections: list[Envelope] = []
            for e in envelopes:
                if e.type == REDACTED and e.position > facts[e.partnership_id].position:
                    corrections.append(e)
                if (decided := facts[e.partnership_id].apply(e)) is not None:
                    decisions.append(decided)
            earlier: set[tuple[str, str]] = set()
            if learning:
                cur.execute(unsent_sql, learning)
                earlier = {(str(e), str(a)) for e, a in cur.fetchall()}
            rows = [
                (str(d.envelope.event_id), agency, d.envelope.partnership_id, d.envelope.position, d.envelope.type,
                 d.envelope.model_dump_json(), now, rule, d.title)
                for d in decisions for agency, rule in sorted(d.recipients.items())
            ]
            if rows:
                cur.executemany(_INSERT, rows)
            # After the rows above: a redaction reaches who received the event it corrects,
            # also when that event was routed in this same batch.
            corrected = [
                (str(e.event_id), agency, e.partnership_id, e.position, e.type, e.model_dump_json(), now,
                 CORRECTS_RULE, CORRECTS_TITLE)
                for e in corrections for agency in sorted(self._received(cur, e))
            ]
            if corrected:
                cur.executemany(_INSERT, corrected)
            routing_facts.record_decisions(cur, decisions)
            routing_facts.save(cur, follower, facts.values())
            unsent: set[tuple[str, str]] = set()
            if learning:
                cur.execute(unsent_sql, learning)
                unsent = {(str(e), str(a)) for e, a in cur.fetchall()}
        out = []
        for e in envelopes:
            event_id = str(e.event_id)
            todo = sorted(a for ev, a in unsent if ev == event_id)
            out.append(Routed(e, todo, {a for a in todo if (event_id, a) in earlier}))
        return out

    def _received(self, cur: Any, redaction: Envelope) -> set[str]:
        """The agencies that received the event a redaction corrects (its aggregate and version)."""
        p = redaction.payload
        aggregate, version = str(p["aggregate_id"]), int(p["version"])
        cur.execute(
            f"SELECT agency_id, envelope FROM {LEDGER} WHERE partnership_id = ? AND type = ? AND envelope LIKE ?",
            (redaction.partnership_id, str(p.get("event_topic", "")), f"%{aggregate}%"),
        )
        received = set()
        for agency, kept in cur.fetchall():
            e = Envelope.model_validate_json(kept)
            if str(e.aggregate_id) == aggregate and e.aggregate_version == version:
                received.add(str(agency))
        return received

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

    def newest(self, partnership_id: str, agency_id: str, before: int | None, after: int, limit: int) -> list[Entry]:
        """The agency's entries newest first: those before log position `before` (all if
        None) and after `after`."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT envelope, title, rule FROM {LEDGER} WHERE partnership_id = ? AND agency_id = ?"
                " AND position > ? AND position < ? ORDER BY position DESC, event_id DESC LIMIT ?",
                (partnership_id, agency_id, after, 2**63 - 1 if before is None else before, limit),
            )
            return [_entry(row) for row in cur.fetchall()]

    def count(self, partnership_id: str, agency_id: str) -> int:
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT COUNT(*) FROM {LEDGER} WHERE partnership_id = ? AND agency_id = ?", (partnership_id, agency_id)
            )
            return int(cur.fetchone()[0])

    def archive(self, partnership_id: str, agency_id: str, page: int, size: int) -> list[Entry]:
        """The agency's entries numbered page*size to (page+1)*size - 1, oldest first
        (entries are numbered from the oldest: rows are added in log order, so a full
        page never changes)."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT envelope, title, rule FROM {LEDGER} WHERE partnership_id = ? AND agency_id = ?"
                " ORDER BY position, event_id LIMIT ? OFFSET ?",
                (partnership_id, agency_id, size, page * size),
            )
            return [_entry(row) for row in cur.fetchall()]

    def entry(self, partnership_id: str, agency_id: str, event_id: str) -> Entry | None:
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT envelope, title, rule FROM {LEDGER} WHERE partnership_id = ? AND agency_id = ?"
                " AND event_id = ?",
                (partnership_id, agency_id, event_id),
            )
            row = cur.fetchone()
        return _entry(row) if row else None

    def deliveries(self, partnership_id: str, event_id: str) -> list[tuple[str, str, bool]]:
        """(agency_id, rule, sent) for each delivery of an event."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT agency_id, rule, sent FROM {LEDGER} WHERE partnership_id = ? AND event_id = ?"
                " ORDER BY agency_id",
                (partnership_id, event_id),
            )
            return [(str(a), str(r), bool(s)) for a, r, s in cur.fetchall()]

    def explanation(self, partnership_id: str, event_id: str, agency_id: str | None) -> dict[str, Any] | None:
        """What routing an event looked at, and, for one agency, its standing then."""
        with self.db.transaction(self._conn) as cur:
            decided = routing_facts.decision(cur, partnership_id, event_id)
            if decided is None or agency_id is None:
                return decided
            joined, subscription = routing_facts.standing(cur, partnership_id, agency_id, decided["position"])
        return {**decided, "joined": joined, "subscription": subscription}

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


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(Envelope.model_validate_json(row[0]), str(row[1]), str(row[2]))
