"""A forum's decision: accept, reject or defer, with rationale and who decided."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from domain.decision import DecisionSubject
from domain.recommendation import DecisionOutcome
from services.api.schemas.records import Record


class DecisionRecord(Record):
    """A decision, as its command answers it and a read gives it."""

    type: Literal["decision"] = Field(description="The kind of record.")
    forum_id: str = Field(description="The forum that decided.")
    meeting_on: date = Field(description="The meeting it was taken at (or the day of a chair's action).")
    subject: DecisionSubject = Field(description="What was decided on.")
    subject_id: UUID = Field(description="The recommendation or activity decided on.")
    outcome: DecisionOutcome
    decided_by: list[str] = Field(description="Who decided.")
    rationale: str
    chairs_action: bool = Field(default=False, description="Taken by the chair outside a meeting.")
