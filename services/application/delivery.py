"""Why an agency did or did not receive a learning event: the scrutineer's question.

Routing itself happens as each event is delivered (adapters/routing_state.py folds
the facts in log order, domain.routing.route decides, the ledger keeps each
delivery's rule). This answers from what was kept then: the facts the event's
routing looked at, its deliveries, and the agency's standing at that position.
"""

from __future__ import annotations

from typing import Any

from domain.routing import ADDRESSED_TO_ONE, EventSummary, LearningKind, Subscription, subscription_rule


def _listed(values: list[str]) -> str:
    return ", ".join(v.replace("_", " ") for v in values) or "none"


def why_not(agency_id: str, position: int, summary: EventSummary, forums: tuple[str, ...],
            joined: bool, subscription: Subscription | None) -> str:
    """The sentence that says why an agency did not receive an event."""
    if not joined:
        return f"{agency_id} was not an agency of the partnership at log position {position}."
    if summary.kind is LearningKind.ACKNOWLEDGEMENT_OUTSTANDING:
        return f"An outstanding acknowledgement goes only to the agency expected to give it, {summary.owner_agency_id}."
    if summary.kind in ADDRESSED_TO_ONE:
        return f"An action and its reminders go only to the agency that owns it, {summary.owner_agency_id}."
    if subscription is None:
        return (
            f"{agency_id} had no subscription at log position {position}, and the event was not addressed to it."
        )
    rule = subscription_rule(subscription, summary, forums)
    if rule is not None:  # the ledger holds no row, yet the subscription matches: not delivered (yet)
        return f"{agency_id}'s subscription then matched ({rule}), but no delivery is recorded."
    return (
        f"{agency_id}'s subscription at log position {position} (themes: {_listed(list(subscription.themes))};"
        f" source kinds: {_listed(list(subscription.source_kinds))}; forums: {_listed(list(subscription.forums))})"
        f" matched none of the event's themes ({_listed([t.value for t in summary.themes])}), its source kind"
        f" ({summary.source_kind.value.replace('_', ' ') if summary.source_kind else 'unknown'}) or the forums it is"
        f" disseminated to ({_listed(list(forums))})."
    )


def explain(
    event_id: str, kept: dict[str, Any], deliveries: list[tuple[str, str, bool]], agency_id: str | None
) -> dict[str, Any]:
    """The answer of GET .../deliveries/{event_id}/explain."""
    facts = dict(kept["summary"])
    forums = tuple(facts.pop("forums", ()))
    summary = EventSummary.model_validate(facts)
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": kept["type"],
        "position": kept["position"],
        "title": kept["title"],
        "routed_on": {
            "themes": [t.value for t in summary.themes],
            "source_kind": summary.source_kind.value if summary.source_kind else None,
            "forums": list(forums),
            "addressed_to": list(summary.addressed_to),
            "owner_agency_id": summary.owner_agency_id,
        },
        "deliveries": [{"agency_id": a, "rule": r, "sent": s} for a, r, s in deliveries],
    }
    if agency_id is not None:
        rules = {a: r for a, r, _ in deliveries}
        held = kept.get("subscription")
        subscription = Subscription.model_validate(held) if held else None
        received = agency_id in rules
        body["agency"] = {
            "agency_id": agency_id,
            "received": received,
            "rule": rules.get(agency_id),
            "subscription_at_event": subscription.model_dump(mode="json") if subscription else None,
            "reason": (
                f"{agency_id} received it: {rules[agency_id]}." if received
                else why_not(agency_id, kept["position"], summary, forums, bool(kept.get("joined")), subscription)
            ),
        }
    return body

