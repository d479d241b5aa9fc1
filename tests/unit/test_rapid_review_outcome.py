"""A rapid review's outcome is a decision: its recommendation, the Panel's view, and
the decision to commission the practice review that opens from it."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain import activity as activities
from domain import rapid_review
from domain.activity import Activity
from domain.errors import RuleViolation
from domain.framework import ARLF, BOARD, SourceKind
from domain.partnership import Partnership
from domain.recommendation import DecisionOutcome
from tests.unit.builders import D0, PROPORTIONATE, commissioned, ctx, opened, partnership

RAPID = SourceKind.RAPID_REVIEW
SPR = SourceKind.SAFEGUARDING_PRACTICE_REVIEW
AFTER = D0 + timedelta(days=7)


def _recommended(p: Partnership) -> Activity:
    return rapid_review.recommend(
        opened(p, RAPID), ctx(), recommends="practice_review", reasons="Criteria met.", recommended_on=D0,
    ).result


def _decide(a: Activity, p: Partnership, outcome: DecisionOutcome = DecisionOutcome.ACCEPT,
            forum: str = BOARD, on: date = D0) -> Activity:
    return rapid_review.decide_commissioning(
        a, p, ctx("Decided."), decision_id=uuid4(), forum_id=forum, outcome=outcome, decided_on=on,
    ).result


def _open_spr(p: Partnership, origin: Activity, on: date = AFTER) -> Activity:
    return activities.open_activity(
        p, ctx(PROPORTIONATE), kind=SPR, title="CSPR", opened_on=on, scope="s",
        originating_activity=origin,
    ).result


def test_the_recommendation_and_the_panels_view_are_recorded_once() -> None:
    p = partnership()
    a = _recommended(p)
    rec = a.rapid_review_recommendation
    assert rec is not None
    assert (rec.recommends, rec.reasons, rec.recommended_on) == ("practice_review", "Criteria met.", D0)
    with pytest.raises(RuleViolation) as e:
        rapid_review.recommend(a, ctx(), recommends="no_practice_review", reasons="r", recommended_on=D0)
    assert e.value.code == "rapid_review_recommendation_exists"
    a = rapid_review.record_panel_view(a, ctx(), view="agrees", summary="Agreed.", received_on=AFTER).result
    assert a.panel_view is not None and a.panel_view.view == "agrees"
    with pytest.raises(RuleViolation) as e:
        rapid_review.record_panel_view(a, ctx(), view="disagrees", summary="No.", received_on=AFTER)
    assert e.value.code == "panel_view_exists"


def test_the_panels_view_follows_the_recommendation() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        rapid_review.record_panel_view(opened(p, RAPID), ctx(), view="agrees", summary="s", received_on=D0)
    assert e.value.code == "rapid_review_recommendation_required"
    with pytest.raises(RuleViolation) as e2:
        rapid_review.record_panel_view(_recommended(p), ctx(), view="agrees", summary="s",
                                       received_on=D0 - timedelta(days=1))
    assert e2.value.field == "received_on" and D0.isoformat() in e2.value.message


def test_the_recommendation_is_not_dated_before_the_review_opened() -> None:
    with pytest.raises(RuleViolation) as e:
        rapid_review.recommend(opened(partnership(), RAPID), ctx(), recommends="practice_review", reasons="r",
                               recommended_on=D0 - timedelta(days=1))
    assert e.value.field == "recommended_on" and D0.isoformat() in e.value.message


def test_only_a_rapid_review_records_this_outcome() -> None:
    with pytest.raises(RuleViolation) as e:
        rapid_review.recommend(opened(partnership()), ctx(), recommends="practice_review", reasons="r",
                               recommended_on=D0)
    assert e.value.code == "not_a_rapid_review"


def test_commissioning_is_decided_on_the_recommendation_after_it_was_made() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        _decide(opened(p, RAPID), p)
    assert e.value.code == "rapid_review_recommendation_required"
    with pytest.raises(RuleViolation) as e2:
        _decide(_recommended(p), p, on=D0 - timedelta(days=1))
    assert e2.value.field == "meeting_on" and D0.isoformat() in e2.value.message
    with pytest.raises(RuleViolation) as e:
        _decide(_recommended(p), p, forum=ARLF)
    assert e.value.code == "forum_not_responsible"


def test_a_deferred_decision_is_taken_later_and_a_final_one_is_not_remade() -> None:
    p = partnership()
    deferred = _decide(_recommended(p), p, DecisionOutcome.DEFER)
    assert deferred.commissioning_outcome == "defer" and deferred.commissioned_on is None
    accepted = _decide(deferred, p)
    assert accepted.commissioning_outcome == "accept" and accepted.commissioned_on == D0
    with pytest.raises(RuleViolation) as e:
        _decide(accepted, p, DecisionOutcome.REJECT)
    assert e.value.code == "already_decided"


def test_the_practice_review_opened_from_a_rapid_review_carries_the_commissioning_decision() -> None:
    p = partnership()
    rapid = commissioned(p, opened(p, RAPID))
    spr = _open_spr(p, rapid)
    assert spr.commissioning_decision_id == rapid.commissioning_decision_id is not None
    assert spr.originating_activity_id == rapid.id


@pytest.mark.parametrize("outcome", [None, DecisionOutcome.DEFER, DecisionOutcome.REJECT])
def test_no_practice_review_opens_from_a_rapid_review_without_that_decision(outcome: DecisionOutcome | None) -> None:
    p = partnership()
    rapid = _recommended(p) if outcome is None else _decide(_recommended(p), p, outcome)
    with pytest.raises(RuleViolation) as e:
        _open_spr(p, rapid)
    assert (e.value.code, e.value.field) == ("practice_review_not_commissioned", "originating_activity_id")


def test_the_practice_review_does_not_open_before_it_was_commissioned() -> None:
    p = partnership()
    rapid = _decide(_recommended(p), p, on=AFTER)
    with pytest.raises(RuleViolation) as e:
        _open_spr(p, rapid, on=AFTER - timedelta(days=1))
    assert e.value.field == "opened_on" and AFTER.isoformat() in e.value.message
    assert _open_spr(p, rapid, on=AFTER).commissioning_decision_id == rapid.commissioning_decision_id
