"""Loading keeps states between commands, yet never misses what another process wrote."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import Activity
from domain.partnership import Partnership, partnership_uuid
from services.application.service import LearningService
from tests.integration.test_persistence import CTX, _audit, _finding


@pytest.fixture
def two_stores(settings: Settings) -> Iterator[tuple[EventStore, EventStore]]:
    a, b = EventStore.from_settings(settings), EventStore.from_settings(settings)
    yield a, b
    a.close()
    b.close()


def test_a_state_loaded_earlier_catches_up_with_another_writer(two_stores: tuple[EventStore, EventStore]) -> None:
    mine, other = two_stores
    activity_id = _audit(LearningService(mine))
    before = mine.load(activity_id, Activity)
    assert before is not None and before.version == 1

    LearningService(other).execute(CTX, _finding("Written by another process."), activity_id)
    LearningService(other).execute(
        CTX, cmd.AddAgency(agency_id="wirral-police", display_name="Wirral Police", sector="police")
    )

    after = mine.load(activity_id, Activity)
    assert after is not None and after.version == 2
    assert [f.summary for f in after.findings.values()] == ["Written by another process."]
    assert before.version == 1 and not before.findings  # what was handed out earlier is unchanged
    partnership = mine.load(partnership_uuid("st-helens"), Partnership)
    assert partnership is not None and "wirral-police" in partnership.agencies
    # A command through the first store rests on the state the other one left.
    out = LearningService(mine).execute(CTX, _finding("Second."), activity_id)
    assert out.body["version"] == 3 and len(out.body["findings"]) == 2


def test_a_batch_loads_each_aggregate_once(two_stores: tuple[EventStore, EventStore]) -> None:
    store, _ = two_stores
    service = LearningService(store)
    activity_id = _audit(service)
    loads: list[Any] = []
    load = store.load

    def counting(aggregate_id: Any, kind: Any, **kw: Any) -> Any:
        loads.append(aggregate_id)
        return load(aggregate_id, kind, **kw)

    store.load = counting  # type: ignore[method-assign]
    items = [
        {"partnership_id": "st-helens", "command": "record_finding", "target_id": str(activity_id),
         "payload": _finding(f"Finding {i}").model_dump(mode="json")}
        for i in range(5)
    ]
    report = service.ingest("tester", items)

    assert [r.version for r in report.applied] == [2, 3, 4, 5, 6]
    assert sorted(map(str, loads)) == sorted([str(activity_id), str(partnership_uuid("st-helens"))])
