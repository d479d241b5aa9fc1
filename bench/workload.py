"""The workload shared by the ingest and HTTP benchmarks: findings recorded on open activities.

The same payload is appended by our domain application and by a plain
`eventsourcing` aggregate, so that a ratio between the two is the cost of what
is ours (pydantic events and states, the mapper, the unit of work, the rules).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder, Transcoding

PARTNERSHIP = "bench-partnership"
PRINCIPAL = "bench"
AGENCIES = ("merseyside-police", "st-helens-council")

OPEN_ACTIVITY: dict[str, Any] = {
    "kind": "thematic_audit",
    "title": "Thematic audit of neglect referrals",
    "opened_on": "2026-01-05",
    "scope": "Referrals for neglect received by the front door in the last quarter.",
    "agencies_involved": list(AGENCIES),
}

RECORD_FINDING: dict[str, Any] = {
    "category": "area_for_improvement",
    "summary": "Chronologies were not shared between agencies before the strategy meeting, "
    "so the risk of neglect was assessed on partial information.",
    "themes": ["neglect", "information_sharing"],
    "agencies_concerned": list(AGENCIES),
    "recorded_on": "2026-02-02",
}


def ingest_items(activity_ids: list[UUID], per_activity: int) -> list[dict[str, Any]]:
    """`per_activity` findings on each activity, round-robin, as POST /v1/ingest items."""
    return [
        {
            "partnership_id": PARTNERSHIP,
            "command": "record_finding",
            "target_id": str(activity_id),
            "payload": RECORD_FINDING,
        }
        for _ in range(per_activity)
        for activity_id in activity_ids
    ]


def chunks(items: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class _DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BareActivity(Aggregate):
    """The library's own kind of aggregate, carrying the fields of our Activity events."""

    def __init__(
        self,
        partnership_id: str,
        principal: str,
        kind: str,
        title: str,
        scope: str,
        agencies_involved: list[str],
        opened_on: date,
    ) -> None:
        self.partnership_id = partnership_id
        self.kind = kind
        self.title = title
        self.scope = scope
        self.agencies_involved = agencies_involved
        self.opened_on = opened_on
        self.findings: dict[UUID, dict[str, Any]] = {}

    @event("FindingRecorded")
    def record_finding(
        self,
        event_id: UUID,
        partnership_id: str,
        principal: str,
        rationale: str | None,
        finding_id: UUID,
        category: str,
        summary: str,
        themes: list[str],
        agencies_concerned: list[str],
        recorded_on: date,
    ) -> None:
        self.findings[finding_id] = {
            "category": category,
            "summary": summary,
            "themes": themes,
            "agencies_concerned": agencies_concerned,
            "recorded_on": recorded_on,
        }


class BareApp(Application[UUID]):
    """A plain `eventsourcing` application (its own mapper and transcoder)."""

    name = "bare"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(_DateAsISO())

    def open_activity(self) -> UUID:
        a = BareActivity(
            partnership_id=PARTNERSHIP,
            principal=PRINCIPAL,
            kind=OPEN_ACTIVITY["kind"],
            title=OPEN_ACTIVITY["title"],
            scope=OPEN_ACTIVITY["scope"],
            agencies_involved=list(AGENCIES),
            opened_on=date.fromisoformat(OPEN_ACTIVITY["opened_on"]),
        )
        self.save(a)
        return a.id

    def record_finding(self, activity: BareActivity, payload: dict[str, Any]) -> None:
        """Triggers the event from a JSON payload, parsing it as our command does."""
        activity.record_finding(
            event_id=uuid4(),
            partnership_id=PARTNERSHIP,
            principal=PRINCIPAL,
            rationale=None,
            finding_id=uuid4(),
            category=payload["category"],
            summary=payload["summary"],
            themes=list(payload["themes"]),
            agencies_concerned=list(payload["agencies_concerned"]),
            recorded_on=date.fromisoformat(payload["recorded_on"]),
        )

    def execute_one(self, activity_id: UUID, payload: dict[str, Any]) -> None:
        """A command in the library's style: load, trigger, save (one transaction)."""
        activity: BareActivity = self.repository.get(activity_id)
        self.record_finding(activity, payload)
        self.save(activity)

    def ingest(self, items: list[dict[str, Any]]) -> int:
        """A batch in one transaction, each aggregate loaded once, as our unit of work does."""
        loaded: dict[UUID, BareActivity] = {}
        for item in items:
            activity_id = UUID(item["target_id"])
            if activity_id not in loaded:
                loaded[activity_id] = self.repository.get(activity_id)
            self.record_finding(loaded[activity_id], item["payload"])
        self.save(*loaded.values())
        return len(items)
