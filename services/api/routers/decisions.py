"""Forum decisions: accept, reject or defer, with rationale and who decided."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain.decision import Decision
from services.api.deps import PartnershipId, StoreDep
from services.api.public import public_record
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsAtDay, AsOf, load_or_404
from services.api.schemas.decisions import DecisionRecord
from services.application.as_at import AsAt

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/decisions", tags=["decisions"])

@router.get("/{decision_id}", response_model=DecisionRecord, responses=READ_RESPONSES)
def get_decision(
    partnership_id: PartnershipId, decision_id: UUID, store: StoreDep, as_of: AsOf = None, as_at_day: AsAtDay = None
) -> DecisionRecord:
    state = load_or_404(store, partnership_id, decision_id, Decision, as_at=AsAt.of(as_of, as_at_day))
    return DecisionRecord.model_validate(public_record(state))
