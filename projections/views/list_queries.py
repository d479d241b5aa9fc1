"""Reading the lists: filters, a sort from a whitelist, and pages cut by keyset.

A page is cut after the last row of the previous one by its (sort value, id), never by
an offset: rows added or changed meanwhile do not shift the pages already read, and a
page costs the same however deep it is (the indexes lead with partnership and sort
column). Every sortable column is NOT NULL, so the keyset comparison is plain.

Activities, recommendations and decisions come from the lists view (projections/views/
lists.py); actions from the tracker's tables (projections/tracker.py), with its RAG.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapters.sql import Cursor
from projections import codecs
from projections import tracker as tr
from projections.views import lists as lv


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False

    @property
    def spec(self) -> str:
        """As the API names it: the column, `-` first for descending."""
        return ("-" if self.descending else "") + self.column


@dataclass(frozen=True)
class PageRequest:
    sort: Sort
    after: tuple[str, str] | None = None
    """(sort value, id) of the last row of the previous page."""
    limit: int = 50


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    last: tuple[str, str] | None
    """(sort value, id) of this page's last row when another page may follow; else None."""


@dataclass
class _Where:
    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, condition: str, *params: Any) -> None:
        self.parts.append(condition)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.parts)


def _like(text: str) -> str:
    """A case-insensitive substring pattern for LIKE ... ESCAPE '\\'."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text(where: _Where, column: str, text: str | None) -> None:
    if text:
        where.add(f"LOWER({column}) LIKE ? ESCAPE '\\'", _like(text))


def _page(
    cur: Cursor, select: str, table: str, key: str, where: _Where, page: PageRequest,
    read: Callable[[Sequence[Any]], dict[str, Any]],
) -> Page:
    column, direction = f"a.{page.sort.column}", ("DESC" if page.sort.descending else "ASC")
    if page.after is not None:
        beyond = "<" if page.sort.descending else ">"
        # The first bound is implied by the second; stated, the index's range starts at the cursor.
        where.add(f"{column} {beyond}= ? AND ({column} {beyond} ? OR ({column} = ? AND a.{key} {beyond} ?))",
                  page.after[0], page.after[0], page.after[0], page.after[1])
    cur.execute(
        f"SELECT {select}, {column}, a.{key} FROM {table} a WHERE {where.sql()}"
        f" ORDER BY {column} {direction}, a.{key} {direction} LIMIT ?",
        [*where.params, page.limit + 1],
    )
    fetched = cur.fetchall()
    rows = fetched[: page.limit]
    last = (str(rows[-1][-2]), str(rows[-1][-1])) if len(fetched) > page.limit else None
    return Page([read(r[:-2]) for r in rows], last)


# --- activities ---------------------------------------------------------------------------

ACTIVITY_SORTS = ("opened_on", "title", "status", "kind")


@dataclass(frozen=True)
class ActivityFilters:
    status: str | None = None
    kind: str | None = None
    agency: str | None = None
    forum: str | None = None
    theme: str | None = None
    opened_after: date | None = None
    opened_before: date | None = None
    text: str | None = None


def _routed(where: _Where, partnership_id: str, kind_column: str, forum: str | None) -> None:
    if forum:
        where.add(f"EXISTS (SELECT 1 FROM {lv.ROUTING} r WHERE r.partnership_id = ? AND r.source_kind = {kind_column}"
                  " AND r.forum_id = ?)", partnership_id, forum)


def _tagged(where: _Where, key: str, tag: str, value: str | None) -> None:
    if value:
        where.add(f"EXISTS (SELECT 1 FROM {lv.TAGS} t WHERE t.entity_id = a.{key} AND t.tag = ? AND t.value = ?)",
                  tag, value)


def _dates(where: _Where, column: str, after: date | None, before: date | None) -> None:
    if after:
        where.add(f"a.{column} > ?", codecs.day(after))
    if before:
        where.add(f"a.{column} < ?", codecs.day(before))


def list_activities(cur: Cursor, partnership_id: str, f: ActivityFilters, page: PageRequest) -> Page:
    where = _Where()
    where.add("a.partnership_id = ?", partnership_id)
    for column, value in (("status", f.status), ("kind", f.kind)):
        if value:
            where.add(f"a.{column} = ?", value)
    _tagged(where, "activity_id", lv.AGENCY, f.agency)
    _routed(where, partnership_id, "a.kind", f.forum)
    if f.theme:
        where.add(f"EXISTS (SELECT 1 FROM {lv.FINDINGS} x WHERE x.activity_id = a.activity_id AND x.themes LIKE ?)",
                  f'%"{f.theme}"%')
    _dates(where, "opened_on", f.opened_after, f.opened_before)
    _text(where, "a.title", f.text)
    select = ("a.activity_id, a.kind, a.title, a.status, a.opened_on, a.agencies, a.findings, a.reported_on,"
              " a.signed_off_on, a.closed_on, a.version")

    def read(r: Sequence[Any]) -> dict[str, Any]:
        (activity_id, kind, title, status, opened_on, agencies, findings, reported_on, signed_off_on, closed_on,
         version) = r
        return {
            "activity_id": activity_id, "kind": kind, "title": title, "status": status, "opened_on": opened_on,
            "agencies_involved": list(codecs.read_items(agencies)), "findings": int(findings),
            "reported_on": reported_on, "signed_off_on": signed_off_on, "closed_on": closed_on,
            "version": int(version),
        }

    return _page(cur, select, lv.ACTIVITIES, "activity_id", where, page, read)


# --- recommendations --------------------------------------------------------------------------

RECOMMENDATION_SORTS = ("made_on", "status")


@dataclass(frozen=True)
class RecommendationFilters:
    status: str | None = None
    kind: str | None = None
    agency: str | None = None
    forum: str | None = None
    theme: str | None = None
    activity_id: str | None = None
    made_after: date | None = None
    made_before: date | None = None
    text: str | None = None


def list_recommendations(cur: Cursor, partnership_id: str, f: RecommendationFilters, page: PageRequest) -> Page:
    where = _Where()
    where.add("a.partnership_id = ?", partnership_id)
    for column, value in (("status", f.status), ("source_kind", f.kind), ("activity_id", f.activity_id)):
        if value:
            where.add(f"a.{column} = ?", value)
    _tagged(where, "recommendation_id", lv.AGENCY, f.agency)
    _tagged(where, "recommendation_id", lv.THEME, f.theme)
    _routed(where, partnership_id, "a.source_kind", f.forum)
    _dates(where, "made_on", f.made_after, f.made_before)
    _text(where, "a.text", f.text)
    select = ("a.recommendation_id, a.activity_id, a.source_kind, a.activity_title, a.text, a.addressed_to,"
              " a.themes, a.status, a.made_on, a.decided_on, a.deferrals, a.version")

    def read(r: Sequence[Any]) -> dict[str, Any]:
        (recommendation_id, activity_id, kind, title, text, addressed_to, themes, status, made_on, decided_on,
         deferrals, version) = r
        return {
            "recommendation_id": recommendation_id, "activity_id": activity_id, "source_kind": kind,
            "activity_title": title, "text": text, "addressed_to": list(codecs.read_items(addressed_to)),
            "themes": list(codecs.read_items(themes)), "status": status, "made_on": made_on,
            "decided_on": decided_on, "deferrals": int(deferrals), "version": int(version),
        }

    return _page(cur, select, lv.RECOMMENDATIONS, "recommendation_id", where, page, read)


# --- actions (the tracker's rows) ---------------------------------------------------------------

ACTION_SORTS = ("due_on", "status", "owner_agency_id")


@dataclass(frozen=True)
class ActionFilters:
    status: str | None = None
    kind: str | None = None
    agency: str | None = None
    forum: str | None = None
    theme: str | None = None
    rag: str | None = None
    due_after: date | None = None
    due_before: date | None = None
    text: str | None = None


def list_actions(cur: Cursor, partnership_id: str, f: ActionFilters, page: PageRequest, today: date) -> Page:
    where = _Where()
    where.add("a.partnership_id = ?", partnership_id)
    for column, value in (("status", f.status), ("source_kind", f.kind), ("owner_agency_id", f.agency)):
        if value:
            where.add(f"a.{column} = ?", value)
    if f.forum:  # as the tracker: the forums the activity's kind is disseminated to
        where.add(f"EXISTS (SELECT 1 FROM {tr.ROUTING} r WHERE r.partnership_id = a.partnership_id"
                  " AND r.source_kind = a.source_kind AND r.forum_id = ?)", f.forum)
    if f.theme:
        where.add(f"EXISTS (SELECT 1 FROM {tr.ACTION_THEMES} t WHERE t.action_id = a.action_id AND t.theme = ?)",
                  f.theme)
    if f.rag:
        where.add(*_one_condition(tr.rag_condition(f.rag, today)))
    _dates(where, "due_on", f.due_after, f.due_before)
    _text(where, "a.description", f.text)
    routing: list[dict[str, list[str]]] = []  # read once the page is fetched: the forums of each row

    def read(r: Sequence[Any]) -> dict[str, Any]:
        if not routing:
            routing.append(tr.forums_by_kind(cur, partnership_id))
        return tr.tracker_row(r, routing[0], today)

    return _page(cur, tr.ROW_SELECT, tr.ACTIONS, "action_id", where, page, read)


def _one_condition(condition: tuple[str, list[Any]]) -> tuple[Any, ...]:
    sql, params = condition
    return (f"({sql})", *params)


# --- decisions ----------------------------------------------------------------------------------

DECISION_SORTS = ("meeting_on", "outcome", "forum_id", "recorded_at")


@dataclass(frozen=True)
class DecisionFilters:
    forum: str | None = None
    outcome: str | None = None
    subject: str | None = None
    subject_id: str | None = None
    met_after: date | None = None
    met_before: date | None = None
    text: str | None = None


def list_decisions(cur: Cursor, partnership_id: str, f: DecisionFilters, page: PageRequest) -> Page:
    where = _Where()
    where.add("a.partnership_id = ?", partnership_id)
    for column, value in (("forum_id", f.forum), ("outcome", f.outcome), ("subject", f.subject),
                          ("subject_id", f.subject_id)):
        if value:
            where.add(f"a.{column} = ?", value)
    _dates(where, "meeting_on", f.met_after, f.met_before)
    _text(where, "a.rationale", f.text)
    select = ("a.decision_id, a.forum_id, a.meeting_on, a.subject, a.subject_id, a.outcome, a.decided_by,"
              " a.rationale, a.chairs_action, a.recorded_at")

    def read(r: Sequence[Any]) -> dict[str, Any]:
        decision_id, forum, meeting_on, subject, subject_id, outcome, decided_by, rationale, chairs, at = r
        return {
            "decision_id": decision_id, "forum_id": forum, "meeting_on": meeting_on, "subject": subject,
            "subject_id": subject_id, "outcome": outcome, "decided_by": list(codecs.read_items(decided_by)),
            "rationale": rationale, "chairs_action": bool(chairs), "recorded_at": at,
        }

    return _page(cur, select, lv.DECISIONS, "decision_id", where, page, read)
