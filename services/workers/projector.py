"""`lif project`: the projector as its own process, watched (logs, /health, /ready, /metrics) and stoppable.

It stops on SIGTERM, and on SIGINT unless it was started with SIGINT ignored (a
background shell job): `kill %1` stops it, where before only Ctrl-C in its own
terminal did, and a "stopped" projector kept running beside a rebuild.
"""

from __future__ import annotations

import logging

from adapters.observability import (
    LAG,
    LAG_HELP,
    Metrics,
    ProgressLog,
    configure_logging,
    log_start,
    log_stop,
    observed,
    settings_fields,
    stop_on_signals,
)
from adapters.ops_http import start_ops_server
from adapters.polling import poll_until_stopped
from adapters.settings import get_settings
from adapters.store import EventStore
from projections.projector import Projector
from projections.runtime import build_projector

log = logging.getLogger(__name__)


def watch_projector(metrics: Metrics, projector: Projector, follower: str = "projector") -> None:
    """The projector's gauges: lag behind the log's head, and the events it parked."""
    metrics.gauge(LAG, LAG_HELP, lambda: {follower: max(0, projector.head() - projector.position())}, "follower")
    metrics.gauge(
        "lif_parked_events", "Events parked rather than applied (a view failed on them): see `lif projections parked`.",
        projector.parked_count,
    )


def serve(*, interval: float = 0.2, report_every: float = 10.0, metrics_port: int | None = None) -> int:
    configure_logging("projector")
    settings = get_settings()
    log_start("projector", {**settings_fields(**{"": settings}), "interval": interval})
    stopper = stop_on_signals()
    store = EventStore.from_settings(settings)
    projector = build_projector(settings, store)
    metrics = Metrics("projector")
    watch_projector(metrics, projector)
    server = start_ops_server(metrics, metrics_port)
    try:
        start = projector.position()
        log.info(
            "projecting from position %d (head %d)", start, projector.head(), extra={"fields": {"position": start}}
        )
        progress = ProgressLog("projector", projector.position, projector.head, every=report_every)
        step = progress.wrap(observed(projector.run_once, metrics.status, "projected"))
        poll_until_stopped(step, stopper.event, interval, "projection")
        log_stop("projector", stopper.signal_name, {"position": projector.position()})
    finally:
        if server is not None:
            server.stop()
        projector.close()
        store.close()
    return 0
