"""/health, /ready and /metrics of a process without an HTTP API (relay, worker, projector, webhooks).

A ThreadingHTTPServer on a daemon thread: scrapes never wait behind the process's own loop.
Started only when a port is given (`--metrics-port`, else LIF_METRICS_PORT).
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.observability import Metrics

log = logging.getLogger("lif.ops")


class OpsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIF_METRICS_", extra="ignore")

    port: int | None = None
    """Port of /health, /ready and /metrics (LIF_METRICS_PORT); unset: not served; 0: any free port."""
    host: str = "127.0.0.1"
    """Interface to serve them on (LIF_METRICS_HOST); 0.0.0.0 in a container, for the scraper."""


def health_body(metrics: Metrics) -> tuple[int, dict[str, Any]]:
    return 200, {"status": "ok", "process": metrics.process}


def ready_body(metrics: Metrics) -> tuple[int, dict[str, Any]]:
    ready, reason = metrics.status.state()
    if ready:
        return 200, {"status": "ready", "process": metrics.process}
    return 503, {"status": "not_ready", "process": metrics.process, "reason": reason}


class OpsServer:
    """/health, /ready and /metrics of a process without an HTTP API, on a daemon thread."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics = metrics
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._answer(200, outer.metrics.render(), CONTENT_TYPE_LATEST)
                    return
                answers = {"/health": health_body, "/ready": ready_body}
                if path not in answers:
                    self._answer(404, b'{"status":"not_found"}', "application/json")
                    return
                status, body = answers[path](outer.metrics)
                self._answer(status, json.dumps(body).encode(), "application/json")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Scrapes are not news: no line per request."""

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="lif-ops-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> OpsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_ops_server(metrics: Metrics, port: int | None = None) -> OpsServer | None:
    """Serves /health, /ready and /metrics on `port` (else LIF_METRICS_PORT); None when neither is set."""
    settings = OpsSettings()
    chosen = port if port is not None else settings.port
    if chosen is None:
        return None
    server = OpsServer(metrics, settings.host, chosen).start()
    log.info(
        "serving /health, /ready and /metrics on %s:%d", settings.host, server.port,
        extra={"fields": {"metrics_host": settings.host, "metrics_port": server.port}},
    )
    return server
