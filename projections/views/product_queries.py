"""What the learning products read of the views (services/application/products/): which
activities have findings on given themes, and the recommendations made from activities.

The products then load each activity itself (its findings' text and dates are its own),
and read actions from the tracker (`projections.tracker.query_tracker`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.sql import Cursor
from projections import codecs
from projections.views import list_queries as lq
from projections.views import lists as lv

_ALL = 10_000
"""More recommendations than one activity makes: every one of them, in one page."""


def activities_with_themes(cur: Cursor, partnership_id: str, themes: Iterable[str]) -> list[str]:
    """Activities with a finding on any of `themes` (as the lists view last saw each finding's themes)."""
    wanted = set(themes)
    cur.execute(
        f"SELECT activity_id, themes FROM {lv.FINDINGS} WHERE partnership_id = ? ORDER BY activity_id",
        (partnership_id,),
    )
    chosen = [activity for activity, text in cur.fetchall() if wanted & set(codecs.read_items(text))]
    return list(dict.fromkeys(chosen))


def recommendations_of(cur: Cursor, partnership_id: str, activity_id: str) -> list[dict[str, Any]]:
    """The recommendations made from one activity (the lists view's rows), oldest first."""
    page = lq.list_recommendations(
        cur, partnership_id, lq.RecommendationFilters(activity_id=activity_id),
        lq.PageRequest(lq.Sort("made_on"), None, _ALL),
    )
    return page.rows
