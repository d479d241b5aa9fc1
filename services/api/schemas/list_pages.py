"""Pages of the lists (activities, recommendations, actions, decisions) and of search hits.

Each is the list envelope (schemas/lists.py): `items`, `count` on this page, `next` (the
cursor of the following page, null on the last), the view's freshness, and the sort the
page was cut by.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.activity import ActivityStatus
from domain.decision import DecisionSubject
from domain.framework import SourceKind, Theme
from domain.recommendation import DecisionOutcome, RecommendationStatus
from services.api.routers.tracker import TrackerRow
from services.api.schemas.lists import ListAnswer, ViewFreshness


class _Page(ListAnswer, ViewFreshness):
    partnership_id: str
    sort: str = Field(description="The sort this page was cut by (`-` first: descending).")


class ActivityItem(BaseModel):
    activity_id: UUID
    kind: SourceKind
    title: str
    status: ActivityStatus
    opened_on: date
    agencies_involved: list[str]
    findings: int = Field(description="Findings recorded and not withdrawn.")
    reported_on: date | None
    signed_off_on: date | None
    closed_on: date | None
    version: int


class ActivityPage(_Page):
    """A page of the partnership's learning activities."""

    items: list[ActivityItem]


class RecommendationItem(BaseModel):
    recommendation_id: UUID
    activity_id: UUID
    source_kind: SourceKind
    activity_title: str
    text: str
    addressed_to: list[str]
    themes: list[Theme] = Field(description="Themes of the findings it was made from.")
    status: RecommendationStatus
    made_on: date
    decided_on: date | None = Field(description="The last forum decision on it (a deferral included).")
    deferrals: int
    version: int


class RecommendationPage(_Page):
    """A page of the partnership's recommendations."""

    items: list[RecommendationItem]


class ActionPage(_Page):
    """A page of the partnership's actions, each with its RAG rating on `today`."""

    today: date = Field(description="The day RAG was rated on.")
    items: list[TrackerRow]


class DecisionItem(BaseModel):
    decision_id: UUID
    forum_id: str
    meeting_on: date
    subject: DecisionSubject
    subject_id: UUID
    outcome: DecisionOutcome
    decided_by: list[str]
    rationale: str
    chairs_action: bool
    recorded_at: str = Field(description="When it was recorded (UTC, ISO 8601).")


class DecisionPage(_Page):
    """A page of the partnership's forum decisions."""

    items: list[DecisionItem]


class SearchHit(BaseModel):
    kind: Literal["activity", "finding", "recommendation", "action"]
    id: UUID = Field(description="The activity, finding, recommendation or action found.")
    activity_id: UUID = Field(description="The activity it belongs to (itself for an activity).")
    title: str = Field(description="The activity's title.")
    snippet: str = Field(description="The words around the match, each matched word between [ and ].")
    score: float = Field(description="Relevance as the engine ranks it (higher is better; compare within one answer).")
    link: str = Field(description="Where the record is read (a finding: on its activity).")


class SearchPage(ListAnswer, ViewFreshness):
    """Hits for every word of `q`, best first."""

    partnership_id: str
    q: str
    items: list[SearchHit]
