"""What the meeting pages read and how they run a command: the meeting's record, the live agenda's
items, each form's fields, and a meeting command run as the API runs it.

A command goes through the API's policy for its route (the secretary's own forum, the meeting's
forum) and the same service; its refusal is the API's, shown on the form's fields.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from domain.aggregate import Context
from domain.commands import DECLARATIONS, AddAgendaItem, Command, DraftAgenda, LogMeetingAction, RecordMinutes
from domain.commands.meeting import GeneratedItem
from domain.meeting_state import meeting_uuid
from services.api.routers.agendas import agenda_for
from services.application.auth.policy import Request as ScopeRequest
from services.application.auth.policy import authorize, command_path
from services.application.auth.principals import Principal
from services.application.meeting_items import generated_items
from services.application.meetings import MeetingRecord, meeting_record
from services.application.service import LearningService, Outcome
from services.web.command_forms import WAIT_SECONDS, Choice, FormField, describe
from services.web.forum import partnership_of

DRAFT_FIELDS = tuple(
    replace(f, classes="govuk-input--width-5") if f.name == "starts_at" else f
    for f in describe(
        DraftAgenda, ["venue", "starts_at", "chair"],
        labels={"venue": "Venue", "starts_at": "Start time", "chair": "Chair"},
        hints={"venue": "Where the forum meets, or how to join it.", "starts_at": "24-hour clock, for example 10:00."},
    )
)
ITEM_FIELDS = (
    *describe(
        AddAgendaItem, ["title", "purpose", "presenter"],
        labels={"title": "Title of the item", "purpose": "Purpose", "presenter": "Presenter"},
        hints={"presenter": "Who introduces the item, with their role."},
    ),
    FormField("minutes_allowed", "Minutes allowed", "text", hint="How long the item may take, in minutes.",
              optional=True, classes="govuk-input--width-3"),
)
ATTENDANCE_FIELDS = (
    FormField("present", "Present", "lines", hint="One person a line: their name and role or agency."),
    FormField("apologies", "Apologies", "lines", hint="One person a line.", optional=True),
    FormField("declarations", "Declarations of interest", "lines", optional=True,
              hint="One a line: the person, a colon, then the interest. For example: DCI Jones: manages the "
                   "officer in the case."),
)
MINUTES_FIELDS = describe(
    RecordMinutes, ["minutes", "decision"],
    labels={"minutes": "Minutes of the item", "decision": "Decision"},
    hints={"decision": "The decision the meeting took on the item, if any, in its own words."},
)


def action_fields(record: MeetingRecord, agencies: dict[str, str]) -> tuple[FormField, ...]:
    """The action log's form: the owner chosen among the partnership's agencies, the item among the agenda's."""
    return describe(
        LogMeetingAction, ["description", "owner_agency_id", "due_on", "item_id"],
        labels={"description": "Action", "owner_agency_id": "Owner agency", "due_on": "Due date",
                "item_id": "Agenda item"},
        choices={"owner_agency_id": [Choice(k, v) for k, v in sorted(agencies.items(), key=lambda kv: kv[1])],
                 "item_id": [Choice(i.item_id, f"{i.number}. {i.title}") for i in record.items]},
        widgets={"owner_agency_id": "select", "item_id": "select"},
    )


def declarations_of(text: str) -> list[dict[str, str]]:
    """`Person: interest` lines; a line with no colon has no person, which the payload refuses."""
    found = []
    for line in (raw.strip() for raw in text.splitlines()):
        if line:
            person, _, interest = line.partition(":") if ":" in line else ("", "", line)
            found.append({"person": person.strip(), "interest": interest.strip()})
    return found


def record_of(request: Request, secretary: Principal, meets_on: date) -> MeetingRecord:
    """The meeting of the secretary's own forum on that day, or 404."""
    record = meeting_record(request.app.state.store, secretary.partnership_id, secretary.forum_id or "", meets_on)
    if record is None:
        raise HTTPException(404)
    return record


def live_items(request: Request, secretary: Principal, meets_on: date) -> list[GeneratedItem]:
    """The generated agenda's items for the meeting, as the API's agenda-draft proposes them."""
    agenda, _ = agenda_for(request, secretary.partnership_id, secretary.forum_id or "", meets_on, None)
    return generated_items(agenda)


def agency_names(request: Request, secretary: Principal) -> dict[str, str]:
    p = partnership_of(request.app.state.store, secretary)
    return {agency_id: agency.name for agency_id, agency in (p.agencies.items() if p else ())}


def meeting_id(secretary: Principal, meets_on: date) -> UUID:
    return meeting_uuid(secretary.partnership_id, secretary.forum_id or "", meets_on)


async def run(request: Request, secretary: Principal, command: Command, target_id: UUID | None) -> Outcome:
    """The command under the API's rule for its route, then the service; a short wait for the views.
    Raises the DomainError (a Forbidden too) for the form to show."""
    d = DECLARATIONS[command.name]
    params: dict[str, Any] = {"partnership_id": secretary.partnership_id}
    if d.target_param:
        params[d.target_param] = str(target_id)
    store = request.app.state.store
    scope = ScopeRequest(secretary, params, {}, command.model_dump(mode="json"), store)
    await run_in_threadpool(authorize, "POST", command_path(d), scope)
    service: LearningService = request.app.state.service
    ctx = Context(partnership_id=secretary.partnership_id, principal=secretary.subject)
    outcome = await run_in_threadpool(service.execute, ctx, command, target_id)
    if outcome.position is not None:
        await run_in_threadpool(request.app.state.projector.wait_for, outcome.position, WAIT_SECONDS)
    return outcome
