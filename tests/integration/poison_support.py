"""A poison event for the projector: a finding recorded twice under one id, stored bypassing the domain.

The tracker keeps findings by id, so the second one breaks its primary key (`UNIQUE
constraint failed: tracker_findings.finding_id` on SQLite, `duplicate key value violates
unique constraint` on PostgreSQL); the agendas and themes upsert, and the audit trail
and the statutory clocks take it as any other event. `tolerate_duplicate_findings` is
the "fixed" tracker: a finding already recorded is ignored, as the fixed handler would.
"""

from __future__ import annotations

import re
from dataclasses import replace
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.sql import Cursor
from adapters.store import EventStore
from domain.activity import FindingRecorded
from domain.events import DomainEvent
from projections.themes import ThemesView
from projections.tracker import TrackerView
from projections.view import View

POISONED_VIEWS = {"tracker"}
"""The views whose tables refuse the duplicate finding."""
FINDING_TABLES: dict[type[View], str] = {TrackerView: "tracker_findings"}


def plant_duplicate_finding(store: EventStore, activity_id: UUID, finding_id: UUID) -> int:
    """Stores, through the recorder, the activity's finding `finding_id` recorded again; returns its position."""
    events = list(store.events_of(activity_id))
    original = next(e for e in events if isinstance(e, FindingRecorded) and e.finding_id == finding_id)
    again = original.model_copy(update={
        "originator_version": events[-1].originator_version + 1, "event_id": uuid4(),
        "summary": "Recorded twice.",
    })
    position = store.recorder.insert_events([store.mapper.to_stored_event(again)])
    assert position, "the recorder returned no notification id"
    return int(position[-1])


def tolerate_duplicate_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fix: each poisoned view ignores a finding id it already holds."""
    for cls, table in FINDING_TABLES.items():
        original = cls.apply

        def apply(self: View, cur: Cursor, event: DomainEvent, position: int,
                  original: object = original, table: str = table) -> None:
            if isinstance(event, FindingRecorded):
                cur.execute(f"SELECT 1 FROM {table} WHERE finding_id = ?", (str(event.finding_id),))
                if cur.fetchone():
                    return
            original(self, cur, event, position)  # type: ignore[operator]

        monkeypatch.setattr(cls, "apply", apply)


class ThemesBug(Exception):
    pass


def break_themes_for(monkeypatch: pytest.MonkeyPatch, partnership_id: str) -> None:
    """A view bug: the themes view raises on every finding of one partnership (until unpatched)."""
    original = ThemesView.apply

    def apply(self: ThemesView, cur: Cursor, event: DomainEvent, position: int) -> None:
        if isinstance(event, FindingRecorded) and event.partnership_id == partnership_id:
            raise ThemesBug(f"no quarter for {event.recorded_on}")
        original(self, cur, event, position)

    monkeypatch.setattr(ThemesView, "apply", apply)


BAD_DATE = b'"recorded_on":"the day after"'


def plant_undecodable_finding(store: EventStore, activity_id: UUID) -> int:
    """Stores a finding whose payload no version of the class accepts (a date that is not one)."""
    events = list(store.events_of(activity_id))
    original = next(e for e in events if isinstance(e, FindingRecorded))
    again = original.model_copy(update={
        "originator_version": events[-1].originator_version + 1, "event_id": uuid4(), "finding_id": uuid4(),
    })
    stored = store.mapper.to_stored_event(again)
    state = re.sub(rb'"recorded_on":"[^"]*"', BAD_DATE, stored.state)
    assert state != stored.state
    position = store.recorder.insert_events([replace(stored, state=state)])
    assert position
    return int(position[-1])


def repair_undecodable_findings(monkeypatch: pytest.MonkeyPatch, store: EventStore) -> None:
    """The fix: the mapper reads "the day after" as a date (as an upcaster would)."""
    original = store.mapper.to_domain_event

    def to_domain_event(stored: StoredEvent) -> object:
        if BAD_DATE in stored.state:
            stored = replace(stored, state=stored.state.replace(BAD_DATE, b'"recorded_on":"2026-02-02"'))
        return original(stored)

    monkeypatch.setattr(store.mapper, "to_domain_event", to_domain_event)
