"""Builders that bring aggregates to a given state through the domain's own commands.

Every state is reached by running the real command functions, so a builder
breaks (loudly) if a rule changes the legal path through the lifecycle.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain import action as actions
from domain import activity as activities
from domain import rapid_review
from domain import recommendation as recommendations
from domain.action import Action, Evidence
from domain.activity import Activity, FamilyResponse, FindingCategory
from domain.aggregate import Context
from domain.framework import DEFAULT_SOURCES, SourceKind, Theme
from domain.partnership import Partnership, RapidReviewStart, register_partnership, schedule_meeting
from domain.recommendation import DecisionOutcome, Recommendation

PARTNERSHIP_ID = "st-helens"
PRINCIPAL = "business.manager@sthelens.example"

# Default partner agencies (see domain.framework.DEFAULT_AGENCIES).
POLICE = "merseyside-police"
COUNCIL = "st-helens-council"
HOSPITALS = "mersey-west-lancs-nhs"
PROBATION = "probation-service"

D0 = date(2025, 3, 3)  # a Monday, well clear of bank holidays
PROPORTIONATE = "Proportionate: serious harm and concerns about multi-agency working."

SERIOUS_INCIDENT_KINDS = frozenset({SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW})


def ctx(rationale: str | None = None, *, principal: str = PRINCIPAL) -> Context:
    return Context(partnership_id=PARTNERSHIP_ID, principal=principal, rationale=rationale)


def partnership(
    *,
    rapid_review_starts_from: RapidReviewStart = "awareness",
    with_framework_defaults: bool = True,
    meetings: bool = True,
) -> Partnership:
    """Registered; unless told, every forum meets on D0 (decisions are taken at meetings)."""
    p = register_partnership(
        ctx(),
        display_name="St Helens Safeguarding Children Partnership",
        rapid_review_starts_from=rapid_review_starts_from,
        with_framework_defaults=with_framework_defaults,
    ).result
    for forum_id in list(p.forums) if meetings else []:
        p = schedule_meeting(p, ctx(), forum_id=forum_id, meets_on=D0).result
    return p


def opened(
    p: Partnership,
    kind: SourceKind = SourceKind.THEMATIC_AUDIT,
    *,
    agencies: tuple[str, ...] = (POLICE, COUNCIL),
    aware_on: date | None = None,
    case_reference: str | None = "SHSCP-2025-014",
) -> Activity:
    """An opened activity; serious-incident kinds become aware on D0 unless told."""
    if aware_on is None and kind in SERIOUS_INCIDENT_KINDS:
        aware_on = D0
    return activities.open_activity(
        p,
        ctx(PROPORTIONATE),
        kind=kind,
        title=f"{kind.value} for testing",
        opened_on=D0,
        scope="Twelve months before the incident.",
        case_reference=case_reference,
        agencies_involved=agencies,
        aware_on=aware_on,
    ).result


def with_lead(a: Activity, p: Partnership, agency_id: str | None = None) -> Activity:
    return activities.appoint_lead_reviewer(
        a, p, ctx(), reviewer_name="Dr A Reviewer", agency_id=agency_id
    ).result


def started(
    p: Partnership,
    kind: SourceKind = SourceKind.THEMATIC_AUDIT,
    *,
    agencies: tuple[str, ...] = (POLICE, COUNCIL),
) -> Activity:
    """In progress; an independent lead is appointed where the kind requires one."""
    a = opened(p, kind, agencies=agencies)
    if p.rules_for(a.kind).requires_independent_lead:
        a = with_lead(a, p)
    return activities.start(a, p, ctx()).result


def with_practitioners(a: Activity) -> Activity:
    return activities.record_practitioner_involvement(
        a, ctx(), summary="Practitioner learning event held."
    ).result


def with_family_offer(a: Activity, response: FamilyResponse = "accepted") -> Activity:
    return activities.offer_family_involvement(
        a, ctx(), offered_on=D0, response=response, summary="Mother met the lead reviewer."
    ).result


def with_child_voice(a: Activity) -> Activity:
    return activities.record_child_voice(a, ctx(), summary="Said school felt safe.").result


def with_finding(
    a: Activity, p: Partnership, *, agencies: tuple[str, ...] = (POLICE,)
) -> tuple[Activity, UUID]:
    finding_id = uuid4()
    a = activities.record_finding(
        a,
        p,
        ctx(),
        category=FindingCategory.AREA_FOR_IMPROVEMENT,
        summary="Referrals were not followed up.",
        themes=(Theme.INFORMATION_SHARING,),
        agencies_concerned=agencies,
        recorded_on=D0,
        finding_id=finding_id,
    ).result
    return a, finding_id


def reported(
    p: Partnership,
    kind: SourceKind = SourceKind.THEMATIC_AUDIT,
    *,
    practitioners: bool = True,
    family: bool = True,
    child_voice: bool = True,
) -> Activity:
    """Reported with one finding and (by default) every principle evidenced."""
    a = started(p, kind)
    if practitioners:
        a = with_practitioners(a)
    if family:
        a = with_family_offer(a)
    if child_voice:
        a = with_child_voice(a)
    a, _ = with_finding(a, p)
    return activities.report(a, p, ctx(), report_summary="Summary.", reported_on=D0).result


def sign_off(a: Activity, p: Partnership, forum_id: str | None = None) -> Activity:
    forum_id = forum_id or p.routing_for(a.kind).sign_off_forum
    return activities.sign_off(
        a, p, ctx(), decision_id=uuid4(), forum_id=forum_id, on=D0
    ).result


def signed_off(p: Partnership, kind: SourceKind = SourceKind.THEMATIC_AUDIT) -> Activity:
    return sign_off(reported(p, kind), p)


def send_final_report(a: Activity) -> Activity:
    return activities.send_final_report(a, ctx(), sent_on=D0).result


def publish(a: Activity) -> Activity:
    return activities.publish(a, ctx(), published_on=D0, url="https://example.org/r").result


def published(p: Partnership, kind: SourceKind = SourceKind.SAFEGUARDING_PRACTICE_REVIEW) -> Activity:
    a = signed_off(p, kind)
    if kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW:
        a = send_final_report(a)
    return publish(a)


def recommend(
    a: Activity,
    p: Partnership,
    finding_ids: tuple[UUID, ...] | None = None,
    *,
    addressed_to: tuple[str, ...] = (POLICE,),
) -> Recommendation:
    if finding_ids is None:
        finding_ids = tuple(a.findings)
    return recommendations.make_recommendation(
        a,
        p,
        ctx(),
        finding_ids=finding_ids,
        text="Audit follow-up of referrals.",
        addressed_to=addressed_to,
        made_on=D0,
    ).result


def decide(
    r: Recommendation,
    a: Activity,
    p: Partnership,
    outcome: DecisionOutcome = DecisionOutcome.ACCEPT,
    forum_id: str | None = None,
) -> Recommendation:
    forum_id = forum_id or p.routing_for(a.kind).points_of_dissemination[0]
    return recommendations.decide(
        r, a, p, ctx("Agreed at the meeting."), decision_id=uuid4(), forum_id=forum_id,
        outcome=outcome, decided_on=D0,
    ).result


def accepted_recommendation(p: Partnership) -> Recommendation:
    a = reported(p)
    return decide(recommend(a, p), a, p)


EVIDENCE = (Evidence(description="Audit of 20 referrals.", reference="doc-17"),)


def agreed_action(p: Partnership, *, due_on: date = date(2025, 6, 30)) -> Action:
    r = accepted_recommendation(p)
    return actions.agree_action(
        r, p, ctx(), owner_agency_id=POLICE, description="Retrain the front desk.", due_on=due_on
    ).result


def completed_action(p: Partnership) -> Action:
    a = agreed_action(p)
    return actions.complete(a, ctx(), completed_on=D0, evidence=EVIDENCE).result


def assured_action(p: Partnership) -> Action:
    a = completed_action(p)
    return actions.assure_impact(
        a, ctx(), assured_on=D0, impact_statement="Re-audit shows follow-up in 19 of 20."
    ).result


def commissioned(p: Partnership, rapid: Activity, outcome: DecisionOutcome = DecisionOutcome.ACCEPT) -> Activity:
    """A rapid review whose recommendation of a practice review the Board decided on at D0."""
    rapid = rapid_review.recommend(
        rapid, ctx(), recommends="practice_review", reasons="Serious harm; concerns about joint working.",
        recommended_on=D0,
    ).result
    return rapid_review.decide_commissioning(
        rapid, p, ctx("As recommended."), decision_id=uuid4(), forum_id=p.routing_for(rapid.kind).sign_off_forum,
        outcome=outcome, decided_on=D0,
    ).result


def kinds_where(flag: str, value: bool = True) -> list[SourceKind]:
    """The source kinds whose framework row sets `flag` to `value`."""
    return [k for k, d in DEFAULT_SOURCES.items() if getattr(d, flag) is value]
