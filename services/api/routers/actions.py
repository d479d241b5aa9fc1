"""Actions: progress, completion with evidence, assurance of impact, reopening."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain.action import Action
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsOf, load_or_404

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/actions", tags=["actions"])

@router.get("/{action_id}", response_model=Action, responses=READ_RESPONSES)
def get_action(partnership_id: PartnershipId, action_id: UUID, store: StoreDep, as_of: AsOf = None) -> Action:
    return load_or_404(store, partnership_id, action_id, Action, as_of)
