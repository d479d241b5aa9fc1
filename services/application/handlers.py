"""Thin handlers: load what a command needs, let the domain decide, record the change.

One handler serves every declared command (domain/commands): it loads the target and the
aggregates the domain function takes, claims the ids the client chose, and passes the
command's fields through by name. Only `record_decision`, `redact_text` and `draft_agenda` add a step of
their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID, uuid4

from domain import activity as activities
from domain import rapid_review
from domain import recommendation as recommendations
from domain import redaction as redactions
from domain.activity import Activity
from domain.aggregate import AggregateState, Context, check_version
from domain.claims import ClaimKind, IdClaimed, claim_uuid
from domain.commands import DECLARATIONS, Claim, Command, Declaration, DraftAgenda, RecordDecision, RedactText
from domain.decision import DecisionSubject
from domain.errors import InvalidInput, RuleViolation
from domain.free_text import free_text
from domain.meeting_state import meeting_uuid
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome, Recommendation
from services.application.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, Context, Any, UUID | None], AggregateState]


def handle(uow: UnitOfWork, ctx: Context, command: Command, target_id: UUID | None) -> AggregateState:
    """Runs one command; its events wait in `uow` until the caller commits."""
    declaration = DECLARATIONS[command.name]
    if declaration.target_param and target_id is None:
        raise InvalidInput("target_required", f"{command.name} needs a target id.", "target_id")
    ctx = ctx.model_copy(update={"rationale": command.rationale})
    return HANDLERS[command.name](uow, ctx, command, target_id)


def _declared(uow: UnitOfWork, ctx: Context, c: Command, target_id: UUID | None) -> AggregateState:
    d = DECLARATIONS[c.name]
    target: AggregateState | None = None
    if d.target is Partnership:
        target = uow.partnership(ctx.partnership_id)
    elif d.target is not None:
        assert target_id is not None and d.target_param is not None
        target = uow.get(target_id, d.target, ctx.partnership_id, d.target_param)
    if target is not None:
        check_version(target, c.expected_version)
    return _apply(uow, ctx, d, c, target)


def _apply(
    uow: UnitOfWork, ctx: Context, d: Declaration, c: Command, target: AggregateState | None
) -> AggregateState:
    """Claims the command's ids, calls its domain function and records the change."""
    arguments = c.arguments()
    if d.target is None:  # it names its own partnership: the one it creates
        ctx = ctx.model_copy(update={"partnership_id": arguments.pop("partnership_id")})
    for name, (field, kind) in d.loads.items():
        chosen = arguments.pop(field)
        arguments[name] = uow.get(chosen, kind, ctx.partnership_id, field) if chosen is not None else None
    inside: list[tuple[Claim, UUID, bool]] = []
    for claim in d.claims:
        value = getattr(c, claim.field)
        if claim.inside:
            # Chosen now when the client did not, so it can be claimed with the change.
            arguments[claim.field] = value or uuid4()
            inside.append((claim, arguments[claim.field], value is None))
        elif value is not None:
            uow.claim(claim.claimed_id(value), claim.refuse(value))
    positional = [
        ctx if kind is Context else target if kind is d.target else uow.partnership(ctx.partnership_id)
        for kind in d.positional
    ]
    change = d.run(*positional, **arguments)
    for claim, chosen, fresh in inside:
        claim_kind = cast(ClaimKind, claim.kind)  # checked against ClaimKind when declared
        claimed = claim_uuid(claim_kind, chosen)
        uow.claim(claimed, claim.refuse(chosen), IdClaimed(
            originator_id=claimed, originator_version=1, partnership_id=ctx.partnership_id,
            principal=ctx.principal, kind=claim_kind, claimed_id=chosen, holder_id=change.aggregate_id,
        ), fresh=fresh)
    state: AggregateState = uow.record(change)
    return state


def _record_decision(uow: UnitOfWork, ctx: Context, c: RecordDecision, _: UUID | None) -> AggregateState:
    """A decision is recorded, then applied to its subject: `expected_version` is the subject's."""
    p = uow.partnership(ctx.partnership_id)
    decision = _apply(uow, ctx, DECLARATIONS[c.name], c, p)
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


def _redact_text(uow: UnitOfWork, ctx: Context, c: RedactText, _: UUID | None) -> AggregateState:
    """The text must be the partnership's and sealed; its key goes once the redaction is stored.
    The copies a 7-minute briefing drafted from it holds are redacted with it, each a redaction
    of its own (on the audit trail, and corrected in the views), the text put right in them."""
    _key, topic, payload = uow.store.redactable(c.aggregate_id, c.version, c.field, ctx.partnership_id)
    p = uow.partnership(ctx.partnership_id)
    check_version(p, c.expected_version)
    redaction = redactions.redact_text(
        p, ctx, aggregate_id=c.aggregate_id, version=c.version, field=c.field, text=c.text
    )
    state: AggregateState = uow.record(redactions.describe(redaction, topic, payload))
    activity_id = c.aggregate_id if topic.startswith("lif.activity.") else payload.get("activity_id")
    if activity_id is None:
        return state
    (redacted,) = [e for e in uow.store.events_of(c.aggregate_id, lte=c.version) if e.originator_version == c.version]
    old = dict(free_text(redacted)).get(c.field, "")
    briefing = uow.store.events_of(UUID(str(activity_id)))
    copies = redactions.briefing_copies(
        old, c.text, briefing, (c.version, c.field) if activity_id == c.aggregate_id else (0, ""),
    )
    for version, field, text in copies:
        try:
            _key, copy_topic, copy_payload = uow.store.redactable(
                UUID(str(activity_id)), version, field, ctx.partnership_id
            )
        except InvalidInput:  # stored in clear before text was sealed: it cannot be taken back
            continue
        redaction = redactions.redact_text(
            cast(Partnership, state), ctx, aggregate_id=UUID(str(activity_id)), version=version, field=field,
            text=text,
        )
        state = uow.record(redactions.describe(redaction, copy_topic, copy_payload))
    return state


def _draft_agenda(uow: UnitOfWork, ctx: Context, c: DraftAgenda, _: UUID | None) -> AggregateState:
    """A meeting's record is drafted once: its id is its forum's and day's, so a second draft is refused."""
    meeting_id = meeting_uuid(ctx.partnership_id, c.forum_id, c.meets_on)
    uow.claim(meeting_id, RuleViolation(
        "meeting_drafted", f"The agenda of {c.forum_id} for {c.meets_on.isoformat()} is drafted already; "
        "change that one.", "meets_on",
    ))
    return _declared(uow, ctx, c, None)


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(DECLARATIONS, _declared),
    RecordDecision.name: _record_decision,
    RedactText.name: _redact_text,
    DraftAgenda.name: _draft_agenda,
}
"""Each command's handler, by name."""
