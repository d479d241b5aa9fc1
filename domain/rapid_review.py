"""A rapid review's outcome: its recommendation, the national Panel's view, and
the partnership's decision whether to commission a practice review.

The decision is a forum decision like any other (subject
`practice_review_commissioning`, the rapid review as subject); a practice review
opened from the rapid review carries that decision's id, and cannot open without it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.activity_state import (
    Activity,
    PanelOpinion,
    PanelView,
    RapidReviewRecommendation,
    RapidReviewRecommends,
    _ActivityEvent,
)
from domain.aggregate import Change, Context, change
from domain.dates import not_before
from domain.errors import RuleViolation
from domain.framework import SourceKind
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome
from domain.values import FreeText


class RapidReviewRecommended(_ActivityEvent):
    TOPIC = "lif.activity.rapid_review_recommended"
    SUMMARY = "Rapid review recommends {recommends} ({recommended_on}): {reasons}"
    recommends: RapidReviewRecommends
    reasons: FreeText
    recommended_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        recommendation = RapidReviewRecommendation(
            recommends=self.recommends, reasons=self.reasons, recommended_on=self.recommended_on
        )
        return {"rapid_review_recommendation": recommendation}


class PanelViewRecorded(_ActivityEvent):
    TOPIC = "lif.activity.panel_view_recorded"
    SUMMARY = "National Panel's view received on {received_on} ({view}): {summary}"
    view: PanelOpinion
    summary: FreeText
    received_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {"panel_view": PanelView(view=self.view, summary=self.summary, received_on=self.received_on)}


class PracticeReviewCommissioningDecided(_ActivityEvent):
    TOPIC = "lif.activity.practice_review_commissioning_decided"
    SUMMARY = "Practice review commissioning decided by {forum_id} on {decided_on}: {outcome}"
    decision_id: UUID
    forum_id: str
    outcome: DecisionOutcome
    decided_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {
            "commissioning_decision_id": self.decision_id,
            "commissioning_outcome": self.outcome.value,
            "commissioned_on": self.decided_on if self.outcome is DecisionOutcome.ACCEPT else None,
        }


def _rapid_review(a: Activity) -> None:
    if a.kind is not SourceKind.RAPID_REVIEW:
        raise RuleViolation(
            "not_a_rapid_review", "Only a rapid review records this outcome.", "kind"
        )


def recommend(
    a: Activity, ctx: Context, *, recommends: RapidReviewRecommends, reasons: str, recommended_on: date
) -> Change[Activity]:
    _rapid_review(a)
    if a.rapid_review_recommendation is not None:
        raise RuleViolation(
            "rapid_review_recommendation_exists",
            "The rapid review's recommendation was recorded on "
            f"{a.rapid_review_recommendation.recommended_on.isoformat()}; it is not rewritten.",
            "recommends",
        )
    not_before("recommended_on", recommended_on, a.opened_on, "the activity's opened_on")
    return change(a).trigger(
        RapidReviewRecommended, ctx, recommends=recommends, reasons=reasons, recommended_on=recommended_on
    )


def record_panel_view(
    a: Activity, ctx: Context, *, view: PanelOpinion, summary: str, received_on: date
) -> Change[Activity]:
    _rapid_review(a)
    recommendation = a.rapid_review_recommendation
    if recommendation is None:
        raise RuleViolation(
            "rapid_review_recommendation_required",
            "Record the rapid review's recommendation before the Panel's view of it.",
            "rapid_review_recommendation",
        )
    if a.panel_view is not None:
        raise RuleViolation(
            "panel_view_exists",
            f"The Panel's view was recorded on {a.panel_view.received_on.isoformat()}; it is not rewritten.",
            "view",
        )
    not_before("received_on", received_on, recommendation.recommended_on, "the recommendation's recommended_on")
    return change(a).trigger(PanelViewRecorded, ctx, view=view, summary=summary, received_on=received_on)


def decide_commissioning(
    a: Activity,
    p: Partnership,
    ctx: Context,
    *,
    decision_id: UUID,
    forum_id: str,
    outcome: DecisionOutcome,
    decided_on: date,
) -> Change[Activity]:
    """The decision whether the rapid review leads to a practice review."""
    _rapid_review(a)
    recommendation = a.rapid_review_recommendation
    if recommendation is None:
        raise RuleViolation(
            "rapid_review_recommendation_required",
            "Record the rapid review's recommendation before deciding on it.",
            "subject_id",
        )
    if a.commissioning_outcome in {DecisionOutcome.ACCEPT.value, DecisionOutcome.REJECT.value}:
        raise RuleViolation(
            "already_decided",
            f"Whether to commission a practice review was already decided ({a.commissioning_outcome}); "
            "a decision cannot be remade.",
            "subject_id",
        )
    required = p.routing_for(a.kind).sign_off_forum
    if forum_id != required:
        raise RuleViolation(
            "forum_not_responsible",
            f"{p.forum(required).name} decides on a rapid review's recommendation, not {forum_id}.",
            "forum_id",
        )
    not_before("meeting_on", decided_on, recommendation.recommended_on, "the recommendation's recommended_on")
    return change(a).trigger(
        PracticeReviewCommissioningDecided, ctx, decision_id=decision_id, forum_id=forum_id,
        outcome=outcome, decided_on=decided_on,
    )
