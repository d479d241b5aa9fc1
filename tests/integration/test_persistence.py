"""The same behaviour on the embedded SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import Activity
from domain.aggregate import Context
from domain.errors import RuleViolation
from services.application.handlers import handle
from services.application.service import LearningService
from services.application.unit_of_work import UnitOfWork

CTX = Context(partnership_id="st-helens", principal="tester")


def _audit(service: LearningService) -> UUID:
    service.execute(CTX, cmd.RegisterPartnership(partnership_id="st-helens", display_name="St Helens"))
    out = service.execute(
        CTX,
        cmd.OpenActivity(
            kind="thematic_audit", title="Neglect audit", opened_on=date(2025, 3, 3), scope="Neglect"
        ),
    )
    return UUID(out.body["id"])


def _finding(summary: str) -> cmd.RecordFinding:
    return cmd.RecordFinding(
        category="area_for_improvement", summary=summary, themes=("neglect",), recorded_on=date(2025, 3, 10)
    )


def test_events_are_stored_under_stable_topics_and_reload(store: EventStore) -> None:
    service = LearningService(store)
    activity_id = _audit(service)
    service.execute(CTX, cmd.StartActivity(), activity_id)

    stored = store.recorder.select_events(activity_id)
    assert [s.topic for s in stored] == ["lif.activity.opened", "lif.activity.started"]
    loaded = store.load(activity_id, Activity)
    assert loaded is not None
    assert (loaded.version, loaded.status, loaded.partnership_id) == (2, "in_progress", "st-helens")


def test_a_restarted_store_reads_what_was_written(settings: Settings) -> None:
    first = EventStore.from_settings(settings)
    activity_id = _audit(LearningService(first))
    first.close()
    second = EventStore.from_settings(settings)
    try:
        loaded = second.load(activity_id, Activity)
        assert loaded is not None and loaded.title == "Neglect audit"
    finally:
        second.close()


def test_racing_writers_on_one_aggregate_one_wins(store: EventStore) -> None:
    service = LearningService(store)
    activity_id = _audit(service)
    service.execute(CTX, cmd.StartActivity(), activity_id)
    first, second = UnitOfWork(store), UnitOfWork(store)
    handle(first, CTX, _finding("first"), activity_id)
    handle(second, CTX, _finding("second"), activity_id)
    first.commit()
    with pytest.raises(RuleViolation) as caught:
        second.commit()
    assert caught.value.code == "concurrent_write"
    loaded = store.load(activity_id, Activity)
    assert loaded is not None
    assert [f.summary for f in loaded.findings.values()] == ["first"]


def test_concurrent_threads_never_lose_or_duplicate_a_finding(store: EventStore) -> None:
    service = LearningService(store)
    activity_id = _audit(service)
    service.execute(CTX, cmd.StartActivity(), activity_id)
    outcomes: list[str] = []

    def write(i: int) -> None:
        for attempt in range(20):  # noqa: B007  (reported after the loop)
            try:
                service.execute(CTX, _finding(f"finding {i}"), activity_id)
            except RuleViolation:
                continue
            outcomes.append(f"finding {i}")
            return
        outcomes.append(f"gave up {i} after {attempt + 1}")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = store.load(activity_id, Activity)
    assert loaded is not None
    assert sorted(f.summary for f in loaded.findings.values()) == sorted(outcomes)
    assert len(loaded.findings) == 6


def test_idempotency_key_survives_a_restart(settings: Settings) -> None:
    first = EventStore.from_settings(settings)
    service = LearningService(first)
    activity_id = _audit(service)
    service.execute(CTX, cmd.StartActivity(), activity_id)
    answer = service.execute(CTX, _finding("once"), activity_id, idempotency_key="retry-1")
    first.close()
    second = EventStore.from_settings(settings)
    try:
        again = LearningService(second).execute(CTX, _finding("once"), activity_id, idempotency_key="retry-1")
        assert again.replayed and again.body == answer.body
        loaded = second.load(activity_id, Activity)
        assert loaded is not None and len(loaded.findings) == 1
    finally:
        second.close()


def test_ingest_applies_valid_items_in_one_transaction_and_reports_the_rest(store: EventStore) -> None:
    service = LearningService(store)
    activity_id = _audit(service)
    before = store.recorder.max_notification_id()
    item = {"partnership_id": "st-helens", "target_id": str(activity_id)}
    finding = _finding("from a service").model_dump(mode="json")
    report = service.ingest(
        "svc:case-system",
        [
            {**item, "command": "start_activity"},
            {**item, "command": "record_finding", "payload": finding},
            {**item, "command": "record_finding", "payload": {**finding, "themes": ["not-a-theme"]}},
            {**item, "command": "close_activity", "payload": {"closed_on": "2025-04-01"}},
        ],
    )
    assert [r.index for r in report.applied] == [0, 1]
    assert [(e.index, e.code) for e in report.rejected] == [(2, "invalid_item"), (3, "invalid_status")]
    # Started, and the finding recorded with the claim of its id.
    assert store.recorder.max_notification_id() == (before or 0) + 3


def test_state_as_it_stood_at_a_past_instant(store: EventStore) -> None:
    service = LearningService(store)
    activity_id = _audit(service)
    service.execute(CTX, cmd.StartActivity(), activity_id)
    between = datetime.now(UTC)
    service.execute(CTX, _finding("later"), activity_id)
    then = store.load(activity_id, Activity, as_of=between)
    now = store.load(activity_id, Activity)
    assert then is not None and now is not None
    assert (then.version, len(then.findings)) == (2, 0)
    assert (now.version, len(now.findings)) == (3, 1)


def test_ingest_refuses_nul_and_loose_dates_before_they_reach_the_store(store: EventStore) -> None:
    # On PostgreSQL a NUL in text is a driver error at write or projection time; it is refused first.
    service = LearningService(store)
    activity_id = _audit(service)
    before = store.recorder.max_notification_id()
    item = {"partnership_id": "st-helens", "target_id": str(activity_id), "command": "record_finding"}
    finding = _finding("fine").model_dump(mode="json")
    report = service.ingest("svc:case-system", [
        {**item, "payload": {**finding, "summary": "nul\x00byte"}},
        {**item, "payload": {**finding, "recorded_on": 1741564800}},
        {**item, "payload": {**finding, "recorded_on": "2025-03-10T00:00:00"}},
        {**item, "payload": finding, "idempotency_key": "k\x00"},
        {**item, "payload": finding},
    ])
    assert [(e.index, e.code, e.field) for e in report.rejected] == [
        (0, "invalid_text", "summary"), (1, "invalid_date", "recorded_on"), (2, "invalid_date", "recorded_on"),
        (3, "invalid_text", "idempotency_key"),
    ]
    assert [r.index for r in report.applied] == [4]
    assert store.recorder.max_notification_id() == (before or 0) + 2  # the finding and the claim of its id
