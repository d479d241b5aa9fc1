"""Forum decisions: how they are recorded, and which forum may decide a recommendation."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain import recommendation as recommendations
from domain.dates import today_in_england
from domain.decision import DecisionRecorded, DecisionSubject, record_decision
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.framework import ARLF, BOARD, CDOP, SCPF, SourceKind
from domain.partnership import Partnership, schedule_meeting, set_routing
from domain.recommendation import DecisionOutcome, RecommendationStatus
from tests.unit.builders import D0, ctx, decide, partnership, recommend, reported


def _record(
    p: Partnership,
    *,
    forum_id: str = ARLF,
    rationale: str | None = "Evidence reviewed at the meeting.",
    decided_by: tuple[str, ...] = ("Chair of the ARLF",),
) -> DecisionRecorded:
    c = record_decision(
        p,
        ctx(rationale),
        forum_id=forum_id,
        meeting_on=D0,
        subject=DecisionSubject.RECOMMENDATION,
        subject_id=uuid4(),
        outcome=DecisionOutcome.ACCEPT,
        decided_by=decided_by,
    )
    (event,) = c.events
    assert isinstance(event, DecisionRecorded)
    return event


# --- recording a decision -------------------------------------------------


def test_a_decision_records_forum_meeting_subject_outcome_people_and_rationale() -> None:
    p = partnership()
    subject_id, decision_id = uuid4(), uuid4()
    d = record_decision(
        p,
        ctx("Accepted: proportionate and evidenced."),
        forum_id=BOARD,
        meeting_on=D0,
        subject=DecisionSubject.ACTIVITY_SIGN_OFF,
        subject_id=subject_id,
        outcome=DecisionOutcome.ACCEPT,
        decided_by=("Independent scrutineer", "Chair"),
        decision_id=decision_id,
    ).result
    assert (d.id, d.forum_id, d.meeting_on) == (decision_id, BOARD, D0)
    assert (d.subject, d.subject_id, d.outcome) == (
        DecisionSubject.ACTIVITY_SIGN_OFF,
        subject_id,
        DecisionOutcome.ACCEPT,
    )
    assert d.decided_by == ("Independent scrutineer", "Chair")
    assert d.rationale == "Accepted: proportionate and evidenced."


def test_a_decision_is_taken_by_a_known_forum() -> None:
    with pytest.raises(NotFound) as e:
        _record(partnership(), forum_id="nowhere")
    assert (e.value.code, e.value.field) == ("unknown_forum", "forum_id")


@pytest.mark.parametrize("rationale", [None, "", " \n "])
def test_a_decision_needs_a_rationale(rationale: str | None) -> None:
    with pytest.raises(InvalidInput) as e:
        _record(partnership(), rationale=rationale)
    assert (e.value.code, e.value.field) == ("rationale_required", "rationale")


def test_a_decision_names_who_decided() -> None:
    with pytest.raises(InvalidInput) as e:
        _record(partnership(), decided_by=())
    assert (e.value.code, e.value.field) == ("decided_by_required", "decided_by")


@pytest.mark.parametrize("chairs_action", [False, True])
def test_a_decision_is_not_dated_after_today_even_on_a_scheduled_meeting(chairs_action: bool) -> None:
    tomorrow = today_in_england() + timedelta(days=1)
    p = schedule_meeting(partnership(), ctx(), forum_id=ARLF, meets_on=tomorrow).result
    with pytest.raises(RuleViolation) as e:
        record_decision(
            p, ctx("Agreed in advance."), forum_id=ARLF, meeting_on=tomorrow, subject=DecisionSubject.RECOMMENDATION,
            subject_id=uuid4(), outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",), chairs_action=chairs_action,
        )
    assert (e.value.code, e.value.field) == ("date_in_future", "meeting_on")
    assert tomorrow.isoformat() in e.value.message


# --- deciding a recommendation -------------------------------------------


@pytest.mark.parametrize(
    ("kind", "outsider"),
    [
        (SourceKind.THEMATIC_AUDIT, BOARD),  # disseminated to the ARLF only
        (SourceKind.CHILD_DEATH_REVIEW, ARLF),  # disseminated to the CDOP only
    ],
)
def test_a_forum_that_is_not_a_point_of_dissemination_cannot_decide(
    kind: SourceKind, outsider: str
) -> None:
    p = partnership()
    a = reported(p, kind)
    r = recommend(a, p)
    with pytest.raises(RuleViolation) as e:
        decide(r, a, p, forum_id=outsider)
    assert (e.value.code, e.value.field) == ("forum_not_responsible", "forum_id")


@pytest.mark.parametrize(
    ("kind", "forum_id"),
    [
        (SourceKind.THEMATIC_AUDIT, ARLF),
        (SourceKind.CHILD_DEATH_REVIEW, CDOP),
        (SourceKind.SAFEGUARDING_PRACTICE_REVIEW, SCPF),
    ],
)
def test_a_point_of_dissemination_decides(kind: SourceKind, forum_id: str) -> None:
    p = partnership()
    a = reported(p, kind)
    assert decide(recommend(a, p), a, p, forum_id=forum_id).status is RecommendationStatus.ACCEPTED


def test_who_may_decide_follows_the_partnerships_overridden_routing() -> None:
    p = set_routing(
        partnership(),
        ctx(),
        source_kind=SourceKind.THEMATIC_AUDIT,
        points_of_dissemination=(SCPF,),
        sign_off_forum=SCPF,
    ).result
    a = reported(p, SourceKind.THEMATIC_AUDIT)
    r = recommend(a, p)
    with pytest.raises(RuleViolation) as e:
        decide(r, a, p, forum_id=ARLF)
    assert e.value.code == "forum_not_responsible"
    assert decide(r, a, p, forum_id=SCPF).status is RecommendationStatus.ACCEPTED


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (DecisionOutcome.ACCEPT, RecommendationStatus.ACCEPTED),
        (DecisionOutcome.REJECT, RecommendationStatus.REJECTED),
    ],
)
def test_an_accepted_or_rejected_recommendation_is_not_decided_again(
    outcome: DecisionOutcome, status: RecommendationStatus
) -> None:
    p = partnership()
    a = reported(p)
    r = decide(recommend(a, p), a, p, outcome)
    assert r.status is status
    for again in DecisionOutcome:
        with pytest.raises(RuleViolation) as e:
            decide(r, a, p, again)
        assert (e.value.code, e.value.field) == ("already_decided", "subject_id")


def test_a_deferred_recommendation_still_awaits_a_decision() -> None:
    p = partnership()
    a = reported(p)
    r = decide(recommend(a, p), a, p, DecisionOutcome.DEFER)
    assert (r.status, r.deferrals) == (RecommendationStatus.AWAITING_DECISION, 1)
    r = decide(r, a, p, DecisionOutcome.DEFER)
    assert r.deferrals == 2
    r = decide(r, a, p, DecisionOutcome.ACCEPT)
    assert (r.status, r.deferrals, len(r.decision_ids)) == (RecommendationStatus.ACCEPTED, 2, 3)


def test_the_decision_is_linked_to_the_recommendation() -> None:
    p = partnership()
    a = reported(p)
    decision_id = uuid4()
    r = recommendations.decide(
        recommend(a, p), a, p, ctx("Agreed."), decision_id=decision_id, forum_id=ARLF,
        outcome=DecisionOutcome.ACCEPT, decided_on=D0,
    ).result
    assert r.decision_ids == (decision_id,)
