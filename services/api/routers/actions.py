"""Actions: progress, completion with evidence, assurance of impact, reopening."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain.action import Action
from services.api.deps import PartnershipId, StoreDep
from services.api.public import public_record
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsAtDay, AsOf, load_or_404
from services.api.schemas.actions import ActionRecord
from services.application.as_at import AsAt

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/actions", tags=["actions"])

@router.get("/{action_id}", response_model=ActionRecord, responses=READ_RESPONSES)
def get_action(
    partnership_id: PartnershipId, action_id: UUID, store: StoreDep, as_of: AsOf = None, as_at_day: AsAtDay = None
) -> ActionRecord:
    state = load_or_404(store, partnership_id, action_id, Action, as_at=AsAt.of(as_of, as_at_day))
    return ActionRecord.model_validate(public_record(state))
