"""Partnerships and their reference data: agencies, forums, meetings, routing."""

from __future__ import annotations

from fastapi import APIRouter

from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.public import public_record
from services.api.responses import READ_RESPONSES
from services.api.schemas.partnerships import PartnershipRecord

router = APIRouter(prefix="/v1/partnerships", tags=["partnerships"])

P = "/{partnership_id}"


@router.get(P, response_model=PartnershipRecord, responses=READ_RESPONSES)
def get_partnership(partnership_id: PartnershipId, store: StoreDep) -> PartnershipRecord:
    state = store.load(partnership_uuid(partnership_id), Partnership)
    if state is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    return PartnershipRecord.model_validate(public_record(state))
