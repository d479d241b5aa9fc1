"""Who receives a published event: gathers the facts, lets domain.routing decide.

Shared by the Kafka worker (consumers/route_learning.py) and the embedded
feed filler (services/feeds.py), so both deliver exactly the same way.
"""

from __future__ import annotations

from uuid import UUID

from domain.activity import Activity
from domain.framework import Theme
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from domain.routing import LEARNING_TOPICS, EventSummary, LearningKind, route
from services.envelope import Envelope
from services.store import EventStore


def _themes(activity: Activity | None, finding_ids: list[UUID] | None = None) -> tuple[Theme, ...]:
    if activity is None:
        return ()
    findings = activity.findings.values() if finding_ids is None else (
        activity.findings[f] for f in finding_ids if f in activity.findings
    )
    return tuple(dict.fromkeys(t for f in findings for t in f.themes))


def summarise(envelope: Envelope, store: EventStore) -> EventSummary | None:
    """The routing facts of a learning event; None if it is not one."""
    kind = LEARNING_TOPICS.get(envelope.type)
    if kind is None:
        return None
    payload = envelope.payload
    if kind in {LearningKind.FINDING_RECORDED, LearningKind.ACTIVITY_SIGNED_OFF, LearningKind.ACTIVITY_PUBLISHED}:
        activity = store.load(envelope.aggregate_id, Activity)
        themes = (
            tuple(Theme(t) for t in payload.get("themes", ()))
            if kind is LearningKind.FINDING_RECORDED
            else _themes(activity)
        )
        return EventSummary(kind=kind, source_kind=activity.kind if activity else None, themes=themes)
    if kind is LearningKind.ACTION_AGREED:
        recommendation = store.load(UUID(payload["recommendation_id"]), Recommendation)
        activity = store.load(UUID(payload["activity_id"]), Activity)
        return EventSummary(
            kind=kind,
            source_kind=activity.kind if activity else None,
            themes=_themes(activity, list(recommendation.finding_ids) if recommendation else []),
            owner_agency_id=payload["owner_agency_id"],
        )
    recommendation = store.load(envelope.aggregate_id, Recommendation)
    if recommendation is None:
        return None
    activity = store.load(recommendation.activity_id, Activity)
    return EventSummary(
        kind=kind,
        source_kind=activity.kind if activity else None,
        themes=_themes(activity, list(recommendation.finding_ids)),
        addressed_to=recommendation.addressed_to,
    )


def recipients(envelope: Envelope, store: EventStore) -> set[str]:
    """The partnership's agencies that receive this event (none for other events)."""
    summary = summarise(envelope, store)
    if summary is None:
        return set()
    partnership = store.load(partnership_uuid(envelope.partnership_id), Partnership)
    if partnership is None:
        return set()
    chosen = route(summary, partnership.routing, partnership.subscriptions)
    return chosen & set(partnership.agencies)
