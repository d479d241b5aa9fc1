"""Shared by the projection tests: stores on both backends, a story, table dumps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from adapters.sql import ViewDb
from domain import commands as cmd
from domain.aggregate import Context
from projections.projector import Projector
from projections.view import View
from services.application.service import LearningService

PID = "st-helens"
BOARD = "safeguarding-partnership-board"
ARLF = "audit-review-learning-forum"
SCPF = "safeguarding-children-partnership-forum"
POLICE = "merseyside-police"
COUNCIL = "st-helens-council"


def ctx(principal: str = "alice@st-helens") -> Context:
    return Context(partnership_id=PID, principal=principal)


def run(service: LearningService, command: cmd.Command, target: UUID | None = None, principal: str = "alice",
        key: str | None = None) -> dict[str, Any]:
    return service.execute(ctx(principal), command, target, key).body


def dump(db: ViewDb, views: Sequence[View]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the views, in a stable order."""
    conn = db.connect()
    try:
        tables: dict[str, list[tuple[Any, ...]]] = {}
        cur = conn.cursor()
        for view in views:
            for table in view.tables:
                cur.execute(f"SELECT * FROM {table}")
                tables[table] = sorted((tuple(row) for row in cur.fetchall()), key=repr)
        return tables
    finally:
        conn.close()


def positions(projector: Projector) -> dict[str, int]:
    return {v.name: projector.positions()[v.name] for v in projector.views}


class Story:
    """A partnership with a thematic audit whose accepted recommendation has three actions."""

    def __init__(self, service: LearningService) -> None:
        self.service = service
        run(service, cmd.RegisterPartnership(partnership_id=PID, display_name="St Helens"), principal="admin")
        self.audit = UUID(run(service, cmd.OpenActivity(
            kind="thematic_audit", title="Neglect audit", opened_on=date(2026, 1, 5), scope="Ten neglect cases.",
            agencies_involved=(POLICE, COUNCIL),
        ))["id"])
        run(service, cmd.StartActivity(), self.audit)
        f1 = run(service, cmd.RecordFinding(
            category="area_for_improvement", summary="Neglect missed.", themes=("neglect", "professional_curiosity"),
            agencies_concerned=(COUNCIL,), recorded_on=date(2026, 2, 1),
        ), self.audit)
        self.finding_a = UUID(next(iter(f1["findings"])))
        f2 = run(service, cmd.RecordFinding(
            category="area_for_improvement", summary="Not shared.", themes=("information_sharing", "neglect"),
            recorded_on=date(2026, 2, 2),
        ), self.audit)
        self.finding_b = next(UUID(f) for f in f2["findings"] if UUID(f) != self.finding_a)
        run(service, cmd.ReportActivity(report_summary="Neglect.", reported_on=date(2026, 2, 10)), self.audit)
        self.recommendation = UUID(run(service, cmd.MakeRecommendation(
            finding_ids=(self.finding_a, self.finding_b), text="Use the neglect toolkit.",
            addressed_to=(POLICE, COUNCIL), made_on=date(2026, 2, 11),
        ), self.audit)["id"])
        run(service, cmd.ScheduleMeeting(forum_id=ARLF, meets_on=date(2026, 2, 20)), principal="admin")
        run(service, cmd.RecordDecision(
            forum_id=ARLF, meeting_on=date(2026, 2, 20), subject="recommendation", subject_id=self.recommendation,
            outcome="accept", decided_by=("Chair",), rationale="Agreed.",
        ), principal="arlf-chair")
        self.actions = [
            self.agree(POLICE, date(2026, 3, 31)),
            self.agree(COUNCIL, date(2026, 6, 30)),
            self.agree(COUNCIL, date(2026, 12, 31)),
        ]

    def agree(self, owner: str, due_on: date) -> UUID:
        return UUID(run(self.service, cmd.AgreeAction(
            owner_agency_id=owner, description=f"Train {owner} staff.", due_on=due_on,
        ), self.recommendation)["id"])
