"""Agencies' subscriptions to learning: events on the Partnership aggregate."""

from __future__ import annotations

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.errors import InvalidInput, NotFound
from domain.framework import SourceKind, Theme
from domain.partnership import Partnership
from domain.routing import Subscription

__all__ = [
    "Subscription",
    "SubscriptionCancelled",
    "SubscriptionSet",
    "subscribe",
    "unsubscribe",
]


class SubscriptionSet(AggregateEvent[Partnership]):
    """An agency's subscription, replacing any it had."""

    TOPIC = "lif.partnership.subscription_set"
    SUMMARY = "Subscription of {agency_id} set"
    agency_id: str
    everything: bool = False
    themes: tuple[Theme, ...] = ()
    source_kinds: tuple[SourceKind, ...] = ()
    forums: tuple[str, ...] = ()

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        subscription = Subscription(
            agency_id=self.agency_id,
            everything=self.everything,
            themes=self.themes,
            source_kinds=self.source_kinds,
            forums=self.forums,
        )
        return state.model_copy(update={"subscriptions": {**state.subscriptions, self.agency_id: subscription}})


class SubscriptionCancelled(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.subscription_cancelled"
    SUMMARY = "Subscription of {agency_id} cancelled"
    agency_id: str

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        remaining = {k: v for k, v in state.subscriptions.items() if k != self.agency_id}
        return state.model_copy(update={"subscriptions": remaining})


def subscribe(
    p: Partnership,
    ctx: Context,
    *,
    agency_id: str,
    everything: bool = False,
    themes: tuple[Theme, ...] = (),
    source_kinds: tuple[SourceKind, ...] = (),
    forums: tuple[str, ...] = (),
) -> Change[Partnership]:
    p.agency(agency_id)
    for i, forum_id in enumerate(forums):
        p.forum(forum_id, f"forums[{i}]")
    if not (everything or themes or source_kinds or forums):
        raise InvalidInput(
            "empty_subscription",
            "Subscribe to everything, or to at least one theme, source kind or forum.",
            "themes",
        )
    return change(p).trigger(
        SubscriptionSet,
        ctx,
        agency_id=agency_id,
        everything=everything,
        themes=tuple(dict.fromkeys(themes)),
        source_kinds=tuple(dict.fromkeys(source_kinds)),
        forums=tuple(dict.fromkeys(forums)),
    )


def unsubscribe(p: Partnership, ctx: Context, *, agency_id: str) -> Change[Partnership]:
    p.agency(agency_id)
    if agency_id not in p.subscriptions:
        raise NotFound("no_subscription", f"Agency {agency_id!r} has no subscription.", "agency_id")
    return change(p).trigger(SubscriptionCancelled, ctx, agency_id=agency_id)
