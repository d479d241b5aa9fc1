"""Actions: progress, completion with evidence, assurance of impact, reopening."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain import commands as cmd
from domain.action import Action
from services.api.command_routes import add_command_route
from services.api.deps import PartnershipId, StoreDep
from services.api.public import answer_model, public_record
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsOf, load_or_404
from services.api.schemas.actions import ActionRecord

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/actions", tags=["actions"])

# Annotated: mypy would otherwise infer the values as ModelMetaclass.
_ACTION_COMMANDS: dict[str, type[cmd.Command]] = {
    "progress": cmd.NoteProgress,
    "reschedule": cmd.RescheduleAction,
    "completion": cmd.CompleteAction,
    "assurance": cmd.AssureAction,
    "reopening": cmd.ReopenAction,
}
for path, command in _ACTION_COMMANDS.items():
    add_command_route(router, f"/{{action_id}}/{path}", command, answer_model(Action), target_param="action_id")


@router.get("/{action_id}", response_model=ActionRecord, responses=READ_RESPONSES)
def get_action(partnership_id: PartnershipId, action_id: UUID, store: StoreDep, as_of: AsOf = None) -> ActionRecord:
    return ActionRecord.model_validate(public_record(load_or_404(store, partnership_id, action_id, Action, as_of)))
