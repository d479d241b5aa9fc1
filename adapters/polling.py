"""The loop every follower of the log runs: work while there is work, rest when there is none."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def poll_until_stopped(step: Callable[[], int], stop: threading.Event, interval: float, what: str) -> None:
    """Calls `step` until `stop` is set; it rests `interval` when a call did nothing or failed.

    A failure is logged and retried: a follower outlives a database or network outage.
    """
    while not stop.is_set():
        try:
            done = step()
        except Exception:
            log.exception("%s failed; retrying", what)
            done = 0
        if not done:
            stop.wait(interval)
