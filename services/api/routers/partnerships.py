"""Partnerships and their reference data: agencies, forums, meetings, routing."""

from __future__ import annotations

from fastapi import APIRouter

from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES

router = APIRouter(prefix="/v1/partnerships", tags=["partnerships"])

P = "/{partnership_id}"


@router.get(P, response_model=Partnership, responses=READ_RESPONSES)
def get_partnership(partnership_id: PartnershipId, store: StoreDep) -> Partnership:
    state = store.load(partnership_uuid(partnership_id), Partnership)
    if state is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    return state
