"""Smoke tests: the Kafka broker and PostgreSQL server the fixtures provide really work."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from psycopg import sql


@pytest.mark.kafka
def test_kafka_round_trips_a_message_with_an_idempotent_producer(kafka_bootstrap: str) -> None:
    topic = f"lif-smoke-{uuid.uuid4().hex[:12]}"
    group = f"{topic}-group"
    payload = b'{"event": "smoke"}'

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    try:
        sent = producer.send(topic, key=b"smoke", value=payload).get(timeout=60)
        producer.flush(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=60_000,
    )
    try:
        received = next(iter(consumer))
        consumer.commit()
        committed = consumer.committed(TopicPartition(topic, received.partition))
    finally:
        consumer.close()

    assert (received.topic, received.partition, received.offset) == (sent.topic, sent.partition, sent.offset)
    assert (received.key, received.value) == (b"smoke", payload)
    assert committed == received.offset + 1


@pytest.mark.postgres
def test_postgres_answers_and_allows_ddl(postgres_dsn: str) -> None:
    name = f"lif_smoke_{uuid.uuid4().hex[:12]}"
    table = sql.Identifier(name)
    with psycopg.connect(postgres_dsn, autocommit=True, connect_timeout=30) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        conn.execute(sql.SQL("create table {} (id int primary key, body text not null)").format(table))
        try:
            conn.execute(sql.SQL("insert into {} values (%s, %s)").format(table), (1, "smoke"))
            assert conn.execute(sql.SQL("select body from {} where id = 1").format(table)).fetchone() == ("smoke",)
        finally:
            conn.execute(sql.SQL("drop table {}").format(table))
        assert conn.execute("select to_regclass(%s)", (name,)).fetchone() == (None,)
