"""Commands: what a person or a service asks the partnership to record.

Each command names the aggregate it targets (`target`): the API takes that
id from the path, the ingest endpoint from the item.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.action import Evidence
from domain.activity import CascadeMethod, FamilyResponse, FindingCategory, PanelOpinion, RapidReviewRecommends
from domain.decision import DecisionSubject
from domain.framework import DEFAULT_SOURCES, Sector, SourceKind, Theme
from domain.privacy import CASE_REFERENCE_SCHEMA
from domain.recommendation import DecisionOutcome
from domain.values import IsoDate, Name, Rationale, Slug, Text, TextRule, Url

Target = Literal["none", "partnership", "activity", "recommendation", "action"]


def non_empty(description: str) -> Any:
    """A list the domain refuses empty. The document says so (minItems); the domain's own
    refusal, with its code and sentence, stays the one that answers."""
    return Field(description=description, json_schema_extra={"minItems": 1})


# What the domain requires of `rationale` when it requires one: some text, not blanks.
_RATIONALE_GIVEN: dict[str, Any] = {
    "required": ["rationale"], "properties": {"rationale": {"type": "string", "pattern": r"\S"}},
}


def _when_kind(kinds: Iterable[SourceKind], then: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema for "if `kind` is one of these, then ...": rules the domain applies by kind."""
    return {
        "if": {"required": ["kind"], "properties": {"kind": {"enum": sorted(k.value for k in kinds)}}},
        "then": then,
    }


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]
    target: ClassVar[Target]

    rationale: Rationale | None = Field(
        default=None, description="Why: shown in the audit trail."
    )
    expected_version: int | None = Field(
        default=None, ge=1, description="Refuse with 409 unless the target is at this version."
    )


# --- partnership ----------------------------------------------------------


class RegisterPartnership(Command):
    name: ClassVar[str] = "register_partnership"
    target: ClassVar[Target] = "none"
    partnership_id: Slug
    display_name: Name
    rapid_review_starts_from: Literal["awareness", "notification"] = "awareness"
    with_framework_defaults: bool = True


class AddAgency(Command):
    name: ClassVar[str] = "add_agency"
    target: ClassVar[Target] = "partnership"
    agency_id: Slug
    display_name: Name
    sector: Sector


class RegisterWebhook(Command):
    name: ClassVar[str] = "register_webhook"
    target: ClassVar[Target] = "partnership"
    agency_id: Slug
    webhook_url: Url | None


class AddForum(Command):
    name: ClassVar[str] = "add_forum"
    target: ClassVar[Target] = "partnership"
    forum_id: Slug
    display_name: Name


class ScheduleMeeting(Command):
    name: ClassVar[str] = "schedule_meeting"
    target: ClassVar[Target] = "partnership"
    forum_id: Slug
    meets_on: IsoDate


class SetRouting(Command):
    name: ClassVar[str] = "set_routing"
    target: ClassVar[Target] = "partnership"
    source_kind: SourceKind
    points_of_dissemination: tuple[Slug, ...] = non_empty("The forums the learning goes to: at least one.")
    sign_off_forum: Slug


# Everything, or at least one theme, source kind or forum.
_ANY_OF_SUBSCRIBED: list[Any] = [
    {"required": ["everything"], "properties": {"everything": {"const": True}}},
    *[{"required": [f], "properties": {f: {"minItems": 1}}} for f in ("themes", "source_kinds", "forums")],
]


class Subscribe(Command):
    """Set what learning an agency receives (replaces its earlier subscription)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": _ANY_OF_SUBSCRIBED})
    name: ClassVar[str] = "subscribe"
    target: ClassVar[Target] = "partnership"
    agency_id: Slug
    everything: bool = False
    themes: tuple[Theme, ...] = ()
    source_kinds: tuple[SourceKind, ...] = ()
    forums: tuple[Slug, ...] = ()


class Unsubscribe(Command):
    """Cancel an agency's subscription (it still receives what is addressed to it)."""

    name: ClassVar[str] = "unsubscribe"
    target: ClassVar[Target] = "partnership"
    agency_id: Slug


# --- activity -------------------------------------------------------------


class OpenActivity(Command):
    # A serious-incident review starts statutory clocks: it needs the date of awareness,
    # unless it follows a Rapid Review (whose clocks it keeps) or inherits the date from
    # its originating activity (a rule of state the document can only describe). A review
    # that needs an independent lead says why its scale is proportionate (rationale).
    model_config = ConfigDict(json_schema_extra={"allOf": [
        _when_kind(
            (SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW),
            {"anyOf": [
                {"required": ["aware_on"], "properties": {"aware_on": {"type": "string"}}},
                {"required": ["originating_activity_id"],
                 "properties": {"originating_activity_id": {"type": "string"}}},
            ]},
        ),
        _when_kind((k for k, s in DEFAULT_SOURCES.items() if s.requires_independent_lead), _RATIONALE_GIVEN),
    ]})
    name: ClassVar[str] = "open_activity"
    target: ClassVar[Target] = "partnership"
    activity_id: UUID | None = Field(default=None, description="Optional client-chosen id.")
    kind: SourceKind
    title: Name
    opened_on: IsoDate
    scope: Text
    case_reference: Name | None = Field(
        default=None, description="Pseudonymous case reference; never a child's name or date of birth.",
        json_schema_extra=CASE_REFERENCE_SCHEMA,
    )
    agencies_involved: tuple[Slug, ...] = ()
    aware_on: IsoDate | None = Field(
        default=None,
        description="When the partnership became aware of the serious incident. Required for a rapid_review "
        "or safeguarding_practice_review, unless originating_activity_id names an activity it follows: a Rapid "
        "Review, or one with a date of awareness to inherit.",
    )
    originating_activity_id: UUID | None = Field(
        default=None, description="The activity this one follows (e.g. the Rapid Review behind a practice review)."
    )


class InvolveAgency(Command):
    name: ClassVar[str] = "involve_agency"
    target: ClassVar[Target] = "activity"
    agency_id: Slug


class AppointLeadReviewer(Command):
    name: ClassVar[str] = "appoint_lead_reviewer"
    target: ClassVar[Target] = "activity"
    reviewer_name: Name
    agency_id: Slug | None = Field(default=None, description="None when independent of all agencies.")


class StartActivity(Command):
    name: ClassVar[str] = "start_activity"
    target: ClassVar[Target] = "activity"


class NotifySeriousIncident(Command):
    name: ClassVar[str] = "notify_serious_incident"
    target: ClassVar[Target] = "activity"
    notified_on: IsoDate


class CompleteRapidReview(Command):
    name: ClassVar[str] = "complete_rapid_review"
    target: ClassVar[Target] = "activity"
    completed_on: IsoDate


class RecordPractitionerInvolvement(Command):
    name: ClassVar[str] = "record_practitioner_involvement"
    target: ClassVar[Target] = "activity"
    summary: Text


class OfferFamilyInvolvement(Command):
    name: ClassVar[str] = "offer_family_involvement"
    target: ClassVar[Target] = "activity"
    offered_on: IsoDate
    response: FamilyResponse
    summary: Text


class RecordChildVoice(Command):
    name: ClassVar[str] = "record_child_voice"
    target: ClassVar[Target] = "activity"
    summary: Text


class RecordFinding(Command):
    name: ClassVar[str] = "record_finding"
    target: ClassVar[Target] = "activity"
    finding_id: UUID | None = None
    category: FindingCategory
    summary: Text
    themes: tuple[Theme, ...] = non_empty("At least one theme.")
    agencies_concerned: tuple[Slug, ...] = ()
    recorded_on: IsoDate


class AmendFinding(Command):
    """Correct a recorded finding: a new version, the old one kept in the history (rationale required)."""

    name: ClassVar[str] = "amend_finding"
    target: ClassVar[Target] = "activity"
    finding_id: UUID
    category: FindingCategory
    summary: Text
    themes: tuple[Theme, ...]
    agencies_concerned: tuple[Slug, ...] = ()
    amended_on: IsoDate


class WithdrawFinding(Command):
    """Withdraw a recorded finding: it stays on record but no longer counts (rationale required)."""

    name: ClassVar[str] = "withdraw_finding"
    target: ClassVar[Target] = "activity"
    finding_id: UUID
    withdrawn_on: IsoDate


class RecordRapidReviewRecommendation(Command):
    """The rapid review's recommendation: a local child safeguarding practice review, or none, and why."""

    name: ClassVar[str] = "record_rapid_review_recommendation"
    target: ClassVar[Target] = "activity"
    recommends: RapidReviewRecommends
    reasons: Text
    recommended_on: IsoDate


class RecordPanelView(Command):
    """The national Panel's view of the rapid review's recommendation."""

    name: ClassVar[str] = "record_panel_view"
    target: ClassVar[Target] = "activity"
    view: PanelOpinion
    summary: Text
    received_on: IsoDate


class ReportActivity(Command):
    name: ClassVar[str] = "report_activity"
    target: ClassVar[Target] = "activity"
    report_summary: Text
    reported_on: IsoDate


class PlanPublication(Command):
    name: ClassVar[str] = "plan_publication"
    target: ClassVar[Target] = "activity"
    planned_on: IsoDate


class SendFinalReport(Command):
    name: ClassVar[str] = "send_final_report"
    target: ClassVar[Target] = "activity"
    sent_on: IsoDate


class PublishActivity(Command):
    name: ClassVar[str] = "publish_activity"
    target: ClassVar[Target] = "activity"
    published_on: IsoDate
    url: Url | None = None


class CloseActivity(Command):
    name: ClassVar[str] = "close_activity"
    target: ClassVar[Target] = "activity"
    closed_on: IsoDate


class AcknowledgeLearning(Command):
    """An agency received the learning of a signed-off activity and says how it cascaded it."""

    name: ClassVar[str] = "acknowledge_learning"
    target: ClassVar[Target] = "activity"
    agency_id: Slug
    acknowledged_on: IsoDate
    cascaded_by: tuple[CascadeMethod, ...] = non_empty("How the learning was cascaded: at least one method.")
    notes: Text | None = None


# --- recommendations, decisions, actions ---------------------------------


class MakeRecommendation(Command):
    name: ClassVar[str] = "make_recommendation"
    target: ClassVar[Target] = "activity"
    recommendation_id: UUID | None = None
    finding_ids: tuple[UUID, ...] = non_empty("The activity's findings it is drawn from: at least one.")
    text: Text
    addressed_to: tuple[Slug, ...] = non_empty("Agencies it is addressed to (or 'partnership'): at least one.")
    made_on: IsoDate


class RecordDecision(Command):
    model_config = ConfigDict(json_schema_extra={"allOf": [_RATIONALE_GIVEN]})
    name: ClassVar[str] = "record_decision"
    target: ClassVar[Target] = "partnership"
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


class AgreeAction(Command):
    name: ClassVar[str] = "agree_action"
    target: ClassVar[Target] = "recommendation"
    action_id: UUID | None = None
    owner_agency_id: Slug
    description: Text
    due_on: IsoDate


class NoteProgress(Command):
    name: ClassVar[str] = "note_progress"
    target: ClassVar[Target] = "action"
    noted_on: IsoDate
    note: Text
    on_track: bool = True


class RescheduleAction(Command):
    model_config = ConfigDict(json_schema_extra={"allOf": [_RATIONALE_GIVEN]})
    name: ClassVar[str] = "reschedule_action"
    target: ClassVar[Target] = "action"
    due_on: IsoDate


class EvidenceItem(BaseModel):
    """Evidence as a command gives it; the stored `Evidence` stays as lenient as the events it is in."""

    # from_attributes: code that builds commands in Python may pass domain Evidence.
    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)

    description: Annotated[str, TextRule(2000, min_length=3, single_line=False)]
    reference: Annotated[str, TextRule(500, min_length=0, strip=False)] | None = None

    def to_evidence(self) -> Evidence:
        return Evidence(description=self.description, reference=self.reference)


class CompleteAction(Command):
    name: ClassVar[str] = "complete_action"
    target: ClassVar[Target] = "action"
    completed_on: IsoDate
    evidence: tuple[EvidenceItem, ...] = non_empty("What was done: at least one piece of evidence.")


class AssureAction(Command):
    name: ClassVar[str] = "assure_action"
    target: ClassVar[Target] = "action"
    assured_on: IsoDate
    impact_statement: Text


class ReopenAction(Command):
    name: ClassVar[str] = "reopen_action"
    target: ClassVar[Target] = "action"
    reason: Text
    due_on: IsoDate


COMMANDS: dict[str, type[Command]] = {
    c.name: c
    for c in (
        RegisterPartnership, AddAgency, RegisterWebhook, AddForum, ScheduleMeeting, SetRouting,
        OpenActivity, InvolveAgency, AppointLeadReviewer, StartActivity, NotifySeriousIncident,
        CompleteRapidReview, RecordPractitionerInvolvement, OfferFamilyInvolvement,
        RecordChildVoice, RecordFinding, ReportActivity, PlanPublication, SendFinalReport,
        PublishActivity, CloseActivity, MakeRecommendation, RecordDecision, AgreeAction,
        NoteProgress, RescheduleAction, CompleteAction, AssureAction, ReopenAction,
        Subscribe, Unsubscribe, AcknowledgeLearning, AmendFinding, WithdrawFinding,
        RecordRapidReviewRecommendation, RecordPanelView,
    )
}
