"""A forum's agenda pack for a meeting, as the secretary circulates it: HTML with print styles,
PDF and Word. Beside the agenda's routes (agendas.py), and read the same way: the agenda view
at its position, with the partnership's own record for its marking and agencies' names.

What is known of the meeting itself (venue, chair, apologies, minutes ...) is not on record
here yet: the pack says "To be confirmed" where it would go.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from adapters.documents import Document
from adapters.documents.html import render_html, styles
from domain.dates import today_in_england
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.files import DOCX, PDF, docx_answer, file_responses, pdf_answer
from services.api.projection_reads import MinPosition
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.routers.agendas import ForumId, MeetingOn, agenda_for
from services.application.products.agenda_pack import build_pack
from services.application.products.agenda_pack_document import pack_document, pack_filename
from services.application.products.meeting_pack import pack_meeting_of
from services.web.security_headers import content_security_policy, style_hash

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/forums/{forum_id}", tags=["agendas"])


def pack_of(
    request: Request, store: StoreDep, partnership_id: str, forum_id: str, meeting_on: date | None,
    min_position: int | None,
) -> tuple[Document, str, dict[str, str]]:
    """The pack as a document, its file name, and the read's freshness headers."""
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    agenda, freshness = agenda_for(request, partnership_id, forum_id, meeting_on, min_position)
    meeting = pack_meeting_of(store, partnership_id, forum_id, agenda.meeting_on, today_in_england())
    pack = build_pack(agenda, meeting, partnership)
    return pack_document(pack), pack_filename(pack, forum_id), freshness.headers()


@router.get("/agenda-pack.html", response_class=HTMLResponse, responses=PROJECTION_READ_RESPONSES,
            summary="The agenda pack as a page to read or print")
def get_agenda_pack_html(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId, store: StoreDep,
    meeting_on: MeetingOn = None, min_position: MinPosition = None,
) -> HTMLResponse:
    doc, _, headers = pack_of(request, store, partnership_id, forum_id, meeting_on, min_position)
    # Its style sheets inline (one file to save or print), admitted by their hashes.
    csp = content_security_policy([style_hash(css) for css in styles(doc)])
    return HTMLResponse(render_html(doc), headers={**headers, "Content-Security-Policy": csp})


@router.get("/agenda-pack.pdf", response_class=Response, summary="The agenda pack as a PDF",
            responses=file_responses(PROJECTION_READ_RESPONSES, PDF, "The agenda pack (PDF)."))
def get_agenda_pack_pdf(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId, store: StoreDep,
    meeting_on: MeetingOn = None, min_position: MinPosition = None,
) -> Response:
    doc, name, headers = pack_of(request, store, partnership_id, forum_id, meeting_on, min_position)
    return pdf_answer(doc, name, headers)


@router.get("/agenda-pack.docx", response_class=Response, summary="The agenda pack as a Word document",
            responses=file_responses(PROJECTION_READ_RESPONSES, DOCX, "The agenda pack (Word)."))
def get_agenda_pack_docx(
    request: Request, partnership_id: PartnershipId, forum_id: ForumId, store: StoreDep,
    meeting_on: MeetingOn = None, min_position: MinPosition = None,
) -> Response:
    doc, name, headers = pack_of(request, store, partnership_id, forum_id, meeting_on, min_position)
    return docx_answer(doc, name, headers)
