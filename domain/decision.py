"""A forum's decision on a recommendation or on signing off an activity."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4

from domain.aggregate import AggregateEvent, AggregateState, Change, Context, base_fields
from domain.dates import not_after_today
from domain.errors import InvalidInput
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome
from domain.values import FreeText


class DecisionSubject(StrEnum):
    RECOMMENDATION = "recommendation"
    ACTIVITY_SIGN_OFF = "activity_sign_off"
    PRACTICE_REVIEW_COMMISSIONING = "practice_review_commissioning"
    """On a rapid review's recommendation: accept commissions a practice review."""


class Decision(AggregateState):
    forum_id: str
    meeting_on: date
    subject: DecisionSubject
    subject_id: UUID
    outcome: DecisionOutcome
    decided_by: tuple[str, ...]
    rationale: str
    chairs_action: bool = False
    """Decided outside a meeting by the chair; `meeting_on` is then the day of the action."""


class DecisionRecorded(AggregateEvent[Decision]):
    TOPIC = "lif.decision.recorded"
    SUMMARY = "Decision of {forum_id} ({meeting_on}) on {subject} {subject_id}: {outcome}"
    forum_id: str
    meeting_on: date
    subject: DecisionSubject
    subject_id: UUID
    outcome: DecisionOutcome
    decided_by: tuple[FreeText, ...]
    chairs_action: bool = False

    def apply(self, state: Decision | None) -> Decision:
        return Decision(
            **base_fields(self),
            forum_id=self.forum_id,
            meeting_on=self.meeting_on,
            subject=self.subject,
            subject_id=self.subject_id,
            outcome=self.outcome,
            decided_by=self.decided_by,
            rationale=self.rationale or "",
            chairs_action=self.chairs_action,
        )


def record_decision(
    p: Partnership,
    ctx: Context,
    *,
    forum_id: str,
    meeting_on: date,
    subject: DecisionSubject,
    subject_id: UUID,
    outcome: DecisionOutcome,
    decided_by: tuple[str, ...],
    decision_id: UUID | None = None,
    chairs_action: bool = False,
) -> Change[Decision]:
    p.check_meeting(forum_id, meeting_on, chairs_action=chairs_action)
    # A decision records what a forum decided: a meeting still to come has decided nothing.
    not_after_today("meeting_on", meeting_on, "a decision's meeting (or chair's action)")
    if not (ctx.rationale or "").strip():
        raise InvalidInput(
            "rationale_required", "A forum decision records its rationale.", "rationale"
        )
    if not decided_by:
        raise InvalidInput(
            "decided_by_required", "Name who decided (chair or members).", "decided_by"
        )
    c: Change[Decision] = Change(None, decision_id or uuid4())
    return c.trigger(
        DecisionRecorded,
        ctx,
        forum_id=forum_id,
        meeting_on=meeting_on,
        subject=subject,
        subject_id=subject_id,
        outcome=outcome,
        decided_by=decided_by,
        chairs_action=chairs_action,
    )
