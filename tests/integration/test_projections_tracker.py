"""The action tracker, checked against the events that produced it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.action import Action
from domain.activity import Activity
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from projections.projector import Projector
from projections.snapshot import snapshot
from projections.tracker import RAGS, TrackerFilters, TrackerView, query_tracker, rag
from services.application.service import LearningService
from services.seeds.generate import generate_history
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)
from tests.integration.projections_support import ARLF, COUNCIL, PID, POLICE, SCPF, Story, run

TODAY = date(2026, 6, 20)


@pytest.fixture
def projector(settings: Settings, store: EventStore) -> Iterator[Projector]:
    from projections.runtime import build_view_db

    p = Projector(store, build_view_db(settings), [TrackerView()])
    yield p
    p.close()


def tracker(projector: Projector, today: date = TODAY, **filters: Any) -> list[dict[str, Any]]:
    projector.run_once()
    with snapshot(projector.db) as cur:
        return query_tracker(cur, PID, TrackerFilters(**filters), today)


def test_each_row_is_what_the_events_say(store: EventStore, projector: Projector) -> None:
    service = LearningService(store)
    story = Story(service)
    police, council_mid, council_late = story.actions
    run(service, cmd.NoteProgress(noted_on=date(2026, 4, 1), note="Behind.", on_track=False), council_late)
    run(service, cmd.CompleteAction(
        completed_on=date(2026, 3, 30), evidence=({"description": "Training register."},)
    ), police)
    run(service, cmd.AssureAction(assured_on=date(2026, 5, 1), impact_statement="Audit shows use."), police)
    run(service, cmd.RescheduleAction(due_on=date(2026, 7, 1), rationale="Waiting for the new system."), council_mid)

    rows = {UUID(str(r["action_id"])): r for r in tracker(projector)}
    assert set(rows) == set(story.actions)
    partnership = store.load(partnership_uuid(PID), Partnership)
    activity = store.load(story.audit, Activity)
    recommendation = store.load(story.recommendation, Recommendation)
    assert partnership and activity and recommendation
    themes = list(dict.fromkeys(t.value for f in recommendation.finding_ids for t in activity.findings[f].themes))
    for action_id, row in rows.items():
        action = store.load(action_id, Action)
        assert action is not None
        assert row["owner_agency_id"] == action.owner_agency_id
        assert row["due_on"] == action.due_on.isoformat()
        assert row["status"] == action.status.value
        assert row["on_track"] == action.on_track
        assert row["version"] == action.version
        assert row["rag"] == rag(action.status.value, action.due_on, action.on_track, TODAY)
        assert row["source_kind"] == "thematic_audit"
        assert row["activity_id"] == str(story.audit)
        assert row["recommendation_id"] == str(story.recommendation)
        assert row["themes"] == themes
        assert row["forums"] == list(partnership.routing_for(activity.kind).points_of_dissemination)
    assert [rows[a]["rag"] for a in story.actions] == ["blue", "amber", "amber"]
    assert rows[police]["assured_on"] == "2026-05-01"


def test_rag_is_worked_out_on_the_day_it_is_read(store: EventStore, projector: Projector) -> None:
    story = Story(LearningService(store))
    police = story.actions[0]  # due 2026-03-31, open, on track
    by_day = {
        day: next(r["rag"] for r in tracker(projector, today=day) if r["action_id"] == str(police))
        for day in (date(2026, 3, 1), date(2026, 3, 17), date(2026, 3, 31), date(2026, 4, 1))
    }
    assert by_day == {
        date(2026, 3, 1): "green", date(2026, 3, 17): "amber", date(2026, 3, 31): "amber", date(2026, 4, 1): "red",
    }
    run(LearningService(store), cmd.CompleteAction(
        completed_on=date(2026, 3, 2), evidence=({"description": "Done."},)
    ), police)
    assert next(r for r in tracker(projector) if r["action_id"] == str(police))["rag"] == "completed"


def test_rag_rules_at_their_edges() -> None:
    today = date(2026, 1, 10)
    assert rag("open", today - timedelta(days=1), True, today) == "red"
    assert rag("open", today - timedelta(days=1), False, today) == "red"
    assert rag("open", today, True, today) == "amber"
    assert rag("open", today + timedelta(days=14), True, today) == "amber"
    assert rag("open", today + timedelta(days=15), True, today) == "green"
    assert rag("open", today + timedelta(days=90), False, today) == "amber"
    assert rag("completed", today - timedelta(days=30), True, today) == "completed"
    assert rag("assured", today - timedelta(days=30), False, today) == "blue"


def test_filters_select_exactly_the_matching_actions(store: EventStore, projector: Projector) -> None:
    service = LearningService(store)
    story = Story(service)
    # A second activity of another kind, with its own themes and forums.
    review = UUID(run(service, cmd.OpenActivity(
        kind="single_agency_audit", title="Police audit", opened_on=date(2026, 1, 6), scope="Custody records.",
    ))["id"])
    run(service, cmd.StartActivity(), review)
    finding = run(service, cmd.RecordFinding(
        category="area_for_improvement", summary="Exploitation missed.", themes=("child_exploitation",),
        recorded_on=date(2026, 2, 1),
    ), review)
    rec = UUID(run(service, cmd.MakeRecommendation(
        finding_ids=(UUID(next(iter(finding["findings"]))),), text="Screen for exploitation.",
        addressed_to=(POLICE,), made_on=date(2026, 2, 3),
    ), review)["id"])
    run(service, cmd.RecordDecision(
        forum_id=ARLF, meeting_on=date(2026, 2, 20), subject="recommendation", subject_id=rec, outcome="accept",
        decided_by=("Chair",), rationale="Agreed.",
    ))
    exploitation = UUID(run(service, cmd.AgreeAction(
        owner_agency_id=POLICE, description="Screening tool.", due_on=date(2026, 5, 1)
    ), rec)["id"])

    def ids(**filters: str) -> set[UUID]:
        return {UUID(str(r["action_id"])) for r in tracker(projector, TODAY, **filters)}

    everything = {*story.actions, exploitation}
    assert ids() == everything
    assert ids(agency=POLICE) == {story.actions[0], exploitation}
    assert ids(agency=COUNCIL) == set(story.actions[1:])
    assert ids(source_kind="single_agency_audit") == {exploitation}
    assert ids(theme="child_exploitation") == {exploitation}
    assert ids(theme="neglect") == set(story.actions)
    assert ids(forum=ARLF) == everything
    assert ids(forum=SCPF) == set()
    assert ids(status="open") == everything
    assert ids(rag="red") == {story.actions[0], exploitation}
    assert ids(rag="amber") == {story.actions[1]}
    assert ids(rag="green") == {story.actions[2]}
    assert ids(rag="red", agency=COUNCIL) == set()
    # Routing changed after the actions were agreed: the forum filter follows it.
    run(service, cmd.SetRouting(
        source_kind="thematic_audit", points_of_dissemination=(ARLF, SCPF), sign_off_forum=ARLF,
    ))
    assert ids(forum=SCPF) == set(story.actions)
    assert ids(forum=SCPF, agency=COUNCIL, theme="neglect") == set(story.actions[1:])
    row = next(r for r in tracker(projector) if r["action_id"] == str(story.actions[0]))
    assert row["forums"] == [ARLF, SCPF]


def test_rag_filter_agrees_with_the_rag_of_every_row(store: EventStore, projector: Projector) -> None:
    generate_history(LearningService(store), 900, seed=7, partnership_id=PID)
    rows = tracker(projector)
    assert rows, "the generated history has actions"
    for day in (date(2023, 6, 1), date(2024, 6, 1), date(2025, 1, 15), TODAY):
        every = tracker(projector, today=day)
        for value in RAGS:
            chosen = {r["action_id"] for r in tracker(projector, today=day, rag=value)}
            assert chosen == {r["action_id"] for r in every if r["rag"] == value}, (day, value)


def test_the_queries_use_indexes(tmp_path: Path) -> None:
    db = ViewDb("sqlite", str(tmp_path / "views.sqlite"))
    conn = db.connect()
    with db.transaction(conn) as cur:
        TrackerView().create(cur, "sqlite")
    plans = {}
    for name, where in {
        "partnership": "partnership_id = 'x'",
        "owner": "partnership_id = 'x' AND owner_agency_id = 'y'",
        "due": "partnership_id = 'x' AND due_on < '2026-01-01'",
    }.items():
        rows = conn.execute(f"EXPLAIN QUERY PLAN SELECT * FROM tracker_actions WHERE {where}").fetchall()
        plans[name] = json.dumps(rows)
    conn.close()
    for name, plan in plans.items():
        assert "USING INDEX" in plan and "SCAN tracker_actions" not in plan, (name, plan)
