"""The business unit's activities: the list, opening one, its page, and its lifecycle's forms
(a step, a finding, a recommendation, a forum's decision, an action).

Every form is a declared command (services/web/bizunit_forms.py says which and how it reads) run
through the command table as the API runs it (services/web/command_forms.py). After a command
the page redirects (303) to the activity's page, which reads the activity from the store and its
recommendations and actions from the lists views (services/application/lists.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.activity import Activity, ActivityStatus, missing_for_sign_off
from domain.commands import DECLARATIONS, AgreeAction, MakeRecommendation, OpenActivity, RecordFinding
from domain.errors import DomainError, NotFound
from domain.framework import DEFAULT_SOURCES, SourceKind
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation, RecommendationStatus
from projections.snapshot import snapshot
from projections.views import list_queries as lq
from services.application import lists
from services.application.auth.principals import Principal, Role
from services.web import bizunit_forms as bf
from services.web.command_forms import FormField, Submitted, read_command, refusal, run, submit, words
from services.web.dashboard import RAG_LABELS
from services.web.forms import FormErrors
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]
PAGE_SIZE = 25
STATUS_TAGS = {"opened": "blue", "in_progress": "light-blue", "reported": "yellow", "signed_off": "green",
               "published": "turquoise", "closed": "grey"}


def partnership_of(request: Request, person: Principal) -> Partnership:
    p = request.app.state.store.load(partnership_uuid(person.partnership_id), Partnership)
    if p is None:
        raise NotFound("unknown_partnership", f"No partnership {person.partnership_id!r} is registered in lif.",
                       "partnership_id")
    assert isinstance(p, Partnership)
    return p


def load_record(request: Request, person: Principal, kind: type[Any], aggregate_id: UUID) -> Any:
    state = request.app.state.store.load(aggregate_id, kind)
    if state is None or state.partnership_id != person.partnership_id:
        name = kind.__name__.lower()
        raise NotFound(f"unknown_{name}", f"No {name} {aggregate_id} in partnership {person.partnership_id!r}.",
                       f"{name}_id")
    return state


def activity_href(activity_id: UUID | str) -> str:
    return f"/activities/{activity_id}"


# --- the list ---------------------------------------------------------------------------------


@router.get("/activities", response_class=HTMLResponse)
async def activity_list(request: Request, admin: Admin) -> Response:
    q = request.query_params
    typed = {k: q.get(k, "") for k in ("status", "kind", "text")}
    errors = FormErrors(typed=typed)
    status = typed["status"] if typed["status"] in {s.value for s in ActivityStatus} else None
    kind = typed["kind"] if typed["kind"] in {k.value for k in SourceKind} else None
    filters = lq.ActivityFilters(status=status, kind=kind, text=typed["text"].strip()[:200] or None)
    query = lists.ListQuery(filters, "-opened_on", q.get("cursor") or None, PAGE_SIZE)

    def read() -> lists.ListPage:
        with snapshot(request.app.state.projector.db) as cur:
            return lists.activities(cur, admin, query)

    try:
        page = await run_in_threadpool(read)
    except DomainError as exc:
        errors = refusal(exc, (), typed)
        page = lists.ListPage([], None, "-opened_on")
    shown = {k: v for k, v in typed.items() if v}
    return render(
        request, "bizunit/activities.html", 400 if errors else 200, page=page, errors=errors, typed=typed,
        statuses=[(s.value, words(s.value)) for s in ActivityStatus],
        kinds=[(k.value, s.title) for k, s in DEFAULT_SOURCES.items()], titles=_kind_titles(),
        next_href=f"/activities?{urlencode({**shown, 'cursor': page.next})}" if page.next else None,
        first_href=f"/activities?{urlencode(shown)}" if query.cursor else None,
        status_tags=STATUS_TAGS, words=words, current_page="activities",
    )


def _kind_titles() -> dict[str, str]:
    return {k.value: s.title for k, s in DEFAULT_SOURCES.items()}


# --- opening one ------------------------------------------------------------------------------


def form_page(request: Request, fields: Sequence[FormField], *, heading: str, action: str, back: str,
          caption: str | None = None, submitted: Submitted | None = None, intro: Sequence[str] = (),
          submit_text: str = "Save", typed: dict[str, Any] | None = None, current_page: str = "activities",
          ) -> Response:
    errors = submitted.errors if submitted else FormErrors()
    return render(
        request, "bizunit/form.html", 400 if errors else 200, fields=fields, heading=heading, action=action,
        back=back, caption=caption, errors=errors, typed=submitted.typed if submitted else (typed or {}),
        intro=intro, submit_text=submit_text, current_page=current_page,
    )


def _origin(request: Request, admin: Principal) -> Activity | None:
    """The activity a new one follows (`?from=`: the rapid review behind a practice review)."""
    raw = request.query_params.get("from")
    if not raw:
        return None
    try:
        origin_id = UUID(raw)
    except ValueError:
        raise NotFound("unknown_activity", f"No activity {raw!r}.", "originating_activity_id") from None
    origin: Activity = load_record(request, admin, Activity, origin_id)
    return origin


def _open_page(request: Request, p: Partnership, origin: Activity | None, submitted: Submitted | None = None,
               ) -> Response:
    follows = {"kind": SourceKind.SAFEGUARDING_PRACTICE_REVIEW.value} if origin else {}
    return form_page(
        request, bf.open_fields(p), heading="Open an activity", caption=p.name, submitted=submitted, typed=follows,
        action="/activities/new" + (f"?from={origin.id}" if origin else ""),
        back=activity_href(origin.id) if origin else "/activities", submit_text="Open the activity",
        intro=[f"It follows {origin.title}, whose statutory clocks and case reference it keeps."] if origin else (),
    )


@router.get("/activities/new", response_class=HTMLResponse)
def open_form(request: Request, admin: Admin) -> Response:
    return _open_page(request, partnership_of(request, admin), _origin(request, admin))


@router.post("/activities/new", response_class=HTMLResponse)
async def open_activity(request: Request, admin: Admin) -> Response:
    p = partnership_of(request, admin)
    origin = _origin(request, admin)
    fixed = {"originating_activity_id": str(origin.id)} if origin else {}
    submitted, outcome = await submit(request, admin, OpenActivity, bf.open_fields(p), fixed=fixed)
    if outcome is None:
        return _open_page(request, p, origin, submitted)
    return RedirectResponse(activity_href(outcome.body["id"]), status_code=303)


# --- its page ---------------------------------------------------------------------------------


@router.get("/activities/{activity_id}", response_class=HTMLResponse)
async def activity_page(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    p = partnership_of(request, admin)
    today = datetime.now(UTC).date()

    def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with snapshot(request.app.state.projector.db) as cur:
            recs = lists.recommendations(cur, admin, lists.ListQuery(
                lq.RecommendationFilters(activity_id=str(a.id)), "made_on", None, lists.MAX_LIMIT))
            acts = lists.actions(cur, admin, lists.ListQuery(
                lq.ActionFilters(activity_id=str(a.id)), "due_on", None, lists.MAX_LIMIT), today)
        return recs.items, acts.items

    recommendations, actions = await run_in_threadpool(read)
    routing = p.routing.get(a.kind)
    try:
        deadlines = [(words(d.clock.value), d.due_on, d.met_on, d.status(today), d.working_days_remaining(today))
                     for d in a.deadlines(p.rapid_review_starts_from)]
    except OverflowError:  # dates near year 9999: their clocks fall past the calendar's end (as the API)
        deadlines = []
    return render(
        request, "bizunit/activity.html", a=a, p=p, recommendations=recommendations, actions=actions,
        steps=[s for s in bf.STEPS if s.offered(a)], sign_off=bf.SIGN_OFF.offered(a),
        missing=missing_for_sign_off(a, p), source=DEFAULT_SOURCES[a.kind],
        sign_off_forum=p.forums[routing.sign_off_forum].name if routing and routing.sign_off_forum in p.forums
        else None,
        agency_names={k: v.name for k, v in p.agencies.items()}, status_tags=STATUS_TAGS, words=words,
        long_day=lambda iso: date.fromisoformat(iso).strftime("%-d %B %Y"),
        theme_list=lambda themes: ", ".join(words(str(t)) for t in themes),
        agency_list=lambda ids: ", ".join(p.agencies[i].name if i in p.agencies else i for i in ids),
        may_record=a.status in bf.OPEN | {ActivityStatus.REPORTED},
        may_recommend=a.status is not ActivityStatus.CLOSED and bool(a.current_findings),
        may_commission=a.kind is SourceKind.RAPID_REVIEW and a.rapid_review_recommendation is not None
        and a.commissioning_outcome not in ("accept", "reject"),
        may_open_review=a.kind is SourceKind.RAPID_REVIEW and a.commissioning_outcome == "accept",
        findings=sorted(a.findings.values(), key=lambda f: (f.recorded_on, str(f.finding_id))),
        awaiting=RecommendationStatus.AWAITING_DECISION.value, accepted=RecommendationStatus.ACCEPTED.value,
        deadlines=deadlines, current_page="activities", rag_labels=RAG_LABELS,
    )


# --- a lifecycle step -------------------------------------------------------------------------


def _step(slug: str, a: Activity) -> bf.Step:
    step = bf.STEP_BY_SLUG.get(slug)
    if step is None:
        raise NotFound("unknown_step", f"An activity has no step {slug!r}.", "step")
    return step


@router.get("/activities/{activity_id}/steps/{slug}", response_class=HTMLResponse)
def step_form(request: Request, admin: Admin, activity_id: UUID, slug: str) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    step = _step(slug, a)
    p = partnership_of(request, admin)
    return form_page(request, bf.step_fields(step, p), heading=step.button, caption=a.title,
                 action=f"{activity_href(a.id)}/steps/{slug}", back=activity_href(a.id), submit_text=step.button)


@router.post("/activities/{activity_id}/steps/{slug}", response_class=HTMLResponse)
async def step(request: Request, admin: Admin, activity_id: UUID, slug: str) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    step = _step(slug, a)
    p = partnership_of(request, admin)
    fields = bf.step_fields(step, p)
    action = f"{activity_href(a.id)}/steps/{slug}"
    command = DECLARATIONS[step.command].command
    return await checked_step(request, admin, step, fields, command, a, action, {}, a.id)


async def checked_step(
    request: Request, admin: Principal, step: bf.Step, fields: Sequence[FormField], command: type[Any],
    a: Activity, action: str, fixed: dict[str, Any], target: UUID | None,
) -> Response:
    """A step's form; one that matters (`step.verb`) is checked on its own page before it runs."""
    form = await request.form()
    submitted = read_command(command, fields, form, fixed)

    def again(s: Submitted) -> Response:
        return form_page(request, fields, heading=step.button, caption=a.title, action=action, back=activity_href(a.id),
                     submitted=s, submit_text="Continue" if step.verb else step.button)

    if submitted.command is None or form.get("change") == "yes":
        return again(submitted if submitted.command is None else Submitted(submitted.typed))
    if step.verb and form.get("confirmed") != "yes":
        return render(
            request, "bizunit/check.html", heading=step.button, caption=a.title, verb=step.verb, action=action,
            back=activity_href(a.id), fields=fields, typed=submitted.typed, answers=_answers(fields, submitted),
            confirm_text=step.button, current_page="activities",
            warning="Once recorded, this cannot be undone: the record keeps it for good.",
        )
    try:
        await run(request, admin, submitted.command, target)
    except DomainError as exc:
        return again(Submitted(submitted.typed, refusal(exc, fields, submitted.typed)))
    return RedirectResponse(activity_href(a.id), status_code=303)


def _answers(fields: Sequence[FormField], s: Submitted) -> list[tuple[str, str]]:
    assert s.command is not None
    shown = []
    for f in fields:
        value = getattr(s.command, f.name)
        names = {c.value: c.text for c in f.choices}
        if isinstance(value, tuple):
            text = ", ".join(names.get(str(v), str(v)) for v in value)
        elif isinstance(value, bool):
            text = "Yes" if value else "No"
        elif value is None:
            text = ""
        else:
            text = names.get(str(value), value.strftime("%-d %B %Y") if hasattr(value, "strftime") else str(value))
        shown.append((f.label, text))
    return shown


# --- findings, recommendations, decisions on them, actions ---------------------------------------


@router.get("/activities/{activity_id}/findings/new", response_class=HTMLResponse)
def finding_form(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    return form_page(request, bf.finding_fields(partnership_of(request, admin)), heading="Record a finding",
                 caption=a.title, action=f"{activity_href(a.id)}/findings/new", back=activity_href(a.id),
                 submit_text="Record the finding")


@router.post("/activities/{activity_id}/findings/new", response_class=HTMLResponse)
async def record_finding(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    fields = bf.finding_fields(partnership_of(request, admin))
    submitted, outcome = await submit(request, admin, RecordFinding, fields, a.id)
    if outcome is None:
        return form_page(request, fields, heading="Record a finding", caption=a.title, submitted=submitted,
                     action=f"{activity_href(a.id)}/findings/new", back=activity_href(a.id),
                     submit_text="Record the finding")
    return RedirectResponse(f"{activity_href(a.id)}#findings", status_code=303)


@router.get("/activities/{activity_id}/recommendations/new", response_class=HTMLResponse)
def recommendation_form(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    finding = request.query_params.get("finding")
    return form_page(request, bf.recommendation_fields(a, partnership_of(request, admin)),
                 heading="Make a recommendation", caption=a.title, typed={"finding_ids": [finding] if finding else []},
                 action=f"{activity_href(a.id)}/recommendations/new", back=activity_href(a.id),
                 submit_text="Make the recommendation")


@router.post("/activities/{activity_id}/recommendations/new", response_class=HTMLResponse)
async def make_recommendation(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    fields = bf.recommendation_fields(a, partnership_of(request, admin))
    submitted, outcome = await submit(request, admin, MakeRecommendation, fields, a.id)
    if outcome is None:
        return form_page(request, fields, heading="Make a recommendation", caption=a.title, submitted=submitted,
                     action=f"{activity_href(a.id)}/recommendations/new", back=activity_href(a.id),
                     submit_text="Make the recommendation")
    return RedirectResponse(f"{activity_href(a.id)}#recommendations", status_code=303)


def recommendation_of(request: Request, admin: Principal, recommendation_id: UUID) -> tuple[Recommendation, Activity]:
    r: Recommendation = load_record(request, admin, Recommendation, recommendation_id)
    return r, load_record(request, admin, Activity, r.activity_id)


@router.get("/recommendations/{recommendation_id}/actions/new", response_class=HTMLResponse)
def action_form(request: Request, admin: Admin, recommendation_id: UUID) -> Response:
    r, a = recommendation_of(request, admin, recommendation_id)
    return form_page(request, bf.action_fields(partnership_of(request, admin)), heading="Assign an action",
                 caption=a.title, intro=[f"The recommendation: {r.text}"],
                 action=f"/recommendations/{r.id}/actions/new", back=activity_href(a.id),
                 submit_text="Assign the action")


@router.post("/recommendations/{recommendation_id}/actions/new", response_class=HTMLResponse)
async def agree_action(request: Request, admin: Admin, recommendation_id: UUID) -> Response:
    r, a = recommendation_of(request, admin, recommendation_id)
    fields = bf.action_fields(partnership_of(request, admin))
    submitted, outcome = await submit(request, admin, AgreeAction, fields, r.id)
    if outcome is None:
        return form_page(request, fields, heading="Assign an action", caption=a.title, submitted=submitted,
                     intro=[f"The recommendation: {r.text}"], action=f"/recommendations/{r.id}/actions/new",
                     back=activity_href(a.id), submit_text="Assign the action")
    return RedirectResponse(f"{activity_href(a.id)}#actions", status_code=303)

