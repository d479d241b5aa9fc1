"""Commands on a partnership's reference data: agencies, forums, meetings, routing, subscriptions."""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from domain import data_protection, redaction, sign_in, subscriptions, time_events
from domain import partnership as partnerships
from domain.commands.base import CONFIGURE, RATIONALE_GIVEN, Claim, Command, declare, non_empty
from domain.framework import Sector, SourceKind, Theme
from domain.marking import ProtectiveMarking
from domain.reminder_policy import MAX_WORKING_DAYS
from domain.sign_in_claims import DEFAULT_SIGN_IN_CLAIMS, ClaimName, ClaimValue, SignInRole
from domain.values import IsoDate, Name, Slug, Text, Url


@declare(
    partnerships.register_partnership, "", CONFIGURE,
    claims=[Claim("partnership_id", id_of=partnerships.partnership_uuid, refusal=partnerships.partnership_exists)],
)
class RegisterPartnership(Command):
    name: ClassVar[str] = "register_partnership"
    partnership_id: Slug
    display_name: Name
    rapid_review_starts_from: Literal["awareness", "notification"] = "awareness"
    with_framework_defaults: bool = True


@declare(partnerships.add_agency, "agencies", CONFIGURE)
class AddAgency(Command):
    name: ClassVar[str] = "add_agency"
    agency_id: Slug
    display_name: Name
    sector: Sector


@declare(partnerships.register_webhook, "webhooks", {**CONFIGURE, "agency": "own_agency_in_body"})
class RegisterWebhook(Command):
    name: ClassVar[str] = "register_webhook"
    agency_id: Slug
    webhook_url: Url | None


@declare(partnerships.add_forum, "forums", CONFIGURE)
class AddForum(Command):
    name: ClassVar[str] = "add_forum"
    forum_id: Slug
    display_name: Name


@declare(partnerships.schedule_meeting, "meetings", {**CONFIGURE, "secretary": "own_forum_in_body"})
class ScheduleMeeting(Command):
    name: ClassVar[str] = "schedule_meeting"
    forum_id: Slug
    meets_on: IsoDate


@declare(partnerships.set_routing, "routing", CONFIGURE)
class SetRouting(Command):
    name: ClassVar[str] = "set_routing"
    source_kind: SourceKind
    points_of_dissemination: tuple[Slug, ...] = non_empty("The forums the learning goes to: at least one.")
    sign_off_forum: Slug


@declare(partnerships.set_source_rules, "source-rules", CONFIGURE)
class SetSourceRules(Command):
    """Set what the framework's principles require of one kind of activity (a rule left out keeps its value)"""

    name: ClassVar[str] = "set_source_rules"
    source_kind: SourceKind
    requires_independent_lead: bool | None = None
    requires_practitioner_and_family_involvement: bool | None = None
    requires_child_voice: bool | None = None
    requires_publication: bool | None = None


@declare(data_protection.set_personal_data_readers, "personal-data-readers", CONFIGURE)
class SetPersonalDataReaders(Command):
    """Name the roles that may read case files' personal details (with a rationale; each read is recorded)"""

    model_config = ConfigDict(json_schema_extra={"allOf": [RATIONALE_GIVEN]})
    name: ClassVar[str] = "set_personal_data_readers"
    roles: tuple[partnerships.PersonalDataReader, ...] = Field(
        description="The roles with a need to know; the others that read a case file see the details withheld."
    )


@declare(data_protection.set_retention_period, "retention", CONFIGURE)
class SetRetentionPeriod(Command):
    """Set how many years after closure a kind's case files keep their subject's details (with a rationale)"""

    model_config = ConfigDict(json_schema_extra={"allOf": [RATIONALE_GIVEN]})
    name: ClassVar[str] = "set_retention_period"
    source_kind: SourceKind
    retention_years: int = Field(ge=1, le=data_protection.MAX_RETENTION_YEARS)


@declare(data_protection.set_protective_marking, "protective-marking", CONFIGURE)
class SetProtectiveMarking(Command):
    """Set the protective marking printed on every page of the partnership's documents"""

    name: ClassVar[str] = "set_protective_marking"
    marking: ProtectiveMarking = Field(
        description="The Government Security Classification (and descriptor) its agenda packs, briefings, "
        "dossiers and yearly reports carry; OFFICIAL-SENSITIVE until set."
    )


_CLAIMS = DEFAULT_SIGN_IN_CLAIMS
# pydantic states a key's characters as `patternProperties`; without this, a key outside them
# would be documented as allowed (with any value), where the payload refuses it.
_KEYS_AS_PATTERNED: dict[str, Any] = {"additionalProperties": False}


@declare(sign_in.set_sign_in_claims, "sign-in-claims", CONFIGURE)
class SetSignInClaims(Command):
    """Set which claims of a person's sign-in give their role, agency and forum (with a rationale)"""

    model_config = ConfigDict(json_schema_extra={"allOf": [RATIONALE_GIVEN]})
    name: ClassVar[str] = "set_sign_in_claims"
    role_claim: ClaimName = Field(default=_CLAIMS.role_claim, description="The claim whose values give the role.")
    roles: dict[ClaimValue, SignInRole] = Field(
        description="A value of the role claim (an app role, a group id) -> the role it gives.",
        json_schema_extra={"minProperties": 1, **_KEYS_AS_PATTERNED},
    )
    agency_claim: ClaimName = Field(
        default=_CLAIMS.agency_claim, description="The claim naming an agency lead's agency."
    )
    agencies: dict[ClaimValue, Slug] = Field(
        default={}, description="A value of the agency claim -> the agency's id; empty: the value is the id.",
        json_schema_extra=_KEYS_AS_PATTERNED,
    )
    forum_claim: ClaimName = Field(default=_CLAIMS.forum_claim, description="The claim naming a secretary's forum.")
    forums: dict[ClaimValue, Slug] = Field(
        default={}, description="A value of the forum claim -> the forum's id; empty: the value is the id.",
        json_schema_extra=_KEYS_AS_PATTERNED,
    )
    name_claim: ClaimName = Field(default=_CLAIMS.name_claim, description="The claim holding the person's name.")


# Everything, or at least one theme, source kind or forum.
_ANY_OF_SUBSCRIBED: list[Any] = [
    {"required": ["everything"], "properties": {"everything": {"const": True}}},
    *[{"required": [f], "properties": {f: {"minItems": 1}}} for f in ("themes", "source_kinds", "forums")],
]


# What each agency receives is the partnership's choice (a subscription to everything
# would carry other agencies' actions): not the agency's own.
@declare(subscriptions.subscribe, "subscriptions", CONFIGURE)
class Subscribe(Command):
    """Set what learning an agency receives (replaces its earlier subscription)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": _ANY_OF_SUBSCRIBED})
    name: ClassVar[str] = "subscribe"
    agency_id: Slug
    everything: bool = False
    themes: tuple[Theme, ...] = ()
    source_kinds: tuple[SourceKind, ...] = ()
    forums: tuple[Slug, ...] = ()


@declare(subscriptions.unsubscribe, "subscriptions/cancel", CONFIGURE)
class Unsubscribe(Command):
    """Cancel an agency's subscription (it still receives what is addressed to it)."""

    name: ClassVar[str] = "unsubscribe"
    agency_id: Slug


def _working_days(description: str, least: int = 0) -> Any:
    return Field(default=None, ge=least, le=MAX_WORKING_DAYS, description=description)


@declare(time_events.set_reminder_policy, "reminder-policy", CONFIGURE)
class SetReminderPolicy(Command):
    """Set when reminders fall and overdue actions are escalated (a value left out keeps its own)"""

    name: ClassVar[str] = "set_reminder_policy"
    action_due_soon_working_days: int | None = _working_days(
        "Remind an action's owner this many working days before it is due."
    )
    deadline_warning_working_days: int | None = _working_days(
        "Say a statutory deadline approaches this many working days before it."
    )
    acknowledgement_expected_working_days: int | None = _working_days(
        "Expect each agency to acknowledge learning within this many working days of its sign-off.", 1
    )
    papers_due_working_days: int | None = _working_days("A meeting's papers are due this many working days before it.")
    escalate_after_working_days: int | None = _working_days(
        "Put an action overdue by more than this many working days on the agenda of the forum that owns it.", 1
    )
    escalate_to_executive_after_working_days: int | None = _working_days(
        "... and by more than this many, on the Executive's (more than escalate_after_working_days).", 1
    )
    executive_forum_id: Slug | None = Field(default=None, description="The forum second-level escalations go to.")


@declare(redaction.redact_text, "redactions", CONFIGURE)
class RedactText(Command):
    """Takes back free text that should not have been recorded: the corrected text replaces it everywhere."""

    name: ClassVar[str] = "redact_text"
    model_config = ConfigDict(json_schema_extra={"allOf": [RATIONALE_GIVEN]})
    aggregate_id: UUID = Field(description="The aggregate whose event holds the text (activity, action, ...).")
    version: int = Field(ge=1, description="The version of that aggregate the event recorded.")
    field: str = Field(
        pattern=redaction.FIELD_PATH,
        description="The free-text field: `summary`, `decided_by.0`, `evidence.1.description`.",
    )
    text: Text = Field(description="The corrected text that stands in its place from now on.")
