"""The HTTP API under uvicorn vs a trivial FastAPI app served the same way.

Each app runs in its own uvicorn subprocess on 127.0.0.1 (the `lif serve`
equivalent: `uvicorn services.api.app:create_app --factory`, configured by LIF_*
variables), driven by a fixed number of requests from httpx clients in a few
threads. Cases: one finding per POST, and batches of findings per POST /v1/ingest.
Projections run outside the API here (LIF_PROJECTIONS_IN_PROCESS=false): this
measures the write path; projections get their own benchmark. Requests carry an
admin bearer token signed with a secret made for the run; the rate limit is lifted.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from bench.backends import REPO, lif_env
from bench.core import Options, Row, benchmark, paired, skipped, stopwatch
from bench.workload import OPEN_ACTIVITY, PARTNERSHIP, PRINCIPAL, RECORD_FINDING, chunks, ingest_items

NAME = "http"
LIF_APP = "services.api.app:create_app"
TRIVIAL_APP = "bench.trivial_app:create_app"
POSTGRES_BATCHED_TARGET = 5000.0
# The same for both apps. Access logs off: the figure is the service's, not the log's.
UVICORN_ARGS = ("--factory", "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log")
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`with Server(app, env) as base_url:` a uvicorn subprocess, stopped on exit."""

    def __init__(self, app: str, env: dict[str, str]) -> None:
        self.app = app
        self.env = env
        self.port = _free_port()
        self.log = Path(tempfile.mkstemp(prefix="lif-bench-uvicorn-", suffix=".log")[1])
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        try:
            return self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _start(self) -> str:
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, **self.env, "PYTHONPATH": path}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", self.app, *UVICORN_ARGS, "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.app} exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            try:
                httpx.get(f"{url}/health", timeout=2)  # any answer: it serves (even if /health needs auth)
                return url
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.app} did not answer /health in {START_TIMEOUT:.0f} s")
            time.sleep(0.1)

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.unlink(missing_ok=True)


def lif_auth() -> tuple[dict[str, str], dict[str, str]]:
    """(server env, request headers): a secret for this run only, and an admin token of the bench partnership.

    The rate limit is lifted: a benchmark is one principal sending as fast as it can.
    """
    secret = secrets.token_hex(32)
    env = {"LIF_SECRET_KEY": secret, "LIF_RATE_LIMIT_PER_MINUTE": str(10**9)}
    try:
        from services.application.auth.principals import make_principal
        from services.application.auth.tokens import issue
    except ImportError:  # an API without authentication: the caller names itself
        return env, {"X-Principal": PRINCIPAL}
    token = issue(secret.encode(), make_principal("admin", PARTNERSHIP, "bench"), timedelta(hours=12))
    return env, {"Authorization": f"Bearer {token}"}


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


class Driver:
    """A few client threads, each on its own keep-alive connection and its own activities."""

    def __init__(self, base_url: str, concurrency: int, headers: dict[str, str]) -> None:
        self.clients = [httpx.Client(base_url=base_url, headers=headers, timeout=120) for _ in range(concurrency)]
        self.pool = ThreadPoolExecutor(max_workers=concurrency)

    def register(self) -> None:
        body = {"partnership_id": PARTNERSHIP, "display_name": "Bench partnership"}
        _check(self.clients[0].post("/v1/partnerships", json=body))

    def open_activities(self, client: httpx.Client, n: int) -> list[str]:
        path = f"/v1/partnerships/{PARTNERSHIP}/activities"
        return [str(_check(client.post(path, json=OPEN_ACTIVITY))["id"]) for _ in range(n)]

    def _timed(self, work: Callable[[httpx.Client, Any], int], prepared: list[Any]) -> tuple[int, float]:
        with stopwatch() as elapsed:
            done = sum(self.pool.map(work, self.clients, prepared))
        return done, elapsed()

    def single(self, activities: int, per_activity: int) -> tuple[int, float]:
        prepared = [self.open_activities(c, activities) for c in self.clients]

        def work(client: httpx.Client, ids: list[str]) -> int:
            for _ in range(per_activity):
                for activity_id in ids:
                    _check(client.post(f"/v1/partnerships/{PARTNERSHIP}/activities/{activity_id}/findings",
                                       json=RECORD_FINDING))
            return len(ids) * per_activity

        return self._timed(work, prepared)

    def batched(self, activities: int, per_activity: int, batch_size: int) -> tuple[int, float]:
        from uuid import UUID

        prepared = [
            chunks(ingest_items([UUID(i) for i in self.open_activities(c, activities)], per_activity), batch_size)
            for c in self.clients
        ]

        def work(client: httpx.Client, batches: list[list[dict[str, Any]]]) -> int:
            done = 0
            for batch in batches:
                report = _check(client.post("/v1/ingest", json={"items": batch}))
                if report["rejected"] or len(report["applied"]) != len(batch):
                    raise RuntimeError(f"ingest rejected items: {report['rejected'][:3]}")
                done += len(batch)
            return done

        return self._timed(work, prepared)

    def close(self) -> None:
        self.pool.shutdown()
        for c in self.clients:
            c.close()


@benchmark(NAME, "events/s through the HTTP API under uvicorn (POST per finding, POST /v1/ingest) vs trivial FastAPI")
def run(opts: Options) -> Iterator[Row]:
    concurrency = 2
    activities, per_activity = opts.scale(10, 2), opts.scale(10, 2)
    batch_activities, batch_per_activity, batch_size = opts.scale(10, 4), opts.scale(100, 5), opts.scale(200, 20)
    for name, reason in opts.skipped_backends.items():
        yield skipped(NAME, "single + batched", name, reason)
    for backend in opts.backends:
        settings = backend.fresh("http").model_copy(update={"projections_in_process": False})
        auth_env, headers = lif_auth()
        with Server(LIF_APP, {**lif_env(settings), **auth_env}) as lif_url, Server(TRIVIAL_APP, {}) as trivial_url:
            lif, trivial = Driver(lif_url, concurrency, headers), Driver(trivial_url, concurrency, headers)
            try:
                lif.register()
                cases: list[tuple[str, Callable[[Driver], tuple[int, float]], str]] = [
                    ("single", partial(Driver.single, activities=activities, per_activity=per_activity),
                     f"{concurrency} clients x {activities}x{per_activity} POSTs"),
                    ("batched", partial(Driver.batched, activities=batch_activities,
                                        per_activity=batch_per_activity, batch_size=batch_size),
                     f"{concurrency} clients x {batch_activities}x{batch_per_activity} items, "
                     f"{batch_size} per POST /v1/ingest"),
                ]
                for case, fn, what in cases:
                    result = paired(partial(fn, lif), partial(fn, trivial), opts.repeats)
                    row = result.row(NAME, case, backend.name, "trivial FastAPI", note=what)
                    if case == "batched" and backend.name == "postgres":
                        row.target = f">= {POSTGRES_BATCHED_TARGET:,.0f} events/s"
                        row.met = row.value is not None and row.value >= POSTGRES_BATCHED_TARGET
                    yield row
            finally:
                lif.close()
                trivial.close()
