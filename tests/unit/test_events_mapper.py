"""Events: immutable, attributed, stored under stable topics, and upcast when old.

The mapper is exercised with eventsourcing's JSON transcoder and its in-memory
(POPO) recorder: no server, no file.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.popo import POPOAggregateRecorder
from pydantic import BaseModel, ValidationError

from adapters.store import PydanticMapper
from domain import action as actions
from domain import activity as activities
from domain import events as events_module
from domain import findings, rapid_review, subscriptions
from domain import partnership as partnerships
from domain import recommendation as recommendations
from domain.activity import Activity, ActivityOpened, FindingRecorded
from domain.aggregate import (
    AggregateEvent,
    AggregateState,
    Change,
    check_version,
    project,
)
from domain.decision import DecisionSubject, record_decision
from domain.errors import VersionConflict
from domain.events import DomainEvent, event_class_for, registered_topics
from domain.framework import ARLF, BOARD, SCPF, Sector, SourceKind, Theme
from domain.recommendation import DecisionOutcome
from tests.unit.builders import (
    D0,
    EVIDENCE,
    HOSPITALS,
    PARTNERSHIP_ID,
    POLICE,
    PRINCIPAL,
    PROBATION,
    PROPORTIONATE,
    ctx,
    opened,
    partnership,
)

S = TypeVar("S", bound=AggregateState)

# The stored contract: renaming any of these orphans events already written.
STABLE_TOPICS = {
    "lif.partnership.registered",
    "lif.partnership.agency_added",
    "lif.partnership.agency_webhook_registered",
    "lif.partnership.forum_added",
    "lif.partnership.meeting_scheduled",
    "lif.partnership.routing_set",
    "lif.partnership.source_rules_set",
    "lif.partnership.subscription_set",
    "lif.partnership.subscription_cancelled",
    "lif.activity.opened",
    "lif.activity.agency_involved",
    "lif.activity.lead_reviewer_appointed",
    "lif.activity.started",
    "lif.activity.serious_incident_notified",
    "lif.activity.rapid_review_completed",
    "lif.activity.practitioner_involvement_recorded",
    "lif.activity.family_involvement_offered",
    "lif.activity.child_voice_recorded",
    "lif.activity.finding_recorded",
    "lif.activity.finding_amended",
    "lif.activity.finding_withdrawn",
    "lif.activity.rapid_review_recommended",
    "lif.activity.panel_view_recorded",
    "lif.activity.practice_review_commissioning_decided",
    "lif.activity.reported",
    "lif.activity.signed_off",
    "lif.activity.publication_planned",
    "lif.activity.final_report_sent_to_panel",
    "lif.activity.published",
    "lif.activity.closed",
    "lif.activity.learning_acknowledged",
    "lif.recommendation.made",
    "lif.recommendation.decided",
    "lif.decision.recorded",
    "lif.action.agreed",
    "lif.action.progress_noted",
    "lif.action.rescheduled",
    "lif.action.completed",
    "lif.action.impact_assured",
    "lif.action.reopened",
}


class History:
    """Every event of a scenario, per aggregate, with each aggregate's final state."""

    def __init__(self) -> None:
        self.events: dict[UUID, list[AggregateEvent[Any]]] = {}
        self.states: dict[UUID, AggregateState] = {}

    def run(self, c: Change[S]) -> S:
        self.events.setdefault(c.aggregate_id, []).extend(c.events)
        self.states[c.aggregate_id] = c.result
        return c.result

    def all_events(self) -> list[AggregateEvent[Any]]:
        return [e for events in self.events.values() for e in events]


@cache
def scenario() -> History:
    """A partnership's life that raises every kind of domain event at least once."""
    h = History()
    c = ctx()
    p = h.run(partnerships.register_partnership(c, display_name="St Helens"))
    p = h.run(partnerships.add_agency(p, c, agency_id="nwas", display_name="NWAS", sector=Sector.HEALTH))
    p = h.run(partnerships.register_webhook(p, c, agency_id="nwas", webhook_url="https://nwas/h"))
    p = h.run(partnerships.add_forum(p, c, forum_id="neglect-group", display_name="Neglect group"))
    p = h.run(partnerships.schedule_meeting(p, c, forum_id=BOARD, meets_on=date(2025, 3, 20)))
    p = h.run(
        partnerships.set_routing(
            p, c, source_kind=SourceKind.THEMATIC_AUDIT, points_of_dissemination=(ARLF, SCPF),
            sign_off_forum=ARLF,
        )
    )
    p = h.run(subscriptions.subscribe(p, c, agency_id=POLICE, everything=True))
    p = h.run(
        subscriptions.subscribe(
            p, c, agency_id="nwas", themes=(Theme.NEGLECT,),
            source_kinds=(SourceKind.THEMATIC_AUDIT,), forums=(ARLF,),
        )
    )
    p = h.run(subscriptions.unsubscribe(p, c, agency_id="nwas"))
    assert set(p.subscriptions) == {POLICE}

    rapid = h.run(
        activities.open_activity(
            p, ctx(PROPORTIONATE), kind=SourceKind.RAPID_REVIEW, title="Child Q", opened_on=D0,
            scope="s", case_reference="RR-2025-3", agencies_involved=(POLICE,), aware_on=D0,
        )
    )
    rapid = h.run(activities.involve_agency(rapid, p, c, agency_id=PROBATION))
    rapid = h.run(activities.notify_serious_incident(rapid, c, notified_on=D0))
    rapid = h.run(activities.complete_rapid_review(rapid, c, completed_on=date(2025, 3, 14)))
    rapid = h.run(
        rapid_review.recommend(
            rapid, c, recommends="practice_review", reasons="Serious harm; agencies' work together in question.",
            recommended_on=date(2025, 3, 14),
        )
    )
    rapid = h.run(
        rapid_review.record_panel_view(
            rapid, c, view="agrees", summary="The Panel agrees.", received_on=date(2025, 3, 14)
        )
    )
    p = h.run(partnerships.schedule_meeting(p, c, forum_id=BOARD, meets_on=date(2025, 3, 17)))
    commissioning = h.run(
        record_decision(
            p, ctx("As the rapid review recommends."), forum_id=BOARD, meeting_on=date(2025, 3, 17),
            subject=DecisionSubject.PRACTICE_REVIEW_COMMISSIONING, subject_id=rapid.id,
            outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",),
        )
    )
    rapid = h.run(
        rapid_review.decide_commissioning(
            rapid, p, c, decision_id=commissioning.id, forum_id=BOARD, outcome=DecisionOutcome.ACCEPT,
            decided_on=date(2025, 3, 17),
        )
    )

    spr = h.run(
        activities.open_activity(
            p, ctx(PROPORTIONATE), kind=SourceKind.SAFEGUARDING_PRACTICE_REVIEW, title="Child Q",
            opened_on=date(2025, 3, 17), scope="s", agencies_involved=(POLICE,),
            originating_activity=rapid,
        )
    )
    spr = h.run(activities.appoint_lead_reviewer(spr, p, c, reviewer_name="Dr R", agency_id=HOSPITALS))
    spr = h.run(activities.start(spr, p, c))
    spr = h.run(activities.record_practitioner_involvement(spr, c, summary="Event held."))
    spr = h.run(
        activities.offer_family_involvement(
            spr, c, offered_on=date(2025, 3, 18), response="no_response", summary="Letter sent."
        )
    )
    spr = h.run(activities.record_child_voice(spr, c, summary="Diary entries."))
    spr = h.run(
        activities.record_finding(
            spr, p, c, category=activities.FindingCategory.GOOD_PRACTICE, summary="Good",
            themes=(Theme.NEGLECT, Theme.MALE_CARERS),
            agencies_concerned=(POLICE,), recorded_on=date(2025, 3, 18),
        )
    )
    first = next(iter(spr.findings))
    spr = h.run(
        findings.amend_finding(
            spr, p, ctx("Wording agreed with the agencies."), finding_id=first,
            category=activities.FindingCategory.GOOD_PRACTICE, summary="Good, and timely",
            themes=(Theme.NEGLECT,), agencies_concerned=(POLICE,), amended_on=date(2025, 3, 18),
        )
    )
    spr = h.run(
        activities.record_finding(
            spr, p, c, category=activities.FindingCategory.AREA_FOR_IMPROVEMENT, summary="Recorded twice",
            themes=(Theme.NEGLECT,), agencies_concerned=(), recorded_on=date(2025, 3, 18),
        )
    )
    duplicate = next(f for f in spr.findings if f != first)
    spr = h.run(
        findings.withdraw_finding(
            spr, ctx("The same as the first finding."), finding_id=duplicate, withdrawn_on=date(2025, 3, 19)
        )
    )
    spr = h.run(activities.report(spr, p, c, report_summary="Report", reported_on=date(2025, 3, 19)))
    sign_off = h.run(
        record_decision(
            p, ctx("Evidenced."), forum_id=BOARD, meeting_on=date(2025, 3, 20),
            subject=DecisionSubject.ACTIVITY_SIGN_OFF, subject_id=spr.id,
            outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",),
        )
    )
    spr = h.run(
        activities.sign_off(spr, p, c, decision_id=sign_off.id, forum_id=BOARD, on=date(2025, 3, 20))
    )
    spr = h.run(activities.plan_publication(spr, c, planned_on=date(2025, 8, 29)))
    spr = h.run(activities.send_final_report(spr, c, sent_on=date(2025, 8, 1)))
    spr = h.run(activities.publish(spr, c, published_on=date(2025, 8, 29), url=None))

    r = h.run(
        recommendations.make_recommendation(
            spr, p, c, finding_ids=(first,), text="Do better.",
            addressed_to=("partnership", POLICE), made_on=date(2025, 3, 20),
        )
    )
    r = h.run(
        recommendations.decide(
            r, spr, p, ctx("Agreed."), decision_id=uuid4(), forum_id=ARLF,
            outcome=DecisionOutcome.ACCEPT, decided_on=date(2025, 3, 20),
        )
    )
    spr = h.run(
        activities.acknowledge_learning(
            spr, p, c, agency_id=POLICE, acknowledged_on=date(2025, 8, 30),
            cascaded_by=(activities.CascadeMethod.TEAM_BRIEFING,), notes="Briefed.",
        )
    )
    h.run(activities.close(spr, p, c, closed_on=date(2025, 9, 1)))

    act = h.run(
        actions.agree_action(
            r, p, c, owner_agency_id=POLICE, description="Train", due_on=date(2025, 6, 30)
        )
    )
    act = h.run(actions.note_progress(act, c, noted_on=D0, note="Started", on_track=True))
    act = h.run(actions.reschedule(act, ctx("Trainer ill."), due_on=date(2025, 7, 31)))
    act = h.run(actions.complete(act, c, completed_on=date(2025, 7, 1), evidence=EVIDENCE))
    act = h.run(actions.assure_impact(act, c, assured_on=date(2025, 9, 1), impact_statement="i"))
    h.run(actions.reopen(act, c, reason="Re-audit", due_on=date(2025, 12, 1)))
    return h




def _mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=JSONTranscoder())


def _domain_event_classes() -> set[type[DomainEvent]]:
    return {cls for cls in registered_topics().values() if cls.__module__.startswith("domain.")}


def _ids(events: Iterable[DomainEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


# --- topics ---------------------------------------------------------------


def _sample(annotation: Any) -> Any:
    """A valid value for a field of this type, to build any event without a scenario."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return _sample(next(a for a in args if a is not type(None)))
    if origin is Literal:
        return args[0]
    if origin is Annotated:  # an event's free text (FreeText), or another rule on its type
        return _sample(args[0])
    if origin is tuple:
        return (_sample(args[0]),)
    if origin is dict:
        return {_sample(args[0]): _sample(args[1])}
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, BaseModel):
            return annotation.model_validate(
                {n: _sample(f.annotation) for n, f in annotation.model_fields.items()}
            )
        samples: dict[type, Any] = {
            bool: True, int: 7, str: "Sample text", UUID: uuid4(), date: D0,
            datetime: datetime(2025, 3, 3, 9, 30, tzinfo=UTC), time: time(9, 30),
        }
        for kind, value in samples.items():
            if issubclass(annotation, kind):
                return value
    raise AssertionError(f"no sample for {annotation!r}: extend _sample")


def _sample_event(cls: type[DomainEvent]) -> DomainEvent:
    own = {
        name: _sample(field.annotation)
        for name, field in cls.model_fields.items()
        if name not in DomainEvent.model_fields
    }
    return cls(
        originator_id=uuid4(), originator_version=3, partnership_id=PARTNERSHIP_ID,
        principal=PRINCIPAL, rationale="Because.", **own,
    )


def test_the_scenario_raises_every_event_of_the_core_contract() -> None:
    assert {type(e).topic() for e in scenario().all_events()} >= STABLE_TOPICS


def test_the_stable_topics_are_still_registered() -> None:
    assert {cls.topic() for cls in _domain_event_classes()} >= STABLE_TOPICS


_EVENT_CLASSES = sorted(_domain_event_classes(), key=lambda c: c.topic())


@pytest.mark.parametrize("cls", _EVENT_CLASSES, ids=[c.topic() for c in _EVENT_CLASSES])
def test_every_registered_event_type_round_trips(cls: type[DomainEvent]) -> None:
    event = _sample_event(cls)
    mapper = _mapper()
    stored = mapper.to_stored_event(event)
    assert stored.topic == cls.topic()
    decoded = mapper.to_domain_event(stored)
    assert type(decoded) is cls
    assert decoded == event


def test_a_topic_names_the_event_not_its_module() -> None:
    for cls in _domain_event_classes():
        topic = cls.topic()
        assert topic.startswith("lif.")
        assert "domain" not in topic and ":" not in topic
        assert cls.__name__ not in topic
        assert event_class_for(topic) is cls


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(LookupError):
        event_class_for("domain.activity:FindingRecorded")


def test_a_topic_is_not_taken_twice() -> None:
    with pytest.raises(TypeError, match="already taken"):

        class Impostor(AggregateEvent[Activity]):
            TOPIC = "lif.activity.opened"

    assert event_class_for("lif.activity.opened") is ActivityOpened


def test_a_namesake_in_another_module_does_not_take_a_topic_over() -> None:
    source = (
        "class FindingRecorded(AggregateEvent[Activity]):\n"
        "    TOPIC = 'lif.activity.finding_recorded'\n"
    )
    namespace: dict[str, Any] = {
        "__name__": "elsewhere.findings", "AggregateEvent": AggregateEvent, "Activity": Activity,
    }
    try:
        with pytest.raises(TypeError, match="already taken"):
            exec(source, namespace)
    finally:
        events_module._REGISTRY[FindingRecorded.TOPIC] = FindingRecorded  # never leak a hijack
    assert event_class_for("lif.activity.finding_recorded") is FindingRecorded


def test_an_event_without_a_topic_cannot_be_stored() -> None:
    class Untitled(FindingRecorded):
        pass

    with pytest.raises(TypeError):
        Untitled.topic()
    with pytest.raises(TypeError):
        AggregateEvent.topic()


# --- the mapper -----------------------------------------------------------


def test_every_scenario_event_round_trips_under_its_topic() -> None:
    mapper = _mapper()
    for event in scenario().all_events():
        stored = mapper.to_stored_event(event)
        assert stored.topic == type(event).TOPIC
        assert (stored.originator_id, stored.originator_version) == (
            event.originator_id,
            event.originator_version,
        )
        payload = json.loads(stored.state)
        assert "originator_id" not in payload and "class_version" not in payload
        assert payload["partnership_id"] == PARTNERSHIP_ID
        decoded = mapper.to_domain_event(stored)
        assert type(decoded) is type(event)
        assert decoded == event


def test_aggregates_replay_from_the_in_memory_recorder() -> None:
    mapper = _mapper()
    recorder = POPOAggregateRecorder()
    for events in scenario().events.values():
        recorder.insert_events([mapper.to_stored_event(e) for e in events])
    assert len(scenario().states) == 7  # partnership, 2 activities, 2 decisions, recommendation, action
    for aggregate_id, state in scenario().states.items():
        decoded = [mapper.to_domain_event(s) for s in recorder.select_events(aggregate_id)]
        assert _ids(decoded) == _ids(scenario().events[aggregate_id])
        assert project(None, decoded) == state


def test_replaying_a_changes_events_gives_its_result() -> None:
    for aggregate_id, state in scenario().states.items():
        assert project(None, scenario().events[aggregate_id]) == state
    assert project(None, []) is None


# --- upcasting ------------------------------------------------------------


class ActivityNoted(AggregateEvent[Activity]):
    """Test-only event at its second version: v2 added `priority`."""

    TOPIC = "lif.test.activity_noted"
    class_version = 2
    note: str
    priority: str

    @classmethod
    def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
        state["priority"] = "normal"


def _v1_payload(note: str) -> bytes:
    return JSONTranscoder().encode(
        {
            "timestamp": "2025-03-03T09:00:00+00:00",
            "event_id": str(uuid4()),
            "partnership_id": PARTNERSHIP_ID,
            "principal": PRINCIPAL,
            "rationale": None,
            "note": note,
        }
    )


def test_an_older_class_version_is_upcast_when_read() -> None:
    stored = StoredEvent(
        originator_id=uuid4(), originator_version=4, topic=ActivityNoted.TOPIC,
        state=_v1_payload("Written before v2."),
    )
    event = _mapper().to_domain_event(stored)
    assert isinstance(event, ActivityNoted)
    assert (event.note, event.priority) == ("Written before v2.", "normal")
    assert (event.originator_id, event.originator_version) == (
        stored.originator_id,
        stored.originator_version,
    )


def test_the_current_class_version_is_stored_and_not_upcast_again() -> None:
    event = ActivityNoted(
        originator_id=uuid4(), originator_version=1, partnership_id=PARTNERSHIP_ID,
        principal=PRINCIPAL, note="n", priority="high",
    )
    mapper = _mapper()
    stored = mapper.to_stored_event(event)
    assert json.loads(stored.state)["class_version"] == 2
    assert mapper.to_domain_event(stored) == event


def test_upcasting_a_payload_already_current_changes_nothing() -> None:
    state: dict[str, Any] = {"note": "n", "priority": "high"}
    assert ActivityNoted.upcast(state, 2) == {"note": "n", "priority": "high"}


# --- events are immutable and attributed ---------------------------------


def test_events_carry_the_partnership_the_principal_and_the_rationale() -> None:
    p = partnership()
    c = activities.open_activity(
        p, ctx(PROPORTIONATE, principal="chair@sthelens.example"),
        kind=SourceKind.SAFEGUARDING_PRACTICE_REVIEW, title="Q", opened_on=D0, scope="s",
        aware_on=D0,
    )
    (event,) = c.events
    assert (event.partnership_id, event.principal, event.rationale) == (
        PARTNERSHIP_ID,
        "chair@sthelens.example",
        PROPORTIONATE,
    )
    assert (event.originator_id, event.originator_version) == (c.result.id, 1)
    for e in scenario().all_events():
        assert e.partnership_id == PARTNERSHIP_ID and e.principal == PRINCIPAL


def test_a_change_numbers_its_events_after_the_current_version() -> None:
    p = partnership()
    a = opened(p)
    c = activities.involve_agency(a, p, ctx(), agency_id=PROBATION)
    assert [e.originator_version for e in c.events] == [a.version + 1]
    assert c.result.version == a.version + 1
    assert c.result.modified_on == c.events[0].timestamp
    assert c.result.created_on == a.created_on


def test_events_are_frozen() -> None:
    event = scenario().all_events()[0]
    with pytest.raises(ValidationError):
        event.principal = "someone else"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        event.partnership_id = "elsewhere"  # type: ignore[misc]


def test_events_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ActivityNoted(
            originator_id=uuid4(), originator_version=1, partnership_id=PARTNERSHIP_ID,
            principal=PRINCIPAL, note="n", priority="p", child_name="x",  # type: ignore[call-arg]
        )


def test_states_are_frozen() -> None:
    a = opened(partnership())
    with pytest.raises(ValidationError):
        a.status = activities.ActivityStatus.CLOSED  # type: ignore[misc]


# --- optimistic concurrency ----------------------------------------------


def test_a_stale_expected_version_is_a_conflict() -> None:
    a = opened(partnership())  # version 1
    with pytest.raises(VersionConflict) as e:
        check_version(a, 2)
    assert (e.value.expected, e.value.current) == (2, 1)
    assert (e.value.code, e.value.field, e.value.status) == (
        "version_conflict",
        "expected_version",
        409,
    )


def test_the_current_or_no_expected_version_passes() -> None:
    a = opened(partnership())
    check_version(a, 1)
    check_version(a, None)
