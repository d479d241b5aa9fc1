"""Agent: routes each learning event on `lif.events` to the agencies' feed topics.

Events are handled in batches (`noack_take`: up to BATCH_MAX, or what came within
BATCH_WITHIN seconds). lif.events is keyed by partnership, so a partnership's events
come in log order; one ledger transaction folds them into the worker's routing facts
(adapters/routing_state.py: the partnership's subscriptions and routing, its
activities and recommendations, as at each event) and adds, for each learning event,
a row per agency domain.routing.route chose, with the rule that chose it. The worker
never reads the event store: what it routes on came through lif.events. Each unsent
row is published to `lif.feed.<partnership>.<agency>` without
waiting between sends, the broker's acknowledgements are awaited together, and the
acknowledged rows are marked sent in one transaction. The batch's offsets are acked
(committable) only once all of it was delivered. A redelivered event finds its rows
sent and publishes nothing again. A row an earlier attempt left unsent (the worker
died, or the acknowledgement was lost, after the send) is first looked for on the
feed topic: sent only if absent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import cast

import faust
from faust.types import EventT
from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from adapters.envelope import Envelope
from adapters.ledger import Routed
from adapters.observability import EVENTS
from consumers.app import app, blocking, events_topic, feed_producer, feed_topic, ledger
from consumers.app import kafka as settings

log = logging.getLogger(__name__)
ROUTED = EVENTS.labels(stage="routed")
_DECLARED: set[str] = set()


def follower() -> str:
    """The name the worker's routing facts are kept under in the ledger's database."""
    return f"kafka:{settings.events_topic}"


def plan(raws: Sequence[bytes]) -> list[Routed]:
    """Routes a batch and records its ledger rows (one transaction); says what is left to send.

    Unreadable messages are dropped, and an event met twice in the batch (the relay
    republished it) is planned once, where it first came.
    """
    envelopes: dict[str, Envelope] = {}
    for raw in raws:
        try:
            envelope = Envelope.from_json(raw)
        except ValidationError:
            log.warning("skipping a message on the events topic that is not an envelope")
            continue
        envelopes.setdefault(str(envelope.event_id), envelope)
    return [r for r in ledger().route_batch(follower(), list(envelopes.values())) if r.agencies]


SCAN_TIMEOUT = 30.0


def on_feed(topic: str, event_ids: set[str]) -> set[str]:
    """Which of these events the feed topic holds already (read from the start to its end).

    Only rows an earlier attempt left unsent are looked up, so this runs after a
    crash or a failed send, for the events in flight then, not per event; one read
    of the topic answers for all of the batch's uncertain rows on it.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap, group_id=None, enable_auto_commit=False, client_id="lif-feed-check"
    )
    found: set[str] = set()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return found
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        needles = {e: e.encode() for e in event_ids}
        deadline = time.monotonic() + SCAN_TIMEOUT
        while found != event_ids and any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {SCAN_TIMEOUT}s")
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    if not r.value:
                        continue
                    hits = [e for e, needle in needles.items() if e not in found and needle in r.value]
                    if hits and (event_id := json.loads(r.value).get("event_id")) in hits:
                        found.add(event_id)
        return found
    finally:
        consumer.close()


def mark_sent(rows: list[tuple[str, str]]) -> None:
    ledger().mark_sent_many(rows)


SEND_TIMEOUT = 180.0
"""Seconds to wait for a feed message's acknowledgement: longer than the producer's
delivery timeout (120 s), so a send reported failed can no longer land on the feed
later, behind the back of the lookup that precedes the retry."""


@dataclass
class Message:
    topic: str
    key: bytes
    value: bytes
    row: tuple[str, str]
    """(event_id, agency_id) of its ledger row."""


def publish(wave: list[Message]) -> tuple[list[tuple[str, str]], BaseException | None]:
    """Sends a wave of feed messages without waiting between them, then waits for all the
    acknowledgements (worker thread). Returns the rows acknowledged, and the first error."""
    producer = feed_producer()
    futures = []
    error: BaseException | None = None
    for m in wave:
        try:
            futures.append((m.row, producer.send(m.topic, key=m.key, value=m.value)))
        except Exception as e:
            # Stop sending, but still wait for what went out: it may land yet.
            error = e
            break
    acked: list[tuple[str, str]] = []
    for row, future in futures:
        try:
            future.get(timeout=SEND_TIMEOUT)
        except Exception as e:
            error = error or e
        else:
            acked.append(row)
    return acked, error


def waves(messages: list[Message]) -> list[list[Message]]:
    """The messages in rounds: the n-th message of each (topic, key) in round n.

    A message goes out only once every earlier message with its key to its topic was
    acknowledged, so one aggregate's events reach a feed in order even when a send
    fails for good (the producer keeps order per partition only while it retries).
    """
    rounds: list[list[Message]] = []
    seen: dict[tuple[str, bytes], int] = {}
    for m in messages:
        n = seen.get((m.topic, m.key), 0)
        seen[(m.topic, m.key)] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(m)
    return rounds


async def deliver(raws: Sequence[bytes]) -> int:
    """Delivers a batch of envelopes; returns how many feed messages were sent.

    One ledger transaction records every row of the batch; each unsent row's message
    is published (all of a wave without waiting between them), the acknowledgements
    awaited together, and the acknowledged rows marked sent in one transaction.
    """
    planned = await blocking(partial(plan, raws))
    done: list[tuple[str, str]] = []  # rows found on the feed already, or acknowledged
    messages: list[Message] = []
    try:
        # The uncertain rows, looked up on their feed topics: one read per topic.
        uncertain: dict[str, set[str]] = {}
        for p in planned:
            for agency in p.uncertain:
                name = feed_topic(p.envelope.partnership_id, agency).get_topic_name()
                uncertain.setdefault(name, set()).add(str(p.envelope.event_id))
        on_topic = {name: await blocking(partial(on_feed, name, ids)) for name, ids in uncertain.items()}
        for p in planned:
            body = p.envelope.to_json()
            event_id = str(p.envelope.event_id)
            # Keyed by aggregate: one aggregate's events stay in order on the feed.
            key = str(p.envelope.aggregate_id).encode()
            for agency in p.agencies:
                topic = feed_topic(p.envelope.partnership_id, agency)
                name = topic.get_topic_name()
                if agency in p.uncertain and event_id in on_topic[name]:
                    log.warning("event %s was on %s already (an earlier attempt sent it): not sent again",
                                event_id, name)
                    done.append((event_id, agency))
                    continue
                if name not in _DECLARED:
                    # Create the feed topic if missing: brokers often refuse to auto-create topics.
                    await topic.maybe_declare()
                    _DECLARED.add(name)
                messages.append(Message(name, key, body, (event_id, agency)))
        sent_count = 0
        for wave in waves(messages):
            acked, error = await blocking(partial(publish, wave))
            done.extend(acked)
            sent_count += len(acked)
            if error is not None:
                raise error
        return sent_count
    finally:
        # What reached the feeds is recorded even when the batch failed part way:
        # the retry then has fewer rows to look up.
        if done:
            await blocking(partial(mark_sent, done))


BATCH_MAX = 200
"""Events taken from lif.events at most per batch."""
BATCH_WITHIN = 0.01
"""Seconds a batch waits to fill: added to the latency of its first event."""
MAX_BACKOFF_SECONDS = 30.0


@app.agent(events_topic)
async def route_learning(stream: faust.StreamT[bytes]) -> None:
    # noack_take yields the events of a batch, unacknowledged: their offsets become
    # committable only when acked below, after the whole batch was delivered (take()
    # would ack them also when the agent is cancelled mid-batch).
    batches = cast("faust.Stream[bytes]", stream).noack_take(BATCH_MAX, within=BATCH_WITHIN)
    async for taken in batches:
        events = cast("list[EventT[bytes]]", taken)
        # Retry until delivered: moving on would lose the batch for good. A partition
        # waits behind trouble (broker or database down) rather than skipping learning;
        # unreadable messages never get here (plan() drops them). The ledger keeps what
        # was done, so a retry only finishes the rest.
        attempt = 0
        while True:
            try:
                await deliver([cast(bytes, e.value) for e in events])
                break
            except Exception:
                attempt += 1
                log.exception("delivery of a batch of %d events failed (attempt %d); retrying",
                              len(events), attempt)
                await asyncio.sleep(min(0.5 * 2 ** min(attempt, 10), MAX_BACKOFF_SECONDS))
        for event in events:
            await stream.ack(event)
        ROUTED.inc(len(events))
