"""When a person last looked at a page, kept per person so "new since your last visit" holds on
any device they sign in from.

A visit is a reader's mark, like a feed reader's "read" state: it records nothing about the
partnership's learning, so it is not an event, and it is not a view either (a view is rebuilt
from the events, and a rebuild would forget every visit). It lives in its own table in the event
store's database, beside the delivery ledger it is read against, and nothing else reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from adapters.sql import ViewDb

TABLE = "page_visits"


@dataclass(frozen=True)
class Visit:
    position: int
    """The newest log position the page showed then: what came after it is new."""
    at: datetime


class PageVisits:
    """Opened per request and closed after it: a visit is one short transaction."""

    def __init__(self, db: ViewDb) -> None:
        self.db = db
        self._conn = db.connect()
        with db.transaction(self._conn) as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (partnership_id TEXT NOT NULL, subject TEXT NOT NULL,"
                " page TEXT NOT NULL, position BIGINT NOT NULL, visited_at TEXT NOT NULL,"
                " PRIMARY KEY (partnership_id, subject, page))"
            )

    def record(self, partnership_id: str, subject: str, page: str, position: int, at: datetime) -> Visit | None:
        """Records this visit and answers the one before it (None on a first visit). The position
        kept never goes back: a page read while the feed was behind does not make old items new."""
        with self.db.transaction(self._conn) as cur:
            cur.execute(
                f"SELECT position, visited_at FROM {TABLE} WHERE partnership_id = ? AND subject = ? AND page = ?",
                (partnership_id, subject, page),
            )
            row = cur.fetchone()
            previous = Visit(int(row[0]), datetime.fromisoformat(str(row[1]))) if row else None
            kept = max(position, previous.position) if previous else position
            cur.execute(
                f"INSERT INTO {TABLE} (partnership_id, subject, page, position, visited_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (partnership_id, subject, page) DO UPDATE SET position = ?, visited_at = ?",
                (partnership_id, subject, page, kept, at.isoformat(), kept, at.isoformat()),
            )
        return previous

    def close(self) -> None:
        self._conn.close()
