"""Batch ingest for services that emit commands."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from domain.errors import InvalidInput
from services.api.deps import PrincipalDep, ServiceDep
from services.service import IngestItem, IngestReport

router = APIRouter(prefix="/v1", tags=["ingest"])


class IngestRequest(BaseModel):
    items: list[dict[str, Any]] = Field(
        description="Each item is validated on its own as an IngestItem.",
        json_schema_extra={"items": IngestItem.model_json_schema()},
    )


@router.post("/ingest", response_model=IngestReport)
def ingest(
    request: Request,
    body: Annotated[IngestRequest, Body()],
    service: ServiceDep,
    principal: PrincipalDep,
) -> IngestReport:
    limit: int = request.app.state.settings.ingest_max_items
    if len(body.items) > limit:
        raise InvalidInput("batch_too_large", f"At most {limit} items per batch.", "items")
    return service.ingest(principal, body.items)
