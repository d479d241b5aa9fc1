"""The search view: the words of findings, recommendations, actions and activities' titles.

The shape of the eventsourcing library's searchable-content example, as a projection: a
table of documents (one per thing found, its current text) and a full-text index over it,
kept by the view's handlers as events arrive and rebuilt, like every view, from the log.

- SQLite (the embedded default): FTS5 over the documents as its external content
  (`search_fts`, Porter stemming), kept in step by triggers on `search_docs`; ranked by bm25.
  The index holds each word prefixed by its partnership's letters (`scoped`: `indexed`, the
  body's words each behind `scope_prefix`), and a query asks for its words so prefixed, so a
  word's entries in the index are its partnership's alone: a search reads what its partnership
  holds, however many partnerships share the store. (Before, one extra word per document stood
  for its partnership, ANDed with the query's: FTS5 still walked every partnership's entries of
  the query's words, and a search slowed as the store grew.) The prefix is consonants only, so
  Porter's stemmer, which counts a word's vowel-consonant runs, stems the word as it would alone;
  snippets are read from `indexed` with the prefix taken out.
- PostgreSQL: a stored `tsvector` column (English configuration, and the partnership's word
  as on SQLite, so the GIN index narrows to the partnership) with a GIN index; ranked
  by `ts_rank_cd` over the log of the document's length (as bm25, a word in a short text
  weighs more than in a long one), snippets by `ts_headline`.

A document's id is its entity's id (findings have their own ids). Who may see it: an
agency the documents of `search_agencies` (recommendations addressed to it, actions it
owns); a forum's secretary the documents of kinds routed to its forum (`search_routing`,
dissemination or sign-off, as the per-record reads allow).

Text a later event corrects is written again: an amended finding replaces its summary, a
withdrawn one leaves the index, and a redaction (`TextRedacted`) puts its corrected text in
place of the words it takes back (`correct_text`); on SQLite the projector then merges the
index (projections/redactions.py `scrub_after`), so the old words leave its segments too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from adapters.sql import Cursor, Dialect
from domain import activity as ev
from domain import findings as fnd
from domain import partnership as pev
from domain.action import ActionAgreed
from domain.recommendation import RecommendationMade
from domain.redaction import TextRedacted
from projections.codecs import ident
from projections.view import View, handles
from projections.writes import Writes

DOCS = "search_docs"
FTS = "search_fts"
AGENCIES = "search_agencies"
ROUTING = "search_routing"

KINDS = ("activity", "finding", "recommendation", "action")
MARK_START, MARK_END = "[", "]"
"""Around each matched word in a snippet."""

_COLUMNS = ("doc_id TEXT NOT NULL UNIQUE, partnership_id TEXT NOT NULL, kind TEXT NOT NULL,"
            " activity_id TEXT NOT NULL, source_kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,"
            " scope TEXT NOT NULL, indexed TEXT NOT NULL DEFAULT ''")
_CONSONANTS = "bcdfghjklmnpqrstvwxz"
"""No vowel and no `y`: a prefix of these leaves Porter's measure of the word after it unchanged."""
TOKEN = re.compile(r"[^\W_]+")
"""A word as FTS5's unicode61 tokenizer cuts text (letters and digits; `_` separates)."""


@lru_cache(maxsize=1024)  # a rebuild asks for every document; a store holds few partnerships
def scope_token(partnership_id: str) -> str:
    """One word standing for the partnership in the SQLite index, so a match is narrowed to
    the partnership inside FTS5 (ranking only its documents), not after ranking everyone's."""
    return "p" + hashlib.sha256(partnership_id.encode()).hexdigest()[:24]


@lru_cache(maxsize=1024)
def scope_prefix(partnership_id: str) -> str:
    """The letters before each of the partnership's words in the SQLite index: 14 consonants
    from a hash of its id (20^14 kinds, so two partnerships do not share them)."""
    n = int.from_bytes(hashlib.sha256(partnership_id.encode()).digest()[:9], "big")
    letters = []
    for _ in range(14):
        n, r = divmod(n, len(_CONSONANTS))
        letters.append(_CONSONANTS[r])
    return "".join(letters)


def scoped(partnership_id: str, text: str) -> str:
    """`text` with each word behind the partnership's prefix: what the SQLite index holds."""
    # A template, which `re` applies in C (a prefix holds consonants only, nothing it would read).
    return TOKEN.sub(scope_prefix(partnership_id) + r"\g<0>", text)


_SQLITE = (
    f"CREATE TABLE IF NOT EXISTS {DOCS} (seq INTEGER PRIMARY KEY, {_COLUMNS})",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(indexed, content='{DOCS}', content_rowid='seq',"
    " tokenize='porter unicode61')",
)
_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS {DOCS}_ai AFTER INSERT ON {DOCS} BEGIN"
    f" INSERT INTO {FTS} (rowid, indexed) VALUES (new.seq, new.indexed); END",
    f"CREATE TRIGGER IF NOT EXISTS {DOCS}_ad AFTER DELETE ON {DOCS} BEGIN"
    f" INSERT INTO {FTS} ({FTS}, rowid, indexed) VALUES ('delete', old.seq, old.indexed); END",
    f"CREATE TRIGGER IF NOT EXISTS {DOCS}_au AFTER UPDATE OF indexed ON {DOCS} BEGIN"
    f" INSERT INTO {FTS} ({FTS}, rowid, indexed) VALUES ('delete', old.seq, old.indexed);"
    f" INSERT INTO {FTS} (rowid, indexed) VALUES (new.seq, new.indexed); END",
)
_SQLITE_REINDEX = f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')"
"""FTS5 reads every document of its content table again: the index built once, not row by row."""

_POSTGRES_GIN = f"CREATE INDEX IF NOT EXISTS {DOCS}_document ON {DOCS} USING GIN (document)"
_POSTGRES = (
    f"CREATE TABLE IF NOT EXISTS {DOCS} (seq BIGINT NOT NULL, {_COLUMNS},"
    " document tsvector GENERATED ALWAYS AS (to_tsvector('english', body) || to_tsvector('simple', scope)) STORED)",
    _POSTGRES_GIN,
)

_COMMON = (
    f"CREATE INDEX IF NOT EXISTS {DOCS}_activity ON {DOCS} (activity_id)",
    f"""CREATE TABLE IF NOT EXISTS {AGENCIES} (doc_id TEXT NOT NULL, agency_id TEXT NOT NULL,
        partnership_id TEXT NOT NULL, PRIMARY KEY (doc_id, agency_id))""",
    f"""CREATE TABLE IF NOT EXISTS {ROUTING} (partnership_id TEXT NOT NULL, source_kind TEXT NOT NULL,
        forum_id TEXT NOT NULL, PRIMARY KEY (partnership_id, source_kind, forum_id))""",
)


class SearchView(View):
    name = "search"
    tables = (DOCS, AGENCIES, ROUTING)

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {FTS}")  # SQLite's index (and its shadow tables), before its content
        super().drop(cur)

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        unindexed = False
        if dialect == "sqlite":
            self._scope_old_index(cur)
            # Without its triggers a rebuild died loading the documents (`bulk_load`): index them.
            cur.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?", (f"{DOCS}_ai",))
            unindexed = cur.fetchone()[0] == 0
        else:
            cur.execute(f"ALTER TABLE IF EXISTS {DOCS} ADD COLUMN IF NOT EXISTS indexed TEXT NOT NULL DEFAULT ''")
        for statement in (*(_SQLITE + _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES), *_COMMON):
            cur.execute(statement)
        if unindexed:
            cur.execute(_SQLITE_REINDEX)

    @staticmethod
    def _scope_old_index(cur: Cursor) -> None:
        """A store whose index predates the scoped words: its documents' words scoped, its index
        and triggers dropped (`create` then indexes the documents again)."""
        cur.execute(f"PRAGMA table_info({DOCS})")
        columns = {row[1] for row in cur.fetchall()}
        if not columns or "indexed" in columns:
            return
        cur.execute(f"DROP TABLE IF EXISTS {FTS}")
        for trigger in ("ai", "ad", "au"):
            cur.execute(f"DROP TRIGGER IF EXISTS {DOCS}_{trigger}")
        cur.execute(f"ALTER TABLE {DOCS} ADD COLUMN indexed TEXT NOT NULL DEFAULT ''")
        cur.execute(f"SELECT seq, partnership_id, body FROM {DOCS}")
        rows = [(scoped(p, body), seq) for seq, p, body in cur.fetchall()]
        if rows:
            cur.executemany(f"UPDATE {DOCS} SET indexed = ? WHERE seq = ?", rows)

    def bulk_load(self, cur: Cursor, dialect: Dialect) -> list[str]:
        """The full-text index is built once after the documents are loaded, not row by row:
        on SQLite without the triggers that keep FTS5 in step, on PostgreSQL without the GIN index."""
        if dialect == "sqlite":
            for trigger in ("ai", "ad", "au"):
                cur.execute(f"DROP TRIGGER IF EXISTS {DOCS}_{trigger}")
            return [*_SQLITE_TRIGGERS, _SQLITE_REINDEX]
        cur.execute(f"DROP INDEX IF EXISTS {DOCS}_document")
        return [_POSTGRES_GIN]

    def _put(self, w: Writes, doc_id: UUID, e: Any, position: int, kind: str, activity_id: UUID, source_kind: str,
             title: str, body: str, agencies: Sequence[str] = ()) -> None:
        # `seq` (the index's row id) is the log position of the event that made the document:
        # the same however the events were applied (in order, in a rebuild, after a retry).
        w.write(
            DOCS, doc_id,
            f"INSERT INTO {DOCS} (seq, doc_id, partnership_id, kind, activity_id, source_kind, title, body, scope,"
            " indexed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (doc_id) DO UPDATE SET body = excluded.body, indexed = excluded.indexed",
            (position, ident(doc_id), e.partnership_id, kind, ident(activity_id), source_kind, title, body,
             scope_token(e.partnership_id), scoped(e.partnership_id, body)),
        )
        w.write(
            AGENCIES, doc_id,
            f"INSERT INTO {AGENCIES} (doc_id, agency_id, partnership_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            *((ident(doc_id), agency, e.partnership_id) for agency in dict.fromkeys(agencies)),
        )

    def _activity(self, w: Writes, activity_id: UUID) -> tuple[str, str]:
        """(source kind, title) of an activity, from its own document."""
        row = w.one(DOCS, activity_id, f"SELECT source_kind, title FROM {DOCS} WHERE doc_id = ?",
                    (ident(activity_id),), "source_kind, title")
        return (str(row[0]), str(row[1])) if row else ("", "")

    @handles(pev.RoutingSet)
    def _routing(self, w: Writes, e: pev.RoutingSet, position: int) -> None:
        key = (e.partnership_id, e.source_kind.value)
        w.write(ROUTING, key, f"DELETE FROM {ROUTING} WHERE partnership_id = ? AND source_kind = ?", key)
        forums = dict.fromkeys([*e.points_of_dissemination, e.sign_off_forum])
        w.write(ROUTING, key, f"INSERT INTO {ROUTING} (partnership_id, source_kind, forum_id) VALUES (?, ?, ?)",
                *((*key, forum) for forum in forums if forum))

    @handles(ev.ActivityOpened)
    def _opened(self, w: Writes, e: ev.ActivityOpened, position: int) -> None:
        self._put(w, e.originator_id, e, position, "activity", e.originator_id, e.kind.value, e.title, e.title)
        w.know(DOCS, e.originator_id, "source_kind, title", (e.kind.value, e.title))

    @handles(ev.FindingRecorded)
    def _finding(self, w: Writes, e: ev.FindingRecorded, position: int) -> None:
        kind, title = self._activity(w, e.originator_id)
        self._put(w, e.finding_id, e, position, "finding", e.originator_id, kind, title, e.summary)

    @handles(fnd.FindingAmended)
    def _amended(self, w: Writes, e: fnd.FindingAmended, position: int) -> None:
        self.correct_text(w, e.finding_id, e.summary)

    @handles(fnd.FindingWithdrawn)
    def _withdrawn(self, w: Writes, e: fnd.FindingWithdrawn, position: int) -> None:
        # A withdrawn finding no longer counts: it is not found (its history keeps it).
        w.write(DOCS, e.finding_id, f"DELETE FROM {DOCS} WHERE doc_id = ?", (ident(e.finding_id),))

    @handles(RecommendationMade)
    def _recommendation(self, w: Writes, e: RecommendationMade, position: int) -> None:
        kind, title = self._activity(w, e.activity_id)
        self._put(w, e.originator_id, e, position, "recommendation", e.activity_id, kind, title, e.text,
                  e.addressed_to)

    @handles(ActionAgreed)
    def _action(self, w: Writes, e: ActionAgreed, position: int) -> None:
        kind, title = self._activity(w, e.activity_id)
        self._put(w, e.originator_id, e, position, "action", e.activity_id, kind, title, e.description,
                  [e.owner_agency_id])

    @handles(TextRedacted)
    def _redacted(self, w: Writes, e: TextRedacted, position: int) -> None:
        by = _REDACTABLE.get((e.event_topic, e.field))
        if by == "aggregate":
            self.correct_text(w, e.aggregate_id, e.text)
        elif by == "entity" and e.entity_id:
            self.correct_text(w, UUID(e.entity_id), e.text)
        w.forget()  # the activities' titles kept by `know` may be the old text

    def correct_text(self, w: Writes, entity_id: UUID, text: str) -> None:
        """Indexes `text` in place of the entity's words (the old words are no longer found):
        the corrected text of an activity's title, a finding's summary, a recommendation's
        text or an action's description."""
        row = w.one(DOCS, entity_id, f"SELECT kind, partnership_id FROM {DOCS} WHERE doc_id = ?", (ident(entity_id),))
        if row is None:
            return
        w.write(DOCS, entity_id, f"UPDATE {DOCS} SET body = ?, indexed = ? WHERE doc_id = ?",
                (text, scoped(str(row[1]), text), ident(entity_id)))
        if row[0] == "activity":  # its title is the title its findings, recommendations and actions show
            w.execute(f"UPDATE {DOCS} SET title = ? WHERE activity_id = ?", (text, ident(entity_id)))


_REDACTABLE: dict[tuple[str, str], str] = {
    (ev.ActivityOpened.TOPIC, "title"): "aggregate",
    (ev.FindingRecorded.TOPIC, "summary"): "entity",
    (fnd.FindingAmended.TOPIC, "summary"): "entity",
    (RecommendationMade.TOPIC, "text"): "aggregate",
    (ActionAgreed.TOPIC, "description"): "aggregate",
}
"""The texts the index holds, by (event topic, field): whose document a redaction of it corrects."""


# --- reading -------------------------------------------------------------------------------------

WORD = re.compile(r"\w+")


def words(query: str) -> list[str]:
    """The words of a query, as both engines match them (every word must be found)."""
    return WORD.findall(query)


@dataclass(frozen=True)
class SearchScope:
    """Whose search it is: an agency's or a forum's, or (neither) the whole partnership's."""

    agency: str | None = None
    forum: str | None = None


def search(
    cur: Cursor, dialect: Dialect, partnership_id: str, query: str, scope: SearchScope,
    kind: str | None = None, offset: int = 0, limit: int = 20,
) -> tuple[list[dict[str, Any]], bool]:
    """The partnership's documents holding every word of `query`, best first; and whether more follow."""
    found = words(query)
    if not found:
        return [], False
    where = ["d.partnership_id = ?"]
    params: list[Any] = [partnership_id]
    if kind:
        where.append("d.kind = ?")
        params.append(kind)
    if scope.agency:
        where.append(f"EXISTS (SELECT 1 FROM {AGENCIES} g WHERE g.doc_id = d.doc_id AND g.agency_id = ?)")
        params.append(scope.agency)
    if scope.forum:
        where.append(f"EXISTS (SELECT 1 FROM {ROUTING} r WHERE r.partnership_id = d.partnership_id"
                     " AND r.source_kind = d.source_kind AND r.forum_id = ?)")
        params.append(scope.forum)
    columns = "d.kind, d.doc_id, d.activity_id, d.title"
    prefix = ""
    if dialect == "sqlite":
        # Each word as the tokenizer cuts it, behind the partnership's prefix: only its entries are read.
        prefix = scope_prefix(partnership_id)
        tokens = TOKEN.findall(query)
        if not tokens:
            return [], False
        match = " ".join(f'"{prefix}{t}"' for t in tokens)
        sql = (f"SELECT {columns}, snippet({FTS}, 0, ?, ?, '…', 16), -bm25({FTS}) AS score"
               f" FROM {FTS} JOIN {DOCS} d ON d.seq = {FTS}.rowid WHERE {FTS} MATCH ? AND {' AND '.join(where)}"
               " ORDER BY score DESC, d.doc_id LIMIT ? OFFSET ?")
        cur.execute(sql, [MARK_START, MARK_END, match, *params, limit + 1, offset])
    else:
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, HighlightAll=false"
        sql = (f"SELECT {columns}, ts_headline('english', d.body, q, ?), ts_rank_cd(d.document, q, 1) AS score"
               f" FROM {DOCS} d, plainto_tsquery('english', ?) q, to_tsquery('simple', ?) s"
               # Words that are all stop words make an empty query: it must find nothing, not the scope.
               f" WHERE numnode(q) > 0 AND d.document @@ (q && s) AND {' AND '.join(where)}"
               " ORDER BY score DESC, d.doc_id LIMIT ? OFFSET ?")
        cur.execute(sql, [options, " ".join(found), scope_token(partnership_id), *params, limit + 1, offset])
    rows = cur.fetchall()
    hits = [
        {"kind": k, "id": doc_id, "activity_id": activity_id, "title": title,
         "snippet": snippet.replace(prefix, "") if prefix and snippet else snippet,
         "score": round(float(score), 6)}
        for k, doc_id, activity_id, title, snippet, score in rows[:limit]
    ]
    return hits, len(rows) > limit
