"""A forum's meetings as an iCalendar feed: read with a token, or subscribed to by its link.

`router` is under /v1/ (a bearer token, as every read). `subscription_router` serves the
address a calendar program subscribes to, outside /v1/: Outlook sends no credentials, so
the address itself is the credential (a signed token naming partnership and forum).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.routing import NoMatchFound

from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.files import file_responses
from services.api.responses import READ_RESPONSES
from services.application.products.calendars import calendar_token, forum_calendar, read_calendar_token

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/forums/{forum_id}", tags=["calendars"])
subscription_router = APIRouter(prefix="/calendars", tags=["calendars"])

ICS = "text/calendar"
ForumId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Forum id (slug).")]
Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{10,400}$", description="The subscription link's token.")]


class CalendarLink(BaseModel):
    url: str = Field(description="The feed's address, to subscribe to (Outlook: Add calendar, From Internet).")
    webcal: str = Field(description="The same as a webcal: address, which calendar programs open directly.")


def _calendar(request: Request, store: StoreDep, partnership_id: str, forum_id: str) -> Response:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    try:
        agenda: str | None = str(request.url_for("get_agenda_html", partnership_id=partnership_id, forum_id=forum_id))
    except NoMatchFound:  # the printable agenda's route is another router's: without it, no link
        agenda = None
    return Response(
        forum_calendar(partnership, forum_id, agenda), media_type=f"{ICS}; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{forum_id}.ics"', "Cache-Control": "no-cache"},
    )


@router.get("/meetings.ics", response_class=Response, summary="The forum's meetings as an iCalendar feed",
            responses=file_responses(READ_RESPONSES, ICS, "The meetings (iCalendar)."))
def get_meetings_ics(request: Request, partnership_id: PartnershipId, forum_id: ForumId, store: StoreDep) -> Response:
    return _calendar(request, store, partnership_id, forum_id)


@router.get("/calendar-link", response_model=CalendarLink, responses=READ_RESPONSES,
            summary="The address to subscribe to the forum's meetings from a calendar program")
def get_calendar_link(request: Request, partnership_id: PartnershipId, forum_id: ForumId,
                      store: StoreDep) -> CalendarLink:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is not None:
        partnership.forum(forum_id)  # an unknown forum: 404
    token = calendar_token(request.app.state.signing_key, partnership_id, forum_id)
    url = str(request.url_for("get_subscribed_calendar", token=token))
    return CalendarLink(url=url, webcal="webcal://" + url.split("://", 1)[1])


@subscription_router.get("/{token}.ics", response_class=Response,
                         summary="A forum's meetings, at its subscription link (no credentials: the link is one)",
                         responses=file_responses({404: READ_RESPONSES[404]}, ICS, "The meetings (iCalendar)."))
def get_subscribed_calendar(request: Request, token: Token, store: StoreDep) -> Response:
    partnership_id, forum_id = read_calendar_token(request.app.state.signing_key, token)
    return _calendar(request, store, partnership_id, forum_id)
