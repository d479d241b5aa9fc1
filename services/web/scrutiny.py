"""The independent scrutineer's pages: read-only, each as at a chosen moment.

Every page reads through the application layer (lists' queries, services/application/
scrutiny.py, as_at.py) and, like every read a scrutineer makes through the API, is recorded
as a `ScrutinyRead` event before it is answered (services/application/auth/scrutiny.py).
No page has a form that changes anything; the "as at" control is a GET form, and every link
is built by `Chosen.link` (services/web/as_at_control.py), so the reading goes with it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from adapters.store import EventStore
from domain.access import ScrutinyRead
from domain.action import Action
from domain.activity_state import Activity
from domain.aggregate import AggregateState
from domain.decision import Decision
from domain.errors import DomainError
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from projections.audit import AuditFilters, query_audit
from projections.snapshot import snapshot
from projections.views import list_queries as lq
from services.application import lists
from services.application.as_at import load_as_at
from services.application.auth.principals import Principal, Role
from services.application.auth.scrutiny import record_read
from services.application.scrutiny import check_chain, decision_history, lists_as_at, read_anchors
from services.web.as_at_control import Chosen, chosen
from services.web.forms import FieldError, FormErrors
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Collection = Literal["activities", "recommendations", "actions", "decisions"]
KINDS: dict[str, type[AggregateState]] = {
    "activities": Activity, "recommendations": Recommendation, "actions": Action, "decisions": Decision,
}
TITLES = {"activities": "Activities", "recommendations": "Recommendations", "actions": "Actions",
          "decisions": "Decisions"}
SORTS: dict[str, tuple[str, ...]] = {
    "activities": lq.ACTIVITY_SORTS, "recommendations": lq.RECOMMENDATION_SORTS, "actions": lq.ACTION_SORTS,
    "decisions": lq.DECISION_SORTS,
}
DEFAULT_SORT = {"activities": "-opened_on", "recommendations": "-made_on", "actions": "due_on",
                "decisions": "-meeting_on"}
COLLECTION_OF = {"activity": "activities", "recommendation": "recommendations", "action": "actions",
                 "decision": "decisions"}
"""The collection of each kind of record the audit trail names (its `aggregate_type`)."""
PAGE_SIZE = 25
AUDIT_PAGE = 50

_require_scrutineer = require_person(Role.SCRUTINEER)


def scrutineer_reading(request: Request) -> Principal:
    """The signed-in scrutineer, whose read of this page is recorded before it is answered."""
    principal = _require_scrutineer(request)
    record_read(request.app.state.store, principal, request.method, request.url.path, request.url.query)
    return principal


Scrutineer = Annotated[Principal, Depends(scrutineer_reading)]


def _page(request: Request, template: str, c: Chosen, current: str, status: int = 200, **context: Any) -> Response:
    errors = context.pop("errors", None) or c.errors
    return render(
        request, f"scrutiny/{template}", 400 if errors and status == 200 else status,
        chosen=c, link=c.link, errors=errors, typed=c.form_values(), here=request.url.path,
        current_page=current, **context,
    )


@router.get("/scrutiny", response_class=HTMLResponse)
def home(request: Request, scrutineer: Scrutineer) -> Response:
    c = chosen(request.query_params)
    p = request.app.state.store.load(partnership_uuid(scrutineer.partnership_id), Partnership)
    name = p.name if isinstance(p, Partnership) else scrutineer.partnership_id
    return _page(request, "home.html", c, "scrutiny", partnership_name=name, titles=TITLES)


# --- the hash chain -------------------------------------------------------------------------


@router.get("/scrutiny/verify", response_class=HTMLResponse)
async def verify(
    request: Request, scrutineer: Scrutineer,
    anchor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    c = chosen(request.query_params)
    errors = FormErrors(errors=list(c.errors.errors), typed=c.errors.typed)
    try:
        anchors = read_anchors([anchor] if anchor else [])
    except DomainError as e:  # said beside the field; the chain is still verified
        errors.add(FieldError(e.code, e.message, "anchor"))
        anchors = ()
    check = await run_in_threadpool(check_chain, request.app.state.store, anchors)
    return _page(request, "verify.html", c, "scrutiny-verify", errors=errors, check=check, anchor=anchor or "",
                 checked_at=datetime.now(UTC))


# --- the audit trail ------------------------------------------------------------------------


@router.get("/scrutiny/audit", response_class=HTMLResponse)
def audit(
    request: Request, scrutineer: Scrutineer,
    cursor: Annotated[int, Query(ge=0, le=10**18)] = 0,
    reads: Annotated[bool, Query(description="Only the reads recorded of scrutineers.")] = False,
) -> Response:
    c = chosen(request.query_params)
    # The trail is the order lif recorded events in: read as recorded by the moment (the end of
    # the day, for the records' own dates).
    until = c.as_at.end if c.as_at else None
    filters = AuditFilters(until=until, topic=ScrutinyRead.TOPIC if reads else None)
    with snapshot(request.app.state.projector.db) as cur:
        items, next_position = query_audit(cur, scrutineer.partnership_id, filters, after=cursor, limit=AUDIT_PAGE)
    return _page(request, "audit.html", c, "scrutiny-audit", items=items, next_position=next_position,
                 cursor=cursor, collections=COLLECTION_OF, reads=reads)


# --- lists ----------------------------------------------------------------------------------


def _list(store: EventStore, projector: Any, principal: Principal, collection: str, c: Chosen,
          q: lists.ListQuery[Any]) -> lists.ListPage:
    day = c.as_at.day if c.as_at else datetime.now(UTC).date()
    with snapshot(projector.db) as cur:
        if c.as_at is None:
            return _query(cur, principal, collection, q, day)
        with lists_as_at(store, cur, principal.partnership_id, c.as_at) as mem:
            return _query(mem, principal, collection, q, day)


def _query(cur: Any, principal: Principal, collection: str, q: lists.ListQuery[Any], day: Any) -> lists.ListPage:
    if collection == "activities":
        return lists.activities(cur, principal, q)
    if collection == "recommendations":
        return lists.recommendations(cur, principal, q)
    if collection == "actions":
        return lists.actions(cur, principal, q, day)
    return lists.decisions(cur, principal, q)


_FILTERS: dict[str, Any] = {
    "activities": lq.ActivityFilters, "recommendations": lq.RecommendationFilters, "actions": lq.ActionFilters,
    "decisions": lq.DecisionFilters,
}


@router.get("/scrutiny/{collection}", response_class=HTMLResponse)
async def list_page(
    request: Request, scrutineer: Scrutineer, collection: Collection,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
) -> Response:
    c = chosen(request.query_params)
    spec = sort if sort and sort.removeprefix("-") in SORTS[collection] else DEFAULT_SORT[collection]
    q: lists.ListQuery[Any] = lists.ListQuery(_FILTERS[collection](), spec, cursor, PAGE_SIZE)
    try:
        page = await run_in_threadpool(
            _list, request.app.state.store, request.app.state.projector, scrutineer, collection, c, q
        )
    except DomainError as e:  # a cursor from another reading or sort: start again
        if e.code != "invalid_cursor":
            raise
        page = await run_in_threadpool(
            _list, request.app.state.store, request.app.state.projector, scrutineer, collection, c,
            replace(q, cursor=None),
        )
    first = None
    if c.reading == "recorded" and not page.items:  # say why, and which reading answers a past day
        first = await run_in_threadpool(_first_recorded, request.app.state.projector, scrutineer.partnership_id)
    return _page(request, "list.html", c, f"scrutiny-{collection}", collection=collection,
                 title=TITLES[collection], page=page, sort=spec, sorts=SORTS[collection], first_recorded=first,
                 names=await run_in_threadpool(_names, request.app.state.store, scrutineer.partnership_id))


# --- one record and its decision history ------------------------------------------------------


def _record(store: EventStore, projector: Any, principal: Principal, collection: str, record_id: UUID,
            c: Chosen) -> tuple[AggregateState | None, list[Any] | None]:
    state = load_as_at(store, record_id, KINDS[collection], c.as_at)
    if state is not None and state.partnership_id != principal.partnership_id:
        return None, None
    with snapshot(projector.db) as cur:
        history = decision_history(store, cur, principal.partnership_id, record_id, c.as_at)
    return state, history


@router.get("/scrutiny/{collection}/{record_id}", response_class=HTMLResponse)
async def record_page(request: Request, scrutineer: Scrutineer, collection: Collection, record_id: UUID) -> Response:
    c = chosen(request.query_params)
    state, history = await run_in_threadpool(
        _record, request.app.state.store, request.app.state.projector, scrutineer, collection, record_id, c
    )
    if history is None:
        return render(
            request, "error.html", 404, title="Page not found",
            message=f"lif holds no such {collection[:-1]} in this partnership.", code=f"unknown_{collection[:-1]}",
            field="record_id",
        )
    return _page(request, "record.html", c, f"scrutiny-{collection}", collection=collection,
                 title=TITLES[collection], state=state, history=history, record_id=str(record_id),
                 names=await run_in_threadpool(_names, request.app.state.store, scrutineer.partnership_id))


def _first_recorded(projector: Any, partnership_id: str) -> str | None:
    """When lif recorded the partnership's first event (a demo's whole history is recorded at its
    load, so every earlier instant is empty), in words; None when nothing is recorded."""
    with snapshot(projector.db) as cur:
        items, _ = query_audit(cur, partnership_id, AuditFilters(), after=0, limit=1)
    if not items:
        return None
    return datetime.fromisoformat(str(items[0]["occurred_at"])).strftime("%-d %B %Y %H:%M UTC")


def _names(store: EventStore, partnership_id: str) -> dict[str, str]:
    """Agencies' and forums' names by id, as the partnership holds them now: pages name them."""
    p = store.load(partnership_uuid(partnership_id), Partnership)
    if not isinstance(p, Partnership):
        return {}
    return {**{k: a.name for k, a in p.agencies.items()}, **{k: f.name for k, f in p.forums.items()}}
