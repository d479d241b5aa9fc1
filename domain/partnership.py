"""A partnership's reference data: agencies, forums, meetings and routing of learning."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from domain.aggregate import AggregateEvent, AggregateState, Change, Context, base_fields, change
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.framework import (
    DEFAULT_AGENCIES,
    DEFAULT_FORUMS,
    DEFAULT_SOURCES,
    PARTNERSHIP_AGENCY,
    Sector,
    SourceKind,
    SourceRules,
)
from domain.marking import DEFAULT_MARKING, ProtectiveMarking
from domain.newsletter_state import Newsletter
from domain.personal_data import RETENTION_YEARS
from domain.reminder_policy import DEFAULT_REMINDER_POLICY, ReminderPolicy
from domain.reports import YearlyReportRecord
from domain.routing import Subscription
from domain.sign_in_claims import DEFAULT_SIGN_IN_CLAIMS, SignInClaims
from domain.values import FreeText

RapidReviewStart = Literal["awareness", "notification"]

PersonalDataReader = Literal["admin", "secretary", "agency", "scrutineer"]
"""The roles a partnership may allow to read case files' personal details. An emitting
service is a machine that records, never a person with a need to know: it is not one."""

DEFAULT_PERSONAL_DATA_READERS: tuple[PersonalDataReader, ...] = ("admin",)
"""Until a partnership decides otherwise, its administrators only."""


@lru_cache(maxsize=4096)  # pure, and asked for by every command and ingest item
def partnership_uuid(partnership_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:partnership:{partnership_id}")


def partnership_exists(partnership_id: str) -> RuleViolation:
    return RuleViolation(
        "partnership_exists", f"Partnership {partnership_id!r} is already registered.", "partnership_id"
    )


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_id: str
    name: str
    sector: Sector
    webhook_url: str | None = None


class Forum(BaseModel):
    model_config = ConfigDict(frozen=True)

    forum_id: str
    name: str
    meetings: tuple[date, ...] = ()


class Routing(BaseModel):
    model_config = ConfigDict(frozen=True)

    points_of_dissemination: tuple[str, ...]
    sign_off_forum: str


class Partnership(AggregateState):
    name: str
    rapid_review_starts_from: RapidReviewStart = "awareness"
    agencies: dict[str, Agency] = {}
    forums: dict[str, Forum] = {}
    routing: dict[SourceKind, Routing] = {}
    """Only the kinds routed by a RoutingSet: a kind missing here has no forums."""
    rules: dict[SourceKind, SourceRules] = {}
    """Every kind's rules: the seed's from registration, each replaced by a SourceRulesSet."""
    subscriptions: dict[str, Subscription] = {}
    personal_data_readers: tuple[PersonalDataReader, ...] = DEFAULT_PERSONAL_DATA_READERS
    """The roles that may read case files' personal details (each read recorded, with its reason)."""
    retention_years: dict[SourceKind, int] = {}
    """Per kind: years after a case file closes that its subject's details are kept. The
    seed's schedule from registration, each kind replaced by a RetentionPeriodSet."""
    sign_in_claims: SignInClaims = DEFAULT_SIGN_IN_CLAIMS
    """Which claims of a person's sign-in give their role, agency and forum (domain/sign_in.py)."""
    reminders: ReminderPolicy = DEFAULT_REMINDER_POLICY
    """When time passing becomes an event: reminders, expectations, escalation (domain/time_events.py)."""
    yearly_reports: tuple[YearlyReportRecord, ...] = ()
    """The yearly reports published (domain/yearly_report.py), oldest first."""
    newsletters: tuple[Newsletter, ...] = ()
    """The newsletters drafted (domain/newsletter.py), the last changed last."""
    protective_marking: ProtectiveMarking = DEFAULT_MARKING
    """Printed on every page of every document it sends round (domain/marking.py)."""

    def may_read_personal_data(self, role: str) -> bool:
        return role in self.personal_data_readers

    def retention_schedule(self) -> dict[SourceKind, int]:
        """Every kind's period: the seed's for a kind the partnership has not set."""
        return {**RETENTION_YEARS, **self.retention_years}

    def agency(self, agency_id: str, field: str = "agency_id") -> Agency:
        try:
            return self.agencies[agency_id]
        except KeyError:
            raise NotFound(
                "unknown_agency",
                f"Agency {agency_id!r} is not a member of partnership {self.partnership_id!r}.",
                field,
            ) from None

    def forum(self, forum_id: str, field: str = "forum_id") -> Forum:
        try:
            return self.forums[forum_id]
        except KeyError:
            raise NotFound(
                "unknown_forum",
                f"Forum {forum_id!r} does not exist in partnership {self.partnership_id!r}.",
                field,
            ) from None

    def routing_for(self, kind: SourceKind, field: str = "kind") -> Routing:
        """The kind's routing; refused when the partnership has set none (registered
        without the framework's defaults, and no RoutingSet for it since): its
        learning would reach no forum and no forum could sign it off."""
        try:
            return self.routing[kind]
        except KeyError:
            raise RuleViolation(
                "source_kind_not_routed",
                f"Partnership {self.partnership_id!r} has no routing for {kind.value}: set its points "
                "of dissemination and sign-off forum (set_routing) first.",
                field,
            ) from None

    def rules_for(self, kind: SourceKind) -> SourceRules:
        return self.rules[kind]

    def check_meeting(self, forum_id: str, on: date, *, chairs_action: bool, field: str = "meeting_on") -> None:
        """A forum decides at one of its meetings, unless its chair acts between them."""
        forum = self.forum(forum_id)
        if chairs_action or on in forum.meetings:
            return
        upcoming = self.next_meeting(forum_id, on)
        after = f" (its next is {upcoming.isoformat()})" if upcoming else ""
        raise RuleViolation(
            "not_a_meeting_date",
            f"{field} {on.isoformat()} is not a meeting date of {forum.name}{after}; record the "
            "decision on one of its meetings, or as a chair's action (chairs_action) with a rationale.",
            field,
        )

    def next_meeting(self, forum_id: str, after: date) -> date | None:
        upcoming = [d for d in self.forum(forum_id).meetings if d >= after]
        return min(upcoming) if upcoming else None


class PartnershipRegistered(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.registered"
    SUMMARY = "Partnership registered: {name}"
    name: FreeText
    rapid_review_starts_from: RapidReviewStart = "awareness"

    def apply(self, state: Partnership | None) -> Partnership:
        # Every kind starts with the seed's rules. A partnership registered before
        # rules were events has no SourceRulesSet, and its activities were held to
        # the seed's rules: its replay must hold them to the same. One registered
        # without the framework's defaults keeps the framework's safeguards until
        # it sets rules of its own. (Registration with the defaults also records
        # them as SourceRulesSet events, so its history says what was in force.)
        return Partnership(
            **base_fields(self),
            name=self.name,
            rapid_review_starts_from=self.rapid_review_starts_from,
            rules={kind: defaults.rules for kind, defaults in DEFAULT_SOURCES.items()},
            retention_years=dict(RETENTION_YEARS),
        )


class AgencyAdded(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.agency_added"
    SUMMARY = "Agency added: {name} ({agency_id}, {sector})"
    agency_id: str
    name: FreeText
    sector: Sector

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        agency = Agency(agency_id=self.agency_id, name=self.name, sector=self.sector)
        return state.model_copy(update={"agencies": {**state.agencies, self.agency_id: agency}})


class AgencyWebhookRegistered(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.agency_webhook_registered"
    SUMMARY = "Webhook for {agency_id} set to {webhook_url}"
    agency_id: str
    webhook_url: str | None

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        agency = state.agencies[self.agency_id].model_copy(update={"webhook_url": self.webhook_url})
        return state.model_copy(update={"agencies": {**state.agencies, self.agency_id: agency}})


class ForumAdded(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.forum_added"
    SUMMARY = "Forum added: {name} ({forum_id})"
    forum_id: str
    name: FreeText

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        forum = Forum(forum_id=self.forum_id, name=self.name)
        return state.model_copy(update={"forums": {**state.forums, self.forum_id: forum}})


class MeetingScheduled(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.meeting_scheduled"
    SUMMARY = "Meeting of {forum_id} scheduled on {meets_on}"
    forum_id: str
    meets_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        forum = state.forums[self.forum_id]
        meetings = tuple(sorted({*forum.meetings, self.meets_on}))
        updated = forum.model_copy(update={"meetings": meetings})
        return state.model_copy(update={"forums": {**state.forums, self.forum_id: updated}})


class RoutingSet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.routing_set"
    SUMMARY = "Routing of {source_kind}: disseminated to {points_of_dissemination}; signed off by {sign_off_forum}"
    source_kind: SourceKind
    points_of_dissemination: tuple[str, ...]
    sign_off_forum: str

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        routing = Routing(
            points_of_dissemination=self.points_of_dissemination,
            sign_off_forum=self.sign_off_forum,
        )
        return state.model_copy(update={"routing": {**state.routing, self.source_kind: routing}})


class SourceRulesSet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.source_rules_set"
    SUMMARY = (
        "Rules of {source_kind}: independent lead {requires_independent_lead}; practitioners and family "
        "{requires_practitioner_and_family_involvement}; child's voice {requires_child_voice}; "
        "publication {requires_publication}"
    )
    source_kind: SourceKind
    requires_independent_lead: bool
    requires_practitioner_and_family_involvement: bool
    requires_child_voice: bool
    requires_publication: bool

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        rules = SourceRules.model_validate(self.model_dump(include=set(SourceRules.model_fields)))
        return state.model_copy(update={"rules": {**state.rules, self.source_kind: rules}})


def register_partnership(
    ctx: Context,
    *,
    display_name: str,
    rapid_review_starts_from: RapidReviewStart = "awareness",
    with_framework_defaults: bool = True,
) -> Change[Partnership]:
    """Registers a partnership, seeded by default with the framework's forums, agencies,
    routing and rules (each as events). Without the defaults it has no forums, agencies
    or routing: an activity of a kind opens only once the kind is routed."""
    c: Change[Partnership] = Change(None, partnership_uuid(ctx.partnership_id))
    c.trigger(PartnershipRegistered, ctx, name=display_name, rapid_review_starts_from=rapid_review_starts_from)
    if with_framework_defaults:
        for forum in DEFAULT_FORUMS:
            c.trigger(ForumAdded, ctx, forum_id=forum.forum_id, name=forum.name)
        for agency in DEFAULT_AGENCIES:
            c.trigger(AgencyAdded, ctx, agency_id=agency.agency_id, name=agency.name, sector=agency.sector)
        for kind, defaults in DEFAULT_SOURCES.items():
            c.trigger(
                RoutingSet,
                ctx,
                source_kind=kind,
                points_of_dissemination=defaults.points_of_dissemination,
                sign_off_forum=defaults.sign_off_forum,
            )
        for kind, defaults in DEFAULT_SOURCES.items():
            c.trigger(SourceRulesSet, ctx, source_kind=kind, **defaults.rules.model_dump())
    return c


def add_agency(
    p: Partnership, ctx: Context, *, agency_id: str, display_name: str, sector: Sector
) -> Change[Partnership]:
    if agency_id in p.agencies:
        raise RuleViolation("agency_exists", f"Agency {agency_id!r} already exists.", "agency_id")
    if agency_id == PARTNERSHIP_AGENCY:
        raise InvalidInput(
            "reserved_id", f"{PARTNERSHIP_AGENCY!r} is reserved for the partnership itself.", "agency_id"
        )
    return change(p).trigger(AgencyAdded, ctx, agency_id=agency_id, name=display_name, sector=sector)


def register_webhook(p: Partnership, ctx: Context, *, agency_id: str, webhook_url: str | None) -> Change[Partnership]:
    p.agency(agency_id)
    return change(p).trigger(AgencyWebhookRegistered, ctx, agency_id=agency_id, webhook_url=webhook_url)


def add_forum(p: Partnership, ctx: Context, *, forum_id: str, display_name: str) -> Change[Partnership]:
    if forum_id in p.forums:
        raise RuleViolation("forum_exists", f"Forum {forum_id!r} already exists.", "forum_id")
    return change(p).trigger(ForumAdded, ctx, forum_id=forum_id, name=display_name)


def schedule_meeting(p: Partnership, ctx: Context, *, forum_id: str, meets_on: date) -> Change[Partnership]:
    if meets_on in p.forum(forum_id).meetings:
        raise RuleViolation(
            "meeting_exists", f"{forum_id} already meets on {meets_on.isoformat()}.", "meets_on"
        )
    return change(p).trigger(MeetingScheduled, ctx, forum_id=forum_id, meets_on=meets_on)


def set_routing(
    p: Partnership,
    ctx: Context,
    *,
    source_kind: SourceKind,
    points_of_dissemination: tuple[str, ...],
    sign_off_forum: str,
) -> Change[Partnership]:
    for i, forum_id in enumerate(points_of_dissemination):
        p.forum(forum_id, f"points_of_dissemination[{i}]")
    p.forum(sign_off_forum, "sign_off_forum")
    if not points_of_dissemination:
        raise InvalidInput(
            "no_dissemination", "Learning must be disseminated to at least one forum.",
            "points_of_dissemination",
        )
    return change(p).trigger(
        RoutingSet,
        ctx,
        source_kind=source_kind,
        points_of_dissemination=points_of_dissemination,
        sign_off_forum=sign_off_forum,
    )


def set_source_rules(
    p: Partnership,
    ctx: Context,
    *,
    source_kind: SourceKind,
    requires_independent_lead: bool | None = None,
    requires_practitioner_and_family_involvement: bool | None = None,
    requires_child_voice: bool | None = None,
    requires_publication: bool | None = None,
) -> Change[Partnership]:
    """Changes what the framework's principles require of activities of one kind; a rule
    not given keeps its value. Relaxing a requirement needs a rationale: it lowers a
    safeguard for every activity of the kind, open ones included."""
    current = p.rules_for(source_kind)
    given = {
        "requires_independent_lead": requires_independent_lead,
        "requires_practitioner_and_family_involvement": requires_practitioner_and_family_involvement,
        "requires_child_voice": requires_child_voice,
        "requires_publication": requires_publication,
    }
    rules = current.model_copy(update={k: v for k, v in given.items() if v is not None})
    if rules == current:
        raise RuleViolation(
            "source_rules_unchanged",
            f"The rules for {source_kind.value} already are as given; nothing to change.",
            "source_kind",
        )
    relaxed = [k for k, v in rules.model_dump().items() if getattr(current, k) and not v]
    if relaxed and not (ctx.rationale or "").strip():
        # 409, not 422: whether this relaxes a rule depends on the rules in force, not on the request.
        raise RuleViolation(
            "rationale_required",
            f"Say why {source_kind.value} no longer needs {', '.join(relaxed)} (rationale).",
            "rationale",
        )
    return change(p).trigger(SourceRulesSet, ctx, source_kind=source_kind, **rules.model_dump())

