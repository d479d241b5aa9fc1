"""Partnerships and their reference data: agencies, forums, meetings, routing."""

from __future__ import annotations

from fastapi import APIRouter

from domain import commands as cmd
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.command_routes import add_command_route
from services.api.deps import PartnershipId, StoreDep
from services.api.public import answer_model, public_record
from services.api.responses import READ_RESPONSES
from services.api.schemas.partnerships import PartnershipRecord

router = APIRouter(prefix="/v1/partnerships", tags=["partnerships"])

add_command_route(router, "", cmd.RegisterPartnership, answer_model(Partnership), status_code=201)
P = "/{partnership_id}"
add_command_route(router, f"{P}/agencies", cmd.AddAgency, answer_model(Partnership))
add_command_route(router, f"{P}/webhooks", cmd.RegisterWebhook, answer_model(Partnership))
add_command_route(router, f"{P}/forums", cmd.AddForum, answer_model(Partnership))
add_command_route(router, f"{P}/meetings", cmd.ScheduleMeeting, answer_model(Partnership))
add_command_route(router, f"{P}/routing", cmd.SetRouting, answer_model(Partnership))
add_command_route(router, f"{P}/subscriptions", cmd.Subscribe, answer_model(Partnership))
add_command_route(router, f"{P}/subscriptions/cancel", cmd.Unsubscribe, answer_model(Partnership))


@router.get(P, response_model=PartnershipRecord, responses=READ_RESPONSES)
def get_partnership(partnership_id: PartnershipId, store: StoreDep) -> PartnershipRecord:
    state = store.load(partnership_uuid(partnership_id), Partnership)
    if state is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    return PartnershipRecord.model_validate(public_record(state))
