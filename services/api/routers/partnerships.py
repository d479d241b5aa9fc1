"""Partnerships and their reference data: agencies, forums, meetings, routing."""

from __future__ import annotations

from fastapi import APIRouter

from domain import commands as cmd
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.command_routes import add_command_route
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES

router = APIRouter(prefix="/v1/partnerships", tags=["partnerships"])

add_command_route(router, "", cmd.RegisterPartnership, Partnership, status_code=201)
P = "/{partnership_id}"
add_command_route(router, f"{P}/agencies", cmd.AddAgency, Partnership)
add_command_route(router, f"{P}/webhooks", cmd.RegisterWebhook, Partnership)
add_command_route(router, f"{P}/forums", cmd.AddForum, Partnership)
add_command_route(router, f"{P}/meetings", cmd.ScheduleMeeting, Partnership)
add_command_route(router, f"{P}/routing", cmd.SetRouting, Partnership)
add_command_route(router, f"{P}/subscriptions", cmd.Subscribe, Partnership)
add_command_route(router, f"{P}/subscriptions/cancel", cmd.Unsubscribe, Partnership)


@router.get(P, response_model=Partnership, responses=READ_RESPONSES)
def get_partnership(partnership_id: PartnershipId, store: StoreDep) -> Partnership:
    state = store.load(partnership_uuid(partnership_id), Partnership)
    if state is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    return state
