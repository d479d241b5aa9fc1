"""Forum decisions: accept, reject or defer, with rationale and who decided."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain import commands as cmd
from domain.decision import Decision
from services.api.command_routes import add_command_route
from services.api.deps import PartnershipId, StoreDep
from services.api.public import answer_model, public_record
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import load_or_404
from services.api.schemas.decisions import DecisionRecord

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/decisions", tags=["decisions"])

add_command_route(router, "", cmd.RecordDecision, answer_model(Decision), status_code=201)


@router.get("/{decision_id}", response_model=DecisionRecord, responses=READ_RESPONSES)
def get_decision(partnership_id: PartnershipId, decision_id: UUID, store: StoreDep) -> DecisionRecord:
    return DecisionRecord.model_validate(public_record(load_or_404(store, partnership_id, decision_id, Decision)))
