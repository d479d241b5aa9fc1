"""Webhook deliveries given up on (dead letters), for an administrator to look at."""

from __future__ import annotations

from fastapi import APIRouter, Request

from adapters.kafka_settings import delivery_db
from services.api.deps import PartnershipId
from services.api.responses import READ_RESPONSES
from services.api.schemas.lists import ListAnswer
from services.workers.webhooks import DeadLetter, dead_letters

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/webhooks", tags=["webhooks"])


class DeadLetters(ListAnswer):
    """Deliveries given up on, most recent first (one list: `next` is null)."""

    partnership_id: str
    items: list[DeadLetter]


@router.get("/dead-letters", response_model=DeadLetters, responses=READ_RESPONSES)
def list_dead_letters(request: Request, partnership_id: PartnershipId) -> DeadLetters:
    """Deliveries dead-lettered after their last attempt, most recent first (at most 500)."""
    db = delivery_db(request.app.state.settings)
    items = dead_letters(db, partnership_id)
    return DeadLetters(partnership_id=partnership_id, items=items, count=len(items))
