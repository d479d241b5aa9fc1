"""Agent: routes each learning event on `lif.events` to the agencies' feed topics.

For each event: `services.delivery.recipients` (domain.routing.route with the
partnership's routing and subscriptions) picks the agencies; the ledger gets
one row per agency if absent; each unsent row is published to
`lif.feed.<partnership>.<agency>` and marked sent once the broker acked it.
A redelivered event finds its rows sent and publishes nothing again. A row an
earlier attempt left unsent (the worker died, or the acknowledgement was lost,
after the send) is first looked for on the feed topic: sent only if absent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from functools import partial

import faust
from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from consumers.app import app, blocking, events_topic, feed_topic, ledger, publish_feed, store
from consumers.app import kafka as settings
from services.delivery import recipients
from services.envelope import Envelope

log = logging.getLogger(__name__)
_DECLARED: set[str] = set()


def plan(raw: bytes) -> tuple[Envelope, list[str], set[str]] | None:
    """The envelope, the agencies still to be sent it, and those of them an earlier
    attempt may have sent it to already; None for unreadable messages."""
    try:
        envelope = Envelope.from_json(raw)
    except ValidationError:
        log.warning("skipping a message on the events topic that is not an envelope")
        return None
    earlier = ledger().unsent(str(envelope.event_id))
    agencies = ledger().record(envelope, recipients(envelope, store()))
    return envelope, agencies, earlier & set(agencies)


SCAN_TIMEOUT = 30.0


def on_feed(topic: str, event_id: str) -> bool:
    """Whether the feed topic holds the event already (read from the start to its end).

    Only rows an earlier attempt left unsent are looked up, so this runs after a
    crash or a failed send, for the few events in flight then, not per event.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap, group_id=None, enable_auto_commit=False, client_id="lif-feed-check"
    )
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return False
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        needle = event_id.encode()
        deadline = time.monotonic() + SCAN_TIMEOUT
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {SCAN_TIMEOUT}s")
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    if r.value and needle in r.value and json.loads(r.value).get("event_id") == event_id:
                        return True
        return False
    finally:
        consumer.close()


def mark_sent(event_id: str, agency: str) -> None:
    ledger().mark_sent(event_id, agency)


async def deliver(raw: bytes) -> int:
    """Delivers one envelope; returns how many feed messages were sent."""
    planned = await blocking(partial(plan, raw))
    if planned is None:
        return 0
    envelope, agencies, uncertain = planned
    body = envelope.to_json()
    event_id = str(envelope.event_id)
    sent_count = 0
    for agency in agencies:
        # Keyed like lif.events: one aggregate's events stay in order on the feed too.
        key = str(envelope.aggregate_id).encode()
        topic = feed_topic(envelope.partnership_id, agency)
        if agency in uncertain and await blocking(partial(on_feed, topic.get_topic_name(), event_id)):
            log.warning("event %s was on %s already (an earlier attempt sent it): not sent again",
                        event_id, topic.get_topic_name())
            await blocking(partial(mark_sent, event_id, agency))
            continue
        if topic.get_topic_name() not in _DECLARED:
            # Create the feed topic if missing: brokers often refuse to auto-create topics.
            await topic.maybe_declare()
            _DECLARED.add(topic.get_topic_name())
        await blocking(partial(publish_feed, topic.get_topic_name(), key, body))
        await blocking(partial(mark_sent, event_id, agency))
        sent_count += 1
    return sent_count


MAX_BACKOFF_SECONDS = 30.0


@app.agent(events_topic)
async def route_learning(stream: faust.StreamT[bytes]) -> None:
    async for value in stream:
        # Retry until delivered: the offset is committed once this returns, so moving on
        # would lose the event for good. A partition waits behind trouble (broker or
        # database down) rather than skipping learning; unreadable messages never get
        # here (plan() drops them). The ledger keeps what was done, so a retry only
        # finishes the rest.
        attempt = 0
        while True:
            try:
                await deliver(value)
                break
            except Exception:
                attempt += 1
                log.exception("delivery failed (attempt %d); retrying", attempt)
                await asyncio.sleep(min(0.5 * 2 ** min(attempt, 10), MAX_BACKOFF_SECONDS))
