"""Embedded delivery: the agencies' feeds without Kafka.

Follows the notification log in-process and fills the same delivery ledger
the Kafka worker fills, routing the same way (Ledger.route_batch: the routing
facts folded in log order, domain.routing.route as at each event). Rows it writes are not sent anywhere;
agencies read them from the ledger (their feed).
"""

from __future__ import annotations

import threading

from adapters.ledger import Ledger
from adapters.outbox import Tracking, read_envelopes
from adapters.polling import poll_until_stopped
from adapters.store import EventStore


class EmbeddedFeeds:
    def __init__(self, store: EventStore, ledger: Ledger, tracking: Tracking, batch_size: int = 200) -> None:
        self.store = store
        self.ledger = ledger
        self.tracking = tracking
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Delivers the next batch; returns how many log positions it covered."""
        start = self.tracking.position()
        envelopes, reached = read_envelopes(self.store, start, self.batch_size)
        # Events the follower's routing facts had passed (a re-run after a crash) add nothing.
        self.ledger.route_batch(self.tracking.name, envelopes)
        self.tracking.advance(reached)
        return reached - start

    def run_until_caught_up(self) -> int:
        total = 0
        while moved := self.run_once():
            total += moved
        return total

    def run_forever(self, stop: threading.Event, interval: float = 0.5) -> None:
        poll_until_stopped(self.run_once, stop, interval, "feed delivery")


def serve(*, once: bool = False, interval: float = 0.5) -> int:
    """`lif feeds`: fills the feeds until SIGTERM/SIGINT (or, with once, until caught up)."""
    import signal

    from adapters.kafka_settings import delivery_db
    from adapters.settings import get_settings

    settings = get_settings()
    store = EventStore.from_settings(settings)
    db = delivery_db(settings)
    feeds = EmbeddedFeeds(store, Ledger(db), Tracking(db, "embedded-feeds"))
    if once:
        feeds.run_until_caught_up()
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    feeds.run_forever(stop, interval)
    return 0
