"""A partnership driven through the real service, and the views projected from it.

Shared by the agenda, themes and deadlines view tests: commands go through
`LearningService` over an `EventStore`, then a `Projector` over the three
views applies the log, and the tests read the view tables back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from adapters.sql import Cursor, ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.aggregate import Context
from domain.framework import ARLF, BOARD, CDOP
from domain.partnership import Partnership, partnership_uuid
from projections.agenda.builder import build_agenda
from projections.agenda.models import Agenda
from projections.agenda.query import agenda_facts
from projections.agenda.view import AgendaView
from projections.clocks_view import ClocksView
from projections.projector import Projector
from projections.snapshot import snapshot
from projections.themes import ThemesView
from services.application.service import LearningService

PID = "st-helens"
NAME = "St Helens Safeguarding Children Partnership"
POLICE = "merseyside-police"
COUNCIL = "st-helens-council"
GENERATED = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)

__all__ = ["ARLF", "BOARD", "CDOP", "Scenario"]


class Scenario:
    def __init__(self, store: EventStore, db: ViewDb, partnership_id: str = PID) -> None:
        self.store = store
        self.db = db
        self.pid = partnership_id
        self.service = LearningService(store)
        self.projector = Projector(store, db, [AgendaView(), ThemesView(), ClocksView()])

    # --- commands --------------------------------------------------------------

    def run(self, command: cmd.Command, target: UUID | None = None) -> dict[str, Any]:
        ctx = Context(partnership_id=self.pid, principal="tester")
        return self.service.execute(ctx, command, target).body

    def register(self, starts_from: str = "awareness") -> None:
        self.run(cmd.RegisterPartnership(
            partnership_id=self.pid, display_name=NAME, rapid_review_starts_from=starts_from,
        ))

    def meet(self, forum_id: str, *days: date) -> None:
        for day in days:
            self.run(cmd.ScheduleMeeting(forum_id=forum_id, meets_on=day))

    def open(self, kind: str, title: str, opened_on: date, **extra: Any) -> UUID:
        body = self.run(cmd.OpenActivity(
            kind=kind, title=title, opened_on=opened_on, scope=f"Scope of {title}", **extra,
        ))
        return UUID(body["id"])

    def start(self, activity_id: UUID) -> None:
        self.run(cmd.StartActivity(), activity_id)

    def finding(
        self, activity_id: UUID, summary: str, themes: tuple[str, ...], recorded_on: date,
        category: str = "area_for_improvement",
    ) -> UUID:
        body = self.run(cmd.RecordFinding(
            category=category, summary=summary, themes=themes, recorded_on=recorded_on,
        ), activity_id)
        found = [f for f in body["findings"].values() if f["summary"] == summary]
        return UUID(found[-1]["finding_id"])

    def report(self, activity_id: UUID, on: date, summary: str = "Report summary") -> None:
        self.run(cmd.ReportActivity(report_summary=summary, reported_on=on), activity_id)

    def recommend(
        self, activity_id: UUID, findings: tuple[UUID, ...], text: str, made_on: date,
        addressed_to: tuple[str, ...] = (POLICE,),
    ) -> UUID:
        body = self.run(cmd.MakeRecommendation(
            finding_ids=findings, text=text, addressed_to=addressed_to, made_on=made_on,
        ), activity_id)
        return UUID(body["id"])

    def decide(
        self, subject: str, subject_id: UUID, forum_id: str, on: date, outcome: str = "accept"
    ) -> None:
        """At the forum's meeting that day, or, with none scheduled, as a chair's action
        (so the scenarios' agendas keep only the meetings they schedule)."""
        p = self.store.load(partnership_uuid(self.pid), Partnership)
        assert p is not None
        self.run(cmd.RecordDecision(
            forum_id=forum_id, meeting_on=on, subject=subject, subject_id=subject_id,
            outcome=outcome, decided_by=("Chair",), rationale="Discussed at the meeting.",
            chairs_action=on not in p.forum(forum_id).meetings,
        ))

    def commission(self, rapid_review_id: UUID, on: date) -> None:
        """The rapid review recommends a practice review and the Board commissions it on `on`."""
        self.run(cmd.RecordRapidReviewRecommendation(
            recommends="practice_review", reasons="Serious harm; agencies' work in question.", recommended_on=on,
        ), rapid_review_id)
        self.decide("practice_review_commissioning", rapid_review_id, BOARD, on)

    def action(self, recommendation_id: UUID, description: str, due_on: date,
               owner: str = POLICE) -> UUID:
        body = self.run(cmd.AgreeAction(
            owner_agency_id=owner, description=description, due_on=due_on,
        ), recommendation_id)
        return UUID(body["id"])

    # --- views -----------------------------------------------------------------

    def project(self) -> int:
        return self.projector.run_once()

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        with snapshot(self.db) as cur:
            yield cur

    def agenda(self, forum_id: str, meeting_on: date) -> Agenda:
        self.project()
        with self.read() as cur:
            facts = agenda_facts(cur, self.pid, forum_id)
        return build_agenda(facts, meeting_on, GENERATED, self.projector.position())

    def close(self) -> None:
        self.projector.close()
