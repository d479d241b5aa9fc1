"""The effective date of each event ("as the records' own dates say"; services/application/as_at.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from domain.action import ActionAgreed, ActionReopened
from domain.activity_state import ActivityOpened, ActivityStarted, FindingRecorded
from domain.aggregate import AggregateEvent
from domain.catalogue import EVENT_CLASSES
from domain.framework import SourceKind
from domain.recommendation import DecisionOutcome, RecommendationDecided
from services.application.as_at import (
    DATED,
    NOT_WHEN_IT_HAPPENED,
    RECORDS,
    AsAt,
    effective_dates,
    events_as_at,
    key_of,
    record_of,
)

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_every_date_an_event_of_a_record_carries_is_either_when_it_happened_or_said_not_to_be() -> None:
    for event_class in EVENT_CLASSES:
        if not issubclass(event_class, AggregateEvent) or record_of(event_class) not in RECORDS:
            continue
        days = {n for n, f in event_class.model_fields.items() if f.annotation in (date, date | None)}
        days -= {"aware_on", "initiated_on"}  # an activity's opening also names earlier days it counts from
        if days:
            assert event_class in DATED or event_class in NOT_WHEN_IT_HAPPENED, event_class.__name__
        if event_class in DATED:
            assert DATED[event_class] in days, event_class.__name__


def _common(originator: object, version: int) -> dict[str, object]:
    return {"originator_id": originator, "originator_version": version, "partnership_id": "p", "principal": "admin:x",
            "timestamp": NOW}


def test_undated_events_count_from_the_one_before_and_never_before_it() -> None:
    a = uuid4()
    opened = ActivityOpened(**_common(a, 1), kind=SourceKind.THEMATIC_AUDIT, title="T", case_reference=None,
                            scope="S", agencies_involved=(), opened_on=date(2026, 3, 2))
    started = ActivityStarted(**_common(a, 2))
    finding = FindingRecorded(**_common(a, 3), finding_id=uuid4(), category="good_practice", summary="Good",
                              themes=(), agencies_concerned=(), recorded_on=date(2026, 2, 1))
    dates = effective_dates([opened, started, finding])
    assert dates[key_of(started)] == date(2026, 3, 2)
    # Recorded on a day before the opening: it counts from the opening, so the record is a prefix.
    assert dates[key_of(finding)] == date(2026, 3, 2)
    assert events_as_at([opened, started, finding], AsAt.effective(date(2026, 3, 1))) == []


def test_an_action_counts_from_the_acceptance_of_its_recommendation() -> None:
    r, x = uuid4(), uuid4()
    decided = RecommendationDecided(**_common(r, 2), decision_id=uuid4(), forum_id="f",
                                    outcome=DecisionOutcome.ACCEPT, decided_on=date(2026, 6, 15))
    agreed = ActionAgreed(**_common(x, 1), recommendation_id=r, activity_id=uuid4(), owner_agency_id="a",
                          description="Do it", due_on=date(2026, 9, 30))
    reopened = ActionReopened(**_common(x, 2), reason="Again", due_on=date(2027, 1, 1))
    dates = effective_dates([decided, agreed, reopened])
    assert dates[key_of(agreed)] == dates[key_of(reopened)] == date(2026, 6, 15)
    # Without the decision at hand, the day it was recorded.
    assert effective_dates([agreed])[key_of(agreed)] == NOW.date()


def test_the_readings_say_what_they_show() -> None:
    assert AsAt.recorded(datetime(2026, 11, 1, tzinfo=UTC)).describe() == "As recorded by 1 Nov 2026 00:00 UTC"
    assert AsAt.effective(date(2026, 11, 1)).describe() == "As the records' own dates say on 1 Nov 2026"
