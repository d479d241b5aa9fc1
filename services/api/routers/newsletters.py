"""The partnership's newsletters: the list, and each one's contents as JSON, a printable page,
PDF and Word. Drafting, editing, approving and issuing one are commands
(domain/commands/newsletter.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from adapters.documents.html import STYLE, render_html
from domain.errors import NotFound
from domain.newsletter_state import Audience, NewsletterStatus
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.files import DOCX, PDF, docx_answer, file_responses, pdf_answer
from services.api.responses import READ_RESPONSES
from services.application.products.newsletters import NewsletterContent, build_newsletter, newsletter_document
from services.web.security_headers import content_security_policy, style_hash

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/newsletters", tags=["newsletters"])

_CSP = content_security_policy([style_hash(STYLE)])


class NewsletterSummary(BaseModel):
    newsletter_id: UUID
    title: str
    audience: Audience
    period_from: date
    period_to: date
    status: NewsletterStatus
    drafted_on: date
    approved_on: date | None
    issued_on: date | None
    agencies: list[str]


@router.get("", response_model=list[NewsletterSummary], responses=READ_RESPONSES,
            summary="The partnership's newsletters, the last changed first")
def list_newsletters(partnership_id: PartnershipId, store: StoreDep) -> list[NewsletterSummary]:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    return [NewsletterSummary(**n.model_dump(include=set(NewsletterSummary.model_fields)))
            for n in reversed(partnership.newsletters)]


def _content(store: StoreDep, partnership_id: str, newsletter_id: UUID) -> NewsletterContent:
    return build_newsletter(store, partnership_id, newsletter_id, datetime.now(UTC))


@router.get("/{newsletter_id}", response_model=NewsletterContent, responses=READ_RESPONSES,
            summary="A newsletter's contents: for an issued one, as they stood when it was issued")
def get_newsletter(partnership_id: PartnershipId, newsletter_id: UUID, store: StoreDep) -> NewsletterContent:
    return _content(store, partnership_id, newsletter_id)


@router.get("/{newsletter_id}/newsletter.html", response_class=HTMLResponse, responses=READ_RESPONSES,
            summary="The newsletter as a printable HTML page")
def get_newsletter_html(partnership_id: PartnershipId, newsletter_id: UUID, store: StoreDep) -> Response:
    doc = newsletter_document(_content(store, partnership_id, newsletter_id))
    return HTMLResponse(render_html(doc), headers={"Content-Security-Policy": _CSP})


@router.get("/{newsletter_id}/newsletter.pdf", response_class=Response, summary="The newsletter as a PDF",
            responses=file_responses(READ_RESPONSES, PDF, "The newsletter (PDF)."))
def get_newsletter_pdf(partnership_id: PartnershipId, newsletter_id: UUID, store: StoreDep) -> Response:
    doc = newsletter_document(_content(store, partnership_id, newsletter_id))
    return pdf_answer(doc, f"newsletter-{newsletter_id}")


@router.get("/{newsletter_id}/newsletter.docx", response_class=Response, summary="The newsletter as a Word document",
            responses=file_responses(READ_RESPONSES, DOCX, "The newsletter (Word)."))
def get_newsletter_docx(partnership_id: PartnershipId, newsletter_id: UUID, store: StoreDep) -> Response:
    doc = newsletter_document(_content(store, partnership_id, newsletter_id))
    return docx_answer(doc, f"newsletter-{newsletter_id}")
