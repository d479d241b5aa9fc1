"""A partnership with an action falling due, and clocks as other processes have them (tests of the
clock and of the mail it causes)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from adapters.settings import Settings
from adapters.store import EventStore
from domain.framework import ARLF
from domain.time_events import TIME_EVENTS, TimeEvent
from projections.projector import Projector
from projections.runtime import build_projector
from services.application.clock import Clock
from services.workers.clock import caught_up
from tests.integration.view_scenario import Scenario

D = date
DUE = D(2025, 3, 14)  # a Friday; March 2025 has no bank holiday
SOON = D(2025, 3, 7)  # 5 working days before: due soon; the rapid review's notification approaches
LATE = D(2025, 4, 14)  # 21 working days overdue: escalated to ARLF and to the Executive
TIME_TOPICS = [cls.TOPIC for cls in TIME_EVENTS]


def build(s: Scenario) -> UUID:
    """An audit's accepted recommendation with the police's action due on DUE, and a rapid review."""
    s.register()
    audit = s.open("thematic_audit", "Neglect audit", D(2025, 3, 3))
    s.start(audit)
    finding = s.finding(audit, "Core groups lapsed for six weeks.", ("neglect",), D(2025, 3, 3))
    recommendation = s.recommend(audit, (finding,), "Hold core groups every month.", D(2025, 3, 3))
    s.decide("recommendation", recommendation, ARLF, D(2025, 3, 3))
    s.open("rapid_review", "Rapid review: infant", D(2025, 3, 4), aware_on=D(2025, 3, 4))
    return s.action(recommendation, "Audit core groups monthly.", DUE)


class World:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = EventStore.from_settings(settings)
        self.projector = build_projector(settings, self.store)
        self.scenario = Scenario(self.store, self.projector.db)
        self.action = build(self.scenario)
        self.opened: list[tuple[EventStore, Projector]] = []

    def clock(self, cls: type[Clock] = Clock) -> Clock:
        """A clock as another process has it: its own store and its own projector over the same views."""
        store = EventStore.from_settings(self.settings)
        projector = build_projector(self.settings, store)
        self.opened.append((store, projector))
        return cls(store, projector.db, catch_up=lambda: caught_up(projector))

    def time_events(self) -> list[TimeEvent]:
        head = self.store.recorder.max_notification_id() or 0
        found = self.store.recorder.select_notifications(1, head, topics=TIME_TOPICS)
        events = [self.store.mapper.to_domain_event(n) for n in found]
        assert all(isinstance(e, TimeEvent) for e in events)
        return events

    def close(self) -> None:
        for store, projector in self.opened:
            projector.close()
            store.close()
        self.scenario.close()
        self.projector.close()
        self.store.close()


