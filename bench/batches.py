"""Large batches: one POST /v1/ingest of 1,000 and of 5,000 findings on one activity.

Served by uvicorn as in bench/http.py (projections outside the API). Every item
carries an idempotency key, as a retrying client sends them: the stored answers are
what grew with the square of the batch before they named the aggregate instead of
copying it. Each run opens a new activity first (not timed). Rows: items/s of each
size against the trivial FastAPI app taking the same body; and the 5,000-item batch
against the 1,000-item one, both ours, so the ratio is how the cost per item holds
up as a batch grows (1.0: linear; 0.2 would be quadratic).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any
from uuid import uuid4

import httpx

from bench.backends import lif_env
from bench.core import Options, Row, benchmark, paired, skipped, stopwatch
from bench.http import LIF_APP, TRIVIAL_APP, Server, lif_auth
from bench.workload import OPEN_ACTIVITY, PARTNERSHIP, RECORD_FINDING

NAME = "batches"
LINEAR_TARGET = 0.8
"""Items/s of the large batch at least this share of the small one's."""


def _checked(response: httpx.Response) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def one_batch(client: httpx.Client, size: int) -> tuple[int, float]:
    """Opens an activity, then times one POST /v1/ingest of `size` keyed findings on it."""
    activity = _checked(client.post(f"/v1/partnerships/{PARTNERSHIP}/activities", json=OPEN_ACTIVITY))["id"]
    run = uuid4().hex[:8]
    items = [
        {"partnership_id": PARTNERSHIP, "command": "record_finding", "target_id": activity,
         "payload": RECORD_FINDING, "idempotency_key": f"{run}-{i}"}
        for i in range(size)
    ]
    with stopwatch() as elapsed:
        report = _checked(client.post("/v1/ingest", json={"items": items}))
    if report["rejected"] or len(report["applied"]) != size:
        raise RuntimeError(f"ingest rejected items: {report['rejected'][:3]}")
    return size, elapsed()


@benchmark(NAME, "items/s of one POST /v1/ingest of 1,000 and 5,000 keyed findings on one activity; 5,000 vs 1,000")
def run(opts: Options) -> Iterator[Row]:
    small, large = opts.scale(1000, 100), opts.scale(5000, 500)
    for name, reason in opts.skipped_backends.items():
        yield skipped(NAME, f"batch {small} + {large}", name, reason)
    for backend in opts.backends:
        settings = backend.fresh("batches").model_copy(update={"projections_in_process": False})
        auth_env, headers = lif_auth()
        env = {
            **lif_env(settings), **auth_env,
            "LIF_INGEST_MAX_ITEMS": str(large), "LIF_MAX_BODY_BYTES": str(64 * 1024 * 1024),
        }
        with Server(LIF_APP, env) as lif_url, Server(TRIVIAL_APP, {}) as trivial_url, \
                httpx.Client(base_url=lif_url, headers=headers, timeout=900) as lif, \
                httpx.Client(base_url=trivial_url, headers=headers, timeout=900) as trivial:
            _checked(lif.post("/v1/partnerships", json={"partnership_id": PARTNERSHIP, "display_name": "Bench"}))
            for size in (small, large):
                result = paired(partial(one_batch, lif, size), partial(one_batch, trivial, size), opts.repeats)
                yield result.row(NAME, f"batch {size:,}", backend.name, "trivial FastAPI",
                                 note=f"1 POST /v1/ingest of {size:,} keyed findings on one activity")
            result = paired(partial(one_batch, lif, large), partial(one_batch, lif, small), opts.repeats)
            row = result.row(NAME, f"{large:,} vs {small:,}", backend.name, f"our {small:,}-item batch",
                             target=f">= {LINEAR_TARGET} (linear cost per item)",
                             note="items/s of the large batch over the small one's")
            row.met = row.ratio is not None and row.ratio >= LINEAR_TARGET
            yield row
