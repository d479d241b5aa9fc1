"""The one envelope of every list the API answers.

`items` holds the entries and `count` how many this answer holds; `next` is the cursor of
the following page (null on the last page, and always null for a list answered whole). A
list read from the projections also says how fresh it is (`ViewFreshness`): the view's
`position`, the log's `head`, the `lag` between them and whether it is `degraded`. The
facts the list was asked for (partnership, filters, the day it was judged on) sit beside
`items`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from services.api.projection_reads import Degraded, Freshness


class ListAnswer(BaseModel):
    count: int = Field(description="How many items this answer holds (on a page: this page's).")
    next: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page or a whole list."
    )


class ViewFreshness(BaseModel):
    position: int = Field(description="Log position the view has applied.")
    head: int = Field(description="Last position of the event log.")
    lag: int = Field(description="head - position: events not yet in the view.")
    degraded: Degraded


def list_body(items: list[Any], freshness: Freshness | None = None, next_: str | None = None,
              **facts: Any) -> dict[str, Any]:
    """A list's answer: the facts it was asked for, its items, and how fresh the view is."""
    body = {**facts, "items": items, "count": len(items), "next": next_}
    return {**body, **freshness.body()} if freshness is not None else body
