"""The agenda view: its tables, and the handlers that keep them as events arrive.

`AgendaView` creates the tables (partnerships, forums, meetings, routing, agencies,
activities, findings, recommendations, actions, and acknowledgements' tables) and
applies each event the agenda uses to them, one handler per topic. Routing comes from
the partnership's points of dissemination (RoutingSet events) for each activity's
source kind. Reading the tables is `query.agenda_facts`; turning what it reads into an
agenda is `builder.build_agenda`: the projector needs only this module.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain import action as act
from domain import activity as ev
from domain import findings as fnd
from domain import partnership as pev
from domain import recommendation as rec
from domain.events import DomainEvent
from projections import acknowledgements as acks
from projections.db import Cursor, Dialect
from projections.view import View

CLOCK_COLUMNS = (
    "aware_on", "notified_on", "rapid_review_completed_on", "initiated_on",
    "planned_publication_on", "published_on", "final_report_sent_on",
)
"""An activity's clock dates, a column each in agenda_activities (query.py reads them back as ClockDates)."""
_STATUS_BY_EVENT: dict[type[DomainEvent], str] = {
    ev.ActivityStarted: "in_progress",
    ev.ActivityClosed: "closed",
}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


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
            " publication_url TEXT, " + ", ".join(f"{c} TEXT" for c in CLOCK_COLUMNS) + ")",
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
