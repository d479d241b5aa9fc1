"""A recorded finding is never replaced: its id is taken for good, and a correction
is an amendment or a withdrawal of its own, each with a rationale."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain import activity as activities
from domain import findings
from domain import recommendation as recommendations
from domain.activity import Activity, FindingCategory, FindingRecorded
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.framework import Theme
from domain.partnership import Partnership
from tests.unit.builders import (
    COUNCIL,
    D0,
    POLICE,
    ctx,
    partnership,
    started,
    with_finding,
)

LATER = date(2025, 3, 10)


def _amend(a: Activity, p: Partnership, finding_id: UUID, *, rationale: str | None = "Agreed wording.",
           on: date = LATER, themes: tuple[Theme, ...] = (Theme.NEGLECT,)) -> Activity:
    return findings.amend_finding(
        a, p, ctx(rationale), finding_id=finding_id, category=FindingCategory.GOOD_PRACTICE,
        summary="Referrals were followed up late.", themes=themes, agencies_concerned=(COUNCIL,), amended_on=on,
    ).result


def test_a_finding_id_already_recorded_is_refused_and_the_first_finding_stands() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    with pytest.raises(RuleViolation) as e:
        activities.record_finding(
            a, p, ctx(), category=FindingCategory.GOOD_PRACTICE, summary="Something else.",
            themes=(Theme.NEGLECT,), agencies_concerned=(), recorded_on=D0, finding_id=finding_id,
        )
    assert (e.value.code, e.value.field) == ("finding_exists", "finding_id")
    assert a.findings[finding_id].summary == "Referrals were not followed up."


def test_applying_a_second_finding_recorded_under_the_same_id_is_refused() -> None:
    """Defence in depth: the event itself never overwrites a finding, whatever made it."""
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    duplicate = FindingRecorded(
        originator_id=a.id, originator_version=a.version + 1, partnership_id=a.partnership_id,
        principal="someone", finding_id=finding_id, category=FindingCategory.GOOD_PRACTICE,
        summary="Replaced.", themes=(Theme.NEGLECT,), agencies_concerned=(), recorded_on=D0,
    )
    with pytest.raises(RuleViolation) as e:
        duplicate.mutate(a)
    assert e.value.code == "finding_exists"


def test_an_amendment_is_the_current_version_and_says_when() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    amended = _amend(a, p, finding_id)
    f = amended.findings[finding_id]
    assert (f.summary, f.category, f.themes, f.agencies_concerned) == (
        "Referrals were followed up late.", FindingCategory.GOOD_PRACTICE, (Theme.NEGLECT,), (COUNCIL,),
    )
    assert (f.recorded_on, f.amended_on) == (D0, LATER)
    assert amended.version == a.version + 1


@pytest.mark.parametrize("rationale", [None, "  "])
def test_an_amendment_or_a_withdrawal_needs_a_rationale(rationale: str | None) -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    with pytest.raises(InvalidInput) as e:
        _amend(a, p, finding_id, rationale=rationale)
    assert (e.value.code, e.value.field) == ("rationale_required", "rationale")
    with pytest.raises(InvalidInput) as e:
        findings.withdraw_finding(a, ctx(rationale), finding_id=finding_id, withdrawn_on=LATER)
    assert (e.value.code, e.value.field) == ("rationale_required", "rationale")


def test_an_amendment_names_a_theme_and_known_agencies() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    with pytest.raises(InvalidInput) as e:
        _amend(a, p, finding_id, themes=())
    assert e.value.code == "theme_required"


def test_a_correction_cannot_predate_the_version_it_corrects() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    with pytest.raises(RuleViolation) as e:
        _amend(a, p, finding_id, on=date(2025, 3, 2))
    assert (e.value.code, e.value.field) == ("date_out_of_order", "amended_on")
    assert "2025-03-03" in e.value.message
    amended = _amend(a, p, finding_id)
    with pytest.raises(RuleViolation) as e:
        findings.withdraw_finding(amended, ctx("Duplicate."), finding_id=finding_id, withdrawn_on=D0)
    assert (e.value.field, LATER.isoformat() in e.value.message) == ("withdrawn_on", True)


def test_a_withdrawn_finding_stays_on_record_but_no_longer_counts() -> None:
    p = partnership()
    a, kept = with_finding(started(p), p)
    a, withdrawn = with_finding(a, p)
    a = findings.withdraw_finding(a, ctx("Recorded twice."), finding_id=withdrawn, withdrawn_on=LATER).result
    assert a.findings[withdrawn].withdrawn_on == LATER
    assert [f.finding_id for f in a.current_findings] == [kept]
    with pytest.raises(RuleViolation) as e:
        _amend(a, p, withdrawn)
    assert e.value.code == "finding_withdrawn"
    with pytest.raises(RuleViolation) as e:
        findings.withdraw_finding(a, ctx("Again."), finding_id=withdrawn, withdrawn_on=LATER)
    assert e.value.code == "finding_withdrawn"
    with pytest.raises(RuleViolation) as e:
        recommendations.make_recommendation(
            a, p, ctx(), finding_ids=(withdrawn,), text="t", addressed_to=(POLICE,), made_on=LATER,
        )
    assert (e.value.code, e.value.field) == ("finding_withdrawn", "finding_ids[0]")


def test_an_activity_whose_every_finding_is_withdrawn_has_nothing_to_report() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p)
    a = findings.withdraw_finding(a, ctx("Not a finding."), finding_id=finding_id, withdrawn_on=LATER).result
    with pytest.raises(RuleViolation) as e:
        activities.report(a, p, ctx(), report_summary="S", reported_on=LATER)
    assert e.value.code == "findings_required"


def test_only_a_finding_of_the_activity_is_corrected() -> None:
    p = partnership()
    a, _ = with_finding(started(p), p)
    with pytest.raises(NotFound) as e:
        _amend(a, p, uuid4())
    assert e.value.code == "unknown_finding"
