"""Every open statutory deadline and every breach, partnership-wide."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import Activity
from domain.clocks import DeadlineStatus
from domain.partnership import Partnership, partnership_uuid
from projections.clocks_view import DEFAULT_STATUSES, ClocksView, DeadlineEntry, deadline_entries
from tests.fixtures.auth import AdminOfWhicheverPartnership
from tests.integration.view_scenario import PID, Scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

D = date
TODAY = D(2025, 6, 4)
OTHER = "wirral"


def build(s: Scenario) -> dict[str, UUID]:
    s.register()
    ids = {
        "open": s.open("rapid_review", "RR open", D(2025, 6, 2), aware_on=D(2025, 6, 2)),
        "breached": s.open("rapid_review", "RR breached", D(2025, 5, 1), aware_on=D(2025, 5, 1)),
        "late": s.open("rapid_review", "RR late", D(2025, 4, 1), aware_on=D(2025, 4, 1)),
        "audit": s.open("thematic_audit", "Audit without clocks", D(2025, 4, 1)),
    }
    s.run(cmd.NotifySeriousIncident(notified_on=D(2025, 4, 15)), ids["late"])
    s.run(cmd.CompleteRapidReview(completed_on=D(2025, 4, 20)), ids["late"])
    s.commission(ids["late"], D(2025, 4, 28))
    ids["spr"] = s.open(
        "safeguarding_practice_review", "Practice review", D(2025, 5, 1),
        originating_activity_id=ids["late"], rationale="Serious harm; agencies' work in question.",
    )
    # A partnership whose rapid review clock starts at notification.
    s.pid = OTHER
    s.register(starts_from="notification")
    ids["other"] = s.open("rapid_review", "Wirral RR", D(2025, 4, 1), aware_on=D(2025, 4, 1))
    s.run(cmd.NotifySeriousIncident(notified_on=D(2025, 4, 3)), ids["other"])
    s.pid = PID
    return ids


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[tuple[Scenario, dict[str, UUID]]]:
    store = EventStore.from_settings(
        Settings(persistence="sqlite", sqlite_path=str(tmp_path / "events.sqlite"))
    )
    s = Scenario(store, ViewDb("sqlite", str(tmp_path / "views.sqlite")))
    ids = build(s)
    s.project()
    yield s, ids
    s.close()
    store.close()


def entries(
    s: Scenario, pid: str = PID, statuses: frozenset[DeadlineStatus] = DEFAULT_STATUSES,
) -> list[DeadlineEntry]:
    view = ClocksView()
    with s.read() as cur:
        starts = view.rapid_review_starts_from(cur, pid)
        assert starts is not None
        rows = view.activities(cur, pid)
    return deadline_entries(rows, starts, TODAY, statuses)


def key(e: DeadlineEntry) -> tuple[Any, ...]:
    return (e.activity_id, e.clock, e.due_on, e.met_on, e.status)


def oracle(s: Scenario, ids: dict[str, UUID], statuses: frozenset[DeadlineStatus]) -> set[Any]:
    """What the aggregates themselves say, loaded from the event store."""
    p = s.store.load(partnership_uuid(PID), Partnership)
    assert p is not None
    expected = set()
    for name in ("open", "breached", "late", "audit", "spr"):
        a = s.store.load(ids[name], Activity)
        assert a is not None
        for d in a.deadlines(p.rapid_review_starts_from):
            if d.status(TODAY) in statuses:
                expected.add((a.id, d.clock.value, d.due_on, d.met_on, d.status(TODAY)))
    return expected


@pytest.mark.parametrize("statuses", [
    DEFAULT_STATUSES, frozenset({"open"}), frozenset({"breached"}), frozenset({"met"}),
    frozenset({"met_late"}),
])
def test_deadlines_match_the_aggregates(
    scenario: tuple[Scenario, dict[str, UUID]], statuses: frozenset[DeadlineStatus],
) -> None:
    s, ids = scenario
    got = entries(s, statuses=statuses)
    assert got, "every status has at least one deadline in this scenario"
    assert {key(e) for e in got} == oracle(s, ids, statuses)
    assert [e.due_on for e in got] == sorted(e.due_on for e in got)


def test_each_case_lands_in_its_status(scenario: tuple[Scenario, dict[str, UUID]]) -> None:
    s, ids = scenario
    by = {(e.activity_id, e.clock): e for e in entries(s, statuses=frozenset(
        {"open", "breached", "met", "met_late"}))}
    assert by[(ids["open"], "serious_incident_notification")].status == "open"
    assert by[(ids["open"], "serious_incident_notification")].due_on == D(2025, 6, 9)
    assert by[(ids["breached"], "rapid_review")].status == "breached"
    assert by[(ids["late"], "serious_incident_notification")].status == "met_late"
    assert by[(ids["late"], "rapid_review")].status == "met"
    publication = by[(ids["spr"], "practice_review_publication")]
    assert (publication.status, publication.due_on) == ("open", D(2025, 11, 1))
    assert not any(e.activity_id == ids["audit"] for e in by.values())
    # The default leaves out deadlines met on time.
    assert (ids["late"], "rapid_review") not in {(e.activity_id, e.clock) for e in entries(s)}


def test_rapid_review_clock_follows_the_partnerships_rule(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    [wirral] = [e for e in entries(s, OTHER, frozenset({"breached"})) if e.clock == "rapid_review"]
    # Counted from notification on Thu 3 April (Easter falls inside): due Mon 28 April,
    # not Thu 24 April as it would be from awareness on 1 April.
    assert (wirral.activity_id, wirral.starts_on, wirral.due_on) == (
        ids["other"], D(2025, 4, 3), D(2025, 4, 28),
    )
    assert all(e.activity_id != ids["other"] for e in entries(s))


def test_meeting_a_deadline_moves_it_out_of_open(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    s.run(cmd.NotifySeriousIncident(notified_on=D(2025, 6, 3)), ids["open"])
    s.project()
    opened = {(e.activity_id, e.clock) for e in entries(s, statuses=frozenset({"open"}))}
    assert (ids["open"], "serious_incident_notification") not in opened
    met = entries(s, statuses=frozenset({"met"}))
    assert (ids["open"], "serious_incident_notification", D(2025, 6, 3)) in {
        (e.activity_id, e.clock, e.met_on) for e in met
    }


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Scenario, dict[str, UUID]]]:
    from services.api.app import create_app

    app = create_app(Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite")))
    s = Scenario(app.state.store, ViewDb("sqlite", str(tmp_path / "scenario-views.sqlite")))
    ids = build(s)
    with TestClient(app) as c:
        c.auth = AdminOfWhicheverPartnership(app)
        yield c, s, ids
    s.close()


def _get(c: TestClient, s: Scenario, pid: str, **params: Any) -> Any:
    params["min_position"] = s.store.recorder.max_notification_id()
    return c.get(f"/v1/partnerships/{pid}/deadlines", params=params)


def test_deadlines_over_http(client: tuple[TestClient, Scenario, dict[str, UUID]]) -> None:
    c, s, ids = client
    r = _get(c, s, PID, status="breached", today=TODAY.isoformat())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["statuses"] == ["breached"]
    assert {(d["activity_id"], d["clock"]) for d in body["items"]} == {
        (str(a), clock) for a, clock, *_ in oracle(s, ids, frozenset({"breached"}))
    }
    default = _get(c, s, PID, today=TODAY.isoformat()).json()
    assert default["statuses"] == ["breached", "met_late", "open"]
    assert {d["status"] for d in default["items"]} == {"open", "breached", "met_late"}
    bad = _get(c, s, PID, status="late")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"
    missing = _get(c, s, "nowhere")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_partnership"


@pytest.mark.postgres
def test_deadlines_on_postgresql(postgres_dsn: str) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    store = EventStore.from_settings(
        Settings(persistence="postgres", postgres_dsn=postgres_dsn, postgres_schema=schema)
    )
    s = Scenario(store, ViewDb("postgres", postgres_dsn, f"{schema}_views"))
    try:
        ids = build(s)
        s.project()
        assert {key(e) for e in entries(s)} == oracle(s, ids, DEFAULT_STATUSES)
    finally:
        s.close()
        store.close()
