"""The facts routing needs, kept in log order, and the routing decision taken from them.

A delivery path folds every event of a partnership, in the order of the log, into
that partnership's facts (its agencies, forums, routing and subscriptions, each
activity's kind, title and findings' themes, each recommendation's findings and
addressees) and, at each learning event, asks `domain.routing.route_reasons` who
receives it with the facts as they stand at that event's position. So who gets an
event depends on the log up to it, not on when the path runs, and a replay decides
the same. Nothing here reads the event store: the Kafka worker gets the events from
lif.events (keyed by partnership, so in log order per partnership) and the embedded
path from the notification log.

The facts are plain JSON-able dicts so that the ledger can keep them between
batches (adapters/routing_facts.py); `Facts.dirty` says which ones changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.envelope import Envelope
from adapters.sealed_text import token
from domain.framework import DEFAULT_SOURCES, PARTNERSHIP_AGENCY, SourceKind, Theme
from domain.routing import (
    ADDRESSED_TO_ONE,
    LEARNING_TOPICS,
    EventSummary,
    LearningKind,
    Subscription,
    dissemination_forums,
    route_reasons,
)

PARTNERSHIP = PARTNERSHIP_AGENCY
"""The key of the partnership's own facts (beside "activity:<id>" and "recommendation:<id>")."""
Json = dict[str, Any]


def activity_key(activity_id: object) -> str:
    return f"activity:{activity_id}"


def recommendation_key(recommendation_id: object) -> str:
    return f"recommendation:{recommendation_id}"


def keys_for(envelope: Envelope) -> set[str]:
    """The facts an event reads or changes (those of its aggregate and those it names)."""
    keys = {PARTNERSHIP}
    p = envelope.payload
    if envelope.type.startswith("lif.activity."):
        keys.add(activity_key(envelope.aggregate_id))
    elif envelope.type.startswith("lif.recommendation."):
        keys.add(recommendation_key(envelope.aggregate_id))
    if "activity_id" in p:
        keys.add(activity_key(p["activity_id"]))
    if "recommendation_id" in p:
        keys.add(recommendation_key(p["recommendation_id"]))
    return keys


@dataclass(frozen=True)
class _Points:
    points_of_dissemination: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """Who receives one learning event, why, and what to call it in a feed."""

    envelope: Envelope
    recipients: dict[str, str]
    """agency id -> the rule that sends it the event (see domain.routing.route_reasons)."""
    title: str
    summary: EventSummary
    forums: tuple[str, ...]
    """The forums the event's source kind disseminated to at the time."""


@dataclass
class HistoryRow:
    """A change to an agency's standing in a partnership, for explanations later."""

    agency_id: str
    position: int
    what: str  # joined, subscribed or cancelled
    subscription: Json | None = None


@dataclass
class Facts:
    """One partnership's facts, as far as `position` in the log."""

    partnership_id: str
    values: dict[str, Json] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    history: list[HistoryRow] = field(default_factory=list)

    @property
    def position(self) -> int:
        return int(self.values.get(PARTNERSHIP, {}).get("position", 0))

    def _partnership(self) -> Json:
        return self.values.setdefault(
            PARTNERSHIP, {"position": 0, "agencies": {}, "forums": {}, "routing": {}, "subscriptions": {}}
        )

    def _set(self, key: str, value: Json) -> None:
        self.values[key] = value
        self.dirty.add(key)

    def apply(self, envelope: Envelope) -> Decision | None:
        """Folds the event in; for a learning event, the decision as at its position.

        Events at or before the facts' position were folded in already (a redelivery
        or a replay): they change nothing and get no new decision (None)."""
        if envelope.position <= self.position:
            return None
        self._fold(envelope)
        self._partnership()["position"] = envelope.position
        self.dirty.add(PARTNERSHIP)
        return self._decide(envelope)

    def _fold(self, e: Envelope) -> None:
        p, t = e.payload, e.type
        if t.startswith("lif.partnership."):
            self._fold_partnership(e)
        elif t == "lif.activity.opened":
            self._set(activity_key(e.aggregate_id), {"kind": p["kind"], "title": p["title"], "findings": {}})
        elif t == "lif.activity.finding_recorded":
            activity = self.values.get(activity_key(e.aggregate_id))
            if activity is not None:
                findings = {**activity["findings"], str(p["finding_id"]): list(p.get("themes", ()))}
                self._set(activity_key(e.aggregate_id), {**activity, "findings": findings})
        elif t == "lif.recommendation.made":
            self._set(recommendation_key(e.aggregate_id), {
                "activity_id": str(p["activity_id"]), "finding_ids": [str(f) for f in p["finding_ids"]],
                "addressed_to": list(p["addressed_to"]), "text": p.get("text", ""),
            })

    def _fold_partnership(self, e: Envelope) -> None:
        p, t, state = e.payload, e.type, self._partnership()
        self.dirty.add(PARTNERSHIP)
        if t == "lif.partnership.agency_added":
            state["agencies"][p["agency_id"]] = p["name"]
            self.history.append(HistoryRow(p["agency_id"], e.position, "joined"))
        elif t == "lif.partnership.forum_added":
            state["forums"][p["forum_id"]] = p["name"]
        elif t == "lif.partnership.routing_set":
            state["routing"][p["source_kind"]] = list(p["points_of_dissemination"])
        elif t == "lif.partnership.subscription_set":
            subscription = Subscription(
                agency_id=p["agency_id"], everything=p.get("everything", False), themes=tuple(p.get("themes", ())),
                source_kinds=tuple(p.get("source_kinds", ())), forums=tuple(p.get("forums", ())),
            ).model_dump(mode="json")
            state["subscriptions"][p["agency_id"]] = subscription
            self.history.append(HistoryRow(p["agency_id"], e.position, "subscribed", subscription))
        elif t == "lif.partnership.subscription_cancelled":
            state["subscriptions"].pop(p["agency_id"], None)
            self.history.append(HistoryRow(p["agency_id"], e.position, "cancelled"))

    def _themes(self, activity: Json | None, finding_ids: list[str] | None = None) -> tuple[Theme, ...]:
        if activity is None:
            return ()
        findings: dict[str, list[str]] = activity["findings"]
        chosen = findings.values() if finding_ids is None else (findings.get(f, []) for f in finding_ids)
        return tuple(dict.fromkeys(Theme(t) for themes in chosen for t in themes))

    def _summary(self, e: Envelope, kind: LearningKind) -> tuple[EventSummary, Json | None]:
        p = e.payload
        if kind is LearningKind.NEWSLETTER_ISSUED:
            return EventSummary(kind=kind, addressed_to=tuple(p["agencies"])), None
        if kind in _ACTIVITY_LEARNING:
            activity = self.values.get(activity_key(e.aggregate_id))
            themes = (
                tuple(Theme(t) for t in p.get("themes", ())) if kind is LearningKind.FINDING_RECORDED
                else self._themes(activity)
            )
            return EventSummary(kind=kind, source_kind=_kind(activity), themes=themes), activity
        if kind is LearningKind.ACKNOWLEDGEMENT_OUTSTANDING:
            activity = self.values.get(activity_key(p["activity_id"]))
            return EventSummary(
                kind=kind, source_kind=_kind(activity), themes=self._themes(activity), owner_agency_id=p["agency_id"],
            ), activity
        owned = kind in ADDRESSED_TO_ONE  # an action, or a reminder of one
        rec_id = p["recommendation_id"] if owned else e.aggregate_id
        rec = self.values.get(recommendation_key(rec_id))
        activity = self.values.get(activity_key(rec["activity_id"])) if rec else None
        themes = self._themes(activity, rec["finding_ids"] if rec else [])
        if owned:
            summary = EventSummary(
                kind=kind, source_kind=_kind(activity), themes=themes, owner_agency_id=p["owner_agency_id"]
            )
        else:
            summary = EventSummary(
                kind=kind, source_kind=_kind(activity), themes=themes,
                addressed_to=tuple(rec["addressed_to"]) if rec else (),
            )
        return summary, activity

    def _decide(self, e: Envelope) -> Decision | None:
        kind = LEARNING_TOPICS.get(e.type)
        if kind is None:
            return None
        state = self._partnership()
        summary, activity = self._summary(e, kind)
        routing = {SourceKind(k): _Points(tuple(v)) for k, v in state["routing"].items()}
        subscriptions = {a: Subscription.model_validate(s) for a, s in state["subscriptions"].items()}
        chosen = route_reasons(summary, routing, subscriptions)
        recipients = {a: rule for a, rule in chosen.items() if a in state["agencies"]}
        forums = dissemination(summary.source_kind, routing)
        return Decision(e, recipients, title(e, kind, activity, state), summary, forums)


_ACTIVITY_LEARNING = frozenset({
    LearningKind.FINDING_RECORDED, LearningKind.ACTIVITY_SIGNED_OFF, LearningKind.ACTIVITY_PUBLISHED,
    LearningKind.BRIEFING_PUBLISHED,
})
"""Learning about an activity as a whole: its kind and all its findings' themes route it."""


def _kind(activity: Json | None) -> SourceKind | None:
    return SourceKind(activity["kind"]) if activity else None


def dissemination(kind: SourceKind | None, routing: dict[SourceKind, _Points]) -> tuple[str, ...]:
    """As routing saw it: the partnership's RoutingSet for the kind, or no forum."""
    return dissemination_forums(kind, routing) if kind is not None else ()


def title(e: Envelope, kind: LearningKind, activity: Json | None, partnership: Json) -> str:
    """What happened to what, in words a reader of the feed follows."""
    p = e.payload
    # Names and titles are free text, sealed in the envelopes: the title keeps them sealed
    # (`token`), and what shows it opens them (adapters/sealed_text.py `open_in_text`).
    name = token(activity["title"]) if activity else "an activity"
    source = DEFAULT_SOURCES[SourceKind(activity["kind"])].title if activity else "an activity"
    forums = {k: token(v) for k, v in partnership["forums"].items()}
    agencies = {k: token(v) for k, v in partnership["agencies"].items()}
    if kind is LearningKind.NEWSLETTER_ISSUED:
        return f"Newsletter: {token(p['title'])}"
    if kind is LearningKind.FINDING_RECORDED:
        return f"Finding recorded in {source}: {name}"
    if kind is LearningKind.ACTIVITY_SIGNED_OFF:
        return f"{name} signed off by the {forums.get(p['forum_id'], p['forum_id'])}"
    if kind is LearningKind.ACTIVITY_PUBLISHED:
        return f"{name} published ({source})"
    if kind is LearningKind.BRIEFING_PUBLISHED:
        return f"7-minute briefing published: {name} ({source})"
    if kind is LearningKind.RECOMMENDATION_MADE:
        return f"Recommendation made in {source}: {name}"
    if kind is LearningKind.RECOMMENDATION_DECIDED:
        outcome = {"accept": "accepted", "reject": "rejected", "defer": "deferred"}.get(p["outcome"], p["outcome"])
        return f"Recommendation from {name} {outcome} by the {forums.get(p['forum_id'], p['forum_id'])}"
    if kind is LearningKind.ACKNOWLEDGEMENT_OUTSTANDING:
        who = agencies.get(p["agency_id"], p["agency_id"])
        return f"Acknowledgement of the learning of {name} by {who} is outstanding (expected by {p['due_on']})"
    owner = agencies.get(p["owner_agency_id"], p["owner_agency_id"])
    if kind is LearningKind.ACTION_DUE_SOON:
        return f"Action of {owner} from {name} is due on {p['due_on']}"
    if kind is LearningKind.ACTION_OVERDUE:
        return f"Action of {owner} from {name} is overdue (it was due on {p['due_on']})"
    return f"Action agreed for {owner} from {name}"
