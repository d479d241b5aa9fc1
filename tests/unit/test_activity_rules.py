"""The lifecycle of a learning activity and the framework's principles on it."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain import activity as activities
from domain.activity import Activity, ActivityStatus, FindingCategory
from domain.clocks import ClockName, Deadline
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.framework import ARLF, BOARD, CDOP, EXECUTIVE, SourceKind, Theme
from domain.partnership import Partnership, set_routing
from tests.unit.builders import (
    COUNCIL,
    D0,
    HOSPITALS,
    POLICE,
    PROBATION,
    PROPORTIONATE,
    commissioned,
    ctx,
    kinds_where,
    opened,
    partnership,
    publish,
    reported,
    send_final_report,
    sign_off,
    signed_off,
    started,
    with_child_voice,
    with_family_offer,
    with_finding,
    with_lead,
    with_practitioners,
)

SPR = SourceKind.SAFEGUARDING_PRACTICE_REVIEW
MAPLR = SourceKind.MULTI_AGENCY_PRACTICE_LEARNING_REVIEW
RAPID = SourceKind.RAPID_REVIEW
THEMATIC = SourceKind.THEMATIC_AUDIT


def _open(
    p: Partnership,
    kind: SourceKind,
    *,
    rationale: str | None = PROPORTIONATE,
    aware_on: date | None = None,
    originating_activity: Activity | None = None,
    agencies: tuple[str, ...] = (),
) -> Activity:
    return activities.open_activity(
        p,
        ctx(rationale),
        kind=kind,
        title="Child Q",
        opened_on=date(2025, 3, 10),
        scope="2024",
        agencies_involved=agencies,
        aware_on=aware_on,
        originating_activity=originating_activity,
    ).result


# --- opening --------------------------------------------------------------


def test_an_opened_activity_records_what_it_was_opened_with() -> None:
    p = partnership()
    activity_id = uuid4()
    a = activities.open_activity(
        p,
        ctx(PROPORTIONATE),
        kind=THEMATIC,
        title="Neglect audit",
        opened_on=D0,
        scope="Ten cases",
        case_reference="SHSCP-2025-014",
        agencies_involved=(POLICE, COUNCIL),
        activity_id=activity_id,
    ).result
    assert (a.id, a.version, a.partnership_id) == (activity_id, 1, p.partnership_id)
    assert (a.kind, a.status, a.title) == (THEMATIC, ActivityStatus.OPENED, "Neglect audit")
    assert (a.case_reference, a.agencies_involved) == ("SHSCP-2025-014", (POLICE, COUNCIL))
    assert (a.opened_on, a.aware_on, a.initiated_on) == (D0, None, None)


def test_agencies_involved_must_be_partners() -> None:
    with pytest.raises(NotFound) as e:
        _open(partnership(), THEMATIC, agencies=(POLICE, "nobody"))
    assert (e.value.code, e.value.field) == ("unknown_agency", "agencies_involved[1]")


def test_the_case_reference_must_be_pseudonymous() -> None:
    with pytest.raises(InvalidInput) as e:
        opened(partnership(), THEMATIC, case_reference="Jane Smith")
    assert e.value.code == "case_reference_not_pseudonymous"


@pytest.mark.parametrize("kind", [RAPID, SPR])
def test_a_serious_incident_review_needs_the_date_of_awareness(kind: SourceKind) -> None:
    with pytest.raises(InvalidInput) as e:
        _open(partnership(), kind)
    assert (e.value.code, e.value.field) == ("aware_on_required", "aware_on")
    assert _open(partnership(), kind, aware_on=D0).aware_on == D0


def test_other_kinds_open_without_a_date_of_awareness() -> None:
    assert _open(partnership(), THEMATIC).aware_on is None


def test_a_practice_review_inherits_the_case_but_not_the_clocks_of_its_rapid_review() -> None:
    p = partnership()
    rapid = commissioned(p, opened(p, RAPID, aware_on=D0, case_reference="RR-2025-3"))
    spr = _open(p, SPR, originating_activity=rapid)
    assert (spr.aware_on, spr.case_reference) == (None, "RR-2025-3")
    assert spr.originating_activity_id == rapid.id
    assert spr.commissioning_decision_id == rapid.commissioning_decision_id is not None
    # The notification and rapid-review clocks stay with the rapid review.
    clocks = {d.clock.value for d in spr.deadlines("awareness")}
    assert clocks == {"practice_review_publication"}


def test_an_origin_without_a_date_of_awareness_does_not_excuse_it() -> None:
    p = partnership()
    audit = opened(p, THEMATIC)
    with pytest.raises(InvalidInput) as e:
        _open(p, SPR, originating_activity=audit)
    assert e.value.code == "aware_on_required"
    assert _open(p, SPR, originating_activity=audit, aware_on=D0).aware_on == D0


def test_a_review_inherits_awareness_from_an_origin_other_than_a_rapid_review() -> None:
    p = partnership()
    cir = opened(p, SourceKind.CRITICAL_INCIDENT_REVIEW, aware_on=D0, case_reference="CIR-25-1")
    spr = _open(p, SPR, originating_activity=cir)
    assert (spr.aware_on, spr.case_reference) == (D0, "CIR-25-1")
    later = date(2025, 3, 4)
    assert _open(p, SPR, originating_activity=cir, aware_on=later).aware_on == later


def test_a_practice_review_is_initiated_when_opened() -> None:
    p = partnership()
    assert _open(p, SPR, aware_on=D0).initiated_on == date(2025, 3, 10)
    assert _open(p, RAPID, aware_on=D0).initiated_on is None
    assert _open(p, MAPLR).initiated_on is None


@pytest.mark.parametrize("rationale", [None, "", "   "])
@pytest.mark.parametrize("kind", kinds_where("requires_independent_lead"))
def test_opening_a_practice_review_needs_a_proportionality_rationale(
    kind: SourceKind, rationale: str | None
) -> None:
    assert kind in {SPR, MAPLR}
    with pytest.raises(InvalidInput) as e:
        _open(partnership(), kind, rationale=rationale, aware_on=D0)
    assert (e.value.code, e.value.field) == ("proportionality_rationale_required", "rationale")


def test_the_proportionality_rationale_is_kept_on_the_event() -> None:
    c = activities.open_activity(
        partnership(), ctx(PROPORTIONATE), kind=SPR, title="Q", opened_on=D0, scope="s",
        aware_on=D0,
    )
    assert c.events[0].rationale == PROPORTIONATE


def test_a_thematic_audit_needs_no_proportionality_rationale() -> None:
    assert _open(partnership(), THEMATIC, rationale=None).status is ActivityStatus.OPENED


# --- independence of the lead reviewer -----------------------------------


@pytest.mark.parametrize("kind", [SPR, MAPLR])
def test_the_lead_reviewer_may_not_belong_to_an_involved_agency(kind: SourceKind) -> None:
    p = partnership()
    a = opened(p, kind, agencies=(POLICE, COUNCIL))
    with pytest.raises(RuleViolation) as e:
        with_lead(a, p, COUNCIL)
    assert (e.value.code, e.value.field) == ("lead_reviewer_not_independent", "agency_id")


@pytest.mark.parametrize("kind", [SPR, MAPLR])
def test_a_lead_reviewer_from_an_uninvolved_agency_or_none_is_independent(kind: SourceKind) -> None:
    p = partnership()
    a = opened(p, kind, agencies=(POLICE, COUNCIL))
    lead = with_lead(a, p, HOSPITALS).lead_reviewer
    assert lead is not None and lead.agency_id == HOSPITALS
    lead = with_lead(a, p, None).lead_reviewer
    assert lead is not None and lead.agency_id is None


@pytest.mark.parametrize("kind", [SPR, MAPLR])
def test_involving_the_lead_reviewers_agency_later_is_refused(kind: SourceKind) -> None:
    p = partnership()
    a = with_lead(opened(p, kind, agencies=(POLICE,)), p, HOSPITALS)
    with pytest.raises(RuleViolation) as e:
        activities.involve_agency(a, p, ctx(), agency_id=HOSPITALS)
    assert e.value.code == "lead_reviewer_not_independent"
    # Another agency may still be involved.
    a = activities.involve_agency(a, p, ctx(), agency_id=PROBATION).result
    assert a.agencies_involved == (POLICE, PROBATION)


def test_a_thematic_audit_may_be_led_from_an_involved_agency() -> None:
    p = partnership()
    a = with_lead(opened(p, THEMATIC, agencies=(POLICE,)), p, POLICE)
    assert a.lead_reviewer is not None and a.lead_reviewer.agency_id == POLICE
    a = with_lead(opened(p, THEMATIC, agencies=(POLICE,)), p, HOSPITALS)
    a = activities.involve_agency(a, p, ctx(), agency_id=HOSPITALS).result
    assert HOSPITALS in a.agencies_involved


def test_a_lead_reviewer_from_an_unknown_agency_is_refused() -> None:
    p = partnership()
    with pytest.raises(NotFound):
        with_lead(opened(p, SPR), p, "nobody")


def test_an_agency_is_involved_once_and_must_be_a_partner() -> None:
    p = partnership()
    a = opened(p, THEMATIC, agencies=(POLICE,))
    with pytest.raises(RuleViolation) as e:
        activities.involve_agency(a, p, ctx(), agency_id=POLICE)
    assert e.value.code == "agency_already_involved"
    with pytest.raises(NotFound):
        activities.involve_agency(a, p, ctx(), agency_id="nobody")


def test_a_lead_reviewer_is_not_appointed_once_reported() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        with_lead(reported(p, THEMATIC), p)
    assert e.value.code == "invalid_status"


# --- starting -------------------------------------------------------------


@pytest.mark.parametrize("kind", [SPR, MAPLR])
def test_a_practice_review_cannot_start_without_a_lead_reviewer(kind: SourceKind) -> None:
    p = partnership()
    a = opened(p, kind)
    with pytest.raises(RuleViolation) as e:
        activities.start(a, p, ctx())
    assert (e.value.code, e.value.field) == ("lead_reviewer_required", "lead_reviewer")
    assert activities.start(with_lead(a, p), p, ctx()).result.status is ActivityStatus.IN_PROGRESS


def test_a_thematic_audit_starts_without_a_lead_reviewer() -> None:
    p = partnership()
    a = activities.start(opened(p, THEMATIC), p, ctx()).result
    assert a.status is ActivityStatus.IN_PROGRESS


def test_an_activity_starts_once() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        activities.start(started(p), p, ctx())
    assert (e.value.code, e.value.field) == ("invalid_status", "status")


# --- serious incident clocks ---------------------------------------------


def test_only_a_serious_incident_is_notified() -> None:
    with pytest.raises(RuleViolation) as e:
        activities.notify_serious_incident(opened(partnership(), THEMATIC), ctx(), notified_on=D0)
    assert e.value.code == "not_a_serious_incident"


def test_notification_cannot_precede_awareness() -> None:
    a = opened(partnership(), RAPID, aware_on=date(2025, 3, 5))
    with pytest.raises(RuleViolation) as e:
        activities.notify_serious_incident(a, ctx(), notified_on=date(2025, 3, 4))
    assert (e.value.code, e.value.field) == ("date_before_awareness", "notified_on")
    a = activities.notify_serious_incident(a, ctx(), notified_on=date(2025, 3, 5)).result
    assert a.notified_on == date(2025, 3, 5)


def test_only_a_rapid_review_is_completed_as_one() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        activities.complete_rapid_review(opened(p, SPR), ctx(), completed_on=D0)
    assert e.value.code == "not_a_rapid_review"
    a = activities.complete_rapid_review(opened(p, RAPID), ctx(), completed_on=D0).result
    assert a.rapid_review_completed_on == D0


# --- findings and report --------------------------------------------------


def test_a_finding_is_recorded_with_its_themes_and_agencies() -> None:
    p = partnership()
    a, finding_id = with_finding(started(p), p, agencies=(POLICE, COUNCIL))
    f = a.finding(finding_id)
    assert (f.category, f.themes) == (FindingCategory.AREA_FOR_IMPROVEMENT, (Theme.INFORMATION_SHARING,))
    assert f.agencies_concerned == (POLICE, COUNCIL)


def test_an_unknown_finding_is_not_found() -> None:
    with pytest.raises(NotFound) as e:
        started(partnership()).finding(uuid4())
    assert e.value.code == "unknown_finding"


def test_a_finding_needs_a_theme() -> None:
    p = partnership()
    with pytest.raises(InvalidInput) as e:
        activities.record_finding(
            started(p), p, ctx(), category=FindingCategory.GOOD_PRACTICE, summary="s",
            themes=(), agencies_concerned=(), recorded_on=D0,
        )
    assert (e.value.code, e.value.field) == ("theme_required", "themes")


def test_a_finding_concerns_known_agencies() -> None:
    p = partnership()
    with pytest.raises(NotFound) as e:
        with_finding(started(p), p, agencies=(POLICE, "nobody"))
    assert (e.value.code, e.value.field) == ("unknown_agency", "agencies_concerned[1]")


def test_no_finding_is_recorded_after_sign_off() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        with_finding(signed_off(p), p)
    assert e.value.code == "invalid_status"


def test_a_report_needs_findings() -> None:
    p = partnership()
    a = started(p)
    with pytest.raises(RuleViolation) as e:
        activities.report(a, p, ctx(), report_summary="s", reported_on=D0)
    assert (e.value.code, e.value.field) == ("findings_required", "findings")


def test_a_report_records_its_summary() -> None:
    p = partnership()
    a, _ = with_finding(started(p), p)
    a = activities.report(a, p, ctx(), report_summary="What we learnt.", reported_on=D0).result
    assert (a.status, a.report_summary) == (ActivityStatus.REPORTED, "What we learnt.")


def test_an_activity_is_reported_only_once_in_progress() -> None:
    p = partnership()
    a, _ = with_finding(opened(p), p)
    with pytest.raises(RuleViolation) as e:
        activities.report(a, p, ctx(), report_summary="s", reported_on=D0)
    assert e.value.code == "invalid_status"


def test_practitioner_involvement_is_recorded_before_the_report() -> None:
    with pytest.raises(RuleViolation) as e:
        with_practitioners(reported(partnership()))
    assert e.value.code == "invalid_status"


def test_family_involvement_is_offered_before_the_report() -> None:
    with pytest.raises(RuleViolation) as e:
        with_family_offer(reported(partnership()))
    assert e.value.code == "invalid_status"


def test_the_childs_voice_may_still_be_recorded_once_reported_but_not_after_sign_off() -> None:
    p = partnership()
    assert with_child_voice(reported(p, SPR, child_voice=False)).child_voice
    with pytest.raises(RuleViolation):
        with_child_voice(signed_off(p))


# --- sign-off -------------------------------------------------------------


@pytest.mark.parametrize("kind", kinds_where("requires_practitioner_and_family_involvement"))
def test_a_report_needs_practitioner_involvement(kind: SourceKind) -> None:
    # Involvement is recorded only while the review is open, so the report checks it.
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        reported(p, kind, practitioners=False)
    assert (e.value.code, e.value.field) == (
        "practitioner_involvement_required",
        "practitioner_involvement",
    )


@pytest.mark.parametrize("kind", kinds_where("requires_practitioner_and_family_involvement"))
def test_a_report_needs_the_offer_of_family_involvement(kind: SourceKind) -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        reported(p, kind, family=False)
    assert (e.value.code, e.value.field) == (
        "family_involvement_offer_required",
        "family_involvement",
    )


@pytest.mark.parametrize("kind", kinds_where("requires_child_voice"))
def test_a_report_may_precede_the_childs_voice(kind: SourceKind) -> None:
    a = reported(partnership(), kind, child_voice=False)
    assert (a.status, a.child_voice) == (ActivityStatus.REPORTED, None)


@pytest.mark.parametrize("kind", kinds_where("requires_practitioner_and_family_involvement"))
@pytest.mark.parametrize(
    ("unset", "code"),
    [
        ("practitioner_involvement", "practitioner_involvement_required"),
        ("family_involvement", "family_involvement_offer_required"),
    ],
)
def test_sign_off_still_needs_involvement(kind: SourceKind, unset: str, code: str) -> None:
    # A reported state without involvement (say, from history written before the
    # report checked it) is still refused at sign-off.
    p = partnership()
    a = reported(p, kind).model_copy(update={unset: None})
    with pytest.raises(RuleViolation) as e:
        sign_off(a, p)
    assert (e.value.code, e.value.field) == (code, unset)


def test_a_declined_family_offer_is_still_an_offer() -> None:
    p = partnership()
    a = started(p, SPR)
    a = with_child_voice(with_family_offer(with_practitioners(a), "declined"))
    a, _ = with_finding(a, p)
    a = activities.report(a, p, ctx(), report_summary="s", reported_on=D0).result
    assert sign_off(a, p).status is ActivityStatus.SIGNED_OFF


@pytest.mark.parametrize("kind", kinds_where("requires_child_voice"))
def test_sign_off_needs_the_childs_voice(kind: SourceKind) -> None:
    p = partnership()
    a = reported(p, kind, child_voice=False)
    with pytest.raises(RuleViolation) as e:
        sign_off(a, p)
    assert (e.value.code, e.value.field) == ("child_voice_required", "child_voice")


@pytest.mark.parametrize("kind", kinds_where("requires_child_voice", False))
def test_kinds_without_those_principles_sign_off_without_evidence(kind: SourceKind) -> None:
    p = partnership()
    a = reported(p, kind, practitioners=False, family=False, child_voice=False)
    assert activities.missing_for_sign_off(a, p) == []
    assert sign_off(a, p).status is ActivityStatus.SIGNED_OFF


def test_missing_for_sign_off_lists_every_principle_not_evidenced() -> None:
    p = partnership()
    a = started(p, SPR)
    assert [code for code, _, _ in activities.missing_for_sign_off(a, p)] == [
        "practitioner_involvement_required",
        "family_involvement_offer_required",
        "child_voice_required",
    ]


@pytest.mark.parametrize(
    ("kind", "right", "wrong"),
    [(SPR, BOARD, ARLF), (MAPLR, BOARD, ARLF), (THEMATIC, ARLF, BOARD),
     (SourceKind.CHILD_DEATH_REVIEW, CDOP, BOARD)],
)
def test_sign_off_is_by_the_routings_sign_off_forum(
    kind: SourceKind, right: str, wrong: str
) -> None:
    p = partnership()
    a = reported(p, kind)
    with pytest.raises(RuleViolation) as e:
        sign_off(a, p, wrong)
    assert (e.value.code, e.value.field) == ("wrong_forum_for_sign_off", "forum_id")
    assert sign_off(a, p, right).signed_off_by_forum == right


def test_sign_off_follows_the_partnerships_overridden_routing() -> None:
    p = set_routing(
        partnership(), ctx(), source_kind=THEMATIC, points_of_dissemination=(ARLF, EXECUTIVE),
        sign_off_forum=EXECUTIVE,
    ).result
    a = reported(p, THEMATIC)
    with pytest.raises(RuleViolation) as e:
        sign_off(a, p, ARLF)
    assert e.value.code == "wrong_forum_for_sign_off"
    assert sign_off(a, p, EXECUTIVE).signed_off_by_forum == EXECUTIVE


def test_sign_off_needs_the_report() -> None:
    p = partnership()
    a = with_child_voice(with_family_offer(with_practitioners(started(p, SPR))))
    a, _ = with_finding(a, p)
    assert activities.missing_for_sign_off(a, p) == []
    with pytest.raises(RuleViolation) as e:
        sign_off(a, p)
    assert e.value.code == "invalid_status"


def test_sign_off_records_the_decision_and_forum() -> None:
    p = partnership()
    decision_id = uuid4()
    a = activities.sign_off(
        reported(p, SPR), p, ctx(), decision_id=decision_id, forum_id=BOARD, on=D0
    ).result
    assert (a.status, a.signed_off_by_decision, a.signed_off_by_forum) == (
        ActivityStatus.SIGNED_OFF,
        decision_id,
        BOARD,
    )
    with pytest.raises(RuleViolation) as e:
        sign_off(a, p)
    assert e.value.code == "invalid_status"


# --- publication and closure ---------------------------------------------


def test_a_practice_review_is_published_only_after_the_final_report_is_sent() -> None:
    a = signed_off(partnership(), SPR)
    with pytest.raises(RuleViolation) as e:
        publish(a)
    assert (e.value.code, e.value.field) == ("final_report_not_sent", "final_report_sent_on")
    a = publish(send_final_report(a))
    assert (a.status, a.published_on, a.final_report_sent_on) == (ActivityStatus.PUBLISHED, D0, D0)
    assert a.publication_url == "https://example.org/r"


def test_other_reviews_publish_without_a_final_report_to_the_panel() -> None:
    assert publish(signed_off(partnership(), MAPLR)).status is ActivityStatus.PUBLISHED


def test_publication_follows_sign_off() -> None:
    a = send_final_report(reported(partnership(), SPR))
    with pytest.raises(RuleViolation) as e:
        publish(a)
    assert e.value.code == "invalid_status"


def test_the_final_report_is_sent_once_there_is_a_report() -> None:
    with pytest.raises(RuleViolation) as e:
        send_final_report(started(partnership(), SPR))
    assert e.value.code == "invalid_status"


def test_publication_is_planned_before_it_happens() -> None:
    p = partnership()
    a = activities.plan_publication(started(p, SPR), ctx(), planned_on=date(2025, 8, 1)).result
    assert a.planned_publication_on == date(2025, 8, 1)
    a = publish(send_final_report(sign_off(reported(p, SPR), p)))
    with pytest.raises(RuleViolation) as e:
        activities.plan_publication(a, ctx(), planned_on=date(2025, 8, 1))
    assert e.value.code == "invalid_status"


@pytest.mark.parametrize("kind", kinds_where("requires_publication"))
def test_a_kind_that_requires_publication_closes_only_once_published(kind: SourceKind) -> None:
    p = partnership()
    a = signed_off(p, kind)
    with pytest.raises(RuleViolation) as e:
        activities.close(a, p, ctx(), closed_on=D0)
    assert e.value.code == "invalid_status"
    if kind is SPR:
        a = send_final_report(a)
    a = activities.close(publish(a), p, ctx(), closed_on=D0).result
    assert (a.status, a.closed_on) == (ActivityStatus.CLOSED, D0)


@pytest.mark.parametrize("kind", kinds_where("requires_publication", False))
def test_other_kinds_close_once_signed_off(kind: SourceKind) -> None:
    p = partnership()
    a = activities.close(signed_off(p, kind), p, ctx(), closed_on=D0).result
    assert a.status is ActivityStatus.CLOSED


def test_an_activity_does_not_close_before_sign_off() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        activities.close(reported(p, THEMATIC), p, ctx(), closed_on=D0)
    assert e.value.code == "invalid_status"


# --- deadlines ------------------------------------------------------------


def _clocks(deadlines: list[Deadline]) -> dict[ClockName, Deadline]:
    return {d.clock: d for d in deadlines}


def test_a_practice_review_runs_notification_rapid_review_and_publication_clocks() -> None:
    a = opened(partnership(), SPR, aware_on=D0)  # Monday 3 March 2025, opened the same day
    clocks = _clocks(a.deadlines("awareness"))
    assert set(clocks) == {
        ClockName.SERIOUS_INCIDENT_NOTIFICATION,
        ClockName.RAPID_REVIEW,
        ClockName.PRACTICE_REVIEW_PUBLICATION,
    }
    assert clocks[ClockName.SERIOUS_INCIDENT_NOTIFICATION].due_on == date(2025, 3, 10)
    assert clocks[ClockName.RAPID_REVIEW].due_on == date(2025, 3, 24)
    assert clocks[ClockName.PRACTICE_REVIEW_PUBLICATION].due_on == date(2025, 9, 3)
    assert all(d.met_on is None for d in clocks.values())


def test_an_activitys_clocks_are_met_by_what_it_records() -> None:
    a = opened(partnership(), RAPID, aware_on=D0)
    a = activities.notify_serious_incident(a, ctx(), notified_on=date(2025, 3, 7)).result
    a = activities.complete_rapid_review(a, ctx(), completed_on=date(2025, 3, 25)).result
    clocks = _clocks(a.deadlines("awareness"))
    assert clocks[ClockName.SERIOUS_INCIDENT_NOTIFICATION].status(date(2025, 4, 1)) == "met"
    assert clocks[ClockName.RAPID_REVIEW].status(date(2025, 4, 1)) == "met_late"
    assert ClockName.PRACTICE_REVIEW_PUBLICATION not in clocks


def test_the_rapid_review_clock_may_start_from_notification() -> None:
    p = partnership(rapid_review_starts_from="notification")
    a = opened(p, RAPID, aware_on=D0)
    a = activities.notify_serious_incident(a, ctx(), notified_on=date(2025, 3, 7)).result
    rapid = _clocks(a.deadlines(p.rapid_review_starts_from))[ClockName.RAPID_REVIEW]
    assert (rapid.starts_on, rapid.due_on) == (date(2025, 3, 7), date(2025, 3, 28))


def test_planned_publication_starts_the_final_report_clock() -> None:
    a = opened(partnership(), SPR, aware_on=D0)
    a = activities.plan_publication(a, ctx(), planned_on=date(2025, 8, 29)).result
    final = _clocks(a.deadlines("awareness"))[ClockName.FINAL_REPORT_TO_PANEL]
    assert (final.starts_on, final.due_on) == (date(2025, 8, 29), date(2025, 8, 19))


def test_publication_meets_the_publication_clock() -> None:
    a = publish(send_final_report(signed_off(partnership(), SPR)))
    clocks = _clocks(a.deadlines("awareness"))
    assert clocks[ClockName.PRACTICE_REVIEW_PUBLICATION].met_on == D0
    assert clocks[ClockName.FINAL_REPORT_TO_PANEL].met_on == D0


def test_an_audit_runs_no_statutory_clock() -> None:
    assert opened(partnership(), THEMATIC).deadlines("awareness") == []


def test_the_date_that_meets_the_notification_clock_cannot_be_rewritten() -> None:
    p = partnership()
    rapid = opened(p, RAPID, aware_on=D0)
    notified = activities.notify_serious_incident(rapid, ctx(), notified_on=D0).result
    with pytest.raises(RuleViolation) as e:
        activities.notify_serious_incident(notified, ctx(), notified_on=D0)
    assert (e.value.code, e.value.field) == ("already_notified", "notified_on")


def test_a_rapid_review_completes_once_and_not_before_awareness() -> None:
    p = partnership()
    rapid = opened(p, RAPID, aware_on=D0)
    with pytest.raises(RuleViolation) as early:
        activities.complete_rapid_review(rapid, ctx(), completed_on=date(2025, 1, 1))
    assert early.value.code == "date_before_awareness"
    done = activities.complete_rapid_review(rapid, ctx(), completed_on=D0).result
    with pytest.raises(RuleViolation) as again:
        activities.complete_rapid_review(done, ctx(), completed_on=D0)
    assert again.value.code == "already_completed"


def test_no_agency_is_involved_in_a_signed_off_activity() -> None:
    p = partnership()
    done = signed_off(p)
    with pytest.raises(RuleViolation) as e:
        activities.involve_agency(done, p, ctx(), agency_id=PROBATION)
    assert e.value.code == "invalid_status"
