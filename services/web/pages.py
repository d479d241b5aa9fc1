"""The pages every person starts from, and the business unit's dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.application.auth.principals import Principal, Role
from services.web.charts import bars, stacked_bars
from services.web.dashboard import DEADLINE_WINDOW, RAG_LABELS, RAG_ORDER, Dashboard, Links, read_dashboard, words
from services.web.forms import FormErrors, read_date, typed_values
from services.web.navigation import home_page
from services.web.session import current_person, require_person
from services.web.templating import render

router = APIRouter()

Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]

DEADLINE_SHORT = {"breached": "Breached", "due-5": "In 5 days", "due-10": "In 6-10 days"}
RAG_SHORT = {"red": "Red", "amber": "Amber", "green": "Green", "completed": "Completed", "blue": "Blue"}


@router.get("/", response_class=HTMLResponse)
def start(request: Request) -> Response:
    home = home_page(current_person(request))
    if home is not None:
        return RedirectResponse(home, status_code=303)
    return render(request, "start.html")


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, admin: Admin) -> Response:
    errors = FormErrors(typed=typed_values(request.query_params.items()))
    day = read_date("today", request.query_params, errors) or datetime.now(UTC).date()
    d = await run_in_threadpool(
        read_dashboard, request.app.state.store, request.app.state.projector, admin.partnership_id, day
    )
    if d is None:
        return render(
            request, "error.html", 404, title="Partnership not found",
            message=f"No partnership {admin.partnership_id!r} is registered in lif.",
            code="unknown_partnership", field="partnership_id",
        )
    return render(
        request, "dashboard.html", 400 if errors else 200,
        dashboard=d, errors=errors, typed=errors.typed, charts=_charts(d), links=Links(d.partnership_id),
        agency_names={row.agency_id: row.name for row in d.agencies}, current_page="dashboard",
        rag_tones=[(rag, RAG_LABELS[rag]) for rag in RAG_ORDER], rag_short=[RAG_SHORT[r] for r in RAG_ORDER],
        deadline_window=DEADLINE_WINDOW, words=words, overdue_href=Links(d.partnership_id).tracker(rag="red"),
    )


def _charts(d: Dashboard) -> dict[str, object]:
    return {
        "rag": bars([(RAG_SHORT[f.key], f.key, f.count) for f in d.rag], half=True),
        "agencies": stacked_bars([(row.name, [(f.key, f.count) for f in row.by_rag]) for row in d.agencies]),
        "deadlines": bars([
            (DEADLINE_SHORT[f.key], "red" if f.key == "breached" else "amber" if f.key == "due-5" else "neutral",
             f.count)
            for f in d.deadline_summary
        ], half=True),
        "activities": bars([(f.label, "blue", f.count) for f in d.activities], half=True),
        "findings": bars([(f.label, "neutral", f.count) for f in d.findings_by_quarter]),
    }
