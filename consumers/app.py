"""The faust app of the Kafka consumers (`lif worker`).

Tables are not used, so the in-memory store suffices; exactly-once processing
is not enabled: agents are at-least-once and idempotent instead (the delivery
ledger, idempotency keys). Blocking work (event store, ledger) runs on one
worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

import faust
from kafka import KafkaProducer

from adapters.kafka_settings import KafkaSettings, delivery_db
from adapters.ledger import Ledger
from adapters.outbox import make_producer
from adapters.settings import get_settings
from adapters.store import EventStore
from adapters.subject_keys import subject_keys_for
from services.application.service import LearningService
from services.application.subjects.known import KnownIdentitiesCache
from services.application.subjects.service import PersonalDataService

T = TypeVar("T")

kafka = KafkaSettings()

app = faust.App(
    kafka.app_id,
    broker=f"kafka://{kafka.bootstrap}",
    store="memory://",
    key_serializer="raw",
    value_serializer="raw",
    topic_partitions=3,
    web_enabled=False,
    producer_acks=-1,
    datadir=kafka.worker_datadir(),
    # Static membership: a worker killed and restarted rejoins as itself and gets its
    # partitions back at once; without it the group waited out the dead member's
    # session (52-57 s without delivery after each crash).
    consumer_group_instance_id=kafka.worker_instance_id(),
)

# internal=True: the worker creates these at start if missing; otherwise a
# consumer started before the first message would ignore the topic until a rebalance.
events_topic = app.topic(kafka.events_topic, key_type=bytes, value_type=bytes, internal=True)
ingest_topic = app.topic(kafka.ingest_topic, key_type=bytes, value_type=bytes, internal=True)
dlq_topic = app.topic(kafka.dlq_topic, key_type=bytes, value_type=bytes, internal=True)

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lif-consumer")


async def blocking(fn: Callable[[], T]) -> T:
    """Runs store/ledger work on the single worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, fn)


@lru_cache(maxsize=1)
def store() -> EventStore:
    return EventStore.from_settings(get_settings())


@lru_cache(maxsize=1)
def ledger() -> Ledger:
    return Ledger(delivery_db(get_settings()))


@lru_cache(maxsize=1)
def personal_data() -> PersonalDataService:
    return PersonalDataService(store(), subject_keys_for(get_settings()))


@lru_cache(maxsize=1)
def service() -> LearningService:
    # Ingested free text is screened against the case files as the API's is.
    return LearningService(store(), KnownIdentitiesCache(store(), personal_data))


@lru_cache(maxsize=1)
def feed_producer() -> KafkaProducer:
    # faust's producer is idempotent only inside transactions, and a retried send
    # after a lost acknowledgement could land twice on a feed; this one cannot.
    return make_producer(kafka.bootstrap, client_id="lif-feeds")


def feed_topic(partnership_id: str, agency_id: str) -> faust.TopicT:
    return app.topic(kafka.feed_topic(partnership_id, agency_id), key_type=bytes, value_type=bytes)
