"""The search box of every signed-in person: findings, recommendations, actions and activities
by their words, ranked, each hit with a snippet and a link to the page that person has for it.

The search and its scope are the application layer's (services/application/lists.py `search`:
an agency finds only what is addressed to it or it owns, a secretary what is routed to the
forum). Snippets are the record's own words with the search view's markers around matched
words; a writer may type the same brackets, so a bracketed piece is highlighted only if it is
one word matching a word searched for, and everything is escaped by the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from domain.errors import DomainError
from projections.snapshot import snapshot
from projections.views import search as sv
from services.application import lists
from services.application.auth.principals import Principal, Role
from services.application.auth.scrutiny import record_read
from services.web.command_forms import refusal
from services.web.forms import FormErrors
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

_require_reader = require_person(Role.ADMIN, Role.SECRETARY, Role.AGENCY, Role.SCRUTINEER)


def searching(request: Request) -> Principal:
    """The signed-in person; a scrutineer's search is recorded before it is answered, as the API's is."""
    person = _require_reader(request)
    if person.role is Role.SCRUTINEER:
        record_read(request.app.state.store, person, request.method, request.url.path, request.url.query)
    return person


Person = Annotated[Principal, Depends(searching)]
PAGE_SIZE = 20
MAX_QUERY = 200
KIND_NAMES = {"activity": "Activity", "finding": "Finding", "recommendation": "Recommendation", "action": "Action"}
KIND_PLURALS = {"activity": "Activities", "finding": "Findings", "recommendation": "Recommendations",
                "action": "Actions"}
_SCRUTINY = {"activity": "activities", "finding": "activities", "recommendation": "recommendations",
             "action": "actions"}
_MARKED = re.compile(re.escape(sv.MARK_START) + r"([^" + re.escape(sv.MARK_START + sv.MARK_END) + r"]*)"
                     + re.escape(sv.MARK_END))


@dataclass(frozen=True)
class Piece:
    text: str
    marked: bool


def hit_href(person: Principal, hit: dict[str, Any]) -> str:
    """The page this person reads the hit on (a finding, on its activity's)."""
    kind, activity_id = hit["kind"], hit["activity_id"]
    if person.role is Role.ADMIN:  # an action on its own page (services/web/bizunit_actions.py)
        return f"/tracker/{hit['id']}" if kind == "action" else f"/activities/{activity_id}"
    if person.role is Role.SCRUTINEER:
        target = activity_id if kind == "finding" else hit["id"]
        return f"/scrutiny/{_SCRUTINY[kind]}/{target}"
    if person.role is Role.AGENCY:
        return f"/actions/{hit['id']}" if kind == "action" else "/inbox"
    return "/forum"  # a secretary: the forum's meetings and agendas, where its learning is decided


def _ours(word: str, searched: list[str]) -> bool:
    """Whether a bracketed piece is one the index marked: one word, matching a searched word
    (stemmed by the engine: `fathers` finds `father`, so the first letters are compared)."""
    if not re.fullmatch(r"\w+", word):
        return False
    w = word.lower()
    return any(w[:n] == s[:n] for s in searched if (n := min(5, len(s), len(w))) >= min(3, len(s)))


def snippet_pieces(snippet: str, query: str) -> list[Piece]:
    searched = [w.lower() for w in sv.words(query)]
    pieces: list[Piece] = []
    at = 0
    for m in _MARKED.finditer(snippet):
        if not _ours(m.group(1), searched):
            continue
        if m.start() > at:
            pieces.append(Piece(snippet[at:m.start()], False))
        pieces.append(Piece(m.group(1), True))
        at = m.end()
    if at < len(snippet):
        pieces.append(Piece(snippet[at:], False))
    return pieces


@router.get("/search", response_class=HTMLResponse)
async def search_page(request: Request, person: Person) -> Response:
    params = request.query_params
    q = (params.get("q") or "").strip()[:MAX_QUERY]
    kind = params.get("kind") if params.get("kind") in KIND_NAMES else None
    cursor = params.get("cursor") or None
    typed = {"q": q, "kind": kind or ""}
    errors = FormErrors(typed=typed)
    page = lists.SearchPage([], None)
    if q:
        projector = request.app.state.projector

        def read() -> lists.SearchPage:
            with snapshot(projector.db) as cur:
                return lists.search(cur, projector.db.dialect, person, lists.SearchQuery(q, kind, cursor, PAGE_SIZE))

        try:
            page = await run_in_threadpool(read)
        except DomainError as exc:
            errors = refusal(exc, (), typed)
    shown = {k: v for k, v in typed.items() if v}
    results = [
        {"kind": KIND_NAMES[h["kind"]], "title": h["title"], "href": hit_href(person, h),
         "pieces": snippet_pieces(h["snippet"] or "", q)}
        for h in page.hits
    ]
    return render(
        request, "search/results.html", 400 if errors else 200, q=q, kind=kind, kinds=KIND_PLURALS, errors=errors,
        typed=typed, results=results, current_page="search",
        next_href=f"/search?{urlencode({**shown, 'cursor': page.next})}" if page.next else None,
        first_href=f"/search?{urlencode(shown)}" if cursor else None,
    )
