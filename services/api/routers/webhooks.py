"""Webhook deliveries given up on (dead letters), for an administrator to look at."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.api.deps import PartnershipId
from services.api.responses import READ_RESPONSES
from services.kafka_settings import delivery_db
from services.webhooks import DeadLetter, dead_letters

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/webhooks", tags=["webhooks"])


class DeadLetters(BaseModel):
    partnership_id: str
    dead_letters: list[DeadLetter]


@router.get("/dead-letters", response_model=DeadLetters, responses=READ_RESPONSES)
def list_dead_letters(request: Request, partnership_id: PartnershipId) -> DeadLetters:
    """Deliveries dead-lettered after their last attempt, most recent first (at most 500)."""
    db = delivery_db(request.app.state.settings)
    return DeadLetters(partnership_id=partnership_id, dead_letters=dead_letters(db, partnership_id))
