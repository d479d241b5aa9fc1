"""Agencies acknowledge the learning they received and say how they cascaded it."""

from __future__ import annotations

from datetime import date

import pytest

from domain import activity as activities
from domain.activity import Activity, ActivityStatus, CascadeMethod, LearningAcknowledged
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.partnership import Partnership
from tests.unit.builders import COUNCIL, POLICE, ctx, partnership, published, reported, signed_off

ON = date(2025, 4, 1)


def _ack(a: Activity, p: Partnership, agency_id: str = POLICE, *methods: CascadeMethod) -> Activity:
    return activities.acknowledge_learning(
        a, p, ctx(), agency_id=agency_id, acknowledged_on=ON,
        cascaded_by=methods or (CascadeMethod.TEAM_BRIEFING,), notes="Briefed the MASH team.",
    ).result


def test_an_agency_acknowledges_signed_off_learning_with_its_cascade_methods() -> None:
    p = partnership()
    a = signed_off(p)
    c = activities.acknowledge_learning(
        a, p, ctx(), agency_id=POLICE, acknowledged_on=ON,
        cascaded_by=(CascadeMethod.TRAINING, CascadeMethod.NEWSLETTER, CascadeMethod.TRAINING),
    )
    assert [type(e) for e in c.events] == [LearningAcknowledged]
    ack = c.result.acknowledgements[POLICE]
    assert ack.acknowledged_on == ON
    assert ack.cascaded_by == (CascadeMethod.TRAINING, CascadeMethod.NEWSLETTER)
    assert ack.notes is None
    assert c.result.status is ActivityStatus.SIGNED_OFF


def test_published_and_closed_learning_can_be_acknowledged() -> None:
    p = partnership()
    a = published(p)
    assert set(_ack(a, p).acknowledgements) == {POLICE}
    closed = activities.close(a, p, ctx(), closed_on=ON).result
    assert set(_ack(_ack(closed, p), p, COUNCIL).acknowledgements) == {POLICE, COUNCIL}


def test_learning_not_yet_signed_off_cannot_be_acknowledged() -> None:
    p = partnership()
    with pytest.raises(RuleViolation) as e:
        _ack(reported(p), p)
    assert e.value.code == "invalid_status"


def test_the_agency_must_exist_in_the_partnership() -> None:
    p = partnership()
    with pytest.raises(NotFound) as e:
        _ack(signed_off(p), p, "no-such-agency")
    assert e.value.field == "agency_id"


def test_at_least_one_cascade_method() -> None:
    p = partnership()
    with pytest.raises(InvalidInput) as e:
        activities.acknowledge_learning(
            signed_off(p), p, ctx(), agency_id=POLICE, acknowledged_on=ON, cascaded_by=()
        )
    assert e.value.code == "cascade_method_required"


def test_acknowledging_twice_is_refused() -> None:
    p = partnership()
    a = _ack(signed_off(p), p)
    with pytest.raises(RuleViolation) as e:
        _ack(a, p, POLICE, CascadeMethod.OTHER)
    assert e.value.code == "already_acknowledged"
    assert a.acknowledgements[POLICE].cascaded_by == (CascadeMethod.TEAM_BRIEFING,)
