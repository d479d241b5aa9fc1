"""Topics created, and visible to every broker's metadata, before a consumer group is joined.

`lif worker` calls `ensure_topics` before faust starts. faust declares its topics too, but a
creation is not at once in the metadata a joining consumer is given: when the group's
assignment is made before then, faust ignores the missing topics ("Ignoring missing topic"),
the worker has no partitions, and it waits out the consumer's metadata age (five minutes)
before it notices. CI saw exactly that on a fresh set of topic names.
"""

from __future__ import annotations

from collections.abc import Mapping

from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, for_code

WAIT_SECONDS = 30.0
"""How long a worker waits for a created topic to appear with a leader for every partition."""


def ensure_topics(
    bootstrap: str, partitions: Mapping[str, int], replication_factor: int = 1,
    wait_seconds: float = WAIT_SECONDS,
) -> list[str]:
    """Creates the topics of `partitions` (name -> partition count) that are missing; returns
    the names it created. Returns only once every topic named has a leader for each of its
    partitions, or raises `kafka.errors.KafkaTimeoutError`. A topic that exists keeps its own
    partition count.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="lif-topics")
    try:
        wanted = {
            name: {"num_partitions": count, "replication_factor": replication_factor}
            for name, count in partitions.items()
        }
        answer = admin.create_topics(wanted, raise_errors=False)
        created: list[str] = []
        for topic in answer["topics"]:
            error = for_code(topic["error_code"])
            if topic["error_code"] == 0:
                created.append(topic["name"])
            elif error is not TopicAlreadyExistsError:
                raise error(f"creating topic {topic['name']}: {topic.get('error_message') or error.message}")
        admin.wait_for_topics(list(partitions), timeout_ms=int(wait_seconds * 1000))
        return created
    finally:
        admin.close()
