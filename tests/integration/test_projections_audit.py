"""The audit trail, checked row by row against the notification log, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.store import EventStore
from domain import commands as cmd
from domain.events import DomainEvent
from projections.audit import AuditFilters, AuditView, entity_history, query_audit, summarize
from projections.projector import Projector
from projections.snapshot import snapshot
from services.application.service import LearningService
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)
from tests.integration.projections_support import PID, Story, run


@pytest.fixture
def projector(settings: Settings, store: EventStore) -> Iterator[Projector]:
    from projections.runtime import build_view_db

    p = Projector(store, build_view_db(settings), [AuditView()], batch_size=13)
    yield p
    p.close()


def log(store: EventStore) -> list[tuple[int, DomainEvent]]:
    notifications = store.recorder.select_notifications(start=1, limit=100_000)
    return [(n.id, cast(DomainEvent, store.mapper.to_domain_event(n))) for n in notifications]


def page(
    projector: Projector, after: int = 0, limit: int = 100, **filters: Any
) -> tuple[list[dict[str, Any]], int | None]:
    projector.run_once()
    with snapshot(projector.db) as cur:
        return query_audit(cur, PID, AuditFilters(**filters), after=after, limit=limit)


def test_every_event_but_idempotency_answers_is_a_row(store: EventStore, projector: Projector) -> None:
    service = LearningService(store)
    story = Story(service)
    run(service, cmd.NoteProgress(noted_on=date(2026, 4, 1), note="On it.", rationale="Monthly report"),
        story.actions[0], principal="di.smith", key="progress-1")
    rows, _ = page(projector, limit=1000)
    # Bookkeeping (idempotency answers, id claims) is no fact about the partnership.
    bookkeeping = {"lif.idempotency.answered", "lif.claim.id_claimed"}
    expected = [(p, e) for p, e in log(store) if type(e).topic() not in bookkeeping]
    assert any(type(e).topic() == "lif.claim.id_claimed" for _, e in log(store)), "findings claimed their ids"
    assert len(expected) < len(log(store)), "the keyed command stored an answer"
    assert [r["position"] for r in rows] == [p for p, _ in expected]
    for row, (_, event) in zip(rows, expected, strict=True):
        assert row["event_id"] == str(event.event_id)
        assert row["aggregate_id"] == str(event.originator_id)
        assert row["version"] == event.originator_version
        assert row["topic"] == type(event).topic()
        assert row["aggregate_type"] == type(event).topic().split(".")[1]
        assert row["principal"] == event.principal
        assert row["rationale"] == event.rationale
        assert datetime.fromisoformat(row["occurred_at"]) == event.timestamp
        payload = json.loads(event.model_dump_json(exclude={
            "originator_id", "originator_version", "timestamp", "event_id", "partnership_id", "principal", "rationale",
        }))
        assert row["payload"] == payload
        assert row["summary"] == summarize(row["topic"], payload) and "{" not in row["summary"]
    progress = rows[-1]
    assert progress["principal"] == "di.smith" and progress["rationale"] == "Monthly report"
    assert progress["summary"] == "Progress noted on 2026-04-01 (on track: True): On it."


def test_pages_by_cursor_cover_every_row_once(store: EventStore, projector: Projector) -> None:
    Story(LearningService(store))
    everything, _ = page(projector, limit=1000)
    seen: list[int] = []
    after, pages = 0, 0
    while True:
        rows, cursor = page(projector, after=after, limit=7)
        seen.extend(r["position"] for r in rows)
        pages += 1
        if cursor is None:
            break
        after = cursor
    assert seen == [r["position"] for r in everything]
    assert pages == -(-len(everything) // 7)


def test_filters_and_entity_history(store: EventStore, projector: Projector) -> None:
    service = LearningService(store)
    story = Story(service)
    run(service, cmd.NoteProgress(noted_on=date(2026, 4, 1), note="Going well."), story.actions[1], principal="bob")
    rows, _ = page(projector, principal="bob")
    assert [r["topic"] for r in rows] == ["lif.action.progress_noted"]
    agreed, _ = page(projector, topic="lif.action.agreed")
    assert {r["aggregate_id"] for r in agreed} == {str(a) for a in story.actions}
    about_action, _ = page(projector, entity_id=str(story.actions[1]))
    assert [r["topic"] for r in about_action] == ["lif.action.agreed", "lif.action.progress_noted"]
    # A finding's history: recorded on the activity, then drawn on by the recommendation.
    with snapshot(projector.db) as cur:
        finding = entity_history(cur, PID, str(story.finding_a))
        recommendation = entity_history(cur, PID, str(story.recommendation))
        other_partnership = entity_history(cur, "wirral", str(story.recommendation))
    assert [r["topic"] for r in finding] == ["lif.activity.finding_recorded", "lif.recommendation.made"]
    assert [r["topic"] for r in recommendation] == [
        "lif.recommendation.made", "lif.decision.recorded", "lif.recommendation.decided",
        "lif.action.agreed", "lif.action.agreed", "lif.action.agreed",
    ]
    assert other_partnership == []
    # Time windows: nothing before the first event, everything up to now.
    first = datetime.fromisoformat(agreed[0]["occurred_at"])
    assert page(projector, until=first - timedelta(days=1))[0] == []
    assert len(page(projector, since=first, until=datetime.now(UTC))[0]) >= 4
    assert all(UUID(r["event_id"]) for r in page(projector, since=first)[0])
