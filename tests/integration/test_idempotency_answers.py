"""Stored idempotency answers name the aggregate (id, version, type, status); a replay
rebuilds the first answer's body from the aggregate's events. On both stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from adapters.idempotency import answer_id
from adapters.store import EventStore
from domain import commands as cmd
from domain.aggregate import Context
from services.application.service import LearningService, _fingerprint

PRINCIPAL = "tester"
CTX = Context(partnership_id="st-helens", principal=PRINCIPAL)
FINDING: dict[str, Any] = {
    "category": "area_for_improvement", "summary": "Chronologies were not shared.",
    "themes": ["neglect"], "recorded_on": "2026-02-10",
}


def _audit(service: LearningService) -> UUID:
    service.execute(CTX, cmd.RegisterPartnership(partnership_id="st-helens", display_name="St Helens"))
    out = service.execute(
        CTX, cmd.OpenActivity(kind="thematic_audit", title="Audit", opened_on=date(2026, 2, 2), scope="Neglect")
    )
    return UUID(out.body["id"])


def _stored_answer(store: EventStore, key: str) -> bytes:
    (event,) = store.recorder.select_events(answer_id(PRINCIPAL, key))
    return bytes(event.state)


def test_stored_answers_do_not_grow_with_the_aggregate_and_replay_as_first_given(store: EventStore) -> None:
    service = LearningService(store)
    activity = _audit(service)
    items = [
        {"partnership_id": "st-helens", "command": "record_finding", "target_id": str(activity),
         "payload": FINDING, "idempotency_key": f"f-{i}"}
        for i in range(200)
    ]
    report = service.ingest(PRINCIPAL, items)
    assert len(report.applied) == 200
    first, last = _stored_answer(store, "f-0"), _stored_answer(store, "f-199")
    # The same fields either way; only the version's digits differ (it held 200 findings before).
    assert len(last) - len(first) <= 4, (len(first), len(last))
    assert b"findings" not in last

    replay = service.execute(CTX, cmd.RecordFinding.model_validate(FINDING), activity, "f-9")
    assert replay.replayed and replay.status_code == 200
    assert replay.body["id"] == str(activity) and replay.body["version"] == 11
    assert len(replay.body["findings"]) == 10  # the activity as it stood after that item
    assert replay.body["type"] == "activity"
    again = service.ingest(PRINCIPAL, items[:3])
    assert [(a.id, a.version, a.replayed) for a in again.applied] == [(activity, v, True) for v in (2, 3, 4)]
    assert len(list(store.events_of(activity))) == 201


def test_an_answer_stored_whole_by_the_first_version_still_replays(store: EventStore) -> None:
    service = LearningService(store)
    activity = _audit(service)
    command = cmd.StartActivity()
    body = service.execute(CTX, command, activity).body  # applied without a key: what a v1 answer held
    payload = {
        "timestamp": datetime.now(UTC).isoformat(), "event_id": str(uuid4()), "partnership_id": "st-helens",
        "principal": PRINCIPAL, "rationale": None, "key": "old-1",
        "fingerprint": _fingerprint(CTX, command, activity), "status_code": 200, "body": body,
    }
    store.recorder.insert_events([StoredEvent(
        originator_id=answer_id(PRINCIPAL, "old-1"), originator_version=1,
        topic="lif.idempotency.answered", state=json.dumps(payload).encode(),
    )])
    before = store.recorder.max_notification_id()
    replay = service.execute(CTX, command, activity, "old-1")
    assert replay.replayed and replay.status_code == 200
    assert replay.body == body
    assert store.recorder.max_notification_id() == before
