"""The worker's topics exist, with a leader per partition, before its group is joined (real Kafka)."""

from __future__ import annotations

import uuid

import pytest
from kafka.admin import KafkaAdminClient

from adapters.kafka_topics import ensure_topics

pytestmark = pytest.mark.kafka


def described(bootstrap: str, names: list[str]) -> dict[str, list[int]]:
    """Each topic's partitions that have a leader, as the broker's metadata says."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {
            t["name"]: sorted(p["partition_index"] for p in t["partitions"] if p["leader_id"] >= 0)
            for t in admin.describe_topics(names) if t["error_code"] == 0
        }
    finally:
        admin.close()


def test_missing_topics_are_created_and_led_before_it_returns(kafka_bootstrap: str) -> None:
    base = f"lif.test.topics.{uuid.uuid4().hex[:10]}"
    wanted = {f"{base}.events": 3, f"{base}.leader": 1}
    assert sorted(ensure_topics(kafka_bootstrap, wanted)) == sorted(wanted)
    assert described(kafka_bootstrap, list(wanted)) == {f"{base}.events": [0, 1, 2], f"{base}.leader": [0]}


def test_a_topic_that_exists_is_kept_as_it_is_and_not_reported_created(kafka_bootstrap: str) -> None:
    name = f"lif.test.topics.{uuid.uuid4().hex[:10]}"
    assert ensure_topics(kafka_bootstrap, {name: 1}) == [name]
    assert ensure_topics(kafka_bootstrap, {name: 3}) == []
    assert described(kafka_bootstrap, [name]) == {name: [0]}
