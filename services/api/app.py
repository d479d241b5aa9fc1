"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

import services.api.routers.casefiles as casefile_routes
import services.api.routers.verify as verify_routes
from projections.runtime import BackgroundProjector, build_projector
from services.api.errors import ErrorDetail, error_response, install_error_handlers
from services.api.routers import (
    actions,
    activities,
    agendas,
    audit,
    clocks,
    decisions,
    feeds,
    ingest,
    partnerships,
    recommendations,
    themes,
    tracker,
)
from services.service import LearningService
from services.settings import Settings, get_settings
from services.store import EventStore


def create_app(settings: Settings | None = None, store: EventStore | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        background = BackgroundProjector(app.state.projector) if settings.projections_in_process else None
        if background:
            background.start()
        yield
        if background:
            background.stop()
        app.state.projector.close()
        app.state.store.close()

    app = FastAPI(
        title="lif: learning and improvement",
        version="0.1.0",
        description="Every finding, recommendation and action of a Safeguarding Children "
        "Partnership as an immutable event.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store or EventStore.from_settings(settings)
    app.state.service = LearningService(app.state.store)
    app.state.projector = build_projector(settings, app.state.store)
    install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        too_big = ErrorDetail(
            code="body_too_large", field="body", message=f"Bodies are limited to {settings.max_body_bytes} bytes."
        )
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return error_response(413, too_big)
        if request.method in {"POST", "PUT", "PATCH"} and length is None:
            body = await request.body()
            if len(body) > settings.max_body_bytes:
                return error_response(413, too_big)
        return await call_next(request)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok", "persistence": settings.persistence}

    for module in (partnerships, activities, recommendations, actions, decisions, ingest):
        app.include_router(module.router)
    app.include_router(tracker.router)
    app.include_router(audit.router)
    app.include_router(agendas.router)
    app.include_router(themes.router)
    app.include_router(feeds.router)
    app.include_router(clocks.router)
    app.include_router(verify_routes.router)
    app.include_router(casefile_routes.router)
    return app
