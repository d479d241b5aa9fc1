"""A learning activity's state and the events that evolve it (domain/activity.py holds the
rules that decide them)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.aggregate import AggregateEvent, AggregateState, base_fields
from domain.briefing_state import Briefing
from domain.clocks import StatutoryDates
from domain.errors import NotFound, RuleViolation
from domain.framework import DEFAULT_SOURCES, SourceKind, Theme
from domain.routing import LearningKind
from domain.values import FreeText


class ActivityStatus(StrEnum):
    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    SIGNED_OFF = "signed_off"
    PUBLISHED = "published"
    CLOSED = "closed"


class FindingCategory(StrEnum):
    GOOD_PRACTICE = "good_practice"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"


FamilyResponse = Literal["accepted", "declined", "no_response"]


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    finding_id: UUID
    category: FindingCategory
    summary: str
    themes: tuple[Theme, ...]
    agencies_concerned: tuple[str, ...]
    recorded_on: date
    amended_on: date | None = None
    """The latest amendment; the history keeps every version."""
    withdrawn_on: date | None = None
    """Set when withdrawn: the finding stays on record but no longer counts."""


class CascadeMethod(StrEnum):
    """How an agency passed learning on to its own staff."""

    TEAM_BRIEFING = "team_briefing"
    TRAINING = "training"
    NEWSLETTER = "newsletter"
    SUPERVISION = "supervision"
    POLICY_UPDATE = "policy_update"
    OTHER = "other"


class Acknowledgement(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_id: str
    acknowledged_on: date
    cascaded_by: tuple[CascadeMethod, ...]
    notes: str | None = None


class LeadReviewer(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    agency_id: str | None
    """None when the reviewer is independent of every partner agency."""


class FamilyInvolvement(BaseModel):
    model_config = ConfigDict(frozen=True)

    offered_on: date
    response: FamilyResponse
    summary: str


RapidReviewRecommends = Literal["practice_review", "no_practice_review"]
PanelOpinion = Literal["agrees", "disagrees"]


class RapidReviewRecommendation(BaseModel):
    model_config = ConfigDict(frozen=True)

    recommends: RapidReviewRecommends
    reasons: str
    recommended_on: date


class PanelView(BaseModel):
    model_config = ConfigDict(frozen=True)

    view: PanelOpinion
    summary: str
    received_on: date


class Activity(AggregateState, StatutoryDates):
    kind: SourceKind
    title: str
    status: ActivityStatus
    case_reference: str | None
    scope: str
    agencies_involved: tuple[str, ...]
    opened_on: date
    originating_activity_id: UUID | None = None
    lead_reviewer: LeadReviewer | None = None
    publication_url: str | None = None
    practitioner_involvement: str | None = None
    family_involvement: FamilyInvolvement | None = None
    child_voice: str | None = None
    findings: dict[UUID, Finding] = {}
    report_summary: str | None = None
    reported_on: date | None = None
    signed_off_by_decision: UUID | None = None
    signed_off_by_forum: str | None = None
    signed_off_on: date | None = None
    closed_on: date | None = None
    rapid_review_recommendation: RapidReviewRecommendation | None = None
    """A rapid review's recommendation: a practice review, or none, and why."""
    panel_view: PanelView | None = None
    """The national Panel's view of a rapid review's recommendation."""
    commissioning_decision_id: UUID | None = None
    """On a rapid review: the decision on its recommendation. On a practice review:
    the decision that commissioned it."""
    commissioning_outcome: str | None = None
    commissioned_on: date | None = None
    """On a rapid review: accept (a practice review is commissioned), reject or defer."""
    acknowledgements: dict[str, Acknowledgement] = {}
    """Agencies that acknowledged the learning, by agency id."""
    briefing: Briefing | None = None
    """Its 7-minute briefing (domain/briefing.py), once drafted."""

    @property
    def current_findings(self) -> list[Finding]:
        """Findings that still count: withdrawn ones stay on record but not here."""
        return [f for f in self.findings.values() if f.withdrawn_on is None]

    @property
    def kind_title(self) -> str:
        return DEFAULT_SOURCES[self.kind].title

    def finding(self, finding_id: UUID, field: str = "finding_id") -> Finding:
        try:
            return self.findings[finding_id]
        except KeyError:
            raise NotFound(
                "unknown_finding", f"Finding {finding_id} is not part of activity {self.id}.", field
            ) from None


class ActivityOpened(AggregateEvent[Activity]):
    TOPIC = "lif.activity.opened"
    SUMMARY = "Opened {kind}: {title} (opened {opened_on})"
    kind: SourceKind
    title: FreeText
    case_reference: FreeText | None
    scope: FreeText
    agencies_involved: tuple[str, ...]
    opened_on: date
    aware_on: date | None = None
    initiated_on: date | None = None
    originating_activity_id: UUID | None = None
    commissioning_decision_id: UUID | None = None

    def apply(self, state: Activity | None) -> Activity:
        return Activity(
            **base_fields(self),
            kind=self.kind,
            title=self.title,
            status=ActivityStatus.OPENED,
            case_reference=self.case_reference,
            scope=self.scope,
            agencies_involved=self.agencies_involved,
            opened_on=self.opened_on,
            aware_on=self.aware_on,
            initiated_on=self.initiated_on,
            originating_activity_id=self.originating_activity_id,
            commissioning_decision_id=self.commissioning_decision_id,
        )


class _ActivityEvent(AggregateEvent[Activity]):
    def apply(self, state: Activity | None) -> Activity:
        assert state is not None
        return state.model_copy(update=self.updates(state))

    def updates(self, state: Activity) -> dict[str, object]:
        raise NotImplementedError


class AgencyInvolved(_ActivityEvent):
    TOPIC = "lif.activity.agency_involved"
    SUMMARY = "Agency involved: {agency_id}"
    agency_id: str

    def updates(self, state: Activity) -> dict[str, object]:
        return {"agencies_involved": (*state.agencies_involved, self.agency_id)}


class LeadReviewerAppointed(_ActivityEvent):
    TOPIC = "lif.activity.lead_reviewer_appointed"
    SUMMARY = "Lead reviewer appointed: {name} ({agency_id})"
    name: FreeText
    agency_id: str | None

    def updates(self, state: Activity) -> dict[str, object]:
        return {"lead_reviewer": LeadReviewer(name=self.name, agency_id=self.agency_id)}


class ActivityStarted(_ActivityEvent):
    TOPIC = "lif.activity.started"
    SUMMARY = "Activity started"

    def updates(self, state: Activity) -> dict[str, object]:
        return {"status": ActivityStatus.IN_PROGRESS}


class SeriousIncidentNotified(_ActivityEvent):
    TOPIC = "lif.activity.serious_incident_notified"
    SUMMARY = "Serious incident notified on {notified_on}"
    notified_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {"notified_on": self.notified_on}


class RapidReviewCompleted(_ActivityEvent):
    TOPIC = "lif.activity.rapid_review_completed"
    SUMMARY = "Rapid review completed on {completed_on}"
    completed_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {"rapid_review_completed_on": self.completed_on}


class PractitionerInvolvementRecorded(_ActivityEvent):
    TOPIC = "lif.activity.practitioner_involvement_recorded"
    SUMMARY = "Practitioner involvement recorded: {summary}"
    summary: FreeText

    def updates(self, state: Activity) -> dict[str, object]:
        return {"practitioner_involvement": self.summary}


class FamilyInvolvementOffered(_ActivityEvent):
    TOPIC = "lif.activity.family_involvement_offered"
    SUMMARY = "Family involvement offered on {offered_on} ({response}): {summary}"
    offered_on: date
    response: FamilyResponse
    summary: FreeText

    def updates(self, state: Activity) -> dict[str, object]:
        involvement = FamilyInvolvement(
            offered_on=self.offered_on, response=self.response, summary=self.summary
        )
        return {"family_involvement": involvement}


class ChildVoiceRecorded(_ActivityEvent):
    TOPIC = "lif.activity.child_voice_recorded"
    SUMMARY = "Child's voice recorded: {summary}"
    summary: FreeText

    def updates(self, state: Activity) -> dict[str, object]:
        return {"child_voice": self.summary}


class FindingRecorded(_ActivityEvent):
    TOPIC = "lif.activity.finding_recorded"
    SUMMARY = "Finding ({category}) recorded: {summary} [{themes}]"
    LEARNING = LearningKind.FINDING_RECORDED
    finding_id: UUID
    category: FindingCategory
    summary: FreeText
    themes: tuple[Theme, ...]
    agencies_concerned: tuple[str, ...]
    recorded_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        # A recorded finding is never replaced: a correction is an amendment of its own.
        if self.finding_id in state.findings:
            raise finding_exists(self.finding_id)
        finding = Finding(
            finding_id=self.finding_id,
            category=self.category,
            summary=self.summary,
            themes=self.themes,
            agencies_concerned=self.agencies_concerned,
            recorded_on=self.recorded_on,
        )
        return {"findings": {**state.findings, self.finding_id: finding}}


class ActivityReported(_ActivityEvent):
    TOPIC = "lif.activity.reported"
    SUMMARY = "Reported on {reported_on}: {report_summary}"
    report_summary: FreeText
    reported_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {
            "status": ActivityStatus.REPORTED, "report_summary": self.report_summary,
            "reported_on": self.reported_on,
        }


class ActivitySignedOff(_ActivityEvent):
    TOPIC = "lif.activity.signed_off"
    SUMMARY = "Signed off by {forum_id} on {signed_off_on}"
    LEARNING = LearningKind.ACTIVITY_SIGNED_OFF
    decision_id: UUID
    forum_id: str
    signed_off_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {
            "status": ActivityStatus.SIGNED_OFF,
            "signed_off_by_decision": self.decision_id,
            "signed_off_by_forum": self.forum_id,
            "signed_off_on": self.signed_off_on,
        }


class PublicationPlanned(_ActivityEvent):
    TOPIC = "lif.activity.publication_planned"
    SUMMARY = "Publication planned for {planned_on}"
    planned_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {"planned_publication_on": self.planned_on}


class FinalReportSentToPanel(_ActivityEvent):
    TOPIC = "lif.activity.final_report_sent_to_panel"
    SUMMARY = "Final report sent to the national Panel on {sent_on}"
    sent_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {"final_report_sent_on": self.sent_on}


class ActivityPublished(_ActivityEvent):
    TOPIC = "lif.activity.published"
    SUMMARY = "Published on {published_on} {url}"
    LEARNING = LearningKind.ACTIVITY_PUBLISHED
    published_on: date
    url: str | None

    def updates(self, state: Activity) -> dict[str, object]:
        return {
            "status": ActivityStatus.PUBLISHED,
            "published_on": self.published_on,
            "publication_url": self.url,
        }


class ActivityClosed(_ActivityEvent):
    TOPIC = "lif.activity.closed"
    SUMMARY = "Activity closed on {closed_on}"
    closed_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        return {"status": ActivityStatus.CLOSED, "closed_on": self.closed_on}


class LearningAcknowledged(_ActivityEvent):
    TOPIC = "lif.activity.learning_acknowledged"
    SUMMARY = "Learning acknowledged by {agency_id} on {acknowledged_on}, cascaded by {cascaded_by}"
    agency_id: str
    acknowledged_on: date
    cascaded_by: tuple[CascadeMethod, ...]
    notes: FreeText | None = None

    def updates(self, state: Activity) -> dict[str, object]:
        ack = Acknowledgement(
            agency_id=self.agency_id, acknowledged_on=self.acknowledged_on,
            cascaded_by=self.cascaded_by, notes=self.notes,
        )
        return {"acknowledgements": {**state.acknowledgements, self.agency_id: ack}}


def finding_exists(finding_id: UUID, field: str = "finding_id") -> RuleViolation:
    return RuleViolation(
        "finding_exists",
        f"A finding {finding_id} is already recorded; a recorded finding is never replaced "
        "(amend or withdraw it instead, or choose another id).",
        field,
    )
