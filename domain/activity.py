"""A learning activity: any source of learning in the framework, and the rules that decide
its events (its state and events are in domain/activity_state.py)."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain.activity_state import (  # the state and events, re-exported for the rules' callers
    Acknowledgement as Acknowledgement,
)
from domain.activity_state import (
    Activity as Activity,
)
from domain.activity_state import (
    ActivityClosed as ActivityClosed,
)
from domain.activity_state import (
    ActivityOpened as ActivityOpened,
)
from domain.activity_state import (
    ActivityPublished as ActivityPublished,
)
from domain.activity_state import (
    ActivityReported as ActivityReported,
)
from domain.activity_state import (
    ActivitySignedOff as ActivitySignedOff,
)
from domain.activity_state import (
    ActivityStarted as ActivityStarted,
)
from domain.activity_state import (
    ActivityStatus as ActivityStatus,
)
from domain.activity_state import (
    AgencyInvolved as AgencyInvolved,
)
from domain.activity_state import (
    CascadeMethod as CascadeMethod,
)
from domain.activity_state import (
    ChildVoiceRecorded as ChildVoiceRecorded,
)
from domain.activity_state import (
    FamilyInvolvement as FamilyInvolvement,
)
from domain.activity_state import (
    FamilyInvolvementOffered as FamilyInvolvementOffered,
)
from domain.activity_state import (
    FamilyResponse as FamilyResponse,
)
from domain.activity_state import (
    FinalReportSentToPanel as FinalReportSentToPanel,
)
from domain.activity_state import (
    Finding as Finding,
)
from domain.activity_state import (
    FindingCategory as FindingCategory,
)
from domain.activity_state import (
    FindingRecorded as FindingRecorded,
)
from domain.activity_state import (
    LeadReviewer as LeadReviewer,
)
from domain.activity_state import (
    LeadReviewerAppointed as LeadReviewerAppointed,
)
from domain.activity_state import (
    LearningAcknowledged as LearningAcknowledged,
)
from domain.activity_state import (
    PanelOpinion as PanelOpinion,
)
from domain.activity_state import (
    PanelView as PanelView,
)
from domain.activity_state import (
    PractitionerInvolvementRecorded as PractitionerInvolvementRecorded,
)
from domain.activity_state import (
    PublicationPlanned as PublicationPlanned,
)
from domain.activity_state import (
    RapidReviewCompleted as RapidReviewCompleted,
)
from domain.activity_state import (
    RapidReviewRecommendation as RapidReviewRecommendation,
)
from domain.activity_state import (
    RapidReviewRecommends as RapidReviewRecommends,
)
from domain.activity_state import (
    SeriousIncidentNotified as SeriousIncidentNotified,
)
from domain.activity_state import (
    _ActivityEvent as _ActivityEvent,
)
from domain.activity_state import (
    finding_exists as finding_exists,
)
from domain.aggregate import Change, Context, change
from domain.dates import not_before
from domain.errors import InvalidInput, RuleViolation
from domain.framework import DEFAULT_SOURCES, SourceKind, Theme
from domain.partnership import Partnership
from domain.privacy import check_case_reference

# --- commands -------------------------------------------------------------

_SERIOUS_INCIDENT_KINDS = {SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW}
_OPEN_STATES = {ActivityStatus.OPENED, ActivityStatus.IN_PROGRESS}


def _check_agencies(p: Partnership, agency_ids: tuple[str, ...], field: str) -> None:
    for i, agency_id in enumerate(agency_ids):
        p.agency(agency_id, f"{field}[{i}]")


def _require_status(a: Activity, allowed: set[ActivityStatus], doing: str) -> None:
    if a.status not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise RuleViolation(
            "invalid_status",
            f"Cannot {doing} an activity that is {a.status.value}; it must be {names}.",
            "status",
        )


def _check_independence(a: Activity, p: Partnership, lead: LeadReviewer | None) -> None:
    if lead is None or lead.agency_id is None or not p.rules_for(a.kind).requires_independent_lead:
        return
    if lead.agency_id in a.agencies_involved:
        raise RuleViolation(
            "lead_reviewer_not_independent",
            f"The lead reviewer of a {a.kind_title} must be independent of the agencies "
            f"whose actions are reviewed; {lead.name} belongs to {lead.agency_id}, which is "
            "involved in this case.",
            "agency_id",
        )


def open_activity(
    p: Partnership,
    ctx: Context,
    *,
    kind: SourceKind,
    title: str,
    opened_on: date,
    scope: str,
    case_reference: str | None = None,
    agencies_involved: tuple[str, ...] = (),
    aware_on: date | None = None,
    originating_activity: Activity | None = None,
    activity_id: UUID | None = None,
) -> Change[Activity]:
    # A kind the partnership has not routed is refused (source_kind_not_routed):
    # its learning would reach no forum and no forum could sign it off.
    p.routing_for(kind, "kind")
    if case_reference is not None:
        check_case_reference(case_reference)
    _check_agencies(p, agencies_involved, "agencies_involved")
    # A rapid review keeps the notification and rapid-review clocks it started;
    # the practice review that follows it runs only its own (publication) clocks.
    from_rapid_review = (
        originating_activity is not None and originating_activity.kind is SourceKind.RAPID_REVIEW
    )
    if originating_activity is not None:
        if not from_rapid_review:
            aware_on = aware_on or originating_activity.aware_on
        if case_reference is None:
            case_reference = originating_activity.case_reference
    # Checked after inheriting: an origin without a date of awareness (an audit,
    # say) must not let a serious-incident review open with no statutory clocks.
    if kind in _SERIOUS_INCIDENT_KINDS and aware_on is None and not from_rapid_review:
        raise InvalidInput(
            "aware_on_required",
            f"A {DEFAULT_SOURCES[kind].title} starts the statutory clocks: give the date the "
            "partnership became aware of the serious incident.",
            "aware_on",
        )
    if p.rules_for(kind).requires_independent_lead and not (ctx.rationale or "").strip():
        raise InvalidInput(
            "proportionality_rationale_required",
            "Say why this scale of review is proportionate to the issues (rationale).",
            "rationale",
        )
    commissioning_decision_id = None
    if originating_activity is not None:
        not_before("opened_on", opened_on, originating_activity.opened_on, "the originating activity's opened_on")
        if from_rapid_review and kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW:
            commissioning_decision_id = _commissioning_decision(originating_activity, opened_on)
    initiated_on = opened_on if kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW else None
    c: Change[Activity] = Change(None, activity_id or uuid4())
    return c.trigger(
        ActivityOpened,
        ctx,
        kind=kind,
        title=title,
        case_reference=case_reference,
        scope=scope,
        agencies_involved=agencies_involved,
        opened_on=opened_on,
        aware_on=aware_on,
        initiated_on=initiated_on,
        originating_activity_id=originating_activity.id if originating_activity else None,
        commissioning_decision_id=commissioning_decision_id,
    )


def _commissioning_decision(rapid_review: Activity, opened_on: date) -> UUID:
    """The decision that commissioned a practice review from this rapid review."""
    if rapid_review.commissioning_outcome != "accept" or rapid_review.commissioning_decision_id is None:
        raise RuleViolation(
            "practice_review_not_commissioned",
            "A practice review opens from a rapid review only once a decision (subject "
            "practice_review_commissioning, outcome accept) has commissioned it.",
            "originating_activity_id",
        )
    not_before("opened_on", opened_on, rapid_review.commissioned_on, "the commissioning decision's date")
    return rapid_review.commissioning_decision_id


def involve_agency(a: Activity, p: Partnership, ctx: Context, *, agency_id: str) -> Change[Activity]:
    _require_status(a, _OPEN_STATES | {ActivityStatus.REPORTED}, "involve an agency in")
    p.agency(agency_id)
    if agency_id in a.agencies_involved:
        raise RuleViolation("agency_already_involved", f"{agency_id} is already involved.", "agency_id")
    if a.lead_reviewer is not None and a.lead_reviewer.agency_id == agency_id:
        _check_independence(
            a.model_copy(update={"agencies_involved": (*a.agencies_involved, agency_id)}),
            p,
            a.lead_reviewer,
        )
    return change(a).trigger(AgencyInvolved, ctx, agency_id=agency_id)


def appoint_lead_reviewer(
    a: Activity, p: Partnership, ctx: Context, *, reviewer_name: str, agency_id: str | None
) -> Change[Activity]:
    _require_status(a, _OPEN_STATES, "appoint a lead reviewer to")
    if agency_id is not None:
        p.agency(agency_id)
    _check_independence(a, p, LeadReviewer(name=reviewer_name, agency_id=agency_id))
    return change(a).trigger(LeadReviewerAppointed, ctx, name=reviewer_name, agency_id=agency_id)


def start(a: Activity, p: Partnership, ctx: Context) -> Change[Activity]:
    _require_status(a, {ActivityStatus.OPENED}, "start")
    if p.rules_for(a.kind).requires_independent_lead and a.lead_reviewer is None:
        raise RuleViolation(
            "lead_reviewer_required",
            f"A {a.kind_title} cannot start before an independent lead reviewer is appointed.",
            "lead_reviewer",
        )
    return change(a).trigger(ActivityStarted, ctx)


def notify_serious_incident(a: Activity, ctx: Context, *, notified_on: date) -> Change[Activity]:
    if a.aware_on is None:
        raise RuleViolation(
            "not_a_serious_incident", "This activity has no serious incident to notify.", "aware_on"
        )
    if a.notified_on is not None:
        raise RuleViolation(
            "already_notified",
            f"The Panel was notified on {a.notified_on.isoformat()}; that date meets the clock "
            "and cannot be rewritten.",
            "notified_on",
        )
    if notified_on < a.aware_on:
        raise RuleViolation(
            "date_before_awareness",
            f"Notification cannot precede awareness: notified_on must be on or after {a.aware_on.isoformat()}.",
            "notified_on",
        )
    return change(a).trigger(SeriousIncidentNotified, ctx, notified_on=notified_on)


def complete_rapid_review(a: Activity, ctx: Context, *, completed_on: date) -> Change[Activity]:
    if a.kind is not SourceKind.RAPID_REVIEW:
        raise RuleViolation("not_a_rapid_review", "Only a rapid review is completed this way.", "kind")
    if a.rapid_review_completed_on is not None:
        raise RuleViolation(
            "already_completed",
            f"The rapid review was completed on {a.rapid_review_completed_on.isoformat()}.",
            "completed_on",
        )
    if a.aware_on is not None and completed_on < a.aware_on:
        raise RuleViolation(
            "date_before_awareness",
            f"A rapid review cannot complete before awareness: completed_on must be on or after "
            f"{a.aware_on.isoformat()}.",
            "completed_on",
        )
    not_before("completed_on", completed_on, a.opened_on, "the activity's opened_on")
    return change(a).trigger(RapidReviewCompleted, ctx, completed_on=completed_on)


def record_practitioner_involvement(a: Activity, ctx: Context, *, summary: str) -> Change[Activity]:
    _require_status(a, _OPEN_STATES, "record practitioner involvement in")
    return change(a).trigger(PractitionerInvolvementRecorded, ctx, summary=summary)


def offer_family_involvement(
    a: Activity, ctx: Context, *, offered_on: date, response: FamilyResponse, summary: str
) -> Change[Activity]:
    _require_status(a, _OPEN_STATES, "record the family's involvement in")
    not_before("offered_on", offered_on, a.opened_on, "the activity's opened_on")
    return change(a).trigger(
        FamilyInvolvementOffered, ctx, offered_on=offered_on, response=response, summary=summary
    )


def record_child_voice(a: Activity, ctx: Context, *, summary: str) -> Change[Activity]:
    _require_status(a, _OPEN_STATES | {ActivityStatus.REPORTED}, "record the child's voice in")
    return change(a).trigger(ChildVoiceRecorded, ctx, summary=summary)


def record_finding(
    a: Activity,
    p: Partnership,
    ctx: Context,
    *,
    category: FindingCategory,
    summary: str,
    themes: tuple[Theme, ...],
    agencies_concerned: tuple[str, ...],
    recorded_on: date,
    finding_id: UUID | None = None,
) -> Change[Activity]:
    _require_status(a, _OPEN_STATES | {ActivityStatus.REPORTED}, "record a finding in")
    if not themes:
        raise InvalidInput("theme_required", "A finding names at least one theme.", "themes")
    _check_agencies(p, agencies_concerned, "agencies_concerned")
    not_before("recorded_on", recorded_on, a.opened_on, "the activity's opened_on")
    # Not after closure either: a closed activity records no finding (its status says so).
    if finding_id is not None and finding_id in a.findings:
        raise finding_exists(finding_id)
    return change(a).trigger(
        FindingRecorded,
        ctx,
        finding_id=finding_id or uuid4(),
        category=category,
        summary=summary,
        themes=themes,
        agencies_concerned=agencies_concerned,
        recorded_on=recorded_on,
    )


def report(
    a: Activity, p: Partnership, ctx: Context, *, report_summary: str, reported_on: date
) -> Change[Activity]:
    _require_status(a, {ActivityStatus.IN_PROGRESS}, "report")
    current = a.current_findings
    if not current:
        raise RuleViolation(
            "findings_required", "An activity reports at least one finding.", "findings"
        )
    # Findings are on or after opened_on, so the report is too.
    latest = max(current, key=lambda f: f.recorded_on)
    not_before("reported_on", reported_on, latest.recorded_on, f"finding {latest.finding_id}'s recorded_on")
    # Involvement can only be recorded while the review is open, so it is checked
    # here: a report without it could never be signed off.
    for code, field, sentence in missing_for_sign_off(a, p):
        if code != "child_voice_required":
            raise RuleViolation(code, sentence.replace("sign-off", "the report"), field)
    return change(a).trigger(
        ActivityReported, ctx, report_summary=report_summary, reported_on=reported_on
    )


def missing_for_sign_off(a: Activity, p: Partnership) -> list[tuple[str, str, str]]:
    """Each principle the partnership's rules for the kind require and not yet evidenced,
    as (code, field, sentence)."""
    rules = p.rules_for(a.kind)
    missing: list[tuple[str, str, str]] = []
    if rules.requires_practitioner_and_family_involvement:
        if not a.practitioner_involvement:
            missing.append((
                "practitioner_involvement_required",
                "practitioner_involvement",
                "Record how practitioners were involved before sign-off.",
            ))
        if a.family_involvement is None:
            missing.append((
                "family_involvement_offer_required",
                "family_involvement",
                "Record the offer of family involvement before sign-off.",
            ))
    if rules.requires_child_voice and not a.child_voice:
        missing.append((
            "child_voice_required",
            "child_voice",
            "Record the child's voice (the child at the centre) before sign-off.",
        ))
    return missing


def sign_off(
    a: Activity, p: Partnership, ctx: Context, *, decision_id: UUID, forum_id: str, on: date,
    chairs_action: bool = False,
) -> Change[Activity]:
    _require_status(a, {ActivityStatus.REPORTED}, "sign off")
    required = p.routing_for(a.kind).sign_off_forum
    if forum_id != required:
        raise RuleViolation(
            "wrong_forum_for_sign_off",
            f"A {a.kind_title} is signed off by {p.forum(required).name}, not {forum_id}.",
            "forum_id",
        )
    p.check_meeting(forum_id, on, chairs_action=chairs_action)
    not_before("meeting_on", on, a.reported_on, "the activity's reported_on")
    missing = missing_for_sign_off(a, p)
    if missing:
        code, field, sentence = missing[0]
        raise RuleViolation(code, sentence, field)
    return change(a).trigger(
        ActivitySignedOff, ctx, decision_id=decision_id, forum_id=forum_id, signed_off_on=on
    )


def check_sign_off_date(a: Activity, *, on: date) -> None:
    """A decision not (yet) to sign off still decides on a report that exists."""
    _require_status(a, {ActivityStatus.REPORTED}, "decide on the sign-off of")
    not_before("meeting_on", on, a.reported_on, "the activity's reported_on")


def plan_publication(a: Activity, ctx: Context, *, planned_on: date) -> Change[Activity]:
    _require_status(a, _OPEN_STATES | {ActivityStatus.REPORTED, ActivityStatus.SIGNED_OFF}, "plan publication of")
    not_before("planned_on", planned_on, a.opened_on, "the activity's opened_on")
    return change(a).trigger(PublicationPlanned, ctx, planned_on=planned_on)


def send_final_report(a: Activity, ctx: Context, *, sent_on: date) -> Change[Activity]:
    _require_status(a, {ActivityStatus.REPORTED, ActivityStatus.SIGNED_OFF}, "send the final report of")
    not_before("sent_on", sent_on, a.reported_on, "the activity's reported_on")
    return change(a).trigger(FinalReportSentToPanel, ctx, sent_on=sent_on)


def publish(a: Activity, ctx: Context, *, published_on: date, url: str | None) -> Change[Activity]:
    _require_status(a, {ActivityStatus.SIGNED_OFF}, "publish")
    if a.kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW and a.final_report_sent_on is None:
        raise RuleViolation(
            "final_report_not_sent",
            "Send the final report to the national Panel before publication.",
            "final_report_sent_on",
        )
    not_before("published_on", published_on, a.signed_off_on, "the activity's signed_off_on")
    not_before("published_on", published_on, a.final_report_sent_on, "the activity's final_report_sent_on")
    return change(a).trigger(ActivityPublished, ctx, published_on=published_on, url=url)


def close(a: Activity, p: Partnership, ctx: Context, *, closed_on: date) -> Change[Activity]:
    allowed = {ActivityStatus.PUBLISHED}
    if not p.rules_for(a.kind).requires_publication:
        allowed.add(ActivityStatus.SIGNED_OFF)
    _require_status(a, allowed, "close")
    not_before("closed_on", closed_on, a.published_on or a.signed_off_on, "the activity's "
               + ("published_on" if a.published_on else "signed_off_on"))
    return change(a).trigger(ActivityClosed, ctx, closed_on=closed_on)


LEARNING_READY = frozenset({ActivityStatus.SIGNED_OFF, ActivityStatus.PUBLISHED, ActivityStatus.CLOSED})


def acknowledge_learning(
    a: Activity,
    p: Partnership,
    ctx: Context,
    *,
    agency_id: str,
    acknowledged_on: date,
    cascaded_by: tuple[CascadeMethod, ...],
    notes: str | None = None,
) -> Change[Activity]:
    _require_status(a, set(LEARNING_READY), "acknowledge the learning of")
    p.agency(agency_id, "agency_id")
    not_before("acknowledged_on", acknowledged_on, a.signed_off_on, "the activity's signed_off_on")
    if not cascaded_by:
        raise InvalidInput(
            "cascade_method_required", "Say how the learning was cascaded (at least one method).", "cascaded_by"
        )
    previous = a.acknowledgements.get(agency_id)
    if previous is not None:
        raise RuleViolation(
            "already_acknowledged",
            f"{agency_id} acknowledged this learning on {previous.acknowledged_on.isoformat()}.",
            "agency_id",
        )
    return change(a).trigger(
        LearningAcknowledged, ctx, agency_id=agency_id, acknowledged_on=acknowledged_on,
        cascaded_by=tuple(dict.fromkeys(cascaded_by)), notes=notes,
    )
