"""The HTTP baseline: FastAPI endpoints that take the same requests and store nothing.

Served exactly as the lif API is (uvicorn factory, same settings), so the ratio
lif/trivial is what our endpoints cost on top of the framework and the server.
The endpoints are plain `def`, as ours are, so they run in the same thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import Body, FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="bench: trivial baseline")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/partnerships/{partnership_id}/activities/{activity_id}/findings")
    def record_finding(
        partnership_id: str, activity_id: UUID, body: Annotated[dict[str, Any], Body()]
    ) -> dict[str, Any]:
        return {"id": str(activity_id), "partnership_id": partnership_id, "version": 1}

    @app.post("/v1/partnerships/{partnership_id}/activities", status_code=201)
    def open_activity(partnership_id: str, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        return {"id": str(uuid4()), "partnership_id": partnership_id, "version": 1}

    @app.post("/v1/ingest")
    def ingest(items: Annotated[list[Any], Body(embed=True)]) -> dict[str, Any]:
        return {"applied": [{"index": i} for i in range(len(items))], "rejected": []}

    return app
