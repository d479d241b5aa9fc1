"""An action agreed against a recommendation: progress, completion, assurance of impact."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.action import ActionStatus
from services.api.schemas.records import Record


class ProgressNoteRecord(BaseModel):
    noted_on: date
    note: str
    on_track: bool


class EvidenceRecord(BaseModel):
    description: str
    reference: str | None = Field(default=None, description="Where the evidence is kept.")


class ActionRecord(Record):
    """An action, as a command answers it and a read gives it."""

    type: Literal["action"] = Field(description="The kind of record.")
    recommendation_id: UUID
    activity_id: UUID
    owner_agency_id: str = Field(description="The agency that owns the action.")
    description: str
    due_on: date
    status: ActionStatus
    progress: list[ProgressNoteRecord] = Field(default_factory=list, description="Progress notes, oldest first.")
    evidence: list[EvidenceRecord] = Field(default_factory=list, description="Evidence given on completion.")
    completed_on: date | None = None
    impact_statement: str | None = Field(default=None, description="The impact assured.")
    assured_on: date | None = None
    reopened: int = Field(default=0, description="Times it was reopened.")
