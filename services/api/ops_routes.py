"""GET /ready and GET /metrics: open like /health (outside /v1/, no credentials), documented under `health`.

/ready answers 200 while the event store answers (and the in-process projector, if
any, is running), else 503 with the reason: a load balancer stops sending requests.
/metrics is Prometheus text: lag of the in-process projector, events it projected,
parked events where counted, errors logged, readiness, and the process's own figures.
Nothing in either names a partnership or a person.
"""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from adapters.observability import Metrics
from adapters.settings import Settings
from services.workers.projector import watch_projector


class Ready(BaseModel):
    status: Literal["ready", "not_ready"]
    process: str = Field(description="Which lif process answered (`api`).")
    reason: str | None = Field(default=None, description="Why it is not ready (when it is not).")


METRICS_DOC = {
    200: {
        "description": "Prometheus text exposition format (version 0.0.4).",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


def install_ops_routes(app: FastAPI, settings: Settings) -> None:
    metrics = app.state.metrics = Metrics("api")
    if settings.projections_in_process:
        watch_projector(metrics, app.state.projector)

    def not_ready() -> str | None:
        try:
            app.state.store.recorder.max_notification_id()
        except Exception as e:
            return f"the event store does not answer: {type(e).__name__}: {e}"
        background = app.state.background
        if settings.projections_in_process and (background is None or not background.thread.is_alive()):
            return "the in-process projector is not running"
        return None

    @app.get(
        "/ready", tags=["health"], response_model=Ready, responses={503: {"model": Ready, "description": "Not ready."}}
    )
    def ready() -> JSONResponse:
        reason = not_ready()
        if reason is None:
            metrics.status.ok()
            return JSONResponse({"status": "ready", "process": "api"})
        metrics.status.failed(reason)
        return JSONResponse({"status": "not_ready", "process": "api", "reason": reason}, status_code=503)

    @app.get("/metrics", tags=["health"], response_class=Response, responses=METRICS_DOC)  # type: ignore[arg-type]
    def prometheus_metrics() -> Response:
        ready, _ = metrics.status.state()
        if not ready:
            # A scrape is also a readiness check: lif_ready says what /ready would.
            reason = not_ready()
            if reason is None:
                metrics.status.ok()
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
