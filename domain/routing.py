"""Which agencies receive a learning event: the one routing rule, as a pure function.

Learning events are findings recorded, recommendations made and decided,
activities signed off and published, their 7-minute briefings published,
actions agreed, and newsletters issued (to the agencies of their audience alone). An agency receives
one when it subscribed to everything, to one of the event's themes, to the
kind of source it came from, or to a forum that source kind's learning is
disseminated to (its points of dissemination, per the partnership's routing).
Whatever it subscribed to, an agency always receives the recommendations
addressed to it and the actions it owns: those ask something of it.

Every delivery path (the Kafka worker and the embedded feed filler) calls
`route`; nothing else decides who gets what.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.framework import PARTNERSHIP_AGENCY, SourceKind, Theme


class LearningKind(StrEnum):
    FINDING_RECORDED = "finding_recorded"
    RECOMMENDATION_MADE = "recommendation_made"
    RECOMMENDATION_DECIDED = "recommendation_decided"
    ACTIVITY_SIGNED_OFF = "activity_signed_off"
    ACTIVITY_PUBLISHED = "activity_published"
    ACTION_AGREED = "action_agreed"
    ACTION_DUE_SOON = "action_due_soon"
    ACTION_OVERDUE = "action_overdue"
    ACKNOWLEDGEMENT_OUTSTANDING = "acknowledgement_outstanding"
    BRIEFING_PUBLISHED = "briefing_published"
    NEWSLETTER_ISSUED = "newsletter_issued"


ADDRESSED_TO_ONE: dict[LearningKind, str] = {
    LearningKind.ACTION_AGREED: "owner",
    LearningKind.ACTION_DUE_SOON: "owner",
    LearningKind.ACTION_OVERDUE: "owner",
    LearningKind.ACKNOWLEDGEMENT_OUTSTANDING: "acknowledgement_expected",
}
"""Kinds that concern one agency alone (`EventSummary.owner_agency_id`), and the reason it receives them."""
ADDRESSED_TO_AUDIENCE: dict[LearningKind, str] = {LearningKind.NEWSLETTER_ISSUED: "audience"}
"""Kinds that name the agencies they go to (`EventSummary.addressed_to`), whatever those subscribed to."""


class _LearningTopics(Mapping[str, LearningKind]):
    """Event topics that are learning events, and what kind each is: the event classes'
    `LEARNING`. Read at first use, as the modules defining them import this one."""

    @cached_property
    def _kinds(self) -> dict[str, LearningKind]:
        from domain.catalogue import EVENT_CLASSES

        return {cls.TOPIC: cls.LEARNING for cls in EVENT_CLASSES if cls.LEARNING is not None}

    def __getitem__(self, topic: str) -> LearningKind:
        return self._kinds[topic]

    def get(self, topic: str, default: LearningKind | None = None) -> LearningKind | None:  # type: ignore[override]
        return self._kinds.get(topic, default)  # a hot path: straight to the dict

    def __contains__(self, topic: object) -> bool:
        return topic in self._kinds

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


LEARNING_TOPICS: Mapping[str, LearningKind] = _LearningTopics()


class Subscription(BaseModel):
    """What one agency asked to receive. Stored on the Partnership, set by events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str
    everything: bool = False
    themes: tuple[Theme, ...] = ()
    source_kinds: tuple[SourceKind, ...] = ()
    forums: tuple[str, ...] = ()


class EventSummary(BaseModel):
    """The facts about a learning event that routing looks at."""

    model_config = ConfigDict(frozen=True)

    kind: LearningKind
    source_kind: SourceKind | None = None
    """The kind of the activity the learning came from (None if unknown)."""
    themes: tuple[Theme, ...] = ()
    addressed_to: tuple[str, ...] = ()
    """For recommendations: the agencies asked to act; for a newsletter: its audience's agencies."""
    owner_agency_id: str | None = None
    """For actions: the agency that owns it; for an outstanding acknowledgement: the agency expected."""


class Disseminates(Protocol):
    """A source kind's routing (domain.partnership.Routing fits)."""

    @property
    def points_of_dissemination(self) -> tuple[str, ...]: ...


def dissemination_forums(kind: SourceKind, partnership_routing: Mapping[SourceKind, Disseminates]) -> tuple[str, ...]:
    """The forums a source kind's learning goes to, as the partnership routes it: none
    for a kind it has not routed (no activity of such a kind opens any more; one opened
    before routing became the partnership's alone reaches its subscribers only)."""
    routing = partnership_routing.get(kind)
    return tuple(routing.points_of_dissemination) if routing is not None else ()


def subscription_rule(s: Subscription, summary: EventSummary, forums: tuple[str, ...]) -> str | None:
    """Which part of a subscription matches this event (None if none does)."""
    if s.everything:
        return "subscribed:everything"
    for theme in summary.themes:
        if theme in s.themes:
            return f"subscribed:theme={theme.value}"
    if summary.source_kind is not None and summary.source_kind in s.source_kinds:
        return f"subscribed:source_kind={summary.source_kind.value}"
    for forum in forums:
        if forum in s.forums:
            return f"point_of_dissemination:{forum}"
    return None


def route_reasons(
    summary: EventSummary,
    partnership_routing: Mapping[SourceKind, Disseminates],
    subscriptions: Mapping[str, Subscription],
) -> dict[str, str]:
    """The agencies that receive this learning event, each with the rule that sends it:
    `owner`, `acknowledgement_expected`, `addressed_to`, `subscribed:everything`, `subscribed:theme=<theme>`,
    `subscribed:source_kind=<kind>` or `point_of_dissemination:<forum>`."""
    if summary.kind in ADDRESSED_TO_ONE:
        # An action (and a reminder of it) is restricted to the agency that owns it, whatever
        # others subscribe to; an outstanding acknowledgement goes to the agency expected to give it.
        reason = ADDRESSED_TO_ONE[summary.kind]
        return {summary.owner_agency_id: reason} if summary.owner_agency_id else {}
    if summary.kind in ADDRESSED_TO_AUDIENCE:
        # A newsletter is issued to an audience chosen for it: its agencies, and them only.
        reason = ADDRESSED_TO_AUDIENCE[summary.kind]
        return {a: reason for a in summary.addressed_to if a != PARTNERSHIP_AGENCY}
    forums = (
        dissemination_forums(summary.source_kind, partnership_routing) if summary.source_kind is not None else ()
    )
    chosen: dict[str, str] = {}
    if summary.kind in {LearningKind.RECOMMENDATION_MADE, LearningKind.RECOMMENDATION_DECIDED}:
        # Addressed first: that it asks something of the agency is the stronger reason.
        chosen.update(dict.fromkeys(summary.addressed_to, "addressed_to"))
    for agency, s in subscriptions.items():
        if agency not in chosen and (rule := subscription_rule(s, summary, forums)) is not None:
            chosen[agency] = rule
    # A recommendation addressed to the partnership itself asks no agency's feed.
    chosen.pop(PARTNERSHIP_AGENCY, None)
    return chosen


def route(
    summary: EventSummary,
    partnership_routing: Mapping[SourceKind, Disseminates],
    subscriptions: Mapping[str, Subscription],
) -> set[str]:
    """The ids of the agencies that receive this learning event."""
    return set(route_reasons(summary, partnership_routing, subscriptions))
