"""The clock records what time causes exactly once: two clocks at once, a restart, a clock
set back (services/application/clock.py), on SQLite and on a real PostgreSQL server; and
what it records flows on like any other event: the audit trail, the owner's feed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import date

import pytest
from fastapi.testclient import TestClient

from adapters.kafka_settings import delivery_db
from adapters.ledger import Ledger, opened_entry
from adapters.outbox import Tracking
from adapters.settings import Settings
from domain import commands as cmd
from domain.framework import ARLF, EXECUTIVE
from domain.time_events import TimeEvent
from projections.agenda.builder import build_agenda
from projections.agenda.models import Agenda
from projections.agenda.query import agenda_facts
from projections.agenda.render import render_html, render_markdown
from projections.audit import AuditFilters, entity_history, query_audit
from projections.snapshot import snapshot
from services.api.app import create_app
from services.application.clock import Clock, ClockSchedule, waiting_for
from services.workers.clock import caught_up
from services.workers.feeds import EmbeddedFeeds
from tests.integration.clock_world import DUE, LATE, SOON, World, build
from tests.integration.view_scenario import COUNCIL, GENERATED, PID, POLICE, Scenario

D = date


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    w = World(settings)
    yield w
    w.close()


def test_two_clocks_at_once_record_each_event_exactly_once(world: World) -> None:
    both_decided = threading.Barrier(2, timeout=60)

    class Racing(Clock):
        """Decides what the store lacks, then waits for the other clock to have decided too."""

        def _not_stored(self, events: Sequence[TimeEvent]) -> list[TimeEvent]:
            fresh = super()._not_stored(events)
            both_decided.wait()
            return fresh

    clocks = [world.clock(Racing), world.clock(Racing)]
    recorded: dict[int, list[TimeEvent]] = {}
    failed: list[BaseException] = []

    def run(i: int) -> None:
        try:
            recorded[i] = clocks[i].tick(LATE).recorded
        except BaseException as e:  # the test fails on it below, naming it
            failed.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failed, failed
    due = clocks[0].due(LATE)
    kinds = sorted(type(e).__name__ for e in due)
    assert kinds == [
        "ActionEscalated", "ActionEscalated", "ActionOverdue", "DeadlineBreached", "DeadlineBreached",
    ]
    assert sorted(len(r) for r in recorded.values()) == [0, len(due)]  # both offered all; one stored them
    stored = world.time_events()
    assert sorted(e.originator_id for e in stored) == sorted(e.originator_id for e in due)


def test_a_restart_and_a_clock_set_back_record_nothing_twice(world: World) -> None:
    first = world.clock()
    soon = first.tick(SOON)
    assert sorted(type(e).__name__ for e in soon.recorded) == ["ActionDueSoon", "DeadlineApproaching"]
    late = first.tick(LATE)
    assert soon.already == 0 and len(late.recorded) == 5
    restarted = world.clock()  # a new process: nothing in memory
    again = restarted.tick(LATE)
    assert (again.recorded, again.already) == ([], 5)
    set_back = restarted.tick(SOON)
    assert (set_back.recorded, set_back.already) == ([], 2)
    stored = world.time_events()
    assert len(stored) == 7 and len({e.originator_id for e in stored}) == 7
    assert {e.as_of for e in stored} == {SOON, LATE}  # each as first found, by the first clock


def test_what_the_clock_records_reaches_the_audit_trail_and_the_owners_feed_alone(world: World) -> None:
    world.clock().tick(LATE)
    caught_up(world.projector)
    with snapshot(world.projector.db) as cur:
        rows, _ = query_audit(cur, PID, AuditFilters(topic="lif.time.action_overdue"))
        # It names its action and copies none of its text: the action's history shows it beside the description.
        history = entity_history(cur, PID, rows[0]["payload"]["action_id"])
    assert [(r["principal"], r["summary"]) for r in rows] == [(
        "system:clock", f"Action of {POLICE} overdue: it was due on {DUE.isoformat()}",
    )]
    assert "description" not in rows[0]["payload"]
    assert history[0]["topic"] == "lif.action.agreed" and "lif.time.action_overdue" in {r["topic"] for r in history}
    assert history[0]["payload"]["description"] == "Audit core groups monthly."
    db = delivery_db(world.settings)
    ledger = Ledger(db)
    try:
        EmbeddedFeeds(world.store, ledger, Tracking(db, "clock-test")).run_until_caught_up()
        overdue = str(rows[0]["event_id"])
        assert ledger.deliveries(PID, overdue) == [(POLICE, "owner", False)]
        # The ledger keeps free text sealed, as stored; a feed opens it to show it (adapters/ledger.py).
        titles = [opened_entry(e, world.store.text_keys).title for e in ledger.newest(PID, POLICE, None, 0, 10)]
        assert f"Action of Merseyside Police from Neglect audit is overdue (it was due on {DUE.isoformat()})" in titles
        assert not [e for e in ledger.newest(PID, COUNCIL, None, 0, 10) if "overdue" in e.title]
    finally:
        ledger.close()


def test_an_escalated_action_is_on_its_forums_agenda_and_past_the_second_threshold_the_executives(
    world: World,
) -> None:
    world.clock().tick(D(2025, 3, 31))  # 11 working days overdue: past the first threshold only
    forum, executive = agenda(world, ARLF, D(2025, 4, 2)), agenda(world, EXECUTIVE, D(2025, 4, 2))
    (escalated,) = forum.actions_escalated
    assert (escalated.action_id, escalated.level, escalated.threshold_working_days) == (world.action, "forum", 10)
    assert (escalated.escalated_on, escalated.working_days_overdue) == (D(2025, 3, 31), 13)
    assert world.action not in [x.action_id for x in forum.actions_overdue]  # said once, as escalated
    assert "**Escalated to this forum, which owns it**: Audit core groups monthly." in render_markdown(forum)
    assert executive.actions_escalated == []

    world.clock().tick(LATE)
    (to_executive,) = agenda(world, EXECUTIVE, LATE).actions_escalated
    assert (to_executive.level, to_executive.threshold_working_days) == ("executive", 20)
    assert "Escalated to the Executive" in render_html(agenda(world, EXECUTIVE, LATE))

    # Rescheduled, it is no longer overdue for the date it was escalated for: off both agendas.
    world.scenario.run(cmd.RescheduleAction(due_on=D(2025, 5, 30), rationale="Agreed at the forum."), world.action)
    assert agenda(world, ARLF, LATE).actions_escalated == []
    assert agenda(world, EXECUTIVE, LATE).actions_escalated == []


def agenda(world: World, forum_id: str, meeting_on: date) -> Agenda:
    caught_up(world.projector)
    with snapshot(world.projector.db) as cur:
        facts = agenda_facts(cur, PID, forum_id)
    return build_agenda(facts, meeting_on, GENERATED, world.projector.position())


def test_inside_lif_serve_the_clock_waits_for_the_apps_own_projector(settings: Settings) -> None:
    """On the embedded default the clock ticks in the API's process, judging the views its projector keeps."""
    app = create_app(settings)
    with TestClient(app):
        s = Scenario(app.state.store, app.state.projector.db)
        build(s)
        projector = app.state.projector
        clock = Clock(app.state.store, projector.db, catch_up=waiting_for(projector))
        schedule = ClockSchedule(clock, today=lambda: LATE)
        tick = schedule.run_once()
        assert projector.position() >= app.state.store.recorder.max_notification_id() - len(tick.recorded)
        assert sorted(type(e).__name__ for e in tick.recorded) == [
            "ActionEscalated", "ActionEscalated", "ActionOverdue", "DeadlineBreached", "DeadlineBreached",
        ]
        assert schedule.run_once().recorded == []
