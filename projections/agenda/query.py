"""Reads one partnership's agenda facts for a forum from the agenda view's tables.

`agenda_facts` is the only reader of the tables `view.AgendaView` keeps: it selects the
rows of the source kinds routed to (or signed off by) the forum and returns them as
`AgendaFacts` for `builder.build_agenda`. It is apart from the view, which only
writes the tables as events arrive, as `tracker.query_tracker` is apart from its view.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from adapters.sql import Cursor
from domain.errors import NotFound
from domain.framework import SourceKind
from projections import acknowledgements as acks
from projections import codecs
from projections.agenda.models import (
    ActionRow,
    ActivityRow,
    AgendaFacts,
    EscalationRow,
    FindingRow,
    RecommendationRow,
    Routing,
)
from projections.clocks_view import ClockDates
from projections.facts import CLOCK_COLUMNS

_ACTIVITY_COLUMNS = (
    "activity_id", "kind", "title", "status", "reported_on", "report_summary", "signed_off_on",
    "signed_off_forum", "publication_url", *CLOCK_COLUMNS,
)


def agenda_facts(cur: Cursor, partnership_id: str, forum_id: str) -> AgendaFacts:
    """One partnership's rows that can reach `forum_id`'s agenda.

    Raises NotFound for an unknown partnership or forum.
    """
    pid = partnership_id
    cur.execute(
        "SELECT name, rapid_review_starts_from FROM agenda_partnerships"
        " WHERE partnership_id = ?", (pid,),
    )
    p = cur.fetchone()
    if p is None:
        raise NotFound(
            "unknown_partnership", f"No partnership {pid!r} is registered.", "partnership_id"
        )
    cur.execute(
        "SELECT name FROM agenda_forums WHERE partnership_id = ? AND forum_id = ?",
        (pid, forum_id),
    )
    forum = cur.fetchone()
    if forum is None:
        raise NotFound(
            "unknown_forum",
            f"Forum {forum_id!r} does not exist in partnership {pid!r}.",
            "forum_id",
        )
    cur.execute(
        "SELECT meets_on FROM agenda_meetings WHERE partnership_id = ? AND forum_id = ?"
        " ORDER BY meets_on", (pid, forum_id),
    )
    meetings = tuple(date.fromisoformat(r[0]) for r in cur.fetchall())
    cur.execute(
        "SELECT source_kind, points, sign_off_forum FROM agenda_routing"
        " WHERE partnership_id = ?", (pid,),
    )
    routing = {
        k: Routing(points_of_dissemination=codecs.read_items(points), sign_off_forum=s)
        for k, points, s in cur.fetchall()
    }
    cur.execute("SELECT agency_id, name FROM agenda_agencies WHERE partnership_id = ?", (pid,))
    agencies = {str(a): str(n) for a, n in cur.fetchall()}
    facts = AgendaFacts(
        partnership_id=pid, partnership_name=p[0],
        rapid_review_starts_from="notification" if p[1] == "notification" else "awareness",
        forum_id=forum_id, forum_name=forum[0], meetings=meetings,
        routing=routing, agencies=agencies,
    )
    facts.escalations = escalations(cur, pid, forum_id)
    kinds = sorted(
        k.value for k in SourceKind
        if forum_id in facts.routing_for(k.value).points_of_dissemination
        or facts.routing_for(k.value).sign_off_forum == forum_id
    )
    if not kinds:
        return facts
    marks = ", ".join("?" for _ in kinds)
    scope = (
        f"partnership_id = ? AND activity_id IN (SELECT activity_id FROM agenda_activities"
        f" WHERE partnership_id = ? AND kind IN ({marks}))"
    )
    params = (pid, pid, *kinds)
    cur.execute(
        f"SELECT {', '.join(_ACTIVITY_COLUMNS)} FROM agenda_activities WHERE {scope}", params
    )
    facts.activities = [_activity(row) for row in cur.fetchall()]
    ready = [a.activity_id for a in facts.activities if a.status in acks.LEARNING_READY]
    facts.acknowledgements = acks.statuses(cur, pid, ready)
    cur.execute(
        "SELECT finding_id, activity_id, category, summary, themes, recorded_on"
        f" FROM agenda_findings WHERE {scope}", params,
    )
    facts.findings = [
        FindingRow(
            finding_id=f, activity_id=a, category=c, summary=s,
            themes=codecs.read_items(t), recorded_on=date.fromisoformat(r),
        )
        for f, a, c, s, t, r in cur.fetchall()
    ]
    cur.execute(
        "SELECT recommendation_id, activity_id, body, addressed_to, finding_ids, made_on,"
        f" status, deferrals, last_deferred_on FROM agenda_recommendations WHERE {scope}"
        " AND status = 'awaiting_decision'", params,
    )
    facts.recommendations = [
        RecommendationRow(
            recommendation_id=r, activity_id=a, text=t,
            addressed_to=codecs.read_items(to), finding_ids=codecs.read_items(fs),
            made_on=date.fromisoformat(m), status=s, deferrals=int(d),
            last_deferred_on=codecs.read_day(last),
        )
        for r, a, t, to, fs, m, s, d, last in cur.fetchall()
    ]
    cur.execute(
        "SELECT action_id, activity_id, recommendation_id, owner_agency_id, description,"
        " due_on, status, on_track, last_progress_on, last_progress_note, completed_on"
        f" FROM agenda_actions WHERE {scope} AND status IN ('open', 'completed')", params,
    )
    # Ids are handed to pydantic as text: it parses UUIDs several times faster than uuid.UUID.
    facts.actions = [
        ActionRow(
            action_id=x, activity_id=a, recommendation_id=r,
            owner_agency_id=o, description=desc, due_on=date.fromisoformat(due), status=s,
            on_track=bool(t), last_progress_on=codecs.read_day(lp), last_progress_note=note,
            completed_on=codecs.read_day(c),
        )
        for x, a, r, o, desc, due, s, t, lp, note, c in cur.fetchall()
    ]
    return facts


def escalations(cur: Cursor, partnership_id: str, forum_id: str) -> list[EscalationRow]:
    """The actions escalated to the forum that are still open and due on the date they were escalated for,
    whatever the kind of their activity (the Executive's escalations come from every forum's)."""
    cur.execute(
        "SELECT e.action_id, a.activity_id, v.title, a.owner_agency_id, a.description, e.due_on, e.level,"
        " e.threshold_working_days, e.escalated_on, a.last_progress_on, a.last_progress_note"
        " FROM agenda_escalations e JOIN agenda_actions a ON a.action_id = e.action_id AND a.due_on = e.due_on"
        " JOIN agenda_activities v ON v.activity_id = a.activity_id"
        " WHERE e.partnership_id = ? AND e.forum_id = ? AND a.status = 'open' ORDER BY e.due_on, e.action_id",
        (partnership_id, forum_id),
    )
    return [
        EscalationRow(
            action_id=x, activity_id=act, activity_title=title, owner_agency_id=o, description=d,
            due_on=date.fromisoformat(due), level=level, threshold_working_days=int(n),
            escalated_on=date.fromisoformat(on), last_progress_on=codecs.read_day(lp), last_progress_note=note,
        )
        for x, act, title, o, d, due, level, n, on, lp, note in cur.fetchall()
    ]


def _activity(row: Any) -> ActivityRow:
    values = dict(zip(_ACTIVITY_COLUMNS, row, strict=True))
    activity_id = UUID(values["activity_id"])
    clock = ClockDates(
        activity_id=activity_id, kind=values["kind"], title=values["title"],
        status=values["status"],
        **{c: codecs.read_day(values[c]) for c in CLOCK_COLUMNS},
    )
    return ActivityRow(
        activity_id=activity_id, kind=values["kind"], title=values["title"],
        status=values["status"], reported_on=codecs.read_day(values["reported_on"]),
        report_summary=values["report_summary"], signed_off_on=codecs.read_day(values["signed_off_on"]),
        signed_off_forum=values["signed_off_forum"], published_on=clock.published_on,
        publication_url=values["publication_url"], clock=clock,
    )
