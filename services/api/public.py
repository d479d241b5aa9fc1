"""The API's public shapes of aggregates: what a command's answer looks like.

Command routes are derived from their declarations, so they cannot name a response model
each; they ask this table instead. A state class with no public model of its own is
answered as it is. A `GET` of an entity answers the same model (`public_record`): one
shape for a record, however it is reached.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from domain.action import Action
from domain.activity import Activity
from domain.aggregate import AggregateState
from domain.decision import Decision
from domain.meeting_state import Meeting
from domain.partnership import Partnership
from domain.recommendation import Recommendation
from services.api.schemas.actions import ActionRecord
from services.api.schemas.activities import ActivityRecord
from services.api.schemas.decisions import DecisionRecord
from services.api.schemas.meetings import MeetingAnswer
from services.api.schemas.partnerships import PartnershipRecord
from services.api.schemas.recommendations import RecommendationRecord

# The service builds a command's answer; a read reuses it so both have one shape.
from services.application.service import _body as answer_body

ANSWER_MODELS: dict[type[AggregateState], type[BaseModel]] = {
    Activity: ActivityRecord,
    Partnership: PartnershipRecord,
    Recommendation: RecommendationRecord,
    Action: ActionRecord,
    Decision: DecisionRecord,
    Meeting: MeetingAnswer,
}


def answer_model(state: type[AggregateState]) -> type[BaseModel]:
    """The public model of a command's answer when it leaves an aggregate of this type."""
    return ANSWER_MODELS.get(state, state)


def public_record(state: AggregateState, **read_facts: Any) -> dict[str, Any]:
    """The entity as a command touching it answers, with what a read works out beside it."""
    return {**answer_body(state), **read_facts}
