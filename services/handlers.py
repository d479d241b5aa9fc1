"""Thin handlers: load what a command needs, let the domain decide, record the change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID, uuid4

from domain import action as actions
from domain import activity as activities
from domain import commands as cmd
from domain import findings, rapid_review, subscriptions
from domain import partnership as partnerships
from domain import recommendation as recommendations
from domain.action import Action
from domain.activity import Activity
from domain.aggregate import AggregateState, Context, check_version
from domain.claims import IdClaimed, claim_uuid
from domain.decision import Decision, DecisionSubject, record_decision
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome, Recommendation
from services.unit_of_work import UnitOfWork

C = TypeVar("C", bound=cmd.Command)
Handler = Callable[[UnitOfWork, Context, Any, UUID | None], AggregateState]
HANDLERS: dict[type[cmd.Command], Handler] = {}


def handles(command_class: type[C]) -> Callable[[Callable[[UnitOfWork, Context, C, UUID | None], AggregateState]], Any]:
    def register(fn: Callable[[UnitOfWork, Context, C, UUID | None], AggregateState]) -> Any:
        HANDLERS[command_class] = fn
        return fn

    return register


def handle(uow: UnitOfWork, ctx: Context, command: cmd.Command, target_id: UUID | None) -> AggregateState:
    """Runs one command; its events wait in `uow` until the caller commits."""
    if command.target in {"activity", "recommendation", "action"} and target_id is None:
        raise InvalidInput("target_required", f"{command.name} needs a target id.", "target_id")
    ctx = ctx.model_copy(update={"rationale": command.rationale})
    return HANDLERS[type(command)](uow, ctx, command, target_id)


def _exists(kind: str, entity_id: UUID, field: str) -> DomainError:
    # Says nothing of where the id is used: it may belong to another partnership.
    return RuleViolation(
        f"{kind}_exists", f"The id {entity_id} is already in use; choose another {field}.", field
    )


def _partnership(uow: UnitOfWork, ctx: Context, c: cmd.Command) -> Partnership:
    p = uow.partnership(ctx.partnership_id)
    check_version(p, c.expected_version)
    return p


def _activity(uow: UnitOfWork, ctx: Context, c: cmd.Command, activity_id: UUID | None) -> Activity:
    assert activity_id is not None
    a = uow.get(activity_id, Activity, ctx.partnership_id, "activity_id")
    check_version(a, c.expected_version)
    return a


def _action(uow: UnitOfWork, ctx: Context, c: cmd.Command, action_id: UUID | None) -> Action:
    assert action_id is not None
    a = uow.get(action_id, Action, ctx.partnership_id, "action_id")
    check_version(a, c.expected_version)
    return a


@handles(cmd.RegisterPartnership)
def _register(uow: UnitOfWork, ctx: Context, c: cmd.RegisterPartnership, _: UUID | None) -> AggregateState:
    if uow.exists(partnerships.partnership_uuid(c.partnership_id)):
        raise RuleViolation(
            "partnership_exists", f"Partnership {c.partnership_id!r} is already registered.",
            "partnership_id",
        )
    ctx = ctx.model_copy(update={"partnership_id": c.partnership_id})
    return uow.record(
        partnerships.register_partnership(
            ctx,
            name=c.display_name,
            rapid_review_starts_from=c.rapid_review_starts_from,
            with_framework_defaults=c.with_framework_defaults,
        )
    )


@handles(cmd.AddAgency)
def _add_agency(uow: UnitOfWork, ctx: Context, c: cmd.AddAgency, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(partnerships.add_agency(p, ctx, agency_id=c.agency_id, name=c.display_name, sector=c.sector))


@handles(cmd.RegisterWebhook)
def _webhook(uow: UnitOfWork, ctx: Context, c: cmd.RegisterWebhook, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(partnerships.register_webhook(p, ctx, agency_id=c.agency_id, webhook_url=c.webhook_url))


@handles(cmd.AddForum)
def _add_forum(uow: UnitOfWork, ctx: Context, c: cmd.AddForum, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(partnerships.add_forum(p, ctx, forum_id=c.forum_id, name=c.display_name))


@handles(cmd.ScheduleMeeting)
def _meeting(uow: UnitOfWork, ctx: Context, c: cmd.ScheduleMeeting, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(partnerships.schedule_meeting(p, ctx, forum_id=c.forum_id, meets_on=c.meets_on))


@handles(cmd.SetRouting)
def _routing(uow: UnitOfWork, ctx: Context, c: cmd.SetRouting, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(
        partnerships.set_routing(
            p, ctx, source_kind=c.source_kind,
            points_of_dissemination=c.points_of_dissemination, sign_off_forum=c.sign_off_forum,
        )
    )


@handles(cmd.Subscribe)
def _subscribe(uow: UnitOfWork, ctx: Context, c: cmd.Subscribe, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(
        subscriptions.subscribe(
            p, ctx, agency_id=c.agency_id, everything=c.everything, themes=c.themes,
            source_kinds=c.source_kinds, forums=c.forums,
        )
    )


@handles(cmd.Unsubscribe)
def _unsubscribe(uow: UnitOfWork, ctx: Context, c: cmd.Unsubscribe, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    return uow.record(subscriptions.unsubscribe(p, ctx, agency_id=c.agency_id))


@handles(cmd.OpenActivity)
def _open(uow: UnitOfWork, ctx: Context, c: cmd.OpenActivity, _: UUID | None) -> AggregateState:
    p = _partnership(uow, ctx, c)
    origin = (
        uow.get(c.originating_activity_id, Activity, ctx.partnership_id, "originating_activity_id")
        if c.originating_activity_id
        else None
    )
    if c.activity_id is not None:
        uow.claim(c.activity_id, _exists("activity", c.activity_id, "activity_id"))
    return uow.record(
        activities.open_activity(
            p, ctx, kind=c.kind, title=c.title, opened_on=c.opened_on, scope=c.scope,
            case_reference=c.case_reference, agencies_involved=c.agencies_involved,
            aware_on=c.aware_on, originating_activity=origin, activity_id=c.activity_id,
        )
    )


def _on_activity(
    decide: Callable[[Activity, Partnership, Context, Any], Any],
) -> Callable[[UnitOfWork, Context, Any, UUID | None], AggregateState]:
    def run(uow: UnitOfWork, ctx: Context, c: Any, target: UUID | None) -> AggregateState:
        a = _activity(uow, ctx, c, target)
        state: AggregateState = uow.record(decide(a, uow.partnership(ctx.partnership_id), ctx, c))
        return state

    return run


HANDLERS.update({
    cmd.InvolveAgency: _on_activity(lambda a, p, ctx, c: activities.involve_agency(a, p, ctx, agency_id=c.agency_id)),
    cmd.AppointLeadReviewer: _on_activity(
        lambda a, p, ctx, c: activities.appoint_lead_reviewer(a, p, ctx, name=c.reviewer_name, agency_id=c.agency_id)
    ),
    cmd.StartActivity: _on_activity(lambda a, p, ctx, c: activities.start(a, p, ctx)),
    cmd.NotifySeriousIncident: _on_activity(
        lambda a, p, ctx, c: activities.notify_serious_incident(a, ctx, notified_on=c.notified_on)
    ),
    cmd.CompleteRapidReview: _on_activity(
        lambda a, p, ctx, c: activities.complete_rapid_review(a, ctx, completed_on=c.completed_on)
    ),
    cmd.RecordPractitionerInvolvement: _on_activity(
        lambda a, p, ctx, c: activities.record_practitioner_involvement(a, ctx, summary=c.summary)
    ),
    cmd.OfferFamilyInvolvement: _on_activity(
        lambda a, p, ctx, c: activities.offer_family_involvement(
            a, ctx, offered_on=c.offered_on, response=c.response, summary=c.summary
        )
    ),
    cmd.RecordChildVoice: _on_activity(lambda a, p, ctx, c: activities.record_child_voice(a, ctx, summary=c.summary)),
    cmd.AmendFinding: _on_activity(
        lambda a, p, ctx, c: findings.amend_finding(
            a, p, ctx, finding_id=c.finding_id, category=c.category, summary=c.summary, themes=c.themes,
            agencies_concerned=c.agencies_concerned, amended_on=c.amended_on,
        )
    ),
    cmd.WithdrawFinding: _on_activity(
        lambda a, p, ctx, c: findings.withdraw_finding(a, ctx, finding_id=c.finding_id, withdrawn_on=c.withdrawn_on)
    ),
    cmd.RecordRapidReviewRecommendation: _on_activity(
        lambda a, p, ctx, c: rapid_review.recommend(
            a, ctx, recommends=c.recommends, reasons=c.reasons, recommended_on=c.recommended_on
        )
    ),
    cmd.RecordPanelView: _on_activity(
        lambda a, p, ctx, c: rapid_review.record_panel_view(
            a, ctx, view=c.view, summary=c.summary, received_on=c.received_on
        )
    ),
    cmd.ReportActivity: _on_activity(
        lambda a, p, ctx, c: activities.report(a, p, ctx, report_summary=c.report_summary, reported_on=c.reported_on)
    ),
    cmd.PlanPublication: _on_activity(
        lambda a, p, ctx, c: activities.plan_publication(a, ctx, planned_on=c.planned_on)
    ),
    cmd.SendFinalReport: _on_activity(lambda a, p, ctx, c: activities.send_final_report(a, ctx, sent_on=c.sent_on)),
    cmd.PublishActivity: _on_activity(
        lambda a, p, ctx, c: activities.publish(a, ctx, published_on=c.published_on, url=c.url)
    ),
    cmd.CloseActivity: _on_activity(lambda a, p, ctx, c: activities.close(a, p, ctx, closed_on=c.closed_on)),
    cmd.AcknowledgeLearning: _on_activity(
        lambda a, p, ctx, c: activities.acknowledge_learning(
            a, p, ctx, agency_id=c.agency_id, acknowledged_on=c.acknowledged_on,
            cascaded_by=c.cascaded_by, notes=c.notes,
        )
    ),
})


@handles(cmd.RecordFinding)
def _finding(uow: UnitOfWork, ctx: Context, c: cmd.RecordFinding, target: UUID | None) -> AggregateState:
    a = _activity(uow, ctx, c, target)
    finding_id = c.finding_id or uuid4()
    change = activities.record_finding(
        a, uow.partnership(ctx.partnership_id), ctx, category=c.category, summary=c.summary,
        themes=c.themes, agencies_concerned=c.agencies_concerned, recorded_on=c.recorded_on,
        finding_id=finding_id,
    )
    # Unique across activities (and partnerships, as aggregate ids are), not only this one.
    claimed = claim_uuid("finding", finding_id)
    refusal = activities.finding_exists(finding_id)
    uow.claim(claimed, refusal, IdClaimed(
        originator_id=claimed, originator_version=1, partnership_id=ctx.partnership_id,
        principal=ctx.principal, kind="finding", claimed_id=finding_id, holder_id=a.id,
    ), fresh=c.finding_id is None)
    return uow.record(change)


@handles(cmd.MakeRecommendation)
def _recommend(uow: UnitOfWork, ctx: Context, c: cmd.MakeRecommendation, target: UUID | None) -> AggregateState:
    a = _activity(uow, ctx, c, target)
    if c.recommendation_id is not None:
        uow.claim(c.recommendation_id, _exists("recommendation", c.recommendation_id, "recommendation_id"))
    return uow.record(
        recommendations.make_recommendation(
            a, uow.partnership(ctx.partnership_id), ctx, finding_ids=c.finding_ids, text=c.text,
            addressed_to=c.addressed_to, made_on=c.made_on, recommendation_id=c.recommendation_id,
        )
    )


@handles(cmd.RecordDecision)
def _decide(uow: UnitOfWork, ctx: Context, c: cmd.RecordDecision, _: UUID | None) -> AggregateState:
    p = uow.partnership(ctx.partnership_id)
    if c.decision_id is not None:
        uow.claim(c.decision_id, _exists("decision", c.decision_id, "decision_id"))
    decision: Decision = uow.record(
        record_decision(
            p, ctx, forum_id=c.forum_id, meeting_on=c.meeting_on, subject=c.subject,
            subject_id=c.subject_id, outcome=c.outcome, decided_by=c.decided_by,
            decision_id=c.decision_id, chairs_action=c.chairs_action,
        )
    )
    if c.subject is DecisionSubject.PRACTICE_REVIEW_COMMISSIONING:
        a = uow.get(c.subject_id, Activity, ctx.partnership_id, "subject_id")
        check_version(a, c.expected_version)
        uow.record(
            rapid_review.decide_commissioning(
                a, p, ctx, decision_id=decision.id, forum_id=c.forum_id,
                outcome=c.outcome, decided_on=c.meeting_on,
            )
        )
    elif c.subject is DecisionSubject.RECOMMENDATION:
        r = uow.get(c.subject_id, Recommendation, ctx.partnership_id, "subject_id")
        check_version(r, c.expected_version)
        a = uow.get(r.activity_id, Activity, ctx.partnership_id, "subject_id")
        uow.record(
            recommendations.decide(
                r, a, p, ctx, decision_id=decision.id, forum_id=c.forum_id,
                outcome=c.outcome, decided_on=c.meeting_on,
            )
        )
    else:
        a = uow.get(c.subject_id, Activity, ctx.partnership_id, "subject_id")
        check_version(a, c.expected_version)
        if c.outcome is DecisionOutcome.ACCEPT:
            uow.record(
                activities.sign_off(
                    a, p, ctx, decision_id=decision.id, forum_id=c.forum_id, on=c.meeting_on,
                    chairs_action=c.chairs_action,
                )
            )
        else:
            activities.check_sign_off_date(a, on=c.meeting_on)
    return decision


@handles(cmd.AgreeAction)
def _agree(uow: UnitOfWork, ctx: Context, c: cmd.AgreeAction, target: UUID | None) -> AggregateState:
    assert target is not None
    r = uow.get(target, Recommendation, ctx.partnership_id, "recommendation_id")
    check_version(r, c.expected_version)
    if c.action_id is not None:
        uow.claim(c.action_id, _exists("action", c.action_id, "action_id"))
    return uow.record(
        actions.agree_action(
            r, uow.partnership(ctx.partnership_id), ctx, owner_agency_id=c.owner_agency_id,
            description=c.description, due_on=c.due_on, action_id=c.action_id,
        )
    )


def _on_action(
    decide: Callable[[Action, Context, Any], Any],
) -> Callable[[UnitOfWork, Context, Any, UUID | None], AggregateState]:
    def run(uow: UnitOfWork, ctx: Context, c: Any, target: UUID | None) -> AggregateState:
        state: AggregateState = uow.record(decide(_action(uow, ctx, c, target), ctx, c))
        return state

    return run


HANDLERS.update({
    cmd.NoteProgress: _on_action(
        lambda a, ctx, c: actions.note_progress(a, ctx, noted_on=c.noted_on, note=c.note, on_track=c.on_track)
    ),
    cmd.RescheduleAction: _on_action(lambda a, ctx, c: actions.reschedule(a, ctx, due_on=c.due_on)),
    cmd.CompleteAction: _on_action(
        lambda a, ctx, c: actions.complete(
            a, ctx, completed_on=c.completed_on, evidence=tuple(e.to_evidence() for e in c.evidence),
        )
    ),
    cmd.AssureAction: _on_action(
        lambda a, ctx, c: actions.assure_impact(a, ctx, assured_on=c.assured_on, impact_statement=c.impact_statement)
    ),
    cmd.ReopenAction: _on_action(lambda a, ctx, c: actions.reopen(a, ctx, reason=c.reason, due_on=c.due_on)),
})

missing = set(cmd.COMMANDS.values()) - set(HANDLERS)
assert not missing, f"commands without handlers: {missing}"
