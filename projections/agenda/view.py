"""The agenda view: its tables, and the handlers that keep them as events arrive.

`AgendaView` creates the tables (partnerships, forums, meetings, routing, agencies,
activities, findings, recommendations, actions, and acknowledgements' tables) and
applies each event the agenda uses to them, one handler per event class. Routing comes from
the partnership's points of dissemination (RoutingSet events) for each activity's
source kind. Reading the tables is `query.agenda_facts`; turning what it reads into an
agenda is `builder.build_agenda`: the projector needs only this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.sql import Cursor, Dialect
from domain import action as act
from domain import activity as ev
from domain import findings as fnd
from domain import partnership as pev
from domain import recommendation as rec
from domain import time_events as tev
from domain.events import DomainEvent
from projections import acknowledgements as acks
from projections import codecs, redactions
from projections.codecs import ident
from projections.facts import CLOCK_COLUMNS, ActivityRows
from projections.redactions import CorrectsText
from projections.view import View, handles
from projections.writes import Writes

_MORE_ACTIVITY_COLUMNS: dict[type[DomainEvent], Callable[[Any], dict[str, Any]]] = {
    ev.ActivityReported: lambda e: {"reported_on": codecs.day(e.reported_on), "report_summary": e.report_summary},
    ev.ActivitySignedOff: lambda e: {"signed_off_on": codecs.day(e.signed_off_on), "signed_off_forum": e.forum_id},
    ev.ActivityPublished: lambda e: {"publication_url": e.url},
}
"""What the agenda keeps of an activity beyond the row it shares with the clocks view."""


class AgendaView(ActivityRows, acks.AcknowledgementRows, CorrectsText, View):
    corrections = redactions.AGENDA
    name = "agenda"
    tables = (
        "agenda_partnerships", "agenda_forums", "agenda_meetings", "agenda_routing",
        "agenda_agencies", "agenda_activities", "agenda_findings", "agenda_recommendations",
        "agenda_actions", "agenda_escalations", *acks.TABLES,
    )
    activities_table = "agenda_activities"

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
            "agenda_escalations (action_id TEXT NOT NULL, partnership_id TEXT NOT NULL, forum_id TEXT NOT NULL,"
            " due_on TEXT NOT NULL, level TEXT NOT NULL, threshold_working_days INTEGER NOT NULL,"
            " escalated_on TEXT NOT NULL, PRIMARY KEY (action_id, forum_id, due_on))",
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
            ("agenda_escalations_by_forum", "agenda_escalations", "partnership_id, forum_id"),
        ):
            cur.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({columns})")

    def more_activity_columns(self, event: DomainEvent) -> dict[str, Any]:
        more = _MORE_ACTIVITY_COLUMNS.get(type(event))
        return more(event) if more is not None else {}

    # --- handlers (the activity's status and clock dates: facts.ActivityRows) -----------

    @handles(pev.PartnershipRegistered)
    def _registered(self, w: Writes, e: pev.PartnershipRegistered, position: int) -> None:
        w.write(
            "agenda_partnerships", e.partnership_id,
            "INSERT INTO agenda_partnerships (partnership_id, name, rapid_review_starts_from)"
            " VALUES (?, ?, ?) ON CONFLICT (partnership_id) DO UPDATE SET name = excluded.name,"
            " rapid_review_starts_from = excluded.rapid_review_starts_from",
            (e.partnership_id, e.name, e.rapid_review_starts_from),
        )

    @handles(pev.ForumAdded)
    def _forum(self, w: Writes, e: pev.ForumAdded, position: int) -> None:
        w.write(
            "agenda_forums", (e.partnership_id, e.forum_id),
            "INSERT INTO agenda_forums (partnership_id, forum_id, name) VALUES (?, ?, ?)"
            " ON CONFLICT (partnership_id, forum_id) DO UPDATE SET name = excluded.name",
            (e.partnership_id, e.forum_id, e.name),
        )

    @handles(pev.MeetingScheduled)
    def _meeting(self, w: Writes, e: pev.MeetingScheduled, position: int) -> None:
        w.write(
            "agenda_meetings", (e.partnership_id, e.forum_id, e.meets_on),
            "INSERT INTO agenda_meetings (partnership_id, forum_id, meets_on) VALUES (?, ?, ?)"
            " ON CONFLICT (partnership_id, forum_id, meets_on) DO NOTHING",
            (e.partnership_id, e.forum_id, codecs.day(e.meets_on)),
        )

    @handles(pev.RoutingSet)
    def _routing(self, w: Writes, e: pev.RoutingSet, position: int) -> None:
        w.write(
            "agenda_routing", (e.partnership_id, e.source_kind),
            "INSERT INTO agenda_routing (partnership_id, source_kind, points, sign_off_forum)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (partnership_id, source_kind) DO UPDATE"
            " SET points = excluded.points, sign_off_forum = excluded.sign_off_forum",
            (e.partnership_id, e.source_kind.value, codecs.items(e.points_of_dissemination), e.sign_off_forum),
        )

    @handles(pev.AgencyAdded)
    def _agency(self, w: Writes, e: pev.AgencyAdded, position: int) -> None:
        w.write(
            "agenda_agencies", (e.partnership_id, e.agency_id),
            "INSERT INTO agenda_agencies (partnership_id, agency_id, name) VALUES (?, ?, ?)"
            " ON CONFLICT (partnership_id, agency_id) DO UPDATE SET name = excluded.name",
            (e.partnership_id, e.agency_id, e.name),
        )

    @handles(ev.FindingRecorded)
    def _finding(self, w: Writes, e: ev.FindingRecorded, position: int) -> None:
        w.write(
            "agenda_findings", e.finding_id,
            "INSERT INTO agenda_findings (finding_id, partnership_id, activity_id, category,"
            " summary, themes, recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (finding_id) DO NOTHING",
            (ident(e.finding_id), e.partnership_id, ident(e.originator_id), e.category.value, e.summary,
             codecs.items(dict.fromkeys(t.value for t in e.themes)), codecs.day(e.recorded_on)),
        )

    @handles(fnd.FindingAmended)
    def _finding_amended(self, w: Writes, e: fnd.FindingAmended, position: int) -> None:
        w.write(
            "agenda_findings", e.finding_id,
            "UPDATE agenda_findings SET category = ?, summary = ?, themes = ? WHERE finding_id = ?",
            (e.category.value, e.summary, codecs.items(dict.fromkeys(t.value for t in e.themes)),
             ident(e.finding_id)),
        )

    @handles(fnd.FindingWithdrawn)
    def _finding_withdrawn(self, w: Writes, e: fnd.FindingWithdrawn, position: int) -> None:
        # Withdrawn findings stay in the history (and the audit trail), not on an agenda.
        w.write(
            "agenda_findings", e.finding_id, "DELETE FROM agenda_findings WHERE finding_id = ?", (ident(e.finding_id),)
        )

    @handles(rec.RecommendationMade)
    def _recommendation(self, w: Writes, e: rec.RecommendationMade, position: int) -> None:
        w.write(
            "agenda_recommendations", e.originator_id,
            "INSERT INTO agenda_recommendations (recommendation_id, partnership_id, activity_id,"
            " body, addressed_to, finding_ids, made_on, status) VALUES (?, ?, ?, ?, ?, ?, ?,"
            " 'awaiting_decision') ON CONFLICT (recommendation_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, ident(e.activity_id), e.text,
             codecs.items(e.addressed_to), codecs.items(e.finding_ids), codecs.day(e.made_on)),
        )

    @handles(rec.RecommendationDecided)
    def _decided(self, w: Writes, e: rec.RecommendationDecided, position: int) -> None:
        if e.outcome is rec.DecisionOutcome.DEFER:
            w.write(
                "agenda_recommendations", e.originator_id,
                "UPDATE agenda_recommendations SET deferrals = deferrals + 1, last_deferred_on = ?"
                " WHERE recommendation_id = ?",
                (codecs.day(e.decided_on), ident(e.originator_id)),
            )
            return
        status = "accepted" if e.outcome is rec.DecisionOutcome.ACCEPT else "rejected"
        _set(w, "agenda_recommendations", "recommendation_id", e, status=status)

    @handles(act.ActionAgreed)
    def _action(self, w: Writes, e: act.ActionAgreed, position: int) -> None:
        w.write(
            "agenda_actions", e.originator_id,
            "INSERT INTO agenda_actions (action_id, partnership_id, activity_id, recommendation_id,"
            " owner_agency_id, description, due_on, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')"
            " ON CONFLICT (action_id) DO NOTHING",
            (ident(e.originator_id), e.partnership_id, ident(e.activity_id), ident(e.recommendation_id),
             e.owner_agency_id, e.description, codecs.day(e.due_on)),
        )

    @handles(act.ActionProgressNoted)
    def _progress(self, w: Writes, e: act.ActionProgressNoted, position: int) -> None:
        _set(w, "agenda_actions", "action_id", e, on_track=1 if e.on_track else 0,
             last_progress_on=codecs.day(e.noted_on), last_progress_note=e.note)

    @handles(act.ActionRescheduled)
    def _rescheduled(self, w: Writes, e: act.ActionRescheduled, position: int) -> None:
        _set(w, "agenda_actions", "action_id", e, due_on=codecs.day(e.due_on))

    @handles(act.ActionCompleted)
    def _completed(self, w: Writes, e: act.ActionCompleted, position: int) -> None:
        _set(w, "agenda_actions", "action_id", e, status="completed", completed_on=codecs.day(e.completed_on))

    @handles(act.ActionImpactAssured)
    def _assured(self, w: Writes, e: act.ActionImpactAssured, position: int) -> None:
        _set(w, "agenda_actions", "action_id", e, status="assured")

    @handles(act.ActionReopened)
    def _reopened(self, w: Writes, e: act.ActionReopened, position: int) -> None:
        # A reopened action starts afresh: a new due date, and no stale progress verdict.
        _set(w, "agenda_actions", "action_id", e, status="open", due_on=codecs.day(e.due_on),
             completed_on=None, on_track=1)

    @handles(tev.ActionEscalated)
    def _escalated(self, w: Writes, e: tev.ActionEscalated, position: int) -> None:
        # It stands while the action is open and due on the same date (the query joins on both).
        w.write(
            "agenda_escalations", (e.action_id, e.forum_id, e.due_on),
            "INSERT INTO agenda_escalations (action_id, partnership_id, forum_id, due_on, level,"
            " threshold_working_days, escalated_on) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (action_id, forum_id, due_on) DO NOTHING",
            (ident(e.action_id), e.partnership_id, e.forum_id, codecs.day(e.due_on), e.level,
             e.threshold_working_days, codecs.day(e.as_of)),
        )


def _set(w: Writes, table: str, key: str, event: DomainEvent, **columns: Any) -> None:
    assignments = ", ".join(f"{c} = ?" for c in columns)
    w.write(
        table, event.originator_id,
        f"UPDATE {table} SET {assignments} WHERE {key} = ?",
        (*columns.values(), ident(event.originator_id)),
    )
