"""A recommendation drawn from one or more findings, decided by a forum."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4

from domain.activity import Activity, ActivityStatus
from domain.aggregate import AggregateEvent, AggregateState, Change, Context, base_fields, change
from domain.dates import not_before
from domain.errors import InvalidInput, RuleViolation
from domain.framework import DEFAULT_SOURCES, PARTNERSHIP_AGENCY
from domain.partnership import Partnership
from domain.routing import LearningKind
from domain.values import FreeText


class DecisionOutcome(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    DEFER = "defer"


class RecommendationStatus(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Recommendation(AggregateState):
    activity_id: UUID
    finding_ids: tuple[UUID, ...]
    text: str
    addressed_to: tuple[str, ...]
    status: RecommendationStatus
    made_on: date
    decision_ids: tuple[UUID, ...] = ()
    deferrals: int = 0


class RecommendationMade(AggregateEvent[Recommendation]):
    TOPIC = "lif.recommendation.made"
    SUMMARY = "Recommendation made to {addressed_to}: {text}"
    LEARNING = LearningKind.RECOMMENDATION_MADE
    activity_id: UUID
    finding_ids: tuple[UUID, ...]
    text: FreeText
    addressed_to: tuple[str, ...]
    made_on: date

    def apply(self, state: Recommendation | None) -> Recommendation:
        return Recommendation(
            **base_fields(self),
            activity_id=self.activity_id,
            finding_ids=self.finding_ids,
            text=self.text,
            addressed_to=self.addressed_to,
            status=RecommendationStatus.AWAITING_DECISION,
            made_on=self.made_on,
        )


class RecommendationDecided(AggregateEvent[Recommendation]):
    TOPIC = "lif.recommendation.decided"
    SUMMARY = "Recommendation decided by {forum_id} on {decided_on}: {outcome}"
    LEARNING = LearningKind.RECOMMENDATION_DECIDED
    decision_id: UUID
    forum_id: str
    outcome: DecisionOutcome
    decided_on: date

    def apply(self, state: Recommendation | None) -> Recommendation:
        assert state is not None
        status = {
            DecisionOutcome.ACCEPT: RecommendationStatus.ACCEPTED,
            DecisionOutcome.REJECT: RecommendationStatus.REJECTED,
            DecisionOutcome.DEFER: RecommendationStatus.AWAITING_DECISION,
        }[self.outcome]
        return state.model_copy(
            update={
                "status": status,
                "decision_ids": (*state.decision_ids, self.decision_id),
                "deferrals": state.deferrals + (self.outcome is DecisionOutcome.DEFER),
            }
        )


def make_recommendation(
    a: Activity,
    p: Partnership,
    ctx: Context,
    *,
    finding_ids: tuple[UUID, ...],
    text: str,
    addressed_to: tuple[str, ...],
    made_on: date,
    recommendation_id: UUID | None = None,
) -> Change[Recommendation]:
    if not finding_ids:
        raise InvalidInput(
            "finding_required", "A recommendation is drawn from at least one finding.", "finding_ids"
        )
    for i, finding_id in enumerate(finding_ids):
        finding = a.finding(finding_id, f"finding_ids[{i}]")
        if finding.withdrawn_on is not None:
            raise RuleViolation(
                "finding_withdrawn",
                f"Finding {finding_id} was withdrawn on {finding.withdrawn_on.isoformat()}; "
                "a recommendation cannot be drawn from it.",
                f"finding_ids[{i}]",
            )
        not_before("made_on", made_on, finding.recorded_on, f"finding {finding_id}'s recorded_on")
    if not addressed_to:
        raise InvalidInput(
            "addressee_required",
            f"Address the recommendation to agencies or to {PARTNERSHIP_AGENCY!r}.",
            "addressed_to",
        )
    for i, agency_id in enumerate(addressed_to):
        if agency_id != PARTNERSHIP_AGENCY:
            p.agency(agency_id, f"addressed_to[{i}]")
    if a.status is ActivityStatus.CLOSED:
        raise RuleViolation(
            "activity_closed", "A closed activity takes no new recommendations.", "activity_id"
        )
    c: Change[Recommendation] = Change(None, recommendation_id or uuid4())
    return c.trigger(
        RecommendationMade,
        ctx,
        activity_id=a.id,
        finding_ids=finding_ids,
        text=text,
        addressed_to=addressed_to,
        made_on=made_on,
    )


def decide(
    r: Recommendation,
    a: Activity,
    p: Partnership,
    ctx: Context,
    *,
    decision_id: UUID,
    forum_id: str,
    outcome: DecisionOutcome,
    decided_on: date,
) -> Change[Recommendation]:
    if r.status is not RecommendationStatus.AWAITING_DECISION:
        raise RuleViolation(
            "already_decided",
            f"The recommendation was already {r.status.value}; a decision cannot be remade.",
            "subject_id",
        )
    if forum_id not in p.routing_for(a.kind).points_of_dissemination:
        raise RuleViolation(
            "forum_not_responsible",
            f"{p.forum(forum_id).name} is not a point of dissemination for "
            f"{DEFAULT_SOURCES[a.kind].title}; it cannot decide its recommendations.",
            "forum_id",
        )
    not_before("meeting_on", decided_on, r.made_on, "the recommendation's made_on")
    return change(r).trigger(
        RecommendationDecided,
        ctx,
        decision_id=decision_id,
        forum_id=forum_id,
        outcome=outcome,
        decided_on=decided_on,
    )
