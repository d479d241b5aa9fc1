"""Routing as at the event (issue 10) on the Kafka path, against a real broker.

Seen: with the worker stopped, a neglect finding was recorded while the police subscribed
to neglect; then the police cancelled and the council subscribed; when the worker came back
the police never got the finding and the council did. Here the worker starts only after all
of that; it must route on the subscriptions in force at the finding's position. A second
worker, on its own consumer group, an empty database (no event store: the worker routes on
what came through lif.events alone) and its own feed topics, replays lif.events from the
start and must record the same ledger, rule for rule.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from domain import commands as cmd
from domain.framework import Theme
from tests.integration.test_kafka_delivery import COUNCIL, POLICE, Env, read_topic, topics
from tests.integration.test_kafka_resilience import CATCH_UP, Proc, feed_messages

pytestmark = pytest.mark.kafka


def wait_rows(env: Env, pid: str, count: int, procs: list[Proc]) -> None:
    deadline = time.monotonic() + CATCH_UP
    while time.monotonic() < deadline:
        rows = env.ledger.rows(pid)
        if len(rows) >= count and all(sent for _, _, sent in rows):
            return
        for p in procs:
            assert p.alive(), p.tail()
        time.sleep(0.2)
    raise AssertionError(f"{len(env.ledger.rows(pid))} of {count} rows\n" + "\n".join(p.tail() for p in procs))


def test_a_worker_started_late_routes_on_the_subscriptions_at_the_event_and_a_replay_agrees(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    env = Env(kafka_bootstrap, tmp_path)
    pid = env.partnership()
    env.do(pid, cmd.Subscribe(agency_id=POLICE, themes=(Theme.NEGLECT,)))
    activity = env.activity(pid)
    env.finding(pid, activity, Theme.NEGLECT)
    finding = env.last_event_id(activity)
    env.do(pid, cmd.Unsubscribe(agency_id=POLICE))
    env.do(pid, cmd.Subscribe(agency_id=COUNCIL, themes=(Theme.NEGLECT,)))
    env.relay_once()  # everything is on lif.events before any worker runs

    worker = Proc(env, ["worker", "--loglevel", "warning"], tmp_path / "worker.log", tmp_path)
    try:
        wait_rows(env, pid, 1, [worker])
        assert env.ledger.deliveries(pid, finding) == [(POLICE, "subscribed:theme=neglect", True)]
        assert feed_messages(env.kafka.bootstrap, env.kafka.feed_topic(pid, POLICE), 1) == [finding]
        assert env.kafka.feed_topic(pid, COUNCIL) not in topics(env.kafka.bootstrap)
        # The other direction: learning recorded now reaches the council, not the police.
        env.finding(pid, activity, Theme.NEGLECT)
        later = env.last_event_id(activity)
        env.relay_once()
        wait_rows(env, pid, 2, [worker])
        assert env.ledger.deliveries(pid, later) == [(COUNCIL, "subscribed:theme=neglect", True)]
        assert feed_messages(env.kafka.bootstrap, env.kafka.feed_topic(pid, COUNCIL), 1) == [later]
    finally:
        worker.stop()
    assert env.ledger.newest(pid, POLICE, None, 0, 10)[0].title.startswith("Finding recorded in ")

    # A replay of lif.events from the start, into an empty database, by a worker that
    # therefore cannot read the event store: the same deliveries, by the same rules.
    (tmp_path / "replay").mkdir()
    replay = Env(kafka_bootstrap, tmp_path / "replay")
    replay.vars.update({
        "LIF_KAFKA_EVENTS_TOPIC": env.vars["LIF_KAFKA_EVENTS_TOPIC"],
        "LIF_KAFKA_APP_ID": env.vars["LIF_KAFKA_APP_ID"] + "-replay",
        "LIF_KAFKA_FEED_PREFIX": f"lif.feed.replay-{env.run}",
    })
    assert replay.store.recorder.max_notification_id() in (None, 0)
    replaying = Proc(replay, ["worker", "--loglevel", "warning"], tmp_path / "replay.log", tmp_path)
    try:
        wait_rows(replay, pid, 2, [replaying])
    finally:
        replaying.stop()
    assert replay.ledger.rows(pid) == env.ledger.rows(pid)
    for event_id in (finding, later):
        assert replay.ledger.deliveries(pid, event_id) == env.ledger.deliveries(pid, event_id)
    replayed_feed = read_topic(kafka_bootstrap, f"lif.feed.replay-{env.run}.{pid}.{POLICE}", lambda r: len(r) >= 1)
    assert len(replayed_feed) == 1
    for e in (env, replay):
        e.ledger.close()
        e.store.close()
