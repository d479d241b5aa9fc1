"""Lists and search as the application answers them: one query object per list, held to
the reader's scope, paged by an opaque cursor. The API's routers and the web pages both
call these; neither writes SQL nor decides scope itself.

Scope is the per-record reads' (services/application/auth/policy.py): an agency sees the
recommendations addressed to it and the actions it owns, and nothing of activities or
decisions; a forum's secretary the learning routed to its forum and its own decisions.
The policy refuses asking for another agency's or forum's; here the filter is applied
when none was asked for, so a page that forgets it still shows only what it may.

A cursor is the `next` of the page before: the sort it was cut by and the last row's
(sort value, id), base64url-encoded JSON. It is not a secret (it holds what that page
showed); one from another sort, or not from us at all, is refused as `invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Generic, TypeVar

from adapters.sql import Cursor, Dialect
from domain.errors import Forbidden, InvalidInput
from projections.views import list_queries as lq
from projections.views import search as sv
from services.application.auth.principals import Principal, Role

F = TypeVar("F")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 100


@dataclass(frozen=True)
class ListQuery(Generic[F]):
    """Filters, a sort (`column` or `-column`, from the list's whitelist), where to start, how many."""

    filters: F
    sort: str
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class ListPage:
    items: list[dict[str, Any]]
    next: str | None
    """The cursor of the following page; None on the last."""
    sort: str


def parse_sort(spec: str, allowed: tuple[str, ...]) -> lq.Sort:
    column = spec.removeprefix("-")
    if column not in allowed:
        choices = ", ".join(f"{c} or -{c}" for c in allowed)
        raise InvalidInput("invalid_sort", f"Sort by one of: {choices}.", "sort")
    return lq.Sort(column, spec.startswith("-"))


def encode_cursor(sort: lq.Sort, last: tuple[str, str]) -> str:
    raw = json.dumps([sort.spec, *last], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: lq.Sort) -> tuple[str, str]:
    try:
        spec, value, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not all(isinstance(v, str) for v in (spec, value, key)):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput("invalid_cursor", "The cursor is the `next` of a previous page.", "cursor") from None
    if spec != sort.spec:
        raise InvalidInput(
            "invalid_cursor", f"This cursor pages a list sorted by {spec!r}; ask with that sort, or start again.",
            "cursor",
        )
    return value, key


def _page_request(q: ListQuery[Any], allowed: tuple[str, ...]) -> lq.PageRequest:
    if not 1 <= q.limit <= MAX_LIMIT:
        raise InvalidInput("invalid_limit", f"A page holds 1 to {MAX_LIMIT} items.", "limit")
    sort = parse_sort(q.sort, allowed)
    after = decode_cursor(q.cursor, sort) if q.cursor else None
    return lq.PageRequest(sort, after, q.limit)


def _answer(page: lq.Page, request: lq.PageRequest) -> ListPage:
    next_ = encode_cursor(request.sort, page.last) if page.last else None
    return ListPage(page.rows, next_, request.sort.spec)


def _refuse(principal: Principal, what: str) -> Forbidden:
    return Forbidden("forbidden_role", f"The {principal.role.value} role may not list {what}.")


def activities(cur: Cursor, principal: Principal, q: ListQuery[lq.ActivityFilters]) -> ListPage:
    f = q.filters
    if principal.role is Role.AGENCY or principal.role is Role.SERVICE:
        raise _refuse(principal, "activities")
    if principal.role is Role.SECRETARY:
        f = replace(f, forum=principal.forum_id)
    request = _page_request(q, lq.ACTIVITY_SORTS)
    return _answer(lq.list_activities(cur, principal.partnership_id, f, request), request)


def recommendations(cur: Cursor, principal: Principal, q: ListQuery[lq.RecommendationFilters]) -> ListPage:
    f = q.filters
    if principal.role is Role.SERVICE:
        raise _refuse(principal, "recommendations")
    if principal.role is Role.AGENCY:
        f = replace(f, agency=principal.agency_id)
    if principal.role is Role.SECRETARY:
        f = replace(f, forum=principal.forum_id)
    request = _page_request(q, lq.RECOMMENDATION_SORTS)
    return _answer(lq.list_recommendations(cur, principal.partnership_id, f, request), request)


def actions(cur: Cursor, principal: Principal, q: ListQuery[lq.ActionFilters], today: date) -> ListPage:
    f = q.filters
    if principal.role is Role.SERVICE:
        raise _refuse(principal, "actions")
    if principal.role is Role.AGENCY:
        f = replace(f, agency=principal.agency_id)
    if principal.role is Role.SECRETARY:
        f = replace(f, forum=principal.forum_id)
    request = _page_request(q, lq.ACTION_SORTS)
    return _answer(lq.list_actions(cur, principal.partnership_id, f, request, today), request)


def decisions(cur: Cursor, principal: Principal, q: ListQuery[lq.DecisionFilters]) -> ListPage:
    f = q.filters
    if principal.role is Role.AGENCY or principal.role is Role.SERVICE:
        raise _refuse(principal, "decisions")
    if principal.role is Role.SECRETARY:
        f = replace(f, forum=principal.forum_id)
    request = _page_request(q, lq.DECISION_SORTS)
    return _answer(lq.list_decisions(cur, principal.partnership_id, f, request), request)


# --- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    q: str
    kind: str | None = None
    cursor: str | None = None
    limit: int = SEARCH_LIMIT


@dataclass(frozen=True)
class SearchPage:
    hits: list[dict[str, Any]]
    next: str | None


_COLLECTIONS = {"activity": "activities", "finding": "activities", "recommendation": "recommendations",
                "action": "actions"}


def link(partnership_id: str, kind: str, entity_id: str, activity_id: str) -> str:
    """Where a hit is read: its own record (a finding, on its activity's)."""
    target = activity_id if kind == "finding" else entity_id
    return f"/v1/partnerships/{partnership_id}/{_COLLECTIONS[kind]}/{target}"


def search(cur: Cursor, dialect: Dialect, principal: Principal, q: SearchQuery) -> SearchPage:
    """Ranked hits for the words of `q.q` the principal may read. Pages are cut by rank
    (a cursor counts the hits before it), so a page read while the index changes may
    repeat or miss a hit; the first page is always the best hits at that moment."""
    if principal.role is Role.SERVICE:
        raise _refuse(principal, "search results")
    if not 1 <= q.limit <= MAX_SEARCH_LIMIT:
        raise InvalidInput("invalid_limit", f"A page holds 1 to {MAX_SEARCH_LIMIT} hits.", "limit")
    offset = 0
    if q.cursor:
        if not q.cursor.isascii() or not q.cursor.isdigit() or len(q.cursor) > 9:
            raise InvalidInput("invalid_cursor", "The cursor is the `next` of a previous page.", "cursor")
        offset = int(q.cursor)
    scope = sv.SearchScope(
        agency=principal.agency_id if principal.role is Role.AGENCY else None,
        forum=principal.forum_id if principal.role is Role.SECRETARY else None,
    )
    hits, more = sv.search(cur, dialect, principal.partnership_id, q.q, scope, q.kind, offset, q.limit)
    for hit in hits:
        hit["link"] = link(principal.partnership_id, hit["kind"], hit["id"], hit["activity_id"])
    return SearchPage(hits, str(offset + len(hits)) if more else None)
