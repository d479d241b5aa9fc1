"""Commands on a learning activity: opening it, its steps and findings, and its learning's receipt."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field

from domain import activity as activities
from domain import findings, rapid_review
from domain.activity import CascadeMethod, FamilyResponse, FindingCategory, PanelOpinion, RapidReviewRecommends
from domain.commands.base import RATIONALE_GIVEN, RECORD, Claim, Command, declare, non_empty, when_kind
from domain.framework import DEFAULT_SOURCES, SourceKind, Theme
from domain.privacy import CASE_REFERENCE_SCHEMA
from domain.values import IsoDate, Name, Slug, Text, Url

A = "activities/{activity_id}"


@declare(activities.open_activity, "activities", RECORD, claims=[Claim("activity_id")])
class OpenActivity(Command):
    # A serious-incident review starts statutory clocks: it needs the date of awareness,
    # unless it follows a Rapid Review (whose clocks it keeps) or inherits the date from
    # its originating activity (a rule of state the document can only describe). A review
    # that needs an independent lead says why its scale is proportionate (rationale).
    model_config = ConfigDict(json_schema_extra={"allOf": [
        when_kind(
            (SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW),
            {"anyOf": [
                {"required": ["aware_on"], "properties": {"aware_on": {"type": "string"}}},
                {"required": ["originating_activity_id"],
                 "properties": {"originating_activity_id": {"type": "string"}}},
            ]},
        ),
        when_kind((k for k, s in DEFAULT_SOURCES.items() if s.requires_independent_lead), RATIONALE_GIVEN),
    ]})
    name: ClassVar[str] = "open_activity"
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


@declare(activities.involve_agency, f"{A}/agencies", RECORD)
class InvolveAgency(Command):
    name: ClassVar[str] = "involve_agency"
    agency_id: Slug


@declare(activities.appoint_lead_reviewer, f"{A}/lead-reviewer", RECORD)
class AppointLeadReviewer(Command):
    name: ClassVar[str] = "appoint_lead_reviewer"
    reviewer_name: Name
    agency_id: Slug | None = Field(default=None, description="None when independent of all agencies.")


@declare(activities.start, f"{A}/start", RECORD)
class StartActivity(Command):
    name: ClassVar[str] = "start_activity"


@declare(activities.notify_serious_incident, f"{A}/serious-incident-notification", RECORD)
class NotifySeriousIncident(Command):
    name: ClassVar[str] = "notify_serious_incident"
    notified_on: IsoDate


@declare(activities.complete_rapid_review, f"{A}/rapid-review-completion", RECORD)
class CompleteRapidReview(Command):
    name: ClassVar[str] = "complete_rapid_review"
    completed_on: IsoDate


@declare(activities.record_practitioner_involvement, f"{A}/practitioner-involvement", RECORD)
class RecordPractitionerInvolvement(Command):
    name: ClassVar[str] = "record_practitioner_involvement"
    summary: Text


@declare(activities.offer_family_involvement, f"{A}/family-involvement", RECORD)
class OfferFamilyInvolvement(Command):
    name: ClassVar[str] = "offer_family_involvement"
    offered_on: IsoDate
    response: FamilyResponse
    summary: Text


@declare(activities.record_child_voice, f"{A}/child-voice", RECORD)
class RecordChildVoice(Command):
    name: ClassVar[str] = "record_child_voice"
    summary: Text


# A finding's id is unique across activities (and partnerships, as aggregate ids are), not only in its own.
@declare(
    activities.record_finding, f"{A}/findings", RECORD,
    claims=[Claim("finding_id", inside=True, refusal=activities.finding_exists)],
)
class RecordFinding(Command):
    name: ClassVar[str] = "record_finding"
    finding_id: UUID | None = None
    category: FindingCategory
    summary: Text
    themes: tuple[Theme, ...] = non_empty("At least one theme.")
    agencies_concerned: tuple[Slug, ...] = ()
    recorded_on: IsoDate


# Finding corrections and the rapid review's outcome are for whoever records findings.
@declare(findings.amend_finding, f"{A}/finding-amendments", RECORD)
class AmendFinding(Command):
    """Correct a recorded finding: a new version, the old one kept in the history (rationale required)."""

    name: ClassVar[str] = "amend_finding"
    finding_id: UUID
    category: FindingCategory
    summary: Text
    themes: tuple[Theme, ...]
    agencies_concerned: tuple[Slug, ...] = ()
    amended_on: IsoDate


@declare(findings.withdraw_finding, f"{A}/finding-withdrawals", RECORD)
class WithdrawFinding(Command):
    """Withdraw a recorded finding: it stays on record but no longer counts (rationale required)."""

    name: ClassVar[str] = "withdraw_finding"
    finding_id: UUID
    withdrawn_on: IsoDate


@declare(rapid_review.recommend, f"{A}/rapid-review-recommendation", RECORD)
class RecordRapidReviewRecommendation(Command):
    """The rapid review's recommendation: a local child safeguarding practice review, or none, and why."""

    name: ClassVar[str] = "record_rapid_review_recommendation"
    recommends: RapidReviewRecommends
    reasons: Text
    recommended_on: IsoDate


@declare(rapid_review.record_panel_view, f"{A}/panel-view", RECORD)
class RecordPanelView(Command):
    """The national Panel's view of the rapid review's recommendation."""

    name: ClassVar[str] = "record_panel_view"
    view: PanelOpinion
    summary: Text
    received_on: IsoDate


@declare(activities.report, f"{A}/report", RECORD)
class ReportActivity(Command):
    name: ClassVar[str] = "report_activity"
    report_summary: Text
    reported_on: IsoDate


@declare(activities.plan_publication, f"{A}/publication-plan", RECORD)
class PlanPublication(Command):
    name: ClassVar[str] = "plan_publication"
    planned_on: IsoDate


@declare(activities.send_final_report, f"{A}/final-report", RECORD)
class SendFinalReport(Command):
    name: ClassVar[str] = "send_final_report"
    sent_on: IsoDate


@declare(activities.publish, f"{A}/publication", RECORD)
class PublishActivity(Command):
    name: ClassVar[str] = "publish_activity"
    published_on: IsoDate
    url: Url | None = None


@declare(activities.close, f"{A}/closure", RECORD)
class CloseActivity(Command):
    name: ClassVar[str] = "close_activity"
    closed_on: IsoDate


@declare(activities.acknowledge_learning, f"{A}/acknowledgements", {**RECORD, "agency": "own_agency_in_body"})
class AcknowledgeLearning(Command):
    """An agency received the learning of a signed-off activity and says how it cascaded it."""

    name: ClassVar[str] = "acknowledge_learning"
    agency_id: Slug
    acknowledged_on: IsoDate
    cascaded_by: tuple[CascadeMethod, ...] = non_empty("How the learning was cascaded: at least one method.")
    notes: Text | None = None
