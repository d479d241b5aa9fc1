"""Search: findings, recommendations, actions and activities' titles by their words, ranked.

From the search view (projections/views/search.py: SQLite FTS5 on the embedded default,
PostgreSQL full-text search in production), held to the reader's scope by the application
layer (services/application/lists.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.api.auth import principal_of
from services.api.deps import PartnershipId
from services.api.projection_reads import MinPosition, get_projector, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.list_pages import SearchPage
from services.api.schemas.lists import list_body
from services.application import lists
from services.application.lists import MAX_SEARCH_LIMIT, SEARCH_LIMIT, SearchQuery

router = APIRouter(prefix="/v1/partnerships/{partnership_id}", tags=["search"])


@router.get("/search", response_model=SearchPage, responses=PROJECTION_READ_RESPONSES,
            summary="Search findings, recommendations, actions and activities by their words")
def search(
    request: Request,
    partnership_id: PartnershipId,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find (every one must be there).")],
    kind: Annotated[
        Literal["activity", "finding", "recommendation", "action"] | None, Query(description="Only hits of this kind.")
    ] = None,
    cursor: Annotated[str | None, Query(description="`next` of the previous page.", pattern=r"^[0-9]{1,9}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT, description="Hits per page.")] = SEARCH_LIMIT,
    min_position: MinPosition = None,
) -> JSONResponse:
    dialect = get_projector(request).db.dialect
    with projection_read(request, "search", min_position) as (cur, freshness):
        page = lists.search(cur, dialect, principal_of(request), SearchQuery(q, kind, cursor, limit))
    body = list_body(page.hits, freshness, page.next, partnership_id=partnership_id, q=q)
    return JSONResponse(body, headers=freshness.headers())
