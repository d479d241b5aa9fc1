"""A forum's agenda for a meeting, as JSON, Markdown and a printable HTML page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from domain.errors import InvalidInput
from domain.values import IsoDate
from projections.agenda.builder import build_agenda, default_meeting
from projections.agenda.models import Agenda
from projections.agenda.query import agenda_facts
from projections.agenda.render import INLINE_STYLE, render_html, render_markdown
from projections.agenda.view import AgendaView
from services.api.deps import PartnershipId
from services.api.projection_reads import Degraded, Freshness, MinPosition, projection_read
from services.api.read_cache import read_cache, wants_fresh
from services.api.responses import PROJECTION_READ_RESPONSES
from services.web.security_headers import content_security_policy, style_hash

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/forums/{forum_id}", tags=["agendas"])

_PRINT_CSP = content_security_policy([style_hash(INLINE_STYLE)])
"""The printable agenda keeps its style sheet inline (one file to save or print): admitted by its hash."""

ForumId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Forum id (slug).")]
MeetingOn = Annotated[
    IsoDate | None,
    Query(description="The meeting (YYYY-MM-DD); default: the forum's next meeting from today."),
]


class MarkdownResponse(PlainTextResponse):
    media_type = "text/markdown"


class AgendaResponse(Agenda):
    head: int
    lag: int
    degraded: Degraded


def agenda_for(
    request: Request, partnership_id: str, forum_id: str, meeting_on: date | None,
    min_position: int | None,
) -> tuple[Agenda, Freshness]:
    """The agenda at the view's current position, built once per position (services/api/read_cache.py)."""
    today = date.today()
    with projection_read(request, AgendaView.name, min_position) as (cur, freshness):

        def build() -> Agenda:
            facts = agenda_facts(cur, partnership_id, forum_id)
            when = meeting_on or default_meeting(facts.meetings, today) or today
            try:
                return build_agenda(facts, when, datetime.now(UTC), freshness.position)
            except (ValueError, OverflowError):
                # A day so near the calendar's end that a deadline after it has no date.
                raise InvalidInput(
                    "invalid_meeting_on", "No agenda can be built for a meeting on this day.", "meeting_on"
                ) from None

        # Without a meeting asked for, the answer is the next meeting from today: today is in the key.
        key = ("agenda", partnership_id, forum_id, meeting_on or today, meeting_on is None, freshness.cache_token)
        agenda = read_cache(request).get_or_build(key, build, fresh=wants_fresh(request))
    assert isinstance(agenda, Agenda)
    return agenda, freshness


@router.get("/agenda", response_model=AgendaResponse, responses=PROJECTION_READ_RESPONSES)
def get_agenda(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId,
    meeting_on: MeetingOn = None, min_position: MinPosition = None,
) -> Response:
    agenda, freshness = agenda_for(request, partnership_id, forum_id, meeting_on, min_position)
    # Serialised by pydantic's core in one pass: a few hundred items take a third of the
    # time of a dict dump followed by json.dumps.
    answer = AgendaResponse.model_construct(
        **dict(agenda), head=freshness.head, lag=freshness.lag, degraded=freshness.degraded
    )
    return Response(answer.model_dump_json(), media_type="application/json", headers=freshness.headers())


@router.get(
    "/agenda.md", response_class=MarkdownResponse, responses=PROJECTION_READ_RESPONSES,
    summary="The agenda as Markdown",
)
def get_agenda_markdown(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId,
    meeting_on: MeetingOn = None, min_position: MinPosition = None,
) -> PlainTextResponse:
    agenda, freshness = agenda_for(request, partnership_id, forum_id, meeting_on, min_position)
    return PlainTextResponse(
        render_markdown(agenda), media_type="text/markdown; charset=utf-8",
        headers=freshness.headers(),
    )


@router.get(
    "/agenda.html", response_class=HTMLResponse, responses=PROJECTION_READ_RESPONSES,
    summary="The agenda as a printable HTML page",
)
def get_agenda_html(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId,
    meeting_on: MeetingOn = None, min_position: MinPosition = None,
) -> HTMLResponse:
    agenda, freshness = agenda_for(request, partnership_id, forum_id, meeting_on, min_position)
    return HTMLResponse(render_html(agenda), headers={**freshness.headers(), "Content-Security-Policy": _PRINT_CSP})
