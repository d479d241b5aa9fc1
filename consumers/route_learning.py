"""Agent: routes each learning event on `lif.events` to the agencies' feed topics.

For each event: `services.delivery.recipients` (domain.routing.route with the
partnership's routing and subscriptions) picks the agencies; the ledger gets
one row per agency if absent; each unsent row is published to
`lif.feed.<partnership>.<agency>` and marked sent once the broker acked it.
A redelivered event finds its rows sent and publishes nothing again.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

import faust
from pydantic import ValidationError

from consumers.app import app, blocking, events_topic, feed_topic, ledger, store
from services.delivery import recipients
from services.envelope import Envelope

log = logging.getLogger(__name__)
_DECLARED: set[str] = set()


def plan(raw: bytes) -> tuple[Envelope, list[str]] | None:
    """The envelope and the agencies still to be sent it; None for unreadable messages."""
    try:
        envelope = Envelope.from_json(raw)
    except ValidationError:
        log.warning("skipping a message on the events topic that is not an envelope")
        return None
    return envelope, ledger().record(envelope, recipients(envelope, store()))


def mark_sent(event_id: str, agency: str) -> None:
    ledger().mark_sent(event_id, agency)


async def deliver(raw: bytes) -> int:
    """Delivers one envelope; returns how many feed messages were sent."""
    planned = await blocking(partial(plan, raw))
    if planned is None:
        return 0
    envelope, agencies = planned
    body = envelope.to_json()
    event_id = str(envelope.event_id)
    for agency in agencies:
        # Keyed like lif.events: one aggregate's events stay in order on the feed too.
        key = str(envelope.aggregate_id).encode()
        topic = feed_topic(envelope.partnership_id, agency)
        if topic.get_topic_name() not in _DECLARED:
            # Create the feed topic if missing: brokers often refuse to auto-create topics.
            await topic.maybe_declare()
            _DECLARED.add(topic.get_topic_name())
        sent = await topic.send(key=key, value=body)
        await sent  # the broker's acknowledgement
        await blocking(partial(mark_sent, event_id, agency))
    return len(agencies)


ATTEMPTS = 6


@app.agent(events_topic)
async def route_learning(stream: faust.StreamT[bytes]) -> None:
    async for value in stream:
        # Retry transient trouble (broker, database) with backoff before moving on:
        # the offset is committed once this returns. The ledger keeps what was done,
        # so a retry only finishes the rest.
        for attempt in range(ATTEMPTS):
            try:
                await deliver(value)
                break
            except Exception:
                log.exception("delivery failed (attempt %d of %d)", attempt + 1, ATTEMPTS)
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
