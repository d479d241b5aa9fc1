"""Latency of the agenda, tracker, a page of the actions list and a search as the store grows,
through the API and as the web pages render them.

The same partnership (`gen-000`, the first of a generated history, see
bench/history.py) is queried in stores of growing size, each store holding more
partnerships of the same kind beside it: the answer stays the same, so what
grows is the cost of the store itself (indexes, scans), which is the point.

Requests go through the ASGI app in-process (`create_app` under Starlette's
TestClient: routing, authentication with a bearer token, the view snapshot and
JSON encoding, no sockets), projections out of process (the views are built
before timing). Requests to the stores of every size alternate (10k, 100k, 1M,
then 1M, 100k, 10k, ...) so that drift on a shared machine hits all alike.
Baseline: the same request on the smallest store (so the ratio is the growth);
on the smallest store, GET /health through the same client (the floor).

The web pages (`page ...` rows) go through the same app with a signed session cookie
(tests/fixtures/web.py), HTML rendered: the dashboard and the tracker list page as the
business unit, an agenda page as the forum's secretary, and the search page.

Each API endpoint is measured twice: as served while the views stand still (from the
read cache) and built afresh on every request (`Cache-Control: no-cache`), which
is what the first read after each change costs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

from adapters.settings import Settings
from bench.core import Options, Row, benchmark, skipped
from bench.history import FIRST, sqlite_copy, workdir

NAME = "queries"
P99_TARGET_MS = 30.0
PAGE_P99_TARGET_MS = 100.0
"""The issue's goal for a rendered page at 1M events."""
GROWTH_TARGET = 1.5
FORUM = "audit-review-learning-forum"
MEETING_ON = "2025-06-02"
PAGE_MEETING_ON = "2025-06-07"
"""Where the secretary's agenda page is asked for until the store says which day it is: the page
shows only meetings the forum has (the API's agenda answers for any day), so `page_meeting_on`
finds the forum's first meeting from MEETING_ON in the history measured."""


PAGE = "page "
"""Prefix of the cases that are web pages (rendered HTML, session cookie)."""
REBUILT = " rebuilt"
"""Suffix of the cases that ask for the answer built afresh (`Cache-Control: no-cache`)."""


def endpoints(page_meeting_on: str = PAGE_MEETING_ON) -> dict[str, str]:
    base = f"/v1/partnerships/{FIRST}"
    paths = {
        "tracker": f"{base}/tracker?today={MEETING_ON}",
        "agenda": f"{base}/forums/{FORUM}/agenda?meeting_on={MEETING_ON}",
    }
    # Unchanged views answer from the read cache (services/api/read_cache.py); the first
    # read after each change builds the answer: both are measured.
    uncached = {  # a page of a list and a search are built on every request
        "actions list": f"{base}/actions?today={MEETING_ON}&sort=-due_on&limit=50",
        "search": f"{base}/search?q=fathers%20carers&limit=20",
    }
    pages = {  # the people's pages, rendered (services/web/)
        PAGE + "dashboard": f"/dashboard?today={MEETING_ON}",
        PAGE + "agenda": f"/forum/meetings/{page_meeting_on}",
        PAGE + "tracker list": "/tracker?sort=-due_on",
        PAGE + "search": "/search?q=fathers+carers",
    }
    return {**paths, **{kind + REBUILT: path for kind, path in paths.items()}, **uncached, **pages}


def page_cookies(signing_key: bytes) -> dict[str, str]:
    """The session cookie of each page's reader: the forum's secretary for the agenda, else the business unit."""
    from tests.fixtures.web import COOKIE, session_cookie

    admin = session_cookie(signing_key, role="admin", partnership_id=FIRST, name="bench")
    secretary = session_cookie(signing_key, role="secretary", partnership_id=FIRST, name="bench", forum_id=FORUM)
    return {kind: f"{COOKIE}={secretary if kind == PAGE + 'agenda' else admin}"
            for kind in endpoints() if kind.startswith(PAGE)}


COOKIES: dict[str, str] = {}
"""Filled once the apps exist (the cookie is signed with their key)."""


def headers_for(kind: str) -> dict[str, str]:
    if kind.startswith(PAGE):
        return {"Cookie": COOKIES[kind]}
    return {"Cache-Control": "no-cache"} if kind.endswith(REBUILT) else {}


def described(kind: str, response: Any) -> str:
    """What the answer held, for the table's note: the same at every size."""
    if kind.startswith(PAGE):
        return f"{len(response.content) // 1024} KiB of HTML"
    answer = response.json()
    if kind.startswith("agenda"):
        return f"{sum(len(v) for v in answer.values() if isinstance(v, list))} agenda items"
    return f"{answer['count']} {'hits' if kind == 'search' else 'actions'}"


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def prepared(size: int, per_partnership: int) -> Settings:
    """A copy of the cached history with its views built up to the log's head."""
    from adapters.store import EventStore
    from projections.runtime import build_projector

    settings = sqlite_copy(size, per_partnership, workdir())
    store = EventStore.from_settings(settings)
    projector = build_projector(settings, store)
    try:
        if projector.position() < projector.head():
            print(f"  building the views of {label(size)} events ...", flush=True)
            projector.rebuild()
    finally:
        projector.close()
        store.close()
    return settings


def client_for(settings: Settings, stack: ExitStack, secret: str) -> Any:
    from fastapi.testclient import TestClient

    from services.api.app import create_app
    from services.application.auth.principals import make_principal
    from services.application.auth.tokens import issue

    settings = settings.model_copy(
        update={"projections_in_process": False, "secret_key": secret, "rate_limit_per_minute": 0}
    )
    token = issue(secret.encode(), make_principal("admin", FIRST, "bench"), timedelta(hours=12))
    client = stack.enter_context(TestClient(create_app(settings), raise_server_exceptions=True))
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def page_meeting_on(client: Any) -> str:
    """The forum's first meeting from MEETING_ON in the store the client serves (a shorter
    history, as in --quick, may end before it: then its last meeting)."""
    from datetime import date

    from domain.partnership import Partnership, partnership_uuid

    partnership = client.app.state.store.load(partnership_uuid(FIRST), Partnership)
    meetings: list[date] = sorted(partnership.forum(FORUM).meetings) if partnership else []
    if not meetings:
        raise RuntimeError(f"{FORUM} has no meeting in the generated history")
    later = [d for d in meetings if d >= date.fromisoformat(MEETING_ON)]
    return (later[0] if later else meetings[-1]).isoformat()


def timed_get(client: Any, path: str, headers: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return elapsed


@benchmark(NAME, "p50/p99 ms of the agenda, tracker, actions list and search (in-process ASGI) as the store grows")
def run(opts: Options) -> Iterator[Row]:
    sizes = (10_000, 100_000, 1_000_000) if not opts.quick else (2_000, 10_000)
    per_partnership = opts.scale(10_000, 2_000)
    requests = opts.scale(400, 40)
    for name, reason in opts.skipped_backends.items():
        yield skipped(NAME, "agenda + tracker", name, reason)
    if opts.backends and opts.backends[0].name != "sqlite":
        return
    secret = secrets.token_hex(32)
    with ExitStack() as stack:
        clients = [client_for(prepared(size, per_partnership), stack, secret) for size in sizes]
        COOKIES.update(page_cookies(clients[0].app.state.signing_key))
        paths = endpoints(page_meeting_on(clients[0]))
        answers = {}
        for kind, path in paths.items():  # warm-up: imports, connections, caches
            for client in clients:
                for _ in range(3):
                    timed_get(client, path, headers_for(kind))
            answers[kind] = described(kind, clients[0].get(path, headers=headers_for(kind)))
        floor = [timed_get(clients[0], "/health") for _ in range(requests)]
        for kind, path in paths.items():
            samples: list[list[float]] = [[] for _ in sizes]
            for i in range(requests):
                order = list(range(len(sizes)))
                for k in order if i % 2 == 0 else reversed(order):
                    samples[k].append(timed_get(clients[k], path, headers_for(kind)))
            what = answers[kind]
            for stat, q in (("p50", 50.0), ("p99", 99.0)):
                small = percentile(samples[0], q)
                for k, size in enumerate(sizes):
                    value = percentile(samples[k], q)
                    base, base_name = (
                        (percentile(floor, q), "GET /health") if k == 0 else (small, f"same @ {label(sizes[0])}")
                    )
                    row = Row(
                        benchmark=NAME,
                        case=f"{kind} {stat} @ {label(size)} events",
                        backend="sqlite",
                        unit="ms",
                        value=value,
                        baseline=base_name,
                        baseline_value=base,
                        ratio=value / base if base else None,
                        samples=[round(s, 2) for s in samples[k]] if stat == "p50" else [],
                        baseline_samples=[],
                        note=(
                            f"{requests} requests each, {what} of {FIRST} at every size; "
                            "ratio = latency / baseline (lower is better)"
                            if stat == "p50" and k == 0
                            else ""
                        ),
                    )
                    if stat == "p99" and k == len(sizes) - 1 and not kind.endswith(REBUILT):
                        goal = PAGE_P99_TARGET_MS if kind.startswith(PAGE) else P99_TARGET_MS
                        row.target = f"< {goal:.0f} ms, <= {GROWTH_TARGET} x @ {label(sizes[0])}"
                        row.met = value < goal and row.ratio is not None and row.ratio <= GROWTH_TARGET
                    yield row
