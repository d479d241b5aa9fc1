"""The business unit's lists of recommendations, actions (the tracker) and decisions: filters,
sort links and next-page links, in the shape of /activities (services/web/bizunit_activities.py).

Each list is one `ListSpec`: its filters (each a select of known values or a words box), the
sorts offered (the lists view's whitelist, services/application/lists.py) and its columns.
Values not in a filter's choices and sorts not offered are ignored rather than refused, so a
hand-edited address still shows a page; the application layer holds the list to the reader's
scope and refuses a cursor of another sort, which the page shows as an error on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from domain.action import ActionStatus
from domain.decision import DecisionSubject
from domain.errors import DomainError
from domain.framework import DEFAULT_SOURCES
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome, RecommendationStatus
from projections.snapshot import snapshot
from projections.views import list_queries as lq
from services.application import lists
from services.application.auth.principals import Principal, Role
from services.web.bizunit_activities import partnership_of
from services.web.command_forms import refusal, words
from services.web.dashboard import RAG_LABELS, RAG_ORDER
from services.web.forms import FormErrors
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]
PAGE_SIZE = 25
KINDS = [(k.value, s.title) for k, s in DEFAULT_SOURCES.items()]


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: list[tuple[str, str]] | None
    """(value, text) of a select; None for a words box."""
    of_partnership: Callable[[Partnership], list[tuple[str, str]]] | None = None
    """The choices are the partnership's data (its agencies): `choices` is filled from it per page."""


@dataclass(frozen=True)
class ListSpec:
    path: str
    title: str
    key: str
    """The menu entry's `current_page` key."""
    filters: tuple[Filter, ...]
    sorts: tuple[tuple[str, str], ...]
    """(column, heading of the sort link), from the lists view's whitelist."""
    default_sort: str
    read: Callable[[Any, Principal, dict[str, str | None], str, str | None], lists.ListPage]


def _recommendations(cur: Any, who: Principal, f: dict[str, str | None], sort: str, cursor: str | None,
                     ) -> lists.ListPage:
    filters = lq.RecommendationFilters(status=f["status"], kind=f["kind"], text=f["text"])
    return lists.recommendations(cur, who, lists.ListQuery(filters, sort, cursor, PAGE_SIZE))


def _actions(cur: Any, who: Principal, f: dict[str, str | None], sort: str, cursor: str | None) -> lists.ListPage:
    filters = lq.ActionFilters(status=f["status"], rag=f["rag"], kind=f["kind"], agency=f["agency"], text=f["text"])
    today = datetime.now(UTC).date()
    return lists.actions(cur, who, lists.ListQuery(filters, sort, cursor, PAGE_SIZE), today)


def _decisions(cur: Any, who: Principal, f: dict[str, str | None], sort: str, cursor: str | None) -> lists.ListPage:
    filters = lq.DecisionFilters(outcome=f["outcome"], subject=f["subject"], text=f["text"])
    return lists.decisions(cur, who, lists.ListQuery(filters, sort, cursor, PAGE_SIZE))


WORDS = Filter("text", "Words", None)
SPECS = {
    "recommendations": ListSpec(
        "/recommendations", "Recommendations", "recommendations",
        (Filter("status", "Status", [(s.value, words(s.value)) for s in RecommendationStatus]),
         Filter("kind", "Method of learning", KINDS), WORDS),
        (("made_on", "Made"), ("status", "Status")), "-made_on", _recommendations,
    ),
    "tracker": ListSpec(
        "/tracker", "Action tracker", "tracker",
        (Filter("status", "Status", [(s.value, words(s.value)) for s in ActionStatus]),
         Filter("rag", "Rating", [(r, RAG_LABELS[r]) for r in RAG_ORDER]),
         Filter("agency", "Agency", [], of_partnership=lambda p: sorted(
             ((k, a.name) for k, a in p.agencies.items()), key=lambda c: c[1].lower())),
         Filter("kind", "Method of learning", KINDS), WORDS),
        (("due_on", "Due"), ("status", "Status"), ("owner_agency_id", "Agency")), "due_on", _actions,
    ),
    "decisions": ListSpec(
        "/decisions", "Forum decisions", "decisions",
        (Filter("outcome", "Outcome", [(o.value, words(o.value)) for o in DecisionOutcome]),
         Filter("subject", "Decision on", [(s.value, words(s.value)) for s in DecisionSubject]), WORDS),
        (("meeting_on", "Meeting"), ("outcome", "Outcome"), ("forum_id", "Forum"), ("recorded_at", "Recorded")),
        "-meeting_on", _decisions,
    ),
}


def chosen_filters(spec: ListSpec, params: Any) -> dict[str, str | None]:
    """Each filter's value if it is one of its choices (or, for words, up to 200 characters)."""
    out: dict[str, str | None] = {}
    for f in spec.filters:
        raw = (params.get(f.name) or "").strip()
        if f.choices is None:
            out[f.name] = raw[:200] or None
        else:
            out[f.name] = raw if raw in {value for value, _ in f.choices} else None
    return out


def chosen_sort(spec: ListSpec, raw: str | None) -> str:
    allowed = {c for c, _ in spec.sorts}
    return raw if raw and raw.removeprefix("-") in allowed else spec.default_sort


def href(spec: ListSpec, filters: dict[str, str | None], **more: str | None) -> str:
    query = {k: v for k, v in {**filters, **more}.items() if v}
    return spec.path + (f"?{urlencode(query)}" if query else "")


def sort_links(spec: ListSpec, filters: dict[str, str | None], sort: str) -> list[dict[str, Any]]:
    """One link per sortable column: ascending, or descending when that column is sorted ascending now."""
    links = []
    for column, heading in spec.sorts:
        current = sort.removeprefix("-") == column
        descending = sort.startswith("-")
        target = f"-{column}" if current and not descending else column
        state = ("descending" if descending else "ascending") if current else None
        links.append({"text": heading, "href": href(spec, filters, sort=target), "current": state})
    return links


def for_partnership(spec: ListSpec, p: Partnership) -> ListSpec:
    """The spec with the choices that are the partnership's data filled in."""
    return replace(spec, filters=tuple(
        replace(f, choices=f.of_partnership(p)) if f.of_partnership else f for f in spec.filters))


async def list_page(request: Request, admin: Principal, spec: ListSpec) -> Response:
    p = await run_in_threadpool(partnership_of, request, admin)
    spec = for_partnership(spec, p)
    params = request.query_params
    filters = chosen_filters(spec, params)
    sort = chosen_sort(spec, params.get("sort"))
    cursor = params.get("cursor") or None
    typed = {k: v or "" for k, v in filters.items()}

    def read() -> lists.ListPage:
        with snapshot(request.app.state.projector.db) as cur:
            return spec.read(cur, admin, filters, sort, cursor)

    errors = FormErrors(typed=typed)
    try:
        page = await run_in_threadpool(read)
    except DomainError as exc:
        errors = refusal(exc, (), typed)
        page = lists.ListPage([], None, sort)
    return render(
        request, "lists/list.html", 400 if errors else 200, spec=spec, page=page, errors=errors, typed=typed,
        sorts=sort_links(spec, filters, sort), sort=sort, words=words, kind_titles=dict(KINDS),
        rag_labels=RAG_LABELS, next_href=href(spec, filters, sort=sort, cursor=page.next) if page.next else None,
        first_href=href(spec, filters, sort=sort) if cursor else None, current_page=spec.key,
        long_day=_long_day, agency_names={k: a.name for k, a in p.agencies.items()},
        forum_names={k: f.name for k, f in p.forums.items()},
    )


def _long_day(iso: str | None) -> str:
    return date.fromisoformat(iso[:10]).strftime("%-d %b %Y") if iso else ""


@router.get("/recommendations", response_class=HTMLResponse)
async def recommendation_list(request: Request, admin: Admin) -> Response:
    return await list_page(request, admin, SPECS["recommendations"])


@router.get("/tracker", response_class=HTMLResponse)
async def action_list(request: Request, admin: Admin) -> Response:
    return await list_page(request, admin, SPECS["tracker"])


@router.get("/decisions", response_class=HTMLResponse)
async def decision_list(request: Request, admin: Admin) -> Response:
    return await list_page(request, admin, SPECS["decisions"])
