"""A partnership and its reference data: agencies, forums, routing and subscriptions."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.framework import Sector, SourceKind, Theme
from domain.marking import DEFAULT_MARKING, ProtectiveMarking
from domain.newsletter_state import Audience, NewsletterStatus
from domain.partnership import DEFAULT_PERSONAL_DATA_READERS, PersonalDataReader
from services.api.schemas.records import Record


class YearlyReportRecordView(BaseModel):
    period_from: date
    period_to: date
    anchor: str = Field(description="POSITION:HASH of the log the report was built from (GET /v1/admin/verify).")
    published_on: date
    sent_to_panel_on: date | None = None


class NewsletterRecordView(BaseModel):
    newsletter_id: UUID
    title: str
    period_from: date
    period_to: date
    audience: Audience = Field(description="all agencies, or one sector's.")
    status: NewsletterStatus
    drafted_on: date
    introduction: str = Field(default="", description="The editor's introduction.")
    edited_on: date | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    issued_on: date | None = None
    agencies: list[str] = Field(default_factory=list, description="The agencies it was issued to, by id.")


class AgencyRecord(BaseModel):
    agency_id: str = Field(description="The agency's id (slug).")
    name: str
    sector: Sector
    webhook_url: str | None = Field(default=None, description="Where its learning events are posted, if anywhere.")


class ForumRecord(BaseModel):
    forum_id: str = Field(description="The forum's id (slug).")
    name: str
    meetings: list[date] = Field(default_factory=list, description="Its meeting dates: decisions are taken on them.")


class RoutingRecord(BaseModel):
    points_of_dissemination: list[str] = Field(description="Forums a kind's learning is disseminated to.")
    sign_off_forum: str = Field(description="The forum that signs off an activity of this kind.")


class SourceRulesRecord(BaseModel):
    requires_independent_lead: bool = Field(description="A lead reviewer independent of the agencies involved.")
    requires_practitioner_and_family_involvement: bool = Field(
        description="Practitioners and the family involved before the report."
    )
    requires_child_voice: bool = Field(description="The child's voice recorded before sign-off.")
    requires_publication: bool = Field(description="Published (after the final report to the national Panel).")


class SubscriptionRecord(BaseModel):
    agency_id: str
    everything: bool = Field(default=False, description="Every learning event, whatever its themes or kind.")
    themes: list[Theme] = Field(default_factory=list, description="Learning about any of these themes.")
    source_kinds: list[SourceKind] = Field(default_factory=list, description="Learning from these kinds.")
    forums: list[str] = Field(default_factory=list, description="Learning disseminated to these forums.")


class SignInClaimsRecord(BaseModel):
    role_claim: str = Field(description="The sign-in claim whose values give a person's role.")
    roles: dict[str, Literal["admin", "secretary", "agency", "scrutineer"]] = Field(
        description="A value of the role claim -> the role it gives."
    )
    agency_claim: str = Field(description="The claim naming an agency lead's agency.")
    agencies: dict[str, str] = Field(description="A value of the agency claim -> the agency's id (empty: the id).")
    forum_claim: str = Field(description="The claim naming a secretary's forum.")
    forums: dict[str, str] = Field(description="A value of the forum claim -> the forum's id (empty: the id).")
    name_claim: str = Field(description="The claim holding the person's name.")


class ReminderPolicyRecord(BaseModel):
    action_due_soon_working_days: int = Field(description="An action's owner is reminded this many working days ahead.")
    deadline_warning_working_days: int = Field(description="A statutory deadline is near this many working days ahead.")
    acknowledgement_expected_working_days: int = Field(
        description="Agencies acknowledge learning within this many working days of its sign-off."
    )
    papers_due_working_days: int = Field(description="A meeting's papers are due this many working days before it.")
    escalate_after_working_days: int = Field(
        description="An action overdue by more than this goes onto the agenda of the forum that owns it."
    )
    escalate_to_executive_after_working_days: int = Field(description="... and by more than this, the Executive's.")
    executive_forum_id: str = Field(description="The forum second-level escalations go to.")


class PartnershipRecord(Record):
    """A safeguarding children partnership, as a command answers it and a read gives it."""

    type: Literal["partnership"] = Field(description="The kind of record.")
    name: str
    rapid_review_starts_from: Literal["awareness", "notification"] = Field(
        default="awareness", description="Which date a rapid review's 15 working days run from."
    )
    agencies: dict[str, AgencyRecord] = Field(default_factory=dict, description="Member agencies by id.")
    forums: dict[str, ForumRecord] = Field(default_factory=dict, description="Forums by id.")
    routing: dict[SourceKind, RoutingRecord] = Field(
        default_factory=dict, description="Per kind of activity: where its learning goes and who signs it off."
    )
    rules: dict[SourceKind, SourceRulesRecord] = Field(
        default_factory=dict, description="Per kind of activity: what the framework's principles require of it."
    )
    subscriptions: dict[str, SubscriptionRecord] = Field(
        default_factory=dict, description="Agencies' subscriptions to learning, by agency id."
    )
    personal_data_readers: list[PersonalDataReader] = Field(
        default_factory=lambda: list(DEFAULT_PERSONAL_DATA_READERS),
        description="The roles that may read case files' personal details (each read recorded, with its reason).",
    )
    retention_years: dict[SourceKind, int] = Field(
        default_factory=dict,
        description="Per kind of activity: years after a case file closes that its subject's details are kept.",
    )
    sign_in_claims: SignInClaimsRecord = Field(
        description="Which claims of a person's sign-in give their role, agency and forum (set_sign_in_claims)."
    )
    reminders: ReminderPolicyRecord = Field(
        description="When reminders fall, acknowledgements are expected and actions escalated (set_reminder_policy)."
    )
    yearly_reports: list[YearlyReportRecordView] = Field(
        default_factory=list, description="The yearly reports published, with the log anchor each printed."
    )
    newsletters: list[NewsletterRecordView] = Field(
        default_factory=list, description="The newsletters drafted, approved and issued (GET .../newsletters/{id})."
    )
    protective_marking: ProtectiveMarking = Field(
        default=DEFAULT_MARKING,
        description="Printed on every page of its agenda packs, briefings, dossiers and yearly reports "
        "(set_protective_marking).",
    )
