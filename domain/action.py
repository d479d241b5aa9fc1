"""An action agreed against an accepted recommendation, owned by one agency."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import AggregateEvent, AggregateState, Change, Context, base_fields, change
from domain.errors import InvalidInput, RuleViolation
from domain.partnership import Partnership
from domain.recommendation import Recommendation, RecommendationStatus
from domain.routing import LearningKind
from domain.values import FreeText


class ActionStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    ASSURED = "assured"


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    description: FreeText = Field(min_length=3, max_length=2000)
    reference: FreeText | None = Field(default=None, max_length=500)


class ProgressNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    noted_on: date
    note: str
    on_track: bool


class Action(AggregateState):
    recommendation_id: UUID
    activity_id: UUID
    owner_agency_id: str
    description: str
    due_on: date
    status: ActionStatus
    progress: tuple[ProgressNote, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    completed_on: date | None = None
    impact_statement: str | None = None
    assured_on: date | None = None
    reopened: int = 0

    @property
    def on_track(self) -> bool:
        return self.progress[-1].on_track if self.progress else True


class ActionAgreed(AggregateEvent[Action]):
    TOPIC = "lif.action.agreed"
    SUMMARY = "Action agreed with {owner_agency_id}, due {due_on}: {description}"
    LEARNING = LearningKind.ACTION_AGREED
    recommendation_id: UUID
    activity_id: UUID
    owner_agency_id: str
    description: FreeText
    due_on: date

    def apply(self, state: Action | None) -> Action:
        return Action(
            **base_fields(self),
            recommendation_id=self.recommendation_id,
            activity_id=self.activity_id,
            owner_agency_id=self.owner_agency_id,
            description=self.description,
            due_on=self.due_on,
            status=ActionStatus.OPEN,
        )


class ActionProgressNoted(AggregateEvent[Action]):
    TOPIC = "lif.action.progress_noted"
    SUMMARY = "Progress noted on {noted_on} (on track: {on_track}): {note}"
    noted_on: date
    note: FreeText
    on_track: bool

    def apply(self, state: Action | None) -> Action:
        assert state is not None
        note = ProgressNote(noted_on=self.noted_on, note=self.note, on_track=self.on_track)
        return state.model_copy(update={"progress": (*state.progress, note)})


class ActionRescheduled(AggregateEvent[Action]):
    TOPIC = "lif.action.rescheduled"
    SUMMARY = "Action rescheduled to {due_on}"
    due_on: date

    def apply(self, state: Action | None) -> Action:
        assert state is not None
        return state.model_copy(update={"due_on": self.due_on})


class ActionCompleted(AggregateEvent[Action]):
    TOPIC = "lif.action.completed"
    SUMMARY = "Action completed on {completed_on} with {evidence_count} piece(s) of evidence"
    completed_on: date
    evidence: tuple[Evidence, ...]

    def apply(self, state: Action | None) -> Action:
        assert state is not None
        return state.model_copy(
            update={
                "status": ActionStatus.COMPLETED,
                "completed_on": self.completed_on,
                "evidence": self.evidence,
            }
        )


class ActionImpactAssured(AggregateEvent[Action]):
    TOPIC = "lif.action.impact_assured"
    SUMMARY = "Impact assured on {assured_on}: {impact_statement}"
    assured_on: date
    impact_statement: FreeText

    def apply(self, state: Action | None) -> Action:
        assert state is not None
        return state.model_copy(
            update={
                "status": ActionStatus.ASSURED,
                "assured_on": self.assured_on,
                "impact_statement": self.impact_statement,
            }
        )


class ActionReopened(AggregateEvent[Action]):
    TOPIC = "lif.action.reopened"
    SUMMARY = "Action reopened, due {due_on}: {reason}"
    reason: FreeText
    due_on: date

    def apply(self, state: Action | None) -> Action:
        assert state is not None
        return state.model_copy(
            update={
                "status": ActionStatus.OPEN,
                "due_on": self.due_on,
                "completed_on": None,
                "assured_on": None,
                "impact_statement": None,
                "reopened": state.reopened + 1,
            }
        )


def agree_action(
    r: Recommendation,
    p: Partnership,
    ctx: Context,
    *,
    owner_agency_id: str,
    description: str,
    due_on: date,
    action_id: UUID | None = None,
) -> Change[Action]:
    if r.status is not RecommendationStatus.ACCEPTED:
        raise RuleViolation(
            "recommendation_not_accepted",
            f"Actions follow an accepted recommendation; this one is {r.status.value}.",
            "recommendation_id",
        )
    p.agency(owner_agency_id, "owner_agency_id")
    if due_on < r.made_on:
        raise RuleViolation(
            "due_before_recommendation",
            f"An action cannot fall due before its recommendation was made: due_on must be on or after "
            f"{r.made_on.isoformat()}.",
            "due_on",
        )
    c: Change[Action] = Change(None, action_id or uuid4())
    return c.trigger(
        ActionAgreed,
        ctx,
        recommendation_id=r.id,
        activity_id=r.activity_id,
        owner_agency_id=owner_agency_id,
        description=description,
        due_on=due_on,
    )


def _require_open(a: Action, doing: str) -> None:
    if a.status is not ActionStatus.OPEN:
        raise RuleViolation(
            "action_not_open", f"Cannot {doing} an action that is {a.status.value}.", "status"
        )


def note_progress(a: Action, ctx: Context, *, noted_on: date, note: str, on_track: bool) -> Change[Action]:
    _require_open(a, "note progress on")
    return change(a).trigger(ActionProgressNoted, ctx, noted_on=noted_on, note=note, on_track=on_track)


def reschedule(a: Action, ctx: Context, *, due_on: date) -> Change[Action]:
    _require_open(a, "reschedule")
    if not (ctx.rationale or "").strip():
        raise InvalidInput(
            "rationale_required", "Say why the due date moves (rationale).", "rationale"
        )
    return change(a).trigger(ActionRescheduled, ctx, due_on=due_on)


def complete(a: Action, ctx: Context, *, completed_on: date, evidence: tuple[Evidence, ...]) -> Change[Action]:
    _require_open(a, "complete")
    if not evidence:
        raise RuleViolation(
            "evidence_required",
            "An action is completed only with evidence of what was done.",
            "evidence",
        )
    return change(a).trigger(ActionCompleted, ctx, completed_on=completed_on, evidence=evidence)


def assure_impact(a: Action, ctx: Context, *, assured_on: date, impact_statement: str) -> Change[Action]:
    if a.status is not ActionStatus.COMPLETED:
        raise RuleViolation(
            "action_not_completed",
            f"Impact is assured on a completed action; this one is {a.status.value}.",
            "status",
        )
    return change(a).trigger(
        ActionImpactAssured, ctx, assured_on=assured_on, impact_statement=impact_statement
    )


def reopen(a: Action, ctx: Context, *, reason: str, due_on: date) -> Change[Action]:
    if a.status is ActionStatus.OPEN:
        raise RuleViolation("action_open", "The action is already open.", "status")
    return change(a).trigger(ActionReopened, ctx, reason=reason, due_on=due_on)
