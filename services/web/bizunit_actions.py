"""The business unit's page of one action (`/tracker/<id>`): what the owning agency reported, its
evidence, and the steps only the business unit takes on it: assure its impact once completed,
reopen it, or move its due date.

The tracker list, the dashboard and the activity page link here. Each step is the declared command
run through the command table as the API runs it (services/web/command_forms.py); assuring and
reopening are checked on their own page first, as the activity's steps that matter are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.action import Action, ActionStatus
from domain.activity import Activity
from domain.commands import AssureAction, Command, ReopenAction, RescheduleAction
from domain.errors import DomainError, NotFound
from domain.recommendation import Recommendation
from projections.tracker import rag
from services.application.auth.principals import Principal, Role
from services.web.agency_reads import RAG_TAGS, RAG_WORDS
from services.web.bizunit_activities import _answers, form_page, load_record, partnership_of
from services.web.command_forms import FormField, Submitted, describe, read_command, refusal, run
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]
RATIONALE = "Why: shown in the audit trail and the action's history."


@dataclass(frozen=True)
class ActionStep:
    slug: str
    button: str
    command: type[Command]
    fields: tuple[FormField, ...]
    statuses: frozenset[ActionStatus]
    verb: str | None = None
    """Set for a change that matters: its answers are checked on a page of their own first."""
    done: str = "Saved."


STEPS: tuple[ActionStep, ...] = (
    ActionStep(
        "assure", "Assure the impact", AssureAction,
        describe(AssureAction, ("impact_statement", "assured_on", "rationale"),
                 labels={"impact_statement": "What difference has the action made?", "assured_on": "Date assured",
                         "rationale": "Why"},
                 hints={"impact_statement": "The evidence the partnership saw of the change for children, for "
                        "example a re-audit's result. The owning agency sees it.", "rationale": RATIONALE}),
        frozenset({ActionStatus.COMPLETED}), verb="assure the impact of this action",
        done="Impact assured: the owning agency sees the assurance on its action.",
    ),
    ActionStep(
        "reopen", "Reopen the action", ReopenAction,
        describe(ReopenAction, ("reason", "due_on", "rationale"),
                 labels={"reason": "Why is it reopened?", "due_on": "New due date", "rationale": "Why"},
                 hints={"reason": "The owning agency sees it, with the new due date.", "rationale": RATIONALE}),
        frozenset({ActionStatus.COMPLETED, ActionStatus.ASSURED}), verb="reopen this action",
        done="Action reopened: the owning agency reports on it again.",
    ),
    ActionStep(
        "reschedule", "Change the due date", RescheduleAction,
        describe(RescheduleAction, ("due_on", "rationale"), labels={"due_on": "New due date", "rationale": "Why"},
                 hints={"rationale": RATIONALE}, required=("rationale",)),
        frozenset({ActionStatus.OPEN}), done="Due date changed.",
    ),
)
STEP_BY_SLUG = {s.slug: s for s in STEPS}


def action_href(action_id: UUID | str) -> str:
    return f"/tracker/{action_id}"


def _today() -> date:
    return datetime.now(UTC).date()


def _step(slug: str) -> ActionStep:
    step = STEP_BY_SLUG.get(slug)
    if step is None:
        raise NotFound("unknown_step", f"An action has no step {slug!r}.", "step")
    return step


@router.get("/recommendations/{recommendation_id}", response_class=HTMLResponse)
def recommendation_page(request: Request, admin: Admin, recommendation_id: UUID) -> Response:
    """A recommendation is read on its activity's page, beside its findings and actions: where a
    decision on it (the decisions list) leads."""
    r: Recommendation = load_record(request, admin, Recommendation, recommendation_id)
    return RedirectResponse(f"/activities/{r.activity_id}#recommendations", status_code=303)


@router.get("/tracker/{action_id}", response_class=HTMLResponse)
def action_page(request: Request, admin: Admin, action_id: UUID) -> Response:
    x: Action = load_record(request, admin, Action, action_id)
    p = partnership_of(request, admin)
    activity = request.app.state.store.load(x.activity_id, Activity)
    recommendation = request.app.state.store.load(x.recommendation_id, Recommendation)
    rating = rag(x.status.value, x.due_on, x.on_track, _today())
    done = request.session.pop("bizunit_action_done", None)
    return render(
        request, "bizunit/action.html", x=x, rag_words=RAG_WORDS[rating], rag_tag=RAG_TAGS[rating],
        agency=p.agencies[x.owner_agency_id].name if x.owner_agency_id in p.agencies else x.owner_agency_id,
        activity=activity, recommendation=recommendation, done=done if isinstance(done, str) else None,
        steps=[s for s in STEPS if x.status in s.statuses], current_page="tracker",
    )


def _form(request: Request, x: Action, step: ActionStep, submitted: Submitted | None = None) -> Response:
    return form_page(
        request, step.fields, heading=step.button, caption=x.description, submitted=submitted,
        action=f"{action_href(x.id)}/{step.slug}", back=action_href(x.id),
        submit_text="Continue" if step.verb else step.button, current_page="tracker",
        typed={f"{f.name}-{part}": str(getattr(_today(), part)) for f in step.fields if f.widget == "date"
               for part in ("day", "month", "year")} if submitted is None else None,
    )


@router.get("/tracker/{action_id}/{slug}", response_class=HTMLResponse)
def step_form(request: Request, admin: Admin, action_id: UUID, slug: str) -> Response:
    step = _step(slug)
    return _form(request, load_record(request, admin, Action, action_id), step)


@router.post("/tracker/{action_id}/{slug}", response_class=HTMLResponse)
async def step(request: Request, admin: Admin, action_id: UUID, slug: str) -> Response:
    step = _step(slug)
    x: Action = load_record(request, admin, Action, action_id)
    form = await request.form()
    submitted = read_command(step.command, step.fields, form)
    if submitted.command is None or form.get("change") == "yes":
        return _form(request, x, step, submitted if submitted.command is None else Submitted(submitted.typed))
    if step.verb and form.get("confirmed") != "yes":
        return _check(request, x, step, submitted)
    try:
        await run(request, admin, submitted.command, x.id)
    except DomainError as exc:
        return _form(request, x, step, Submitted(submitted.typed, refusal(exc, step.fields, submitted.typed)))
    request.session["bizunit_action_done"] = step.done
    return RedirectResponse(action_href(x.id), status_code=303)


def _check(request: Request, x: Action, step: ActionStep, submitted: Submitted) -> Response:
    shown: Sequence[tuple[str, str]] = _answers(step.fields, submitted)
    return render(
        request, "bizunit/check.html", heading=step.button, caption=x.description, verb=step.verb,
        action=f"{action_href(x.id)}/{step.slug}", back=action_href(x.id), fields=step.fields,
        typed=submitted.typed, answers=shown, confirm_text=step.button, current_page="tracker",
        warning="Once recorded, this stays in the action's history for good.",
    )
