"""Every benchmark module; each registers itself with @benchmark on import. Add one line per module."""

from __future__ import annotations

import importlib

MODULES = (
    "bench.ingest",
    "bench.http",
    "bench.projections",
    "bench.dissemination",
    "bench.queries",
    "bench.restart",
    "bench.batches",
    "bench.mail",
)


def load_all() -> None:
    for module in MODULES:
        importlib.import_module(module)
