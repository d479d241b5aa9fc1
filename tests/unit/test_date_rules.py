"""Dates agree with each other: each refusal names the field and the date it must agree with.

Builders put every step on D0 (a day every forum meets); each test moves one date
to the wrong side of the one it must follow.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain import activity as activities
from domain import recommendation as recommendations
from domain.activity import Activity, FindingCategory
from domain.decision import Decision, DecisionSubject, record_decision
from domain.errors import RuleViolation
from domain.framework import ARLF, BOARD, SourceKind, Theme
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome
from tests.unit.builders import (
    D0,
    POLICE,
    ctx,
    opened,
    partnership,
    published,
    recommend,
    reported,
    send_final_report,
    signed_off,
    started,
    with_finding,
)

BEFORE = D0 - timedelta(days=1)
AFTER = D0 + timedelta(days=7)
NOT_A_MEETING = D0 + timedelta(days=1)
SPR = SourceKind.SAFEGUARDING_PRACTICE_REVIEW


def _refused(field: str, must_agree_with: date, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.field == field
    assert excinfo.value.code in ("date_out_of_order", "not_a_meeting_date")
    assert must_agree_with.isoformat() in excinfo.value.message


def _finding(a: Activity, p: Partnership, on: date) -> Activity:
    return activities.record_finding(
        a, p, ctx(), category=FindingCategory.AREA_FOR_IMPROVEMENT, summary="s",
        themes=(Theme.NEGLECT,), agencies_concerned=(), recorded_on=on,
    ).result


# --- inside the activity's life ---------------------------------------------------------


def test_a_finding_is_not_recorded_before_its_activity_opened() -> None:
    p = partnership()
    a = started(p)
    with pytest.raises(RuleViolation) as e:
        _finding(a, p, date(2021, 1, 4))
    _refused("recorded_on", D0, e)
    assert _finding(a, p, D0).findings


def test_a_report_is_not_dated_before_its_latest_finding() -> None:
    p = partnership()
    a = _finding(_finding(started(p), p, D0), p, AFTER)
    with pytest.raises(RuleViolation) as e:
        activities.report(a, p, ctx(), report_summary="S", reported_on=AFTER - timedelta(days=1))
    _refused("reported_on", AFTER, e)
    assert activities.report(a, p, ctx(), report_summary="S", reported_on=AFTER).result.reported_on == AFTER


def test_the_familys_involvement_is_not_offered_before_the_activity_opened() -> None:
    a = started(partnership())
    with pytest.raises(RuleViolation) as e:
        activities.offer_family_involvement(a, ctx(), offered_on=BEFORE, response="accepted", summary="s")
    _refused("offered_on", D0, e)


def test_a_rapid_review_does_not_complete_before_it_opened() -> None:
    p = partnership()
    a = activities.open_activity(
        p, ctx("Proportionate."), kind=SourceKind.RAPID_REVIEW, title="RR", opened_on=AFTER, scope="s",
        aware_on=D0,
    ).result
    with pytest.raises(RuleViolation) as e:
        activities.complete_rapid_review(a, ctx(), completed_on=AFTER - timedelta(days=1))
    _refused("completed_on", AFTER, e)


def test_publication_is_not_planned_before_the_activity_opened() -> None:
    a = started(partnership())
    with pytest.raises(RuleViolation) as e:
        activities.plan_publication(a, ctx(), planned_on=BEFORE)
    _refused("planned_on", D0, e)


def test_an_activity_opened_from_another_does_not_open_before_it() -> None:
    p = partnership()
    origin = opened(p, SourceKind.CRITICAL_INCIDENT_REVIEW, aware_on=D0)
    with pytest.raises(RuleViolation) as e:
        activities.open_activity(
            p, ctx("Proportionate."), kind=SourceKind.THEMATIC_AUDIT, title="T", opened_on=BEFORE,
            scope="s", originating_activity=origin,
        )
    _refused("opened_on", D0, e)


# --- sign-off, and what follows it in order ---------------------------------------------


def test_sign_off_is_on_a_meeting_of_the_sign_off_forum_or_a_chairs_action() -> None:
    p = partnership()
    a = reported(p)
    forum = p.routing_for(a.kind).sign_off_forum
    with pytest.raises(RuleViolation) as e:
        activities.sign_off(a, p, ctx(), decision_id=uuid4(), forum_id=forum, on=NOT_A_MEETING)
    assert e.value.code == "not_a_meeting_date" and e.value.field == "meeting_on"
    assert NOT_A_MEETING.isoformat() in e.value.message
    by_chair = activities.sign_off(
        a, p, ctx("Urgent: publication date fixed."), decision_id=uuid4(), forum_id=forum, on=NOT_A_MEETING,
        chairs_action=True,
    ).result
    assert by_chair.signed_off_on == NOT_A_MEETING


def test_sign_off_is_not_before_the_report() -> None:
    p = partnership()
    a = reported(p)
    forum = p.routing_for(a.kind).sign_off_forum
    with pytest.raises(RuleViolation) as e:
        activities.sign_off(a, p, ctx(), decision_id=uuid4(), forum_id=forum, on=BEFORE, chairs_action=True)
    _refused("meeting_on", D0, e)


def test_the_final_report_is_not_sent_before_the_report() -> None:
    a = reported(partnership(), SPR)
    with pytest.raises(RuleViolation) as e:
        activities.send_final_report(a, ctx(), sent_on=BEFORE)
    _refused("sent_on", D0, e)


def test_publication_follows_the_final_report() -> None:
    a = signed_off(partnership(), SPR)
    late_report = activities.send_final_report(a, ctx(), sent_on=AFTER).result
    with pytest.raises(RuleViolation) as e:
        activities.publish(late_report, ctx(), published_on=AFTER - timedelta(days=1), url=None)
    _refused("published_on", AFTER, e)


def test_publication_follows_sign_off() -> None:
    p = partnership()
    sent = send_final_report(reported(p, SPR))  # on D0, before the sign-off
    a = activities.sign_off(
        sent, p, ctx("Chair's action."), decision_id=uuid4(), forum_id=BOARD, on=AFTER, chairs_action=True,
    ).result
    with pytest.raises(RuleViolation) as e:
        activities.publish(a, ctx(), published_on=AFTER - timedelta(days=1), url=None)
    _refused("published_on", AFTER, e)


def test_closure_follows_publication_or_sign_off() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        activities.close(published(p), p, ctx(), closed_on=BEFORE)
    _refused("closed_on", D0, e)
    with pytest.raises(RuleViolation) as e:
        activities.close(signed_off(p), p, ctx(), closed_on=BEFORE)
    _refused("closed_on", D0, e)


def test_learning_is_not_acknowledged_before_it_was_signed_off() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        activities.acknowledge_learning(
            signed_off(p), p, ctx(), agency_id=POLICE, acknowledged_on=BEFORE,
            cascaded_by=(activities.CascadeMethod.TRAINING,),
        )
    _refused("acknowledged_on", D0, e)


# --- decisions ----------------------------------------------------------------------------


def _decide(p: Partnership, on: date, *, chairs_action: bool = False, forum: str = BOARD) -> Decision:
    return record_decision(
        p, ctx("Agreed."), forum_id=forum, meeting_on=on, subject=DecisionSubject.RECOMMENDATION,
        subject_id=uuid4(), outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",), chairs_action=chairs_action,
    ).result


def test_a_forum_decides_at_one_of_its_meetings_naming_the_next() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        _decide(p, BEFORE)
    assert (e.value.code, e.value.field) == ("not_a_meeting_date", "meeting_on")
    assert f"its next is {D0.isoformat()}" in e.value.message
    assert _decide(p, D0) is not None


def test_a_decision_outside_a_meeting_is_a_chairs_action_on_record() -> None:
    decision = _decide(partnership(), NOT_A_MEETING, chairs_action=True)
    assert decision.chairs_action is True


def test_a_recommendation_is_not_decided_before_it_was_made() -> None:
    p = partnership()
    a = reported(p)
    r = recommendations.make_recommendation(
        a, p, ctx(), finding_ids=tuple(a.findings), text="t", addressed_to=(POLICE,), made_on=AFTER,
    ).result
    with pytest.raises(RuleViolation) as e:
        recommendations.decide(
            r, a, p, ctx("Agreed."), decision_id=uuid4(), forum_id=ARLF, outcome=DecisionOutcome.ACCEPT,
            decided_on=D0,
        )
    _refused("meeting_on", AFTER, e)
    assert recommend(a, p).made_on == D0


def test_a_recommendation_is_not_made_before_its_findings() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    with pytest.raises(RuleViolation) as e:
        recommendations.make_recommendation(
            a, p, ctx(), finding_ids=(finding_id,), text="t", addressed_to=(POLICE,), made_on=BEFORE,
        )
    _refused("made_on", D0, e)


def test_a_decision_not_to_sign_off_still_follows_the_report() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        activities.check_sign_off_date(reported(p), on=BEFORE)
    _refused("meeting_on", D0, e)
