"""A forum's agenda: what the forum must see at a meeting, routed by the partnership's
points of dissemination (RoutingSet events) for each activity's source kind.

`AgendaView` keeps the rows; `AgendaView.facts` reads one partnership's rows for
the kinds routed to one forum; `build_agenda` (pure) turns those facts into the
seven sections. Everything time-dependent is judged as at the meeting date: the
agenda describes what the forum will face when it sits.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain import action as act
from domain import activity as ev
from domain import findings as fnd
from domain import partnership as pev
from domain import recommendation as rec
from domain.clocks import RapidReviewStart, add_months
from domain.errors import NotFound
from domain.events import DomainEvent
from domain.framework import DEFAULT_SOURCES, SourceKind
from projections import acknowledgements as acks
from projections.acknowledgements import AcknowledgementItem, AcknowledgementStatus
from projections.clocks_view import ClockDates, DeadlineEntry, deadline_entries
from projections.db import Cursor, Dialect
from projections.view import View

AT_RISK_DAYS = 14
"""An open action due within this many days of the meeting is at risk."""
THEME_MONTHS = 12
TOP_THEMES = 10

# --- facts: the rows the agenda is built from -----------------------------------


class Routing(BaseModel):
    model_config = ConfigDict(frozen=True)

    points_of_dissemination: tuple[str, ...]
    sign_off_forum: str


class ActivityRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    activity_id: UUID
    kind: str
    title: str
    status: str
    reported_on: date | None = None
    report_summary: str | None = None
    signed_off_on: date | None = None
    signed_off_forum: str | None = None
    published_on: date | None = None
    publication_url: str | None = None
    clock: ClockDates


class FindingRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    finding_id: UUID
    activity_id: UUID
    category: str
    summary: str
    themes: tuple[str, ...]
    recorded_on: date


class RecommendationRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    recommendation_id: UUID
    activity_id: UUID
    text: str
    addressed_to: tuple[str, ...]
    finding_ids: tuple[UUID, ...]
    made_on: date
    status: str
    deferrals: int = 0
    last_deferred_on: date | None = None


class ActionRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    action_id: UUID
    activity_id: UUID
    recommendation_id: UUID
    owner_agency_id: str
    description: str
    due_on: date
    status: str
    on_track: bool = True
    last_progress_on: date | None = None
    last_progress_note: str | None = None
    completed_on: date | None = None


class AgendaFacts(BaseModel):
    partnership_id: str
    partnership_name: str
    rapid_review_starts_from: RapidReviewStart = "awareness"
    forum_id: str
    forum_name: str
    meetings: tuple[date, ...] = ()
    routing: dict[str, Routing] = {}
    agencies: dict[str, str] = {}
    activities: list[ActivityRow] = []
    findings: list[FindingRow] = []
    recommendations: list[RecommendationRow] = []
    actions: list[ActionRow] = []
    acknowledgements: dict[UUID, AcknowledgementStatus] = {}
    """Expected and acknowledged agencies of each activity whose learning is ready."""

    def routing_for(self, kind: str) -> Routing:
        """As `Partnership.routing_for`: the framework's default until a RoutingSet."""
        if kind in self.routing:
            return self.routing[kind]
        defaults = DEFAULT_SOURCES[SourceKind(kind)]
        return Routing(
            points_of_dissemination=defaults.points_of_dissemination,
            sign_off_forum=defaults.sign_off_forum,
        )


# --- the agenda ----------------------------------------------------------------


class FindingItem(BaseModel):
    finding_id: UUID
    category: str
    summary: str
    themes: list[str]
    recorded_on: date


class RecommendationItem(BaseModel):
    recommendation_id: UUID
    activity_id: UUID
    activity_title: str
    source_kind: str
    text: str
    addressed_to: list[str]
    made_on: date
    deferred: bool
    deferrals: int
    last_deferred_on: date | None
    findings: list[FindingItem]


class SignOffItem(BaseModel):
    activity_id: UUID
    title: str
    source_kind: str
    reported_on: date | None
    report_summary: str | None
    findings: int


class ActionItem(BaseModel):
    action_id: UUID
    activity_id: UUID
    activity_title: str
    description: str
    owner_agency_id: str
    owner: str
    due_on: date
    overdue: bool
    days_overdue: int
    at_risk: list[str]
    """Why it is at risk: "due_soon" and/or "off_track"; empty for overdue actions."""
    last_progress_on: date | None
    last_progress_note: str | None


class AssuranceItem(BaseModel):
    action_id: UUID
    activity_title: str
    description: str
    owner_agency_id: str
    owner: str
    due_on: date
    completed_on: date | None


class LearningItem(BaseModel):
    activity_id: UUID
    title: str
    source_kind: str
    status: str
    signed_off_on: date | None
    published_on: date | None
    publication_url: str | None
    findings: list[FindingItem]
    acknowledged_by: list[AcknowledgementItem] = []
    not_yet_acknowledged: list[str] = []
    """Expected agencies (involved, concerned by a finding, addressed by a recommendation) yet to acknowledge."""


class ThemeCount(BaseModel):
    theme: str
    count: int


class Agenda(BaseModel):
    partnership_id: str
    partnership_name: str
    forum_id: str
    forum_name: str
    meeting_on: date
    meeting_scheduled: bool
    previous_meeting_on: date | None
    next_meeting_on: date | None
    generated_at: datetime
    position: int
    awaiting_decision: list[RecommendationItem]
    awaiting_sign_off: list[SignOffItem]
    actions_overdue: list[ActionItem]
    actions_at_risk: list[ActionItem]
    awaiting_assurance: list[AssuranceItem]
    learning_to_disseminate: list[LearningItem]
    learning_since: date | None
    deadlines_due: list[DeadlineEntry]
    deadlines_breached: list[DeadlineEntry]
    deadlines_horizon: date | None
    themes: list[ThemeCount]
    themes_since: date
    findings_in_period: int


def default_meeting(meetings: tuple[date, ...], today: date) -> date | None:
    """The forum's next meeting on or after `today`."""
    upcoming = [m for m in meetings if m >= today]
    return min(upcoming) if upcoming else None


def _finding_item(f: FindingRow) -> FindingItem:
    return FindingItem(
        finding_id=f.finding_id, category=f.category, summary=f.summary,
        themes=list(f.themes), recorded_on=f.recorded_on,
    )


def build_agenda(
    facts: AgendaFacts, meeting_on: date, generated_at: datetime, position: int
) -> Agenda:
    forum = facts.forum_id
    previous = max((m for m in facts.meetings if m < meeting_on), default=None)
    following = min((m for m in facts.meetings if m > meeting_on), default=None)
    activities = {a.activity_id: a for a in facts.activities}
    routed = {a.activity_id for a in facts.activities
              if forum in facts.routing_for(a.kind).points_of_dissemination}
    signs_off = {a.activity_id for a in facts.activities
                 if facts.routing_for(a.kind).sign_off_forum == forum}
    findings = {f.finding_id: f for f in facts.findings}
    findings_of: dict[UUID, list[FindingRow]] = {}
    for f in sorted(facts.findings, key=lambda f: (f.recorded_on, f.summary)):
        findings_of.setdefault(f.activity_id, []).append(f)

    def owner(agency_id: str) -> str:
        return facts.agencies.get(agency_id, agency_id)

    awaiting = [
        RecommendationItem(
            recommendation_id=r.recommendation_id,
            activity_id=r.activity_id,
            activity_title=activities[r.activity_id].title,
            source_kind=activities[r.activity_id].kind,
            text=r.text,
            addressed_to=[owner(a) if a != "partnership" else "the partnership"
                          for a in r.addressed_to],
            made_on=r.made_on,
            deferred=r.deferrals > 0,
            deferrals=r.deferrals,
            last_deferred_on=r.last_deferred_on,
            findings=[_finding_item(findings[f]) for f in r.finding_ids if f in findings],
        )
        for r in facts.recommendations
        if r.status == "awaiting_decision" and r.activity_id in routed
    ]
    awaiting.sort(key=lambda r: (-r.deferrals, r.made_on, r.text))

    sign_off = [
        SignOffItem(
            activity_id=a.activity_id, title=a.title, source_kind=a.kind,
            reported_on=a.reported_on, report_summary=a.report_summary,
            findings=len(findings_of.get(a.activity_id, [])),
        )
        for a in facts.activities
        if a.status == "reported" and a.activity_id in signs_off
    ]
    sign_off.sort(key=lambda s: (s.reported_on or date.min, s.title))

    overdue: list[ActionItem] = []
    at_risk: list[ActionItem] = []
    assurance: list[AssuranceItem] = []
    soon = meeting_on + timedelta(days=AT_RISK_DAYS)
    for x in facts.actions:
        if x.activity_id not in routed:
            continue
        title = activities[x.activity_id].title
        if x.status == "completed":
            assurance.append(
                AssuranceItem(
                    action_id=x.action_id, activity_title=title, description=x.description,
                    owner_agency_id=x.owner_agency_id, owner=owner(x.owner_agency_id),
                    due_on=x.due_on, completed_on=x.completed_on,
                )
            )
            continue
        if x.status != "open":
            continue
        late = x.due_on < meeting_on
        reasons = [] if late else [
            r for r, hit in (("due_soon", x.due_on <= soon), ("off_track", not x.on_track)) if hit
        ]
        if not late and not reasons:
            continue
        item = ActionItem(
            action_id=x.action_id, activity_id=x.activity_id, activity_title=title,
            description=x.description, owner_agency_id=x.owner_agency_id,
            owner=owner(x.owner_agency_id), due_on=x.due_on, overdue=late,
            days_overdue=(meeting_on - x.due_on).days if late else 0, at_risk=reasons,
            last_progress_on=x.last_progress_on, last_progress_note=x.last_progress_note,
        )
        (overdue if late else at_risk).append(item)
    overdue.sort(key=lambda i: (-i.days_overdue, i.description))
    at_risk.sort(key=lambda i: (i.due_on, i.description))
    assurance.sort(key=lambda i: (i.completed_on or date.min, i.description))

    # Learning signed off or published at or after the previous meeting and
    # before this one is what this meeting cascades.
    def in_window(d: date | None) -> bool:
        return d is not None and d < meeting_on and (previous is None or d >= previous)

    learning = [
        LearningItem(
            activity_id=a.activity_id, title=a.title, source_kind=a.kind, status=a.status,
            signed_off_on=a.signed_off_on, published_on=a.published_on,
            publication_url=a.publication_url,
            findings=[_finding_item(f) for f in findings_of.get(a.activity_id, [])],
            acknowledged_by=facts.acknowledgements[a.activity_id].acknowledged
            if a.activity_id in facts.acknowledgements else [],
            not_yet_acknowledged=facts.acknowledgements[a.activity_id].missing
            if a.activity_id in facts.acknowledgements else [],
        )
        for a in facts.activities
        if a.activity_id in routed and (in_window(a.signed_off_on) or in_window(a.published_on))
    ]
    learning.sort(key=lambda item: (item.signed_off_on or item.published_on or date.min, item.title))

    concerned = routed | signs_off
    clock_rows = [a.clock for a in facts.activities if a.activity_id in concerned]
    breached = deadline_entries(
        clock_rows, facts.rapid_review_starts_from, meeting_on, frozenset({"breached"})
    )
    due = [
        d for d in deadline_entries(
            clock_rows, facts.rapid_review_starts_from, meeting_on, frozenset({"open"})
        )
        if following is None or d.due_on < following
    ]

    try:
        since = add_months(meeting_on, -THEME_MONTHS)
    except ValueError:
        since = date.min  # a meeting in the calendar's first year looks back to its first day
    counter: Counter[str] = Counter()
    in_period = 0
    for f in facts.findings:
        if f.activity_id in routed and since < f.recorded_on <= meeting_on:
            in_period += 1
            counter.update(dict.fromkeys(f.themes, 1))
    themes = [
        ThemeCount(theme=t, count=n)
        for t, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_THEMES]
    ]

    return Agenda(
        partnership_id=facts.partnership_id,
        partnership_name=facts.partnership_name,
        forum_id=facts.forum_id,
        forum_name=facts.forum_name,
        meeting_on=meeting_on,
        meeting_scheduled=meeting_on in facts.meetings,
        previous_meeting_on=previous,
        next_meeting_on=following,
        generated_at=generated_at,
        position=position,
        awaiting_decision=awaiting,
        awaiting_sign_off=sign_off,
        actions_overdue=overdue,
        actions_at_risk=at_risk,
        awaiting_assurance=assurance,
        learning_to_disseminate=learning,
        learning_since=previous,
        deadlines_due=due,
        deadlines_breached=breached,
        deadlines_horizon=following,
        themes=themes,
        themes_since=since,
        findings_in_period=in_period,
    )


# --- the view ------------------------------------------------------------------

_CLOCK_COLUMNS = (
    "aware_on", "notified_on", "rapid_review_completed_on", "initiated_on",
    "planned_publication_on", "published_on", "final_report_sent_on",
)
_ACTIVITY_COLUMNS = (
    "activity_id", "kind", "title", "status", "reported_on", "report_summary", "signed_off_on",
    "signed_off_forum", "publication_url", *_CLOCK_COLUMNS,
)
_STATUS_BY_EVENT: dict[type[DomainEvent], str] = {
    ev.ActivityStarted: "in_progress",
    ev.ActivityClosed: "closed",
}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _words(values: Any) -> tuple[str, ...]:
    # Lists of slugs, enum values and UUIDs are stored space-separated: none contains a space.
    return tuple(str(values).split()) if values else ()


class AgendaView(View):
    name = "agenda"
    tables = (
        "agenda_partnerships", "agenda_forums", "agenda_meetings", "agenda_routing",
        "agenda_agencies", "agenda_activities", "agenda_findings", "agenda_recommendations",
        "agenda_actions", *acks.TABLES,
    )

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        ddl = (
            "agenda_partnerships (partnership_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " rapid_review_starts_from TEXT NOT NULL)",
            "agenda_forums (partnership_id TEXT NOT NULL, forum_id TEXT NOT NULL,"
            " name TEXT NOT NULL, PRIMARY KEY (partnership_id, forum_id))",
            "agenda_meetings (partnership_id TEXT NOT NULL, forum_id TEXT NOT NULL,"
            " meets_on TEXT NOT NULL, PRIMARY KEY (partnership_id, forum_id, meets_on))",
            "agenda_routing (partnership_id TEXT NOT NULL, source_kind TEXT NOT NULL,"
            " points TEXT NOT NULL, sign_off_forum TEXT NOT NULL,"
            " PRIMARY KEY (partnership_id, source_kind))",
            "agenda_agencies (partnership_id TEXT NOT NULL, agency_id TEXT NOT NULL,"
            " name TEXT NOT NULL, PRIMARY KEY (partnership_id, agency_id))",
            "agenda_activities (activity_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL,"
            " kind TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, reported_on TEXT,"
            " report_summary TEXT, signed_off_on TEXT, signed_off_forum TEXT,"
            " publication_url TEXT, " + ", ".join(f"{c} TEXT" for c in _CLOCK_COLUMNS) + ")",
            "agenda_findings (finding_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL,"
            " activity_id TEXT NOT NULL, category TEXT NOT NULL, summary TEXT NOT NULL,"
            " themes TEXT NOT NULL, recorded_on TEXT NOT NULL)",
            "agenda_recommendations (recommendation_id TEXT PRIMARY KEY,"
            " partnership_id TEXT NOT NULL, activity_id TEXT NOT NULL, body TEXT NOT NULL,"
            " addressed_to TEXT NOT NULL, finding_ids TEXT NOT NULL, made_on TEXT NOT NULL,"
            " status TEXT NOT NULL, deferrals INTEGER NOT NULL DEFAULT 0, last_deferred_on TEXT)",
            "agenda_actions (action_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL,"
            " activity_id TEXT NOT NULL, recommendation_id TEXT NOT NULL,"
            " owner_agency_id TEXT NOT NULL, description TEXT NOT NULL, due_on TEXT NOT NULL,"
            " status TEXT NOT NULL, on_track INTEGER NOT NULL DEFAULT 1, last_progress_on TEXT,"
            " last_progress_note TEXT, completed_on TEXT)",
            *acks.DDL,
        )
        for table in ddl:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {table}")
        for index, table, columns in (
            ("agenda_activities_by_kind", "agenda_activities", "partnership_id, kind"),
            ("agenda_findings_by_activity", "agenda_findings", "partnership_id, activity_id"),
            ("agenda_recommendations_by_status", "agenda_recommendations",
             "partnership_id, status"),
            ("agenda_actions_by_status", "agenda_actions", "partnership_id, status"),
        ):
            cur.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({columns})")

    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        for handlers in (_HANDLERS, acks.HANDLERS):
            handler = handlers.get(type(event))
            if handler is not None:
                handler(cur, event)

    # --- queries -------------------------------------------------------------

    def facts(self, cur: Cursor, partnership_id: str, forum_id: str) -> AgendaFacts:
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
            k: Routing(points_of_dissemination=_words(points), sign_off_forum=s)
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
                themes=_words(t), recorded_on=date.fromisoformat(r),
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
                addressed_to=_words(to), finding_ids=_words(fs),
                made_on=date.fromisoformat(m), status=s, deferrals=int(d),
                last_deferred_on=_date(last),
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
                on_track=bool(t), last_progress_on=_date(lp), last_progress_note=note,
                completed_on=_date(c),
            )
            for x, a, r, o, desc, due, s, t, lp, note, c in cur.fetchall()
        ]
        return facts


def _activity(row: Any) -> ActivityRow:
    values = dict(zip(_ACTIVITY_COLUMNS, row, strict=True))
    activity_id = UUID(values["activity_id"])
    clock = ClockDates(
        activity_id=activity_id, kind=values["kind"], title=values["title"],
        status=values["status"],
        **{c: _date(values[c]) for c in _CLOCK_COLUMNS},
    )
    return ActivityRow(
        activity_id=activity_id, kind=values["kind"], title=values["title"],
        status=values["status"], reported_on=_date(values["reported_on"]),
        report_summary=values["report_summary"], signed_off_on=_date(values["signed_off_on"]),
        signed_off_forum=values["signed_off_forum"], published_on=clock.published_on,
        publication_url=values["publication_url"], clock=clock,
    )


# --- event handlers (one per topic the agenda uses) -----------------------------


def _set(cur: Cursor, table: str, key: str, event: DomainEvent, **columns: Any) -> None:
    assignments = ", ".join(f"{c} = ?" for c in columns)
    cur.execute(
        f"UPDATE {table} SET {assignments} WHERE {key} = ?",
        (*columns.values(), str(event.originator_id)),
    )


def _on_registered(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_partnerships (partnership_id, name, rapid_review_starts_from)"
        " VALUES (?, ?, ?) ON CONFLICT (partnership_id) DO UPDATE SET name = excluded.name,"
        " rapid_review_starts_from = excluded.rapid_review_starts_from",
        (e.partnership_id, e.name, e.rapid_review_starts_from),
    )


def _on_forum(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_forums (partnership_id, forum_id, name) VALUES (?, ?, ?)"
        " ON CONFLICT (partnership_id, forum_id) DO UPDATE SET name = excluded.name",
        (e.partnership_id, e.forum_id, e.name),
    )


def _on_meeting(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_meetings (partnership_id, forum_id, meets_on) VALUES (?, ?, ?)"
        " ON CONFLICT (partnership_id, forum_id, meets_on) DO NOTHING",
        (e.partnership_id, e.forum_id, e.meets_on.isoformat()),
    )


def _on_routing(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_routing (partnership_id, source_kind, points, sign_off_forum)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (partnership_id, source_kind) DO UPDATE"
        " SET points = excluded.points, sign_off_forum = excluded.sign_off_forum",
        (e.partnership_id, e.source_kind.value, " ".join(e.points_of_dissemination),
         e.sign_off_forum),
    )


def _on_agency(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_agencies (partnership_id, agency_id, name) VALUES (?, ?, ?)"
        " ON CONFLICT (partnership_id, agency_id) DO UPDATE SET name = excluded.name",
        (e.partnership_id, e.agency_id, e.name),
    )


def _on_opened(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_activities (activity_id, partnership_id, kind, title, status,"
        " aware_on, initiated_on) VALUES (?, ?, ?, ?, 'opened', ?, ?)"
        " ON CONFLICT (activity_id) DO NOTHING",
        (str(e.originator_id), e.partnership_id, e.kind.value, e.title, _iso(e.aware_on),
         _iso(e.initiated_on)),
    )


def _activity_update(**columns: Any) -> Any:
    def handler(cur: Cursor, e: Any) -> None:
        values = {c: (v(e) if callable(v) else v) for c, v in columns.items()}
        _set(cur, "agenda_activities", "activity_id", e, **values)

    return handler


def _on_finding(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_findings (finding_id, partnership_id, activity_id, category,"
        " summary, themes, recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (finding_id) DO NOTHING",
        (str(e.finding_id), e.partnership_id, str(e.originator_id), e.category.value, e.summary,
         " ".join(dict.fromkeys(t.value for t in e.themes)), e.recorded_on.isoformat()),
    )


def _on_finding_amended(cur: Cursor, e: Any) -> None:
    cur.execute(
        "UPDATE agenda_findings SET category = ?, summary = ?, themes = ? WHERE finding_id = ?",
        (e.category.value, e.summary, " ".join(dict.fromkeys(t.value for t in e.themes)), str(e.finding_id)),
    )


def _on_finding_withdrawn(cur: Cursor, e: Any) -> None:
    # Withdrawn findings stay in the history (and the audit trail), not on an agenda.
    cur.execute("DELETE FROM agenda_findings WHERE finding_id = ?", (str(e.finding_id),))


def _on_recommendation(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_recommendations (recommendation_id, partnership_id, activity_id,"
        " body, addressed_to, finding_ids, made_on, status) VALUES (?, ?, ?, ?, ?, ?, ?,"
        " 'awaiting_decision') ON CONFLICT (recommendation_id) DO NOTHING",
        (str(e.originator_id), e.partnership_id, str(e.activity_id), e.text,
         " ".join(e.addressed_to), " ".join(str(f) for f in e.finding_ids), e.made_on.isoformat()),
    )


def _on_decided(cur: Cursor, e: Any) -> None:
    if e.outcome is rec.DecisionOutcome.DEFER:
        cur.execute(
            "UPDATE agenda_recommendations SET deferrals = deferrals + 1, last_deferred_on = ?"
            " WHERE recommendation_id = ?",
            (e.decided_on.isoformat(), str(e.originator_id)),
        )
        return
    status = "accepted" if e.outcome is rec.DecisionOutcome.ACCEPT else "rejected"
    _set(cur, "agenda_recommendations", "recommendation_id", e, status=status)


def _on_action(cur: Cursor, e: Any) -> None:
    cur.execute(
        "INSERT INTO agenda_actions (action_id, partnership_id, activity_id, recommendation_id,"
        " owner_agency_id, description, due_on, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')"
        " ON CONFLICT (action_id) DO NOTHING",
        (str(e.originator_id), e.partnership_id, str(e.activity_id), str(e.recommendation_id),
         e.owner_agency_id, e.description, e.due_on.isoformat()),
    )


def _action_update(**columns: Any) -> Any:
    def handler(cur: Cursor, e: Any) -> None:
        values = {c: (v(e) if callable(v) else v) for c, v in columns.items()}
        _set(cur, "agenda_actions", "action_id", e, **values)

    return handler


_HANDLERS: dict[type[DomainEvent], Any] = {
    pev.PartnershipRegistered: _on_registered,
    pev.ForumAdded: _on_forum,
    pev.MeetingScheduled: _on_meeting,
    pev.RoutingSet: _on_routing,
    pev.AgencyAdded: _on_agency,
    ev.ActivityOpened: _on_opened,
    **{cls: _activity_update(status=status) for cls, status in _STATUS_BY_EVENT.items()},
    ev.SeriousIncidentNotified: _activity_update(notified_on=lambda e: _iso(e.notified_on)),
    ev.RapidReviewCompleted: _activity_update(
        rapid_review_completed_on=lambda e: _iso(e.completed_on)
    ),
    ev.PublicationPlanned: _activity_update(planned_publication_on=lambda e: _iso(e.planned_on)),
    ev.FinalReportSentToPanel: _activity_update(final_report_sent_on=lambda e: _iso(e.sent_on)),
    ev.ActivityReported: _activity_update(
        status="reported", reported_on=lambda e: _iso(e.reported_on),
        report_summary=lambda e: e.report_summary,
    ),
    ev.ActivitySignedOff: _activity_update(
        status="signed_off", signed_off_on=lambda e: _iso(e.signed_off_on),
        signed_off_forum=lambda e: e.forum_id,
    ),
    ev.ActivityPublished: _activity_update(
        status="published", published_on=lambda e: _iso(e.published_on),
        publication_url=lambda e: e.url,
    ),
    ev.FindingRecorded: _on_finding,
    fnd.FindingAmended: _on_finding_amended,
    fnd.FindingWithdrawn: _on_finding_withdrawn,
    rec.RecommendationMade: _on_recommendation,
    rec.RecommendationDecided: _on_decided,
    act.ActionAgreed: _on_action,
    act.ActionProgressNoted: _action_update(
        on_track=lambda e: 1 if e.on_track else 0, last_progress_on=lambda e: _iso(e.noted_on),
        last_progress_note=lambda e: e.note,
    ),
    act.ActionRescheduled: _action_update(due_on=lambda e: _iso(e.due_on)),
    act.ActionCompleted: _action_update(
        status="completed", completed_on=lambda e: _iso(e.completed_on)
    ),
    act.ActionImpactAssured: _action_update(status="assured"),
    # A reopened action starts afresh: a new due date, and no stale progress verdict.
    act.ActionReopened: _action_update(
        status="open", due_on=lambda e: _iso(e.due_on), completed_on=None, on_track=1,
    ),
}
