"""`lif worker`: runs the faust worker with every agent, watched (logs, /health, /ready, /metrics).

faust's own signal handling stops it on SIGTERM and SIGINT; its log lines go through
the same JSON formatter as ours (adapters/observability.py).
"""

from __future__ import annotations

import logging
import signal
from typing import Any

import faust
from faust.types import TP

from adapters.kafka_settings import delivery_db
from adapters.kafka_topics import ensure_topics
from adapters.ledger import LEDGER, Ledger
from adapters.observability import (
    LAG,
    LAG_HELP,
    Metrics,
    configure_logging,
    log_start,
    log_stop,
    logging_config,
    settings_fields,
)
from adapters.ops_http import start_ops_server
from adapters.settings import get_settings
from consumers import ingest, route_learning  # noqa: F401  (registers the agents)
from consumers.app import app, blocking, kafka

log = logging.getLogger(__name__)
PROGRESS_EVERY = 10.0
"""Seconds between the worker's progress lines (only while it delivers)."""


FOLLOWERS = {kafka.events_topic: "worker", kafka.ingest_topic: "ingest"}
"""The lag label of each topic the agents read: the router's lif.events, the ingest agent's lif.ingest."""


def consumer_lag() -> dict[str, float]:
    """Messages not yet read by the agents, over the assigned partitions of each of their topics."""
    consumer: Any = app.consumer  # faust's Consumer: the offsets below have no public accessor
    lag: dict[str, float] = dict.fromkeys(FOLLOWERS.values(), 0.0)
    for tp in consumer.assignment():
        if tp.topic not in FOLLOWERS:
            continue
        read = consumer._read_offset.get(tp)
        committed = consumer._committed_offset.get(tp)
        consumed = read + 1 if read is not None else (committed or 0)
        lag[FOLLOWERS[tp.topic]] += max(0, consumer.highwater(tp) - consumed)
    return lag


def pending_deliveries() -> int:
    """Ledger rows recorded but not yet acknowledged on their feed topic (own connection: metrics thread)."""
    db = delivery_db(get_settings())
    conn = db.connect()
    try:
        with db.transaction(conn) as cur:
            cur.execute(f"SELECT COUNT(*) FROM {LEDGER} WHERE sent = 0")
            row = cur.fetchone()
        return int(row[0]) if row else 0
    finally:
        conn.close()


def create_topics() -> None:
    """The agents' topics and faust's leader topic, created and visible before the group is joined
    (adapters/kafka_topics.py says why). A broker not answering yet is not fatal here: faust
    retries, and /ready says the worker has no partitions until it has."""
    count = app.conf.topic_partitions
    topics = {kafka.events_topic: count, kafka.ingest_topic: count, kafka.dlq_topic: count}
    if not app.conf.topic_disable_leader:
        topics[f"{app.conf.id}-__assignor-__leader"] = 1
    try:
        created = ensure_topics(kafka.bootstrap, topics, app.conf.topic_replication_factor)
    except Exception as e:  # any broker error: faust's own start reports it and retries
        log.warning("could not create the worker's topics before starting: %s", e,
                    extra={"fields": {"event": "topics_not_created", "topics": sorted(topics)}})
        return
    if created:
        log.info("created topics %s", ", ".join(created), extra={"fields": {"event": "topics_created",
                                                                             "topics": created}})


def ready(assigned: set[TP]) -> tuple[bool, str]:
    if app.rebalancing:
        return False, "rebalancing"
    if not assigned:
        return False, "no partitions assigned yet"
    return True, ""


def watch(metrics: Metrics) -> None:
    metrics.gauge(LAG, LAG_HELP, consumer_lag, label="follower")
    metrics.gauge(
        "lif_deliveries_pending", "Deliveries not yet made, by channel.",
        lambda: {"kafka": pending_deliveries()}, label="channel",
    )

    async def keep_status() -> None:
        assigned = set(app.consumer.assignment())
        ok, reason = ready(assigned)
        was_ready = metrics.status.state()[0]
        if ok:
            metrics.status.ok()
            if not was_ready:
                partitions = sorted(f"{t.topic}:{t.partition}" for t in assigned)
                log.info("worker ready: %d partitions assigned", len(assigned),
                         extra={"fields": {"event": "ready", "partitions": partitions}})
        else:
            metrics.status.failed(reason)

    last = {"routed": 0.0}

    async def report_progress() -> None:
        routed = metrics.registry.get_sample_value("lif_events_processed_total", {"stage": "routed"}) or 0.0
        moved = routed - last["routed"]
        last["routed"] = routed
        if moved:
            pending = await blocking(pending_deliveries)
            log.info(
                "routed %d events in the last %.0f s; %d deliveries pending", moved, PROGRESS_EVERY, pending,
                extra={"fields": {"event": "progress", "events": int(moved), "deliveries_pending": pending,
                                  "lag": consumer_lag()}},
            )

    app.timer(1.0)(keep_status)
    app.timer(PROGRESS_EVERY)(report_progress)


class Worker(faust.Worker):
    """faust's worker, remembering which signal stopped it (for the stop line)."""

    stopped_by: str | None = None

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        # No terminal spinner: it writes escape codes, and at WARNING or above it would set
        # our JSON handler's level to the library level, dropping lif's own INFO lines.
        self.spinner = None

    def _schedule_shutdown(self, signal: signal.Signals) -> None:
        self.stopped_by = self.stopped_by or signal.name
        super()._schedule_shutdown(signal)


def main(loglevel: str = "info", metrics_port: int | None = None) -> int:
    configure_logging("worker", loglevel)
    log_start("worker", {
        **settings_fields(**{"": get_settings(), "kafka": kafka}),
        "kafka.group_instance_id": kafka.worker_instance_id(), "loglevel": loglevel,
    })
    Ledger(delivery_db(get_settings())).close()  # the table the pending-deliveries gauge counts in
    create_topics()
    metrics = Metrics("worker")
    watch(metrics)
    server = start_ops_server(metrics, metrics_port)
    worker = Worker(
        app, loglevel=loglevel, logging_config=logging_config("worker", loglevel), quiet=True,
    )
    code: int = 0
    try:
        worker.execute_from_commandline()  # returns only when the worker stops
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        if server is not None:
            server.stop()
        log_stop("worker", worker.stopped_by, {"exit_code": code})
    return code
