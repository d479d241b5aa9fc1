"""A recommendation made from an activity's findings, and the forums' decisions on it."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from domain.recommendation import RecommendationStatus
from services.api.schemas.records import Record


class RecommendationRecord(Record):
    """A recommendation, as a command answers it and a read gives it."""

    type: Literal["recommendation"] = Field(description="The kind of record.")
    activity_id: UUID = Field(description="The activity whose findings it comes from.")
    finding_ids: list[UUID] = Field(description="The findings it answers.")
    text: str
    addressed_to: list[str] = Field(description="Agencies it is addressed to.")
    status: RecommendationStatus
    made_on: date
    decision_ids: list[UUID] = Field(default_factory=list, description="Forum decisions on it, oldest first.")
    deferrals: int = Field(default=0, description="Times a forum deferred its decision.")
