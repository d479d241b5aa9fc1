"""An activity's 7-minute briefing: a first draft to start from, and the briefing as Word and PDF.

Drafting, editing, approving and publishing it are commands (domain/commands/briefing.py).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from domain.activity import Activity
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.files import DOCX, PDF, docx_answer, file_responses, pdf_answer
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES, READ_RESPONSES
from services.api.routers.reads import load_or_404
from services.application.products import briefings

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/activities/{activity_id}", tags=["briefings"])


class BriefingProposal(BaseModel):
    """A first draft of the seven parts, from the activity's findings, their themes and its
    recommendations: post it (edited as you see fit, with `drafted_on`) to `.../briefing`."""

    background: str
    what_happened: str
    what_we_found: str
    what_went_well: str
    what_we_learned: str
    what_to_do_now: str
    questions: list[str] = Field(description="Questions for reflection.")


@router.get("/briefing/draft", response_model=BriefingProposal, responses=PROJECTION_READ_RESPONSES,
            summary="A first draft of the activity's 7-minute briefing")
def get_briefing_proposal(
    request: Request, partnership_id: PartnershipId, activity_id: UUID, store: StoreDep,
    min_position: MinPosition = None,
) -> BriefingProposal:
    activity = load_or_404(store, partnership_id, activity_id, Activity)
    with projection_read(request, "lists", min_position) as (cur, _):
        recommendations = briefings.recommendation_texts(cur, partnership_id, activity_id)
    return BriefingProposal.model_validate(briefings.proposal(activity, recommendations))


def _document_of(store: StoreDep, partnership_id: str, activity_id: UUID) -> tuple[Activity, Partnership]:
    activity = load_or_404(store, partnership_id, activity_id, Activity)
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    assert partnership is not None
    return activity, partnership


@router.get("/briefing.docx", response_class=Response, summary="The 7-minute briefing as a Word document",
            responses=file_responses(READ_RESPONSES, DOCX, "The briefing (Word)."))
def get_briefing_docx(partnership_id: PartnershipId, activity_id: UUID, store: StoreDep) -> Response:
    activity, partnership = _document_of(store, partnership_id, activity_id)
    return docx_answer(briefings.briefing_document(activity, partnership), f"briefing-{activity_id}")


@router.get("/briefing.pdf", response_class=Response, summary="The 7-minute briefing as a PDF",
            responses=file_responses(READ_RESPONSES, PDF, "The briefing (PDF)."))
def get_briefing_pdf(partnership_id: PartnershipId, activity_id: UUID, store: StoreDep) -> Response:
    activity, partnership = _document_of(store, partnership_id, activity_id)
    return pdf_answer(briefings.briefing_document(activity, partnership), f"briefing-{activity_id}")
