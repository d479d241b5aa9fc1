"""Each source kind's rules and routing are the partnership's: seeded, changed by events, read by the rules."""

from __future__ import annotations

from typing import Any

import pytest

from domain import activity as activities
from domain.aggregate import project
from domain.errors import InvalidInput, RuleViolation
from domain.framework import ARLF, BOARD, DEFAULT_SOURCES, SourceKind, SourceRules
from domain.partnership import (
    Partnership,
    SourceRulesSet,
    add_forum,
    register_partnership,
    set_routing,
    set_source_rules,
)
from tests.unit.builders import (
    COUNCIL,
    D0,
    POLICE,
    ctx,
    opened,
    partnership,
    reported,
    signed_off,
    started,
    with_lead,
)

SPR = SourceKind.SAFEGUARDING_PRACTICE_REVIEW
THEMATIC = SourceKind.THEMATIC_AUDIT
SEED = {kind: defaults.rules for kind, defaults in DEFAULT_SOURCES.items()}


def relaxed(p: Partnership, kind: SourceKind, **rules: bool) -> Partnership:
    return set_source_rules(p, ctx("The partnership agreed a lighter model."), source_kind=kind, **rules).result


# --- seeding and folding ---------------------------------------------------


def test_registration_with_the_defaults_records_every_kinds_rules_as_events() -> None:
    c = register_partnership(ctx(), display_name="St Helens")
    recorded = {e.source_kind: e for e in c.events if isinstance(e, SourceRulesSet)}
    assert set(recorded) == set(SourceKind)
    assert recorded[SPR].requires_independent_lead and recorded[SPR].requires_publication
    assert not recorded[THEMATIC].requires_child_voice
    assert c.result.rules == SEED


def test_a_partnership_registered_before_rules_were_events_replays_with_the_seeds_rules() -> None:
    # An old store: the registration, forums and routing, and no SourceRulesSet at all.
    old = [e for e in register_partnership(ctx(), display_name="St Helens").events if not isinstance(e, SourceRulesSet)]
    p = project(None, old)
    assert p is not None and p.rules == SEED
    # So its practice reviews are held to what they were held to when recorded.
    with pytest.raises(RuleViolation) as e:
        activities.start(opened(p, SPR), p, ctx())
    assert e.value.code == "lead_reviewer_required"


def test_a_partnership_without_the_defaults_keeps_the_frameworks_safeguards() -> None:
    c = register_partnership(ctx(), display_name="Bare", with_framework_defaults=False)
    assert not any(isinstance(e, SourceRulesSet) for e in c.events)
    assert c.result.rules == SEED


# --- set_source_rules --------------------------------------------------------


def test_set_source_rules_changes_the_rules_given_and_keeps_the_others() -> None:
    c = set_source_rules(partnership(), ctx(), source_kind=THEMATIC, requires_child_voice=True)
    (event,) = c.events
    assert isinstance(event, SourceRulesSet) and event.source_kind is THEMATIC
    assert c.result.rules_for(THEMATIC) == SourceRules(requires_child_voice=True)
    assert c.result.rules_for(SPR) == SEED[SPR]


def test_set_source_rules_refuses_a_change_that_changes_nothing() -> None:
    with pytest.raises(RuleViolation) as e:
        set_source_rules(partnership(), ctx(), source_kind=SPR, requires_independent_lead=True)
    assert (e.value.code, e.value.field) == ("source_rules_unchanged", "source_kind")


@pytest.mark.parametrize("rationale", [None, "  "])
def test_relaxing_a_rule_needs_a_rationale(rationale: str | None) -> None:
    with pytest.raises(RuleViolation) as e:
        set_source_rules(partnership(), ctx(rationale), source_kind=SPR, requires_publication=False)
    assert (e.value.code, e.value.field, e.value.status) == ("rationale_required", "rationale", 409)
    assert "requires_publication" in e.value.message
    assert relaxed(partnership(), SPR, requires_publication=False).rules_for(SPR).requires_publication is False


def test_an_event_replays_to_the_same_rules() -> None:
    p = partnership()
    c = set_source_rules(p, ctx(), source_kind=THEMATIC, requires_publication=True)
    assert project(p, c.events) == c.result


# --- the domain's rules read the partnership's ------------------------------


def test_a_practice_review_without_the_independence_rule_starts_without_a_lead() -> None:
    p = relaxed(partnership(), SPR, requires_independent_lead=False)
    a = opened(p, SPR)
    assert activities.start(a, p, ctx()).result.status is activities.ActivityStatus.IN_PROGRESS


def test_without_the_independence_rule_a_lead_may_come_from_an_involved_agency() -> None:
    strict = partnership()
    with pytest.raises(RuleViolation) as e:
        with_lead(opened(strict, SPR, agencies=(POLICE, COUNCIL)), strict, POLICE)
    assert e.value.code == "lead_reviewer_not_independent"
    p = relaxed(strict, SPR, requires_independent_lead=False)
    assert with_lead(opened(p, SPR, agencies=(POLICE, COUNCIL)), p, POLICE).lead_reviewer is not None


def test_opening_needs_a_rationale_only_where_the_partnership_requires_an_independent_lead() -> None:
    def open_without_rationale(p: Partnership, kind: SourceKind) -> Any:
        return activities.open_activity(
            p, ctx(None), kind=kind, title="t", opened_on=D0, scope="s", aware_on=D0,
        )

    with pytest.raises(InvalidInput) as e:
        open_without_rationale(partnership(), SPR)
    assert e.value.code == "proportionality_rationale_required"
    assert open_without_rationale(relaxed(partnership(), SPR, requires_independent_lead=False), SPR).events
    tightened = set_source_rules(partnership(), ctx(), source_kind=THEMATIC, requires_independent_lead=True).result
    with pytest.raises(InvalidInput):
        open_without_rationale(tightened, THEMATIC)


def test_a_kind_the_partnership_now_requires_the_childs_voice_of_cannot_sign_off_without_it() -> None:
    p = set_source_rules(partnership(), ctx(), source_kind=THEMATIC, requires_child_voice=True).result
    a = reported(p, THEMATIC, child_voice=False)
    assert [code for code, _, _ in activities.missing_for_sign_off(a, p)] == ["child_voice_required"]
    with pytest.raises(RuleViolation) as e:
        activities.sign_off(a, p, ctx(), decision_id=a.id, forum_id=ARLF, on=D0)
    assert (e.value.code, e.value.field) == ("child_voice_required", "child_voice")


def test_a_kind_the_partnership_requires_published_closes_only_once_published() -> None:
    p = set_source_rules(partnership(), ctx(), source_kind=THEMATIC, requires_publication=True).result
    with pytest.raises(RuleViolation) as e:
        activities.close(signed_off(p, THEMATIC), p, ctx(), closed_on=D0)
    assert e.value.code == "invalid_status"
    p = relaxed(partnership(), SPR, requires_publication=False)
    a = signed_off(p, SPR)
    assert activities.close(a, p, ctx(), closed_on=D0).result.status is activities.ActivityStatus.CLOSED


def test_a_report_needs_practitioners_only_where_the_partnership_requires_them() -> None:
    p = relaxed(partnership(), SPR, requires_practitioner_and_family_involvement=False)
    assert reported(p, SPR, practitioners=False, family=False).status is activities.ActivityStatus.REPORTED


# --- a kind the partnership has not routed -----------------------------------


def test_an_activity_of_a_kind_without_routing_is_refused_until_the_kind_is_routed() -> None:
    p = partnership(with_framework_defaults=False)
    with pytest.raises(RuleViolation) as e:
        activities.open_activity(p, ctx(), kind=THEMATIC, title="t", opened_on=D0, scope="s")
    assert (e.value.code, e.value.field) == ("source_kind_not_routed", "kind")
    assert THEMATIC.value in e.value.message
    for forum_id in (ARLF, BOARD):
        p = add_forum(p, ctx(), forum_id=forum_id, display_name=forum_id).result
    p = set_routing(p, ctx(), source_kind=THEMATIC, points_of_dissemination=(ARLF,), sign_off_forum=BOARD).result
    a = activities.open_activity(p, ctx(), kind=THEMATIC, title="t", opened_on=D0, scope="s").result
    assert a.kind is THEMATIC
    # Other kinds stay refused.
    with pytest.raises(RuleViolation):
        activities.open_activity(p, ctx(), kind=SourceKind.SINGLE_AGENCY_AUDIT, title="t", opened_on=D0, scope="s")


def test_started_activities_follow_rules_changed_after_they_opened() -> None:
    p = partnership()
    a = started(p, THEMATIC)
    p = set_source_rules(p, ctx(), source_kind=THEMATIC, requires_practitioner_and_family_involvement=True).result
    assert [code for code, _, _ in activities.missing_for_sign_off(a, p)] == [
        "practitioner_involvement_required", "family_involvement_offer_required",
    ]
