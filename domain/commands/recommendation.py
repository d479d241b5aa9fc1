"""Commands that make recommendations, and the forum decisions on them and on activities."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field

from domain import decision as decisions
from domain import recommendation as recommendations
from domain.commands.base import RATIONALE_GIVEN, RECORD, Claim, Command, declare, non_empty
from domain.decision import DecisionSubject
from domain.recommendation import DecisionOutcome
from domain.values import IsoDate, Name, Slug, Text


@declare(
    recommendations.make_recommendation, "activities/{activity_id}/recommendations", RECORD,
    claims=[Claim("recommendation_id")],
)
class MakeRecommendation(Command):
    name: ClassVar[str] = "make_recommendation"
    recommendation_id: UUID | None = None
    finding_ids: tuple[UUID, ...] = non_empty("The activity's findings it is drawn from: at least one.")
    text: Text
    addressed_to: tuple[Slug, ...] = non_empty("Agencies it is addressed to (or 'partnership'): at least one.")
    made_on: IsoDate


# The decision also changes its subject (services/application/handlers.py), whose version
# `expected_version` is: the one command whose glue is not only this declaration.
@declare(
    decisions.record_decision, "decisions", {**RECORD, "secretary": "own_forum_in_body"},
    claims=[Claim("decision_id")],
)
class RecordDecision(Command):
    model_config = ConfigDict(json_schema_extra={"allOf": [RATIONALE_GIVEN]})
    name: ClassVar[str] = "record_decision"
    decision_id: UUID | None = None
    forum_id: Slug
    meeting_on: IsoDate
    subject: DecisionSubject
    subject_id: UUID
    outcome: DecisionOutcome
    decided_by: tuple[Name, ...] = non_empty("Who decided (the chair or members): at least one.")
    chairs_action: bool = Field(
        default=False,
        description="Decided by the chair outside a meeting: meeting_on is then the day of the "
        "action and need not be one of the forum's meetings. The rationale says why.",
    )
