"""Batch ingest for services that emit commands."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, Field

from domain.errors import InvalidInput
from services.api.auth import ingest_guard
from services.api.deps import PrincipalDep, ServiceDep
from services.api.responses import INGEST_RESPONSES
from services.application.service import IngestItem, IngestReport

router = APIRouter(prefix="/v1", tags=["ingest"])


class IngestRequest(BaseModel):
    # `Any`, not a dict: an item that is not even an object is reported by its index
    # like any other invalid item, rather than refusing the whole batch.
    items: list[Any] = Field(
        description="Each item is validated on its own as an IngestItem; one that is not (even one that is "
        "not an object) is reported in the answer's `rejected` by its index, and the rest still apply.",
        # IngestItem, or anything else: the batch itself accepts any item.
        json_schema_extra={"items": {"anyOf": [IngestItem.model_json_schema(), {}]}},
    )


@router.post("/ingest", response_model=IngestReport, responses=INGEST_RESPONSES)
def ingest(
    request: Request,
    response: Response,
    body: Annotated[IngestRequest, Body()],
    service: ServiceDep,
    principal: PrincipalDep,
) -> IngestReport:
    limit: int = request.app.state.settings.ingest_max_items
    if len(body.items) > limit:
        raise InvalidInput("batch_too_large", f"At most {limit} items per batch.", "items")
    # Each item is held to its own command's rule and to the credential's partnership.
    report = service.ingest(principal, body.items, ingest_guard(request))
    # Read-your-writes, as for every command: pass it to a projection read as ?min_position=.
    position = report.position if report.position is not None else service.store.recorder.max_notification_id()
    response.headers["Lif-Position"] = str(position or 0)
    return report
