"""Thematic dossiers: the learning on some themes across every source, as JSON, HTML, PDF and Word."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from adapters.documents.html import render_html, styles
from domain.errors import InvalidInput, NotFound
from domain.framework import Theme
from domain.partnership import Partnership, partnership_uuid
from domain.values import IsoDate
from projections.themes import parse_bound
from projections.views.lists import ListsView
from services.api.deps import PartnershipId, StoreDep
from services.api.files import DOCX, PDF, docx_answer, file_responses, pdf_answer
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.routers.themes import BOUND, BOUND_SCHEMA, Bound
from services.application.products.dossiers import Dossier, build_dossier, dossier_document
from services.web.security_headers import content_security_policy, style_hash

router = APIRouter(prefix="/v1/partnerships/{partnership_id}", tags=["dossiers"])


@dataclass(frozen=True)
class DossierQuery:
    themes: list[Theme]
    from_: str | None
    to: str | None
    today: date | None
    min_position: int | None


def dossier_query(
    theme: Annotated[list[Theme], Query(description="A theme; repeat for several (at least one).")],
    from_: Annotated[str | None, Query(alias="from", description=BOUND, json_schema_extra=BOUND_SCHEMA)] = None,
    to: Bound = None,
    today: Annotated[IsoDate | None, Query(description="The day actions are rated for (default today).")] = None,
    min_position: MinPosition = None,
) -> DossierQuery:
    return DossierQuery(list(dict.fromkeys(theme)), from_, to, today, min_position)


DossierQueryDep = Annotated[DossierQuery, Depends(dossier_query)]


def _bound(value: str | None, field: str, *, end: bool) -> date | None:
    """A bound as the themes' counts read it: a date or a quarter."""
    if value is None:
        return None
    try:
        return parse_bound(value, end=end)
    except ValueError:
        raise InvalidInput(
            "invalid_bound", f"{value!r} is neither a date (YYYY-MM-DD) nor a quarter (YYYY-Qn).", field
        ) from None


def _dossier(request: Request, partnership_id: str, store: StoreDep, q: DossierQuery) -> tuple[Dossier, dict[str, str]]:
    if not q.themes:
        raise InvalidInput("theme_required", "Name at least one theme.", "theme")
    start, end = _bound(q.from_, "from", end=False), _bound(q.to, "to", end=True)
    if start and end and start > end:
        raise InvalidInput("invalid_range", "'from' must not be after 'to'.", "from")
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    with projection_read(request, ListsView.name, q.min_position) as (cur, freshness):
        try:
            dossier = build_dossier(cur, store, partnership, q.themes, start, end, q.today or date.today())
        except OverflowError:  # a day so near the calendar's end that the amber window has no end
            raise InvalidInput("invalid_today", "No ratings can be given on this day.", "today") from None
    return dossier, freshness.headers()


def _filename(d: Dossier) -> str:
    return "dossier-" + "-".join(t.value.replace("_", "-") for t in d.themes)


@router.get("/dossier", response_model=Dossier, responses=PROJECTION_READ_RESPONSES,
            summary="A thematic dossier: the findings on the themes, their recommendations and actions")
def get_dossier(request: Request, partnership_id: PartnershipId, store: StoreDep, q: DossierQueryDep) -> Response:
    dossier, headers = _dossier(request, partnership_id, store, q)
    return Response(dossier.model_dump_json(by_alias=True), media_type="application/json", headers=headers)


@router.get("/dossier.html", response_class=HTMLResponse, responses=PROJECTION_READ_RESPONSES,
            summary="The thematic dossier as a printable HTML page")
def get_dossier_html(request: Request, partnership_id: PartnershipId, store: StoreDep, q: DossierQueryDep) -> Response:
    dossier, headers = _dossier(request, partnership_id, store, q)
    doc = dossier_document(dossier)
    csp = content_security_policy([style_hash(css) for css in styles(doc)])
    return HTMLResponse(render_html(doc), headers={**headers, "Content-Security-Policy": csp})


@router.get("/dossier.pdf", response_class=Response, summary="The thematic dossier as a PDF",
            responses=file_responses(PROJECTION_READ_RESPONSES, PDF, "The dossier (PDF)."))
def get_dossier_pdf(request: Request, partnership_id: PartnershipId, store: StoreDep, q: DossierQueryDep) -> Response:
    dossier, headers = _dossier(request, partnership_id, store, q)
    return pdf_answer(dossier_document(dossier), _filename(dossier), headers)


@router.get("/dossier.docx", response_class=Response, summary="The thematic dossier as a Word document",
            responses=file_responses(PROJECTION_READ_RESPONSES, DOCX, "The dossier (Word)."))
def get_dossier_docx(request: Request, partnership_id: PartnershipId, store: StoreDep, q: DossierQueryDep) -> Response:
    dossier, headers = _dossier(request, partnership_id, store, q)
    return docx_answer(dossier_document(dossier), _filename(dossier), headers)
