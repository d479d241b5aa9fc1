"""The demo partnership, loaded through the API into a real SQLite store.

The assertions read the store directly (not the demo's own summary), so they
check what the demo promises: every action state, each decision outcome, a
signed-off practice review that came from a rapid review, and idempotent re-runs.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

with warnings.catch_warnings():
    # Starlette's TestClient warns that it wants `httpx2`; the pinned httpx still works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.settings import Settings, get_settings
from adapters.store import EventStore
from domain.action import Action, ActionStatus
from domain.activity import Activity, ActivityStatus
from domain.decision import Decision, DecisionSubject
from domain.framework import BOARD, DEFAULT_AGENCIES, DEFAULT_FORUMS, SourceKind, Theme
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import DecisionOutcome, Recommendation, RecommendationStatus
from services.api.app import create_app
from services.seeds import demo

_KINDS: dict[str, type[Activity] | type[Recommendation] | type[Action] | type[Decision]] = {
    "lif.activity.": Activity,
    "lif.recommendation.": Recommendation,
    "lif.action.": Action,
    "lif.decision.": Decision,
}



def _open_store() -> EventStore:
    return EventStore.from_settings(get_settings())


def _states(store: EventStore) -> dict[type[Any], list[Any]]:
    """Every aggregate in the store, grouped by kind, rebuilt from the notification log."""
    ids: dict[type[Any], set[UUID]] = {kind: set() for kind in _KINDS.values()}
    for n in store.recorder.select_notifications(start=1, limit=100_000):
        for prefix, kind in _KINDS.items():
            if n.topic.startswith(prefix):
                ids[kind].add(UUID(str(n.originator_id)))
    states: dict[type[Any], list[Any]] = {}
    for kind, found in ids.items():
        loaded = [store.load(i, kind) for i in found]
        states[kind] = [s for s in loaded if s is not None]
    return states


def _run(capsys: pytest.CaptureFixture[str]) -> str:
    assert demo.run_demo(None) == 0
    out: str = capsys.readouterr().out
    return out


def test_the_demo_loads_every_state_it_promises(
    sqlite_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(capsys)
    assert "Loaded St Helens Safeguarding Children Partnership" in out

    store = _open_store()
    try:
        p = store.load(partnership_uuid("st-helens"), Partnership)
        states = _states(store)
    finally:
        store.close()
    today = date.today()

    assert p is not None and p.name == "St Helens Safeguarding Children Partnership"
    assert set(p.agencies) == {a.agency_id for a in DEFAULT_AGENCIES}
    assert set(p.forums) == {f.forum_id for f in DEFAULT_FORUMS}
    for forum in p.forums.values():
        assert any(d < today for d in forum.meetings), forum.forum_id
        assert any(d > today for d in forum.meetings), forum.forum_id

    activities: list[Activity] = states[Activity]
    by_kind = {a.kind: a for a in activities}
    assert set(by_kind) >= {
        SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW, SourceKind.THEMATIC_AUDIT,
        SourceKind.SECTION_11_AUDIT, SourceKind.TRAINING_IMPACT_EVALUATION,
        SourceKind.MULTI_AGENCY_PRACTICE_LEARNING_REVIEW,
    }
    for a in activities:
        if a.case_reference is not None:  # pseudonymous: no spaces (names), no dates
            assert re.fullmatch(r"SHSCP-[A-Z]+-\d{4}", a.case_reference)

    # The practice review: from a notified, completed rapid review to Board sign-off.
    spr = by_kind[SourceKind.SAFEGUARDING_PRACTICE_REVIEW]
    assert spr.originating_activity_id is not None
    rapid = {a.id: a for a in activities}[spr.originating_activity_id]
    assert rapid.kind is SourceKind.RAPID_REVIEW
    # A corrected finding shows its current version; the store keeps the first.
    amended = [f for a in activities for f in a.findings.values() if f.amended_on is not None]
    assert [f.summary[:8] for f in amended] == ["Only 74%"]
    # Commissioned by the Board's decision on the rapid review's recommendation.
    assert rapid.rapid_review_recommendation is not None and rapid.panel_view is not None
    assert rapid.commissioning_outcome == "accept"
    assert spr.commissioning_decision_id == rapid.commissioning_decision_id is not None
    assert rapid.aware_on is not None and rapid.aware_on < today
    assert rapid.notified_on is not None and rapid.rapid_review_completed_on is not None
    assert spr.status is ActivityStatus.SIGNED_OFF and spr.signed_off_by_forum == BOARD
    assert spr.lead_reviewer is not None and spr.lead_reviewer.agency_id is None
    assert spr.practitioner_involvement and spr.family_involvement and spr.child_voice
    assert len(spr.findings) >= 4
    themes = {t for f in spr.findings.values() for t in f.themes}
    assert themes >= {
        Theme.NEGLECT, Theme.PROFESSIONAL_CURIOSITY, Theme.INFORMATION_SHARING,
        Theme.VOICE_OF_THE_CHILD, Theme.DOMESTIC_ABUSE,
    }
    decisions = {d.id: d for d in states[Decision]}
    assert spr.signed_off_by_decision is not None
    sign_off = decisions[spr.signed_off_by_decision]
    assert sign_off.subject is DecisionSubject.ACTIVITY_SIGN_OFF
    assert sign_off.outcome is DecisionOutcome.ACCEPT
    maplr = by_kind[SourceKind.MULTI_AGENCY_PRACTICE_LEARNING_REVIEW]
    assert maplr.status is ActivityStatus.IN_PROGRESS

    # Decisions of every outcome, each with its rationale and who decided.
    assert {d.outcome for d in decisions.values()} == set(DecisionOutcome)
    assert all(d.rationale.strip() and d.decided_by for d in decisions.values())

    recommendations: list[Recommendation] = states[Recommendation]
    assert {r.status for r in recommendations} == set(RecommendationStatus)
    assert all(r.addressed_to for r in recommendations)
    assert any(r.deferrals and r.status is RecommendationStatus.ACCEPTED for r in recommendations)

    # Actions in every state.
    actions: list[Action] = states[Action]
    assert {a.status for a in actions} == set(ActionStatus)
    still_open = [a for a in actions if a.status is ActionStatus.OPEN]
    assert any(a.due_on < today for a in still_open), "an overdue action"
    assert any(a.progress and not a.on_track for a in still_open), "an action off track"
    assert any(a.on_track and a.due_on >= today and not a.reopened for a in still_open)
    assert any(a.reopened for a in still_open), "a reopened action"
    completed = [a for a in actions if a.status is ActionStatus.COMPLETED]
    assert completed and all(a.evidence for a in completed)
    assert all(a.impact_statement for a in actions if a.status is ActionStatus.ASSURED)

    # The summary reports what the store holds.
    assert f"activities: {len(activities)} " in out
    assert f"actions: {len(actions)}\n" in out
    assert f"decisions: {len(decisions)} " in out


def test_running_the_demo_twice_adds_nothing(
    sqlite_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys)
    store = _open_store()
    before = store.recorder.max_notification_id()
    store.close()

    out = _run(capsys)
    assert "already exists" in out

    store = _open_store()
    try:
        assert store.recorder.max_notification_id() == before
    finally:
        store.close()


def test_an_interrupted_load_resumes_without_duplicates(
    sqlite_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A first run that "crashed" after 50 commands.
    steps = demo.build_steps(date.today())
    app = create_app()
    with TestClient(app, headers=demo.admin_headers(app)) as client:
        for step in steps[:50]:
            headers = {"Idempotency-Key": step.idempotency_key}
            assert client.post(step.path, json=step.body, headers=headers).is_success

    out = _run(capsys)
    assert f"{len(steps) - 50} commands applied, 50 already applied before" in out

    store = _open_store()
    try:
        after_resume = store.recorder.max_notification_id()
        states = _states(store)
    finally:
        store.close()
    opened = [s for s in steps if s.creates and s.creates[0] == "activity"]
    assert len(states[Activity]) == len(opened)

    _run(capsys)
    store = _open_store()
    try:
        assert store.recorder.max_notification_id() == after_resume
    finally:
        store.close()


def test_serve_demo_loads_into_an_empty_store_once() -> None:
    app = create_app(Settings(persistence="memory"))
    store: EventStore = app.state.store
    demo.load_demo_if_empty(app)
    assert store.load(partnership_uuid("st-helens"), Partnership) is not None
    loaded = store.recorder.max_notification_id()

    demo.load_demo_if_empty(app)
    assert store.recorder.max_notification_id() == loaded
    store.close()
