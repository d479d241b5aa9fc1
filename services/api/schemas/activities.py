"""A learning activity: its record, and what a read of it works out beside the record."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.activity import ActivityStatus, CascadeMethod, FindingCategory
from domain.framework import SourceKind, Theme
from services.api.schemas.records import Record, read_only


class LeadReviewerRecord(BaseModel):
    name: str
    agency_id: str | None = Field(description="The reviewer's agency; null for an independent reviewer.")


class FamilyInvolvementRecord(BaseModel):
    offered_on: date
    response: Literal["accepted", "declined", "no_response"]
    summary: str


class FindingRecord(BaseModel):
    finding_id: UUID
    category: FindingCategory
    summary: str
    themes: list[Theme]
    agencies_concerned: list[str] = Field(description="Agencies the finding is about.")
    recorded_on: date
    amended_on: date | None = None
    withdrawn_on: date | None = Field(default=None, description="Withdrawn findings stay on record.")


class RapidReviewRecommendationRecord(BaseModel):
    recommends: Literal["practice_review", "no_practice_review"]
    reasons: str
    recommended_on: date


class PanelViewRecord(BaseModel):
    view: Literal["agrees", "disagrees"] = Field(description="The national Panel's view of the recommendation.")
    summary: str
    received_on: date


class AcknowledgementRecord(BaseModel):
    agency_id: str
    acknowledged_on: date
    cascaded_by: list[CascadeMethod] = Field(description="How the agency passed the learning on to its staff.")
    notes: str | None = None


class BriefingRecord(BaseModel):
    """The activity's 7-minute briefing: its seven parts and where it stands."""

    status: Literal["drafted", "approved", "published"]
    background: str
    what_happened: str
    what_we_found: str
    what_went_well: str
    what_we_learned: str
    what_to_do_now: str
    questions: list[str] = Field(description="Questions for reflection.")
    drafted_on: date
    edited_on: date | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    published_on: date | None = None


class ActivityRecord(Record):
    """A learning activity (a review, an audit...), as a command answers it and a read gives it."""

    type: Literal["activity"] = Field(description="The kind of record.")
    kind: SourceKind = Field(description="The kind of learning activity.")
    title: str
    status: ActivityStatus
    case_reference: str | None = Field(description="Pseudonymous case reference, for a case review.")
    scope: str
    agencies_involved: list[str]
    opened_on: date
    aware_on: date | None = Field(default=None, description="When the partnership became aware of the incident.")
    notified_on: date | None = Field(default=None, description="When the serious incident was notified.")
    rapid_review_completed_on: date | None = None
    initiated_on: date | None = Field(default=None, description="When a practice review was initiated.")
    planned_publication_on: date | None = None
    published_on: date | None = None
    final_report_sent_on: date | None = None
    originating_activity_id: UUID | None = Field(
        default=None, description="The rapid review a practice review came from."
    )
    lead_reviewer: LeadReviewerRecord | None = None
    publication_url: str | None = None
    practitioner_involvement: str | None = None
    family_involvement: FamilyInvolvementRecord | None = None
    child_voice: str | None = Field(default=None, description="How the child's voice was heard.")
    findings: dict[UUID, FindingRecord] = Field(default_factory=dict, description="Findings by id, withdrawn too.")
    report_summary: str | None = None
    reported_on: date | None = None
    signed_off_by_decision: UUID | None = Field(default=None, description="The decision that signed it off.")
    signed_off_by_forum: str | None = None
    signed_off_on: date | None = None
    closed_on: date | None = None
    rapid_review_recommendation: RapidReviewRecommendationRecord | None = Field(
        default=None, description="A rapid review's recommendation: a practice review, or none, and why."
    )
    panel_view: PanelViewRecord | None = Field(
        default=None, description="The national Panel's view of a rapid review's recommendation."
    )
    commissioning_decision_id: UUID | None = Field(
        default=None, description="On a rapid review: the decision on its recommendation. On a practice review: "
        "the decision that commissioned it."
    )
    commissioning_outcome: str | None = Field(
        default=None, description="On a rapid review: accept (a practice review is commissioned), reject or defer."
    )
    commissioned_on: date | None = None
    acknowledgements: dict[str, AcknowledgementRecord] = Field(
        default_factory=dict, description="Agencies that acknowledged the learning, by agency id."
    )
    briefing: BriefingRecord | None = Field(
        default=None, description="Its 7-minute briefing, once drafted (as Word and PDF at .../briefing.docx, .pdf)."
    )


class DeadlineView(BaseModel):
    clock: str = Field(description="The statutory clock.")
    starts_on: date
    due_on: date
    met_on: date | None
    status: str
    working_days_remaining: int | None = Field(
        description="Working days from today to due_on, negative once overdue; null once the deadline is met."
    )


class MissingForSignOff(BaseModel):
    code: str
    field: str
    message: str


class SignOffReadiness(BaseModel):
    ready: bool = Field(description="True when nothing below is missing.")
    missing: list[MissingForSignOff] = Field(description="What the activity lacks before a forum may sign it off.")


class ActivityRead(ActivityRecord):
    """An activity's record, with its statutory deadlines and sign-off readiness beside it."""

    deadlines: list[DeadlineView] = Field(
        json_schema_extra={"readOnly": True}, description=read_only("The activity's statutory deadlines.")
    )
    sign_off: SignOffReadiness = Field(
        json_schema_extra={"readOnly": True}, description=read_only("Whether a forum may sign it off yet.")
    )
    kinds_of_learning: list[str] = Field(
        json_schema_extra={"readOnly": True},
        description=read_only("What learning an activity of this kind yields (the framework's table)."),
    )
    key_stakeholders: list[str] = Field(
        json_schema_extra={"readOnly": True}, description=read_only("Who its learning is for (the framework's table)."),
    )
