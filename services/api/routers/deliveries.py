"""Why an agency did or did not receive a learning event (scrutineers and admins)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from adapters.ledger import Ledger
from adapters.sealed_text import open_in_text
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES
from services.api.routers.feeds import with_ledger
from services.api.schemas.feeds import DeliveryExplanation
from services.application.delivery import explain

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/deliveries", tags=["feeds"])


@router.get(
    "/{event_id}/explain",
    response_model=DeliveryExplanation,
    responses=READ_RESPONSES,
    summary="Who received a learning event and by which rule; with ?agency=, why that agency did or did not",
)
def explain_delivery(
    request: Request, partnership_id: PartnershipId, event_id: UUID, store: StoreDep,
    agency: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Agency id.")] = None,
) -> JSONResponse:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    if agency is not None:
        partnership.agency(agency, "agency")

    def read(ledger: Ledger) -> tuple[dict[str, Any] | None, list[tuple[str, str, bool]]]:
        return (
            ledger.explanation(partnership_id, str(event_id), agency),
            ledger.deliveries(partnership_id, str(event_id)),
        )

    kept, deliveries = with_ledger(request, read)
    if kept is None:
        raise NotFound(
            "unknown_delivery", f"Event {event_id} is not a learning event routed in this partnership.", "event_id"
        )
    # As built: `agency` is left out, not null, when no agency was asked about.
    store.text_keys.forget_destroyed()  # a redaction made by another process corrects the title too
    kept = {**kept, "title": open_in_text(str(kept["title"]), store.text_keys)}  # kept with its text sealed
    return JSONResponse(explain(str(event_id), kept, deliveries, agency))
