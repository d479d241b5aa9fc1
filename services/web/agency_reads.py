"""What the agency safeguarding lead's pages read: its inbox (the delivery ledger, which is also its
feed), the activity each item came from with the agency's acknowledgement of it, and its actions.

Every read is held to the agency: the inbox reads the ledger's rows for the agency alone, and an
action is found only if the agency owns it, so another agency's ids answer None (the page: 404,
which says nothing of whether they exist). Activities and actions are read from the store, as
they stand after the last command: the acknowledgement just recorded shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from adapters.envelope import Envelope
from adapters.ledger import Entry
from adapters.store import EventStore
from domain.action import Action
from domain.activity import LEARNING_READY, Acknowledgement, Activity
from domain.framework import DEFAULT_FORUMS
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from projections.tracker import rag

INBOX_PAGE = 25

KINDS = {
    "lif.activity.finding_recorded": "Finding",
    "lif.recommendation.made": "Recommendation",
    "lif.recommendation.decided": "Decision on a recommendation",
    "lif.activity.signed_off": "Learning signed off",
    "lif.activity.published": "Report published",
    "lif.action.agreed": "Action for your agency",
    "lif.activity.briefing_published": "7-minute briefing",
    "lif.partnership.newsletter_issued": "Newsletter",
    "lif.time.action_due_soon": "Reminder: your action falls due soon",
    "lif.time.action_overdue": "Your action is overdue",
    "lif.time.acknowledgement_outstanding": "Acknowledgement still awaited",
}
"""What each kind of learning routed to an agency is called on its inbox, by the event's topic
(every event class with a LEARNING kind has one: tests/unit/test_web_agency_kinds.py)."""
NEWSLETTER_ISSUED = "lif.partnership.newsletter_issued"
_SAID = ("summary", "text", "description", "report_summary", "rationale")

RAG_WORDS = {
    "red": "Red: overdue",
    "amber": "Amber: due within 14 days or off track",
    "green": "Green: on track",
    "completed": "Completed, awaiting assurance",
    "blue": "Blue: impact assured",
}
RAG_TAGS = {
    "red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green",
    "completed": "govuk-tag--purple", "blue": "govuk-tag--blue",
}


def reason(rule: str) -> str:
    """Why the agency received an item, in words (the ledger's rule: domain/routing.py)."""
    if rule == "owner":
        return "Your agency owns this action."
    if rule == "addressed_to":
        return "It is addressed to your agency."
    if rule == "acknowledgement_expected":
        return "Your agency is expected to acknowledge this learning and say how it cascaded it."
    if rule == "audience":
        return "Your agency is in the newsletter's audience."
    if rule == "subscribed:everything":
        return "Your agency subscribed to all the partnership's learning."
    kind, _, value = rule.partition("=")
    words = value.replace("_", " ")
    if kind == "subscribed:theme":
        return f"Your agency subscribed to the theme {words}."
    if kind == "subscribed:source_kind":
        return f"Your agency subscribed to learning from {words}s."
    if rule.startswith("point_of_dissemination:"):
        forum = rule.split(":", 1)[1]
        name = next((f.name for f in DEFAULT_FORUMS if f.forum_id == forum), forum.replace("-", " "))
        return f"Your agency subscribed to the learning of the forum {name}."
    return rule or "Routed to your agency."


@dataclass(frozen=True)
class Source:
    """The activity an item's learning came from, and the agency's acknowledgement of it."""

    activity_id: UUID
    title: str
    status: str
    ready: bool
    """Its learning can be acknowledged (signed off, published or closed)."""
    signed_off_on: date | None
    acknowledgement: Acknowledgement | None


@dataclass(frozen=True)
class InboxItem:
    event_id: str
    title: str
    kind: str
    arrived: datetime
    position: int
    new: bool
    source: Source | None
    said: str
    themes: tuple[str, ...]
    reason: str
    action_id: str | None
    """The action this item agreed, for a link to its page."""
    newsletter_id: str | None = None
    """The newsletter this item issued, for a link to read it."""


@dataclass(frozen=True)
class Inbox:
    items: tuple[InboxItem, ...]
    older: int | None
    """`before` of the next page of older items, or None on the last."""
    newest: int


def _activity_id(store: EventStore, envelope: Envelope) -> UUID | None:
    found = envelope.payload.get("activity_id")
    if found:
        return UUID(str(found))
    if envelope.type.startswith("lif.activity."):
        return envelope.aggregate_id
    if envelope.type.startswith("lif.recommendation."):
        recommendation = store.load(envelope.aggregate_id, Recommendation)
        return recommendation.activity_id if recommendation else None
    return None


def source_of(store: EventStore, envelope: Envelope, agency_id: str) -> Source | None:
    activity_id = _activity_id(store, envelope)
    activity = store.load(activity_id, Activity) if activity_id else None
    if activity is None or activity.partnership_id != envelope.partnership_id:
        return None
    return Source(
        activity_id=activity.id, title=activity.title, status=activity.status.value,
        ready=activity.status in LEARNING_READY, signed_off_on=activity.signed_off_on,
        acknowledgement=activity.acknowledgements.get(agency_id),
    )


def _action_of(store: EventStore, envelope: Envelope, agency_id: str) -> Action | None:
    """The agency's own action a reminder names."""
    action_id = envelope.payload.get("action_id") if envelope.type.startswith("lif.time.") else None
    if not action_id:
        return None
    action = store.load(UUID(str(action_id)), Action)
    if action is None or action.partnership_id != envelope.partnership_id or action.owner_agency_id != agency_id:
        return None
    return action


def item_of(store: EventStore, entry: Entry, agency_id: str, seen: int | None) -> InboxItem:
    e = entry.envelope
    action = _action_of(store, e, agency_id)
    # A reminder names its action and copies none of its text: the description is the action's
    # own, as it stands now (a redaction corrects it there).
    said = next((str(e.payload[f]) for f in _SAID if e.payload.get(f)), action.description if action else "")
    return InboxItem(
        event_id=str(e.event_id), title=entry.title, kind=KINDS.get(e.type, e.type), arrived=e.occurred_at,
        position=e.position, new=seen is None or e.position > seen, source=source_of(store, e, agency_id),
        said=said, themes=tuple(str(t).replace("_", " ") for t in e.payload.get("themes") or ()),
        reason=reason(entry.rule),
        action_id=str(e.aggregate_id) if e.type == "lif.action.agreed" else str(action.id) if action else None,
        newsletter_id=str(e.payload["newsletter_id"]) if e.type == NEWSLETTER_ISSUED else None,
    )


def inbox(store: EventStore, entries: list[Entry], agency_id: str, seen: int | None) -> Inbox:
    """`entries`: the ledger's newest first, one more than a page (to know if there are older)."""
    shown = entries[:INBOX_PAGE]
    older = shown[-1].envelope.position if len(entries) > INBOX_PAGE else None
    newest = shown[0].envelope.position if shown else 0
    return Inbox(tuple(item_of(store, e, agency_id, seen) for e in shown), older, newest)


@dataclass(frozen=True)
class ActionPage:
    action: Action
    rag: str
    rag_words: str
    rag_tag: str
    activity_title: str | None


def own_action(
    store: EventStore, partnership_id: str, agency_id: str, action_id: UUID, today: date,
) -> ActionPage | None:
    """The agency's own action, or None (another agency's, another partnership's, or none)."""
    action = store.load(action_id, Action)
    if action is None or action.partnership_id != partnership_id or action.owner_agency_id != agency_id:
        return None
    rating = rag(action.status.value, action.due_on, action.on_track, today)
    activity = store.load(action.activity_id, Activity)
    return ActionPage(action, rating, RAG_WORDS[rating], RAG_TAGS[rating], activity.title if activity else None)


def agency_name(store: EventStore, partnership_id: str, agency_id: str) -> str:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    agency: Any = partnership.agencies.get(agency_id) if partnership else None
    return str(agency.name) if agency is not None else agency_id
