"""Every id a client chooses is taken once: a reused one is refused with a code and
nothing is recorded, on SQLite and on PostgreSQL, even when two writers race."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import Activity
from domain.aggregate import Context
from domain.errors import RuleViolation
from services.application.handlers import handle
from services.application.service import LearningService
from services.application.unit_of_work import UnitOfWork

CTX = Context(partnership_id="st-helens", principal="tester")
OTHER = Context(partnership_id="wirral", principal="tester")


def _audit(service: LearningService, ctx: Context = CTX, activity_id: UUID | None = None) -> UUID:
    out = service.execute(ctx, cmd.OpenActivity(
        activity_id=activity_id, kind="thematic_audit", title="Neglect audit", opened_on=date(2025, 3, 3),
        scope="Neglect",
    ))
    return UUID(out.body["id"])


def _finding(finding_id: UUID, summary: str) -> cmd.RecordFinding:
    return cmd.RecordFinding(
        finding_id=finding_id, category="area_for_improvement", summary=summary, themes=("neglect",),
        recorded_on=date(2025, 3, 10),
    )


@pytest.fixture
def service(store: EventStore) -> LearningService:
    s = LearningService(store)
    for ctx in (CTX, OTHER):
        s.execute(ctx, cmd.RegisterPartnership(partnership_id=ctx.partnership_id, display_name="P"))
    return s


def _head(store: EventStore) -> int:
    return store.recorder.max_notification_id() or 0


def test_a_finding_id_in_use_on_another_activity_is_refused_and_nothing_is_recorded(
    service: LearningService, store: EventStore,
) -> None:
    first, second = _audit(service), _audit(service)
    finding_id = uuid4()
    service.execute(CTX, _finding(finding_id, "The first finding."), first)
    head = _head(store)
    for activity in (first, second):
        with pytest.raises(RuleViolation) as e:
            service.execute(CTX, _finding(finding_id, "Replaces it?"), activity)
        assert (e.value.code, e.value.field) == ("finding_exists", "finding_id")
    assert _head(store) == head
    kept = store.load(first, Activity)
    assert kept is not None and kept.findings[finding_id].summary == "The first finding."
    untouched = store.load(second, Activity)
    assert untouched is not None and untouched.findings == {}


def test_a_finding_id_is_not_reused_from_another_partnership_either(service: LearningService) -> None:
    finding_id = uuid4()
    service.execute(CTX, _finding(finding_id, "St Helens' finding."), _audit(service))
    with pytest.raises(RuleViolation) as e:
        service.execute(OTHER, _finding(finding_id, "Wirral's."), _audit(service, OTHER))
    assert e.value.code == "finding_exists"
    assert "st-helens" not in e.value.message


def test_two_writers_racing_for_one_finding_id_record_it_once(service: LearningService, store: EventStore) -> None:
    first, second = _audit(service), _audit(service)
    finding_id = uuid4()
    # Both pass the check before either commits: the store's uniqueness decides.
    racing = [UnitOfWork(store), UnitOfWork(store)]
    for uow, activity in zip(racing, (first, second), strict=True):
        handle(uow, CTX, _finding(finding_id, f"On {activity}."), activity)
    racing[0].commit()
    with pytest.raises(RuleViolation) as e:
        racing[1].commit()
    assert e.value.code == "finding_exists"
    loser = store.load(second, Activity)
    assert loser is not None and loser.findings == {}


def test_one_finding_id_twice_in_an_ingest_batch_applies_once(service: LearningService, store: EventStore) -> None:
    activity = _audit(service)
    finding_id = uuid4()
    item = {"partnership_id": "st-helens", "target_id": str(activity), "command": "record_finding"}
    payload = _finding(finding_id, "Once.").model_dump(mode="json", exclude_none=True)
    report = service.ingest("svc:case-system", [{**item, "payload": payload}, {**item, "payload": payload}])
    assert [r.index for r in report.applied] == [0]
    assert [(e.index, e.code) for e in report.rejected] == [(1, "finding_exists")]
    loaded = store.load(activity, Activity)
    assert loaded is not None and list(loaded.findings) == [finding_id]


def test_client_chosen_aggregate_ids_are_refused_with_a_code_of_their_kind(
    service: LearningService, store: EventStore,
) -> None:
    activity = _audit(service)
    with pytest.raises(RuleViolation) as e:
        _audit(service, activity_id=activity)
    assert (e.value.code, e.value.field) == ("activity_exists", "activity_id")
    # A decision's id may not be another entity's: nothing of the decision is recorded.
    service.execute(CTX, cmd.ScheduleMeeting(forum_id="audit-review-learning-forum", meets_on=date(2025, 4, 1)))
    service.execute(CTX, cmd.StartActivity(), activity)
    service.execute(CTX, _finding(uuid4(), "A finding."), activity)
    service.execute(CTX, cmd.ReportActivity(report_summary="R", reported_on=date(2025, 3, 20)), activity)
    head = _head(store)
    with pytest.raises(RuleViolation) as e:
        service.execute(CTX, cmd.RecordDecision(
            decision_id=activity, forum_id="audit-review-learning-forum", meeting_on=date(2025, 4, 1),
            subject="activity_sign_off", subject_id=activity, outcome="accept", decided_by=("Chair",),
            rationale="Agreed.",
        ))
    assert (e.value.code, e.value.field) == ("decision_exists", "decision_id")
    assert _head(store) == head
    loaded = store.load(activity, Activity)
    assert loaded is not None and loaded.status == "reported"
