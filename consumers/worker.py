"""`lif worker`: runs the faust worker with every agent."""

from __future__ import annotations

import faust

from consumers import ingest, route_learning  # noqa: F401  (registers the agents)
from consumers.app import app


def main(loglevel: str = "info") -> int:
    worker = faust.Worker(app, loglevel=loglevel)
    worker.execute_from_commandline()  # returns only when the worker stops
    return 0
