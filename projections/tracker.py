"""The action tracker: every action, whose it is, when it is due, and its RAG rating.

The rows keep only facts (due date, status, whether the last progress note
said "on track"); the RAG rating depends on the day it is read, so it is
computed when queried, by `rag()`, and never goes stale. Forums come from the
partnership's routing for the activity's kind, themes from the findings behind
the recommendation; the view follows those events in tables of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from adapters.sql import Cursor, Dialect, ViewDb
from domain.action import (
    ActionAgreed,
    ActionCompleted,
    ActionImpactAssured,
    ActionProgressNoted,
    ActionReopened,
    ActionRescheduled,
)
from domain.activity import ActivityOpened, FindingRecorded
from domain.events import DomainEvent
from domain.findings import FindingAmended, FindingWithdrawn
from domain.partnership import RoutingSet, partnership_uuid
from domain.recommendation import RecommendationMade
from projections import codecs, redactions
from projections.codecs import ident
from projections.redactions import CorrectsText
from projections.view import View, handles
from projections.writes import Writes

AMBER_WINDOW_DAYS = 14
Rag = Literal["red", "amber", "green", "blue", "completed"]
RAGS: tuple[str, ...] = ("red", "amber", "green", "blue", "completed")
STATUSES: tuple[str, ...] = ("open", "completed", "assured")


def rag(status: str, due_on: date, on_track: bool, today: date) -> Rag:
    """Red: open and overdue. Amber: open and due within 14 days, or last reported
    off track. Green: open and on track. Blue: completed and impact assured.
    A completed action awaiting assurance is rated "completed", apart from the colours."""
    if status == "assured":
        return "blue"
    if status == "completed":
        return "completed"
    if due_on < today:
        return "red"
    if due_on <= today + timedelta(days=AMBER_WINDOW_DAYS) or not on_track:
        return "amber"
    return "green"


def rag_condition(value: str, today: date) -> tuple[str, list[Any]]:
    """The SQL equivalent of `rag(...) == value`, so a filter uses the indexes."""
    t, window = today.isoformat(), (today + timedelta(days=AMBER_WINDOW_DAYS)).isoformat()
    conditions: dict[str, tuple[str, list[Any]]] = {
        "red": ("a.status = 'open' AND a.due_on < ?", [t]),
        "amber": ("a.status = 'open' AND a.due_on >= ? AND (a.due_on <= ? OR a.on_track = 0)", [t, window]),
        "green": ("a.status = 'open' AND a.due_on > ? AND a.on_track = 1", [window]),
        "blue": ("a.status = 'assured'", []),
        "completed": ("a.status = 'completed'", []),
    }
    return conditions[value]


ACTIONS = "tracker_actions"
ACTION_THEMES = "tracker_action_themes"
ACTIVITIES = "tracker_activities"
FINDINGS = "tracker_findings"
RECOMMENDATIONS = "tracker_recommendations"
ROUTING = "tracker_routing"

_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {ACTIONS} (
        action_id TEXT PRIMARY KEY,
        partnership_id TEXT NOT NULL,
        recommendation_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        source_kind TEXT NOT NULL,
        activity_title TEXT NOT NULL,
        owner_agency_id TEXT NOT NULL,
        description TEXT NOT NULL,
        due_on TEXT NOT NULL,
        status TEXT NOT NULL,
        on_track INTEGER NOT NULL,
        themes TEXT NOT NULL,
        agreed_at TEXT NOT NULL,
        completed_on TEXT,
        assured_on TEXT,
        reopened INTEGER NOT NULL,
        version INTEGER NOT NULL,
        position BIGINT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {ACTIONS}_due ON {ACTIONS} (partnership_id, due_on)",
    f"CREATE INDEX IF NOT EXISTS {ACTIONS}_owner ON {ACTIONS} (partnership_id, owner_agency_id, due_on)",
    f"CREATE INDEX IF NOT EXISTS {ACTIONS}_kind ON {ACTIONS} (partnership_id, source_kind, due_on)",
    f"CREATE INDEX IF NOT EXISTS {ACTIONS}_status ON {ACTIONS} (partnership_id, status, due_on)",
    f"""CREATE TABLE IF NOT EXISTS {ACTION_THEMES} (
        action_id TEXT NOT NULL,
        theme TEXT NOT NULL,
        partnership_id TEXT NOT NULL,
        PRIMARY KEY (action_id, theme)
    )""",
    f"CREATE INDEX IF NOT EXISTS {ACTION_THEMES}_theme ON {ACTION_THEMES} (partnership_id, theme)",
    f"""CREATE TABLE IF NOT EXISTS {ACTIVITIES} (
        activity_id TEXT PRIMARY KEY,
        partnership_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {ACTIVITIES}_partnership ON {ACTIVITIES} (partnership_id)",
    f"""CREATE TABLE IF NOT EXISTS {FINDINGS} (
        finding_id TEXT PRIMARY KEY,
        activity_id TEXT NOT NULL,
        themes TEXT NOT NULL
    )""",
    f"""CREATE TABLE IF NOT EXISTS {RECOMMENDATIONS} (
        recommendation_id TEXT PRIMARY KEY,
        partnership_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        themes TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {RECOMMENDATIONS}_partnership ON {RECOMMENDATIONS} (partnership_id)",
    f"""CREATE TABLE IF NOT EXISTS {ROUTING} (
        partnership_id TEXT NOT NULL,
        source_kind TEXT NOT NULL,
        seq INTEGER NOT NULL,
        forum_id TEXT NOT NULL,
        PRIMARY KEY (partnership_id, source_kind, seq)
    )""",
    f"CREATE INDEX IF NOT EXISTS {ROUTING}_forum ON {ROUTING} (partnership_id, forum_id, source_kind)",
)


def _set_routing(w: Writes, partnership_id: str, kind: str, forums: Sequence[str]) -> None:
    key = (partnership_id, kind)
    w.write(ROUTING, key, f"DELETE FROM {ROUTING} WHERE partnership_id = ? AND source_kind = ?", key)
    w.write(
        ROUTING, key, f"INSERT INTO {ROUTING} (partnership_id, source_kind, seq, forum_id) VALUES (?, ?, ?, ?)",
        *((partnership_id, kind, seq, forum_id) for seq, forum_id in enumerate(dict.fromkeys(forums))),
    )


class TrackerView(CorrectsText, View):
    corrections = redactions.TRACKER
    name = "tracker"
    tables = (ACTIONS, ACTION_THEMES, ACTIVITIES, FINDINGS, RECOMMENDATIONS, ROUTING)

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        for statement in _SCHEMA:
            cur.execute(statement)

    # Routing is the partnership's RoutingSet events alone (registration with the
    # framework's defaults records one per kind): an unrouted kind is at no forum.
    @handles(RoutingSet)
    def _routing_set(self, w: Writes, event: RoutingSet, position: int) -> None:
        _set_routing(w, event.partnership_id, event.source_kind.value, event.points_of_dissemination)

    @handles(ActivityOpened)
    def _opened(self, w: Writes, event: ActivityOpened, position: int) -> None:
        w.write(
            ACTIVITIES, event.originator_id,
            f"INSERT INTO {ACTIVITIES} (activity_id, partnership_id, kind, title) VALUES (?, ?, ?, ?)",
            (ident(event.originator_id), event.partnership_id, event.kind.value, event.title),
        )
        w.know(ACTIVITIES, event.originator_id, "kind, title", (event.kind.value, event.title))

    @handles(FindingRecorded)
    def _finding(self, w: Writes, event: FindingRecorded, position: int) -> None:
        w.write(
            FINDINGS, event.finding_id,
            f"INSERT INTO {FINDINGS} (finding_id, activity_id, themes) VALUES (?, ?, ?)",
            (ident(event.finding_id), ident(event.originator_id),
             themes := codecs.items(t.value for t in event.themes)),
        )
        w.know(FINDINGS, event.finding_id, "themes", (themes,))

    @handles(FindingAmended)
    def _finding_amended(self, w: Writes, event: FindingAmended, position: int) -> None:
        # Recommendations made earlier keep the themes they were made with.
        w.write(
            FINDINGS, event.finding_id,
            f"UPDATE {FINDINGS} SET themes = ? WHERE finding_id = ?",
            (themes := codecs.items(t.value for t in event.themes), ident(event.finding_id)),
        )
        w.know(FINDINGS, event.finding_id, "themes", (themes,))

    @handles(FindingWithdrawn)
    def _finding_withdrawn(self, w: Writes, event: FindingWithdrawn, position: int) -> None:
        w.write(FINDINGS, event.finding_id, f"DELETE FROM {FINDINGS} WHERE finding_id = ?", (ident(event.finding_id),))

    @handles(RecommendationMade)
    def _recommendation(self, w: Writes, event: RecommendationMade, position: int) -> None:
        themes: list[str] = []
        for finding_id in event.finding_ids:
            sql = f"SELECT themes FROM {FINDINGS} WHERE finding_id = ?"
            row = w.one(FINDINGS, finding_id, sql, (ident(finding_id),), "themes")
            themes.extend(codecs.read_items(row[0]) if row else ())
        w.write(
            RECOMMENDATIONS, event.originator_id,
            f"INSERT INTO {RECOMMENDATIONS} (recommendation_id, partnership_id, activity_id, themes) "
            "VALUES (?, ?, ?, ?)",
            (ident(event.originator_id), event.partnership_id, ident(event.activity_id),
             made := codecs.items(dict.fromkeys(themes))),
        )
        w.know(RECOMMENDATIONS, event.originator_id, "themes", (made,))

    @handles(ActionAgreed)
    def _agreed(self, w: Writes, event: ActionAgreed, position: int) -> None:
        row = w.one(
            RECOMMENDATIONS, event.recommendation_id,
            f"SELECT themes FROM {RECOMMENDATIONS} WHERE recommendation_id = ?", (ident(event.recommendation_id),),
            "themes",
        )
        themes = codecs.read_items(row[0]) if row else ()
        kind, title = w.one(
            ACTIVITIES, event.activity_id,
            f"SELECT kind, title FROM {ACTIVITIES} WHERE activity_id = ?", (ident(event.activity_id),), "kind, title",
        ) or ("", "")
        action_id = ident(event.originator_id)
        w.write(
            ACTIONS, event.originator_id,
            f"""INSERT INTO {ACTIONS} (action_id, partnership_id, recommendation_id, activity_id, source_kind,
                activity_title, owner_agency_id, description, due_on, status, on_track, themes, agreed_at,
                completed_on, assured_on, reopened, version, position)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, NULL, NULL, 0, ?, ?)""",
            (
                action_id, event.partnership_id, ident(event.recommendation_id), ident(event.activity_id), kind,
                title, event.owner_agency_id, event.description, codecs.day(event.due_on), codecs.items(themes),
                event.timestamp.isoformat(), event.originator_version, position,
            ),
        )
        w.write(
            ACTION_THEMES, event.originator_id,
            f"INSERT INTO {ACTION_THEMES} (action_id, theme, partnership_id) VALUES (?, ?, ?)",
            *((action_id, theme, event.partnership_id) for theme in themes),
        )

    @handles(ActionProgressNoted)
    def _progress(self, w: Writes, event: ActionProgressNoted, position: int) -> None:
        _update_action(w, event, position, on_track=int(event.on_track))

    @handles(ActionRescheduled)
    def _rescheduled(self, w: Writes, event: ActionRescheduled, position: int) -> None:
        _update_action(w, event, position, due_on=codecs.day(event.due_on))

    @handles(ActionCompleted)
    def _completed(self, w: Writes, event: ActionCompleted, position: int) -> None:
        _update_action(w, event, position, status="completed", completed_on=codecs.day(event.completed_on))

    @handles(ActionImpactAssured)
    def _assured(self, w: Writes, event: ActionImpactAssured, position: int) -> None:
        _update_action(w, event, position, status="assured", assured_on=codecs.day(event.assured_on))

    @handles(ActionReopened)
    def _reopened(self, w: Writes, event: ActionReopened, position: int) -> None:
        # Like Action: open again with a new due date; the last progress note still stands.
        _update_action(
            w, event, position, extra=", reopened = reopened + 1",
            status="open", due_on=codecs.day(event.due_on), completed_on=None, assured_on=None,
        )


def _update_action(w: Writes, event: DomainEvent, position: int, extra: str = "", **updates: Any) -> None:
    assignments = ", ".join(f"{column} = ?" for column in updates)
    w.write(
        ACTIONS, event.originator_id,
        f"UPDATE {ACTIONS} SET {assignments}{extra}, version = ?, position = ? WHERE action_id = ?",
        (*updates.values(), event.originator_version, position, ident(event.originator_id)),
    )


# --- queries ----------------------------------------------------------------


@dataclass(frozen=True)
class TrackerFilters:
    agency: str | None = None
    forum: str | None = None
    source_kind: str | None = None
    theme: str | None = None
    status: str | None = None
    rag: str | None = None


COLUMNS: tuple[str, ...] = (
    "action_id", "description", "owner_agency_id", "due_on", "days_overdue", "status", "rag", "on_track",
    "source_kind",
    "activity_id", "activity_title", "recommendation_id", "forums", "themes", "completed_on", "assured_on",
    "reopened", "version",
)


ROW_SELECT = (
    "a.action_id, a.description, a.owner_agency_id, a.due_on, a.status, a.on_track, a.source_kind,"
    " a.activity_id, a.activity_title, a.recommendation_id, a.themes, a.completed_on, a.assured_on,"
    " a.reopened, a.version"
)
"""The columns of `tracker_actions a` that `tracker_row` reads, in its order."""


def query_tracker(cur: Cursor, partnership_id: str, filters: TrackerFilters, today: date) -> list[dict[str, Any]]:
    """The partnership's actions matching every filter given, soonest due first."""
    where = ["a.partnership_id = ?"]
    params: list[Any] = [partnership_id]
    if filters.agency:
        where.append("a.owner_agency_id = ?")
        params.append(filters.agency)
    if filters.source_kind:
        where.append("a.source_kind = ?")
        params.append(filters.source_kind)
    if filters.status:
        where.append("a.status = ?")
        params.append(filters.status)
    if filters.forum:
        where.append(
            f"EXISTS (SELECT 1 FROM {ROUTING} r WHERE r.partnership_id = a.partnership_id "
            "AND r.source_kind = a.source_kind AND r.forum_id = ?)"
        )
        params.append(filters.forum)
    if filters.theme:
        where.append(f"EXISTS (SELECT 1 FROM {ACTION_THEMES} t WHERE t.action_id = a.action_id AND t.theme = ?)")
        params.append(filters.theme)
    if filters.rag:
        condition, values = rag_condition(filters.rag, today)
        where.append(condition)
        params.extend(values)
    cur.execute(
        f"""SELECT {ROW_SELECT}
        FROM {ACTIONS} a WHERE {" AND ".join(where)} ORDER BY a.due_on, a.action_id""",
        params,
    )
    rows = cur.fetchall()
    routing = forums_by_kind(cur, partnership_id)
    return [tracker_row(r, routing, today) for r in rows]


def rag_counts(cur: Cursor, partnership_id: str, today: date) -> dict[tuple[str, str], int]:
    """How many of the partnership's actions each agency owns in each RAG rating on `today`:
    {(owner_agency_id, rag): count}, counted in the database with `rag`'s own conditions."""
    cases = []
    params: list[Any] = []
    for value in RAGS:
        condition, values = rag_condition(value, today)
        cases.append(f"WHEN {condition} THEN '{value}'")
        params.extend(values)
    cur.execute(
        f"SELECT owner_agency_id, rating, COUNT(*) FROM (SELECT a.owner_agency_id, CASE {' '.join(cases)} END"
        f" AS rating FROM {ACTIONS} a WHERE a.partnership_id = ?) rated GROUP BY owner_agency_id, rating",
        [*params, partnership_id],
    )
    return {(agency, rating): int(n) for agency, rating, n in cur.fetchall()}


def forums_by_kind(cur: Cursor, partnership_id: str) -> dict[str, list[str]]:
    cur.execute(
        f"SELECT source_kind, forum_id FROM {ROUTING} WHERE partnership_id = ? ORDER BY source_kind, seq",
        (partnership_id,),
    )
    routing: dict[str, list[str]] = {}
    for kind, forum_id in cur.fetchall():
        routing.setdefault(kind, []).append(forum_id)
    return routing


def days_overdue(status: str, due_on: date, today: date) -> int:
    """Calendar days an open action is past its due date (0 when it is not overdue,
    and once it is completed): the same calendar the red rating uses."""
    return max((today - due_on).days, 0) if status == "open" else 0


def tracker_row(r: Sequence[Any], routing: dict[str, list[str]], today: date) -> dict[str, Any]:
    (action_id, description, owner, due_on, status, on_track, kind, activity_id, title, recommendation_id,
     themes, completed_on, assured_on, reopened, version) = r
    due = date.fromisoformat(due_on)
    return {
        "action_id": action_id,
        "description": description,
        "owner_agency_id": owner,
        "due_on": due_on,
        "days_overdue": days_overdue(status, due, today),
        "status": status,
        "rag": rag(status, due, bool(on_track), today),
        "on_track": bool(on_track),
        "source_kind": kind,
        "activity_id": activity_id,
        "activity_title": title,
        "recommendation_id": recommendation_id,
        "forums": routing.get(kind, []),
        "themes": list(codecs.read_items(themes)),
        "completed_on": completed_on,
        "assured_on": assured_on,
        "reopened": int(reopened),
        "version": int(version),
    }


# --- point in time ------------------------------------------------------------


def partnership_entity_ids(cur: Cursor, partnership_id: str) -> list[UUID]:
    """Every aggregate the tracker derives from, for this partnership. Aggregates
    are never deleted, so today's set holds every one that existed at any instant."""
    ids = [partnership_uuid(partnership_id)]
    for table, column in ((ACTIVITIES, "activity_id"), (RECOMMENDATIONS, "recommendation_id"), (ACTIONS, "action_id")):
        cur.execute(f"SELECT {column} FROM {table} WHERE partnership_id = ?", (partnership_id,))
        ids.extend(UUID(row[0]) for row in cur.fetchall())
    return ids


def replay_tracker(
    events: Iterable[DomainEvent], partnership_id: str, filters: TrackerFilters, today: date
) -> list[dict[str, Any]]:
    """The tracker rebuilt in memory from `events` alone, with the same view and query."""
    db = ViewDb("sqlite", ":memory:")
    conn = db.connect()
    try:
        view = TrackerView()
        with db.transaction(conn) as cur:
            view.create(cur, db.dialect)
            for event in events:
                view.apply(cur, event, 0)
            return query_tracker(cur, partnership_id, filters, today)
    finally:
        conn.close()


def events_until(stream: Iterable[DomainEvent], as_of: datetime) -> list[DomainEvent]:
    """Events recorded at or before `as_of`, in the order they were recorded."""
    chosen = [e for e in stream if e.timestamp <= as_of]
    chosen.sort(key=lambda e: e.timestamp)
    return chosen
