"""adapters.routing_state: the facts folded in log order decide, as at each event, who receives it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from adapters.envelope import Envelope
from adapters.routing_state import Facts
from domain.framework import ARLF, SourceKind

PID = "p1"
ACTIVITY = uuid4()
PARTNERSHIP = uuid4()


class Log:
    def __init__(self) -> None:
        self.position = 0

    def event(self, type_: str, payload: dict[str, Any], aggregate: UUID = PARTNERSHIP) -> Envelope:
        self.position += 1
        return Envelope(
            envelope_version=1, event_id=uuid4(), type=type_, schema_version=1, aggregate_id=aggregate,
            aggregate_version=1, partnership_id=PID, occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
            principal="t", position=self.position, payload=payload,
        )


def test_a_finding_goes_to_whoever_subscribed_at_its_position_and_replays_change_nothing() -> None:
    log = Log()
    events = [
        log.event("lif.partnership.agency_added", {"agency_id": "police", "name": "Police", "sector": "police"}),
        log.event("lif.partnership.agency_added", {"agency_id": "council", "name": "Council", "sector": "health"}),
        log.event("lif.partnership.forum_added", {"forum_id": ARLF, "name": "Audit, Review and Learning Forum"}),
        log.event("lif.partnership.subscription_set", {"agency_id": "police", "themes": ["neglect"]}),
        log.event("lif.activity.opened", {"kind": SourceKind.THEMATIC_AUDIT.value, "title": "Neglect audit"}, ACTIVITY),
        log.event("lif.activity.finding_recorded",
                  {"finding_id": str(uuid4()), "themes": ["neglect"], "summary": "s"}, ACTIVITY),
        log.event("lif.partnership.subscription_cancelled", {"agency_id": "police"}),
        log.event("lif.partnership.subscription_set", {"agency_id": "council", "themes": ["neglect"]}),
        log.event("lif.activity.signed_off", {"forum_id": ARLF, "decision_id": str(uuid4())}, ACTIVITY),
    ]
    facts = Facts(PID)
    decisions = [d for e in events if (d := facts.apply(e)) is not None]
    assert [(d.envelope.type, d.recipients) for d in decisions] == [
        ("lif.activity.finding_recorded", {"police": "subscribed:theme=neglect"}),
        ("lif.activity.signed_off", {"council": "subscribed:theme=neglect"}),
    ]
    assert [d.title for d in decisions] == [
        "Finding recorded in Thematic Audit: Neglect audit",
        "Neglect audit signed off by the Audit, Review and Learning Forum",
    ]
    assert facts.position == len(events)
    # Redelivered or replayed events, at or before the facts' position, decide nothing again.
    assert [facts.apply(e) for e in events] == [None] * len(events)
    # A fresh fold of the same log decides the same.
    again = Facts(PID)
    replayed = [d.recipients for e in events if (d := again.apply(e)) is not None]
    assert replayed == [d.recipients for d in decisions]
