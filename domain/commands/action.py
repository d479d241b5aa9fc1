"""Commands on actions: agreeing one against a recommendation, then its progress to assurance."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain import action as actions
from domain.action import Evidence
from domain.commands.base import RATIONALE_GIVEN, RECORD, Claim, Command, declare, non_empty
from domain.values import IsoDate, Slug, Text, TextRule

OWNER = {**RECORD, "agency": "own_action"}
"""The agency that owns the action reports on it."""


@declare(actions.agree_action, "recommendations/{recommendation_id}/actions", RECORD, claims=[Claim("action_id")])
class AgreeAction(Command):
    name: ClassVar[str] = "agree_action"
    action_id: UUID | None = None
    owner_agency_id: Slug
    description: Text
    due_on: IsoDate


@declare(actions.note_progress, "actions/{action_id}/progress", OWNER)
class NoteProgress(Command):
    name: ClassVar[str] = "note_progress"
    noted_on: IsoDate
    note: Text
    on_track: bool = True


@declare(actions.reschedule, "actions/{action_id}/reschedule", RECORD)
class RescheduleAction(Command):
    model_config = ConfigDict(json_schema_extra={"allOf": [RATIONALE_GIVEN]})
    name: ClassVar[str] = "reschedule_action"
    due_on: IsoDate


class EvidenceItem(BaseModel):
    """Evidence as a command gives it; the stored `Evidence` stays as lenient as the events it is in."""

    # from_attributes: code that builds commands in Python may pass domain Evidence.
    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)

    description: Annotated[str, TextRule(2000, min_length=3, single_line=False)]
    reference: Annotated[str, TextRule(500, min_length=0, strip=False)] | None = None

    def to_evidence(self) -> Evidence:
        return Evidence(description=self.description, reference=self.reference)


@declare(actions.complete, "actions/{action_id}/completion", OWNER)
class CompleteAction(Command):
    name: ClassVar[str] = "complete_action"
    completed_on: IsoDate
    evidence: tuple[EvidenceItem, ...] = non_empty("What was done: at least one piece of evidence.")

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(), "evidence": tuple(e.to_evidence() for e in self.evidence)}


@declare(actions.assure_impact, "actions/{action_id}/assurance", RECORD)
class AssureAction(Command):
    name: ClassVar[str] = "assure_action"
    assured_on: IsoDate
    impact_statement: Text


@declare(actions.reopen, "actions/{action_id}/reopening", RECORD)
class ReopenAction(Command):
    name: ClassVar[str] = "reopen_action"
    reason: Text
    due_on: IsoDate
