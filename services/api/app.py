"""The FastAPI application."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

import services.api.routers.casefiles as casefile_routes
import services.api.routers.projections_admin as projections_admin
import services.api.routers.verify as verify_routes
import services.api.routers.webhooks as webhook_routes
from adapters.observability import ProgressLog, Status, observed
from adapters.settings import Settings, get_settings
from adapters.store import EventStore
from projections.runtime import BackgroundProjector, build_projector
from services.api.auth import AUTH_RESPONSES, authorize, install_auth
from services.api.body_limit import BodyLimit
from services.api.errors import install_error_handlers
from services.api.links import add_links
from services.api.ops_routes import install_ops_routes
from services.api.read_cache import ReadCache
from services.api.routers import (
    acknowledgements,
    actions,
    activities,
    agenda_packs,
    agendas,
    audit,
    briefings,
    calendars,
    clocks,
    commands,
    decisions,
    deliveries,
    dossiers,
    feeds,
    framework,
    ingest,
    lists,
    meetings,
    newsletters,
    partnerships,
    recommendations,
    search,
    themes,
    tracker,
    yearly_reports,
)
from services.application.service import LearningService
from services.application.subjects.known import KnownIdentitiesCache
from services.web.app import install_web
from services.web.sign_in import install_sign_in


def _document_errors_as_json(app: FastAPI) -> None:
    """Every error answers JSON (services/api/errors.py), also on routes whose success is
    Markdown, HTML, CSV or a feed; FastAPI would document it in the route's media type."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for operations in generate()["paths"].values():
                for operation in operations.values():
                    for code, response in operation.get("responses", {}).items():
                        schemas = [c["schema"] for c in response.get("content", {}).values() if "schema" in c]
                        if code[0] in "45" and schemas:
                            response["content"] = {"application/json": {"schema": schemas[0]}}
            add_links(generate())
            _absent_not_null(generate())
            _json_schema_bounds(generate())
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _absent_not_null(document: dict[str, Any]) -> None:
    """An optional query or header parameter is left out, never sent as null: `str | None`
    documents a null FastAPI would read as the text "null"."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
                if parameter["in"] in ("query", "header") and len(branches) == 1 and len(schema["anyOf"]) == 2:
                    del schema["anyOf"]
                    for key, value in branches[0].items():
                        schema.setdefault(key, value)  # what the route added beside the anyOf is more precise


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _json_schema_bounds(document: dict[str, Any]) -> None:
    """A parameter whose type carries a validator (domain/values.py Position) gets Query's
    bounds as the raw `ge`/`le`, which JSON Schema ignores: named as JSON Schema names them."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                for raw, keyword in _BOUNDS.items():
                    if raw in schema:
                        schema.setdefault(keyword, schema.pop(raw))


class _Servers:
    """Counts the servers running the app's lifespan."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        """True for the first server in."""
        with self._lock:
            self._count += 1
            return self._count == 1

    def leave(self) -> bool:
        """True for the last server out."""
        with self._lock:
            self._count -= 1
            return self._count == 0


def create_app(settings: Settings | None = None, store: EventStore | None = None) -> FastAPI:
    settings = settings or get_settings()

    # One app may be served by several servers at once (test clients do it): the first
    # to start starts the projector's loop, the last to stop closes what the app owns,
    # never while another still reads through it.
    servers = _Servers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if servers.enter():
            if settings.projections_in_process:
                projector = app.state.projector
                # Counted into lif_events_processed_total{stage="projected"}; progress logged.
                step = observed(projector.run_once, Status(), "projected")
                progress = ProgressLog("projector (in process)", projector.position, projector.head)
                app.state.background = BackgroundProjector(projector, step=progress.wrap(step))
                app.state.background.start()
            # Start-up objects (routes, models, schemas) live as long as the process; frozen,
            # the collector stops re-scanning them, which had dominated read tail latency.
            gc.freeze()
        try:
            yield
        finally:
            if servers.leave():
                if app.state.background is not None:
                    app.state.background.stop()
                feeds.close_feeds(app.state)
                app.state.projector.close()
                app.state.store.close()

    app = FastAPI(
        title="lif: learning and improvement",
        version="0.1.0",
        description="Every finding, recommendation and action of a Safeguarding Children "
        "Partnership as an immutable event.",
        lifespan=lifespan,
        # Only /health, /ready, /metrics, /openapi.json and /docs answer without credentials (and
        # the web pages, which have their own sign-in). /docs is served from local files (services/web/docs.py).
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.store = store or EventStore.from_settings(settings)
    # One cache of the case files' identities for commands and case files' rationales alike.
    app.state.known_identities = KnownIdentitiesCache(
        app.state.store, lambda: casefile_routes.personal_data_for(app.state)
    )
    app.state.service = LearningService(app.state.store, app.state.known_identities)
    app.state.projector = build_projector(settings, app.state.store)
    app.state.background = None
    app.state.read_cache = ReadCache(settings.read_cache_entries)
    install_error_handlers(app)
    _document_errors_as_json(app)

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    install_auth(app, settings)
    install_web(app, settings)
    install_sign_in(app, settings)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok", "persistence": settings.persistence}

    install_ops_routes(app, settings)

    # Every router is included with the one policy dependency (services/application/auth): a route
    # missing from the policy table is refused to everyone.
    for module in (
        commands, partnerships, activities, recommendations, actions, decisions, ingest, tracker, audit, agendas,
        themes, feeds, deliveries, clocks, verify_routes, casefile_routes, acknowledgements, webhook_routes,
        projections_admin, framework, lists, search, briefings, dossiers, calendars, yearly_reports,
        newsletters, agenda_packs, meetings,
    ):
        app.include_router(module.router, dependencies=[Depends(authorize)], responses=AUTH_RESPONSES)
    # Outside /v1/ and its bearer tokens: a calendar program subscribes with the address alone.
    app.include_router(calendars.subscription_router)
    return app
