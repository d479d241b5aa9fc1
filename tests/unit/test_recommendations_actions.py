"""Recommendations drawn from findings, and the actions that follow accepted ones."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from pydantic import ValidationError

from domain import action as actions
from domain import activity as activities
from domain.action import ActionStatus, Evidence
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.framework import PARTNERSHIP_AGENCY
from domain.recommendation import DecisionOutcome, RecommendationStatus
from tests.unit.builders import (
    COUNCIL,
    D0,
    EVIDENCE,
    POLICE,
    accepted_recommendation,
    agreed_action,
    assured_action,
    completed_action,
    ctx,
    decide,
    partnership,
    recommend,
    reported,
    signed_off,
    started,
    with_finding,
)

# --- recommendations ------------------------------------------------------


def test_a_recommendation_awaits_a_decision_and_names_its_activity_and_findings() -> None:
    p = partnership()
    a = reported(p)
    r = recommend(a, p, addressed_to=(POLICE, COUNCIL))
    assert (r.status, r.activity_id, r.finding_ids) == (
        RecommendationStatus.AWAITING_DECISION,
        a.id,
        tuple(a.findings),
    )
    assert (r.addressed_to, r.made_on, r.decision_ids, r.deferrals) == ((POLICE, COUNCIL), D0, (), 0)


def test_a_recommendation_is_drawn_from_at_least_one_finding() -> None:
    p = partnership()
    with pytest.raises(InvalidInput) as e:
        recommend(reported(p), p, ())
    assert (e.value.code, e.value.field) == ("finding_required", "finding_ids")


def test_every_linked_finding_must_belong_to_the_activity() -> None:
    p = partnership()
    a = reported(p)
    (known,) = tuple(a.findings)
    with pytest.raises(NotFound) as e:
        recommend(a, p, (known, uuid4()))
    assert (e.value.code, e.value.field) == ("unknown_finding", "finding_ids[1]")


def test_a_finding_of_another_activity_is_not_linked() -> None:
    p = partnership()
    _, elsewhere = with_finding(started(p), p)
    with pytest.raises(NotFound) as e:
        recommend(reported(p), p, (elsewhere,))
    assert e.value.code == "unknown_finding"


def test_a_recommendation_may_link_several_findings() -> None:
    p = partnership()
    a, first = with_finding(started(p), p)
    a, second = with_finding(a, p, agencies=(COUNCIL,))
    assert recommend(a, p, (first, second)).finding_ids == (first, second)


def test_a_recommendation_is_addressed_to_someone() -> None:
    p = partnership()
    with pytest.raises(InvalidInput) as e:
        recommend(reported(p), p, addressed_to=())
    assert (e.value.code, e.value.field) == ("addressee_required", "addressed_to")


def test_a_recommendation_is_addressed_to_partner_agencies() -> None:
    p = partnership()
    with pytest.raises(NotFound) as e:
        recommend(reported(p), p, addressed_to=(POLICE, "nobody"))
    assert (e.value.code, e.value.field) == ("unknown_agency", "addressed_to[1]")


def test_a_recommendation_may_be_addressed_to_the_partnership_itself() -> None:
    p = partnership()
    r = recommend(reported(p), p, addressed_to=(PARTNERSHIP_AGENCY, POLICE))
    assert r.addressed_to == (PARTNERSHIP_AGENCY, POLICE)


def test_a_closed_activity_takes_no_new_recommendation() -> None:
    p = partnership()
    a = activities.close(signed_off(p), p, ctx(), closed_on=D0).result
    with pytest.raises(RuleViolation) as e:
        recommend(a, p)
    assert e.value.code == "activity_closed"
    # Signed off but not closed is still open to recommendations.
    assert recommend(signed_off(p), p).status is RecommendationStatus.AWAITING_DECISION


# --- actions --------------------------------------------------------------


@pytest.mark.parametrize("outcome", [None, DecisionOutcome.REJECT, DecisionOutcome.DEFER])
def test_actions_follow_only_an_accepted_recommendation(outcome: DecisionOutcome | None) -> None:
    p = partnership()
    a = reported(p)
    r = recommend(a, p)
    if outcome is not None:
        r = decide(r, a, p, outcome)
    with pytest.raises(RuleViolation) as e:
        actions.agree_action(r, p, ctx(), owner_agency_id=POLICE, description="d", due_on=D0)
    assert (e.value.code, e.value.field) == ("recommendation_not_accepted", "recommendation_id")


def test_an_action_is_agreed_on_an_accepted_recommendation() -> None:
    p = partnership()
    r = accepted_recommendation(p)
    action_id = uuid4()
    a = actions.agree_action(
        r, p, ctx(), owner_agency_id=COUNCIL, description="d", due_on=D0, action_id=action_id
    ).result
    assert (a.id, a.status, a.owner_agency_id, a.due_on) == (action_id, ActionStatus.OPEN, COUNCIL, D0)
    assert (a.recommendation_id, a.activity_id) == (r.id, r.activity_id)


def test_an_action_is_owned_by_a_partner_agency() -> None:
    p = partnership()
    with pytest.raises(NotFound) as e:
        actions.agree_action(
            accepted_recommendation(p), p, ctx(), owner_agency_id="nobody", description="d",
            due_on=D0,
        )
    assert (e.value.code, e.value.field) == ("unknown_agency", "owner_agency_id")


def test_an_action_does_not_fall_due_before_its_recommendation() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        actions.agree_action(
            accepted_recommendation(p), p, ctx(), owner_agency_id=POLICE, description="d",
            due_on=date(2025, 3, 2),
        )
    assert (e.value.code, e.value.field) == ("due_before_recommendation", "due_on")


def test_progress_is_noted_on_an_open_action() -> None:
    a = agreed_action(partnership())
    assert a.on_track
    a = actions.note_progress(a, ctx(), noted_on=D0, note="Slipping", on_track=False).result
    assert not a.on_track
    assert [n.note for n in a.progress] == ["Slipping"]


def test_no_progress_is_noted_on_a_completed_action() -> None:
    with pytest.raises(RuleViolation) as e:
        actions.note_progress(completed_action(partnership()), ctx(), noted_on=D0, note="n", on_track=True)
    assert e.value.code == "action_not_open"


@pytest.mark.parametrize("rationale", [None, "", "  "])
def test_rescheduling_needs_a_rationale(rationale: str | None) -> None:
    with pytest.raises(InvalidInput) as e:
        actions.reschedule(agreed_action(partnership()), ctx(rationale), due_on=date(2025, 9, 1))
    assert (e.value.code, e.value.field) == ("rationale_required", "rationale")


def test_rescheduling_moves_the_due_date_and_keeps_the_reason() -> None:
    c = actions.reschedule(agreed_action(partnership()), ctx("Staff shortage."), due_on=date(2025, 9, 1))
    assert c.result.due_on == date(2025, 9, 1)
    assert c.events[0].rationale == "Staff shortage."


def test_a_completed_action_is_not_rescheduled() -> None:
    with pytest.raises(RuleViolation) as e:
        actions.reschedule(completed_action(partnership()), ctx("why"), due_on=date(2025, 9, 1))
    assert e.value.code == "action_not_open"


def test_completion_needs_evidence() -> None:
    with pytest.raises(RuleViolation) as e:
        actions.complete(agreed_action(partnership()), ctx(), completed_on=D0, evidence=())
    assert (e.value.code, e.value.field) == ("evidence_required", "evidence")


def test_completion_records_the_evidence() -> None:
    a = completed_action(partnership())
    assert (a.status, a.completed_on, a.evidence) == (ActionStatus.COMPLETED, D0, EVIDENCE)


def test_an_action_is_completed_once() -> None:
    with pytest.raises(RuleViolation) as e:
        actions.complete(completed_action(partnership()), ctx(), completed_on=D0, evidence=EVIDENCE)
    assert e.value.code == "action_not_open"


def test_evidence_describes_what_was_done() -> None:
    with pytest.raises(ValidationError):
        Evidence(description="ok")
    with pytest.raises(ValidationError):
        Evidence(description="Audit", unexpected="x")  # type: ignore[call-arg]


def test_impact_is_assured_only_after_completion() -> None:
    with pytest.raises(RuleViolation) as e:
        actions.assure_impact(agreed_action(partnership()), ctx(), assured_on=D0, impact_statement="i")
    assert (e.value.code, e.value.field) == ("action_not_completed", "status")
    a = assured_action(partnership())
    assert (a.status, a.assured_on) == (ActionStatus.ASSURED, D0)
    assert a.impact_statement
    with pytest.raises(RuleViolation):
        actions.assure_impact(a, ctx(), assured_on=D0, impact_statement="again")


def test_an_open_action_is_not_reopened() -> None:
    with pytest.raises(RuleViolation) as e:
        actions.reopen(agreed_action(partnership()), ctx(), reason="r", due_on=D0)
    assert e.value.code == "action_open"


def test_a_completed_action_is_reopened_with_a_new_due_date() -> None:
    a = actions.reopen(
        completed_action(partnership()), ctx(), reason="Re-audit failed", due_on=date(2025, 12, 1)
    ).result
    assert (a.status, a.due_on, a.completed_on, a.reopened) == (
        ActionStatus.OPEN,
        date(2025, 12, 1),
        None,
        1,
    )
    # Open again: it can be completed again.
    assert actions.complete(a, ctx(), completed_on=D0, evidence=EVIDENCE).result.status is (
        ActionStatus.COMPLETED
    )


def test_an_assured_action_is_reopened_and_its_assurance_withdrawn() -> None:
    a = actions.reopen(assured_action(partnership()), ctx(), reason="r", due_on=D0).result
    assert (a.status, a.assured_on, a.impact_statement, a.reopened) == (
        ActionStatus.OPEN,
        None,
        None,
        1,
    )

