"""The agenda pack from the secretary's meeting page: the page to read or print, the PDF and the
Word file a secretary sends round. The same pack as the API's (services/api/routers/agenda_packs.py),
read the same way, for the secretary's own forum only (a meeting it does not have is not found).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from adapters.documents import Document
from adapters.documents.html import render_html, styles
from domain.dates import today_in_england
from services.api.files import docx_answer, pdf_answer
from services.application.auth.principals import Principal, Role
from services.application.products.agenda_pack import build_pack
from services.application.products.agenda_pack_document import pack_document, pack_filename
from services.application.products.meeting_pack import pack_meeting_of
from services.web import forum as reads
from services.web.security_headers import content_security_policy, style_hash
from services.web.session import require_person

router = APIRouter()

Secretary = Annotated[Principal, Depends(require_person(Role.SECRETARY))]


def _pack(request: Request, secretary: Principal, meeting_on: date) -> tuple[Document, str]:
    home = reads.forum_home(request.app.state.store, secretary, today_in_england())
    partnership = reads.partnership_of(request.app.state.store, secretary)
    if home is None or partnership is None or meeting_on not in home.forum.meetings:
        raise HTTPException(404)
    store = request.app.state.store
    meeting = pack_meeting_of(store, secretary.partnership_id, home.forum.forum_id, meeting_on, today_in_england())
    pack = build_pack(reads.meeting_agenda(request, secretary, meeting_on, None), meeting, partnership)
    return pack_document(pack), pack_filename(pack, home.forum.forum_id)


@router.get("/forum/meetings/{meeting_on}/pack", response_class=HTMLResponse)
async def pack_page(request: Request, secretary: Secretary, meeting_on: date) -> Response:
    doc, _ = await run_in_threadpool(_pack, request, secretary, meeting_on)
    # One file to save or print: its style sheets inline, admitted by their hashes.
    csp = content_security_policy([style_hash(css) for css in styles(doc)])
    return HTMLResponse(render_html(doc), headers={"Content-Security-Policy": csp})


@router.get("/forum/meetings/{meeting_on}/pack.pdf")
async def pack_pdf(request: Request, secretary: Secretary, meeting_on: date) -> Response:
    doc, name = await run_in_threadpool(_pack, request, secretary, meeting_on)
    return pdf_answer(doc, name)


@router.get("/forum/meetings/{meeting_on}/pack.docx")
async def pack_docx(request: Request, secretary: Secretary, meeting_on: date) -> Response:
    doc, name = await run_in_threadpool(_pack, request, secretary, meeting_on)
    return docx_answer(doc, name)
