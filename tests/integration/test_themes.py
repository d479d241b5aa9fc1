"""Findings by theme x source kind x quarter, and rising/falling themes."""

from __future__ import annotations

import uuid
import warnings
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain.activity import ActivityOpened, FindingRecorded
from projections.themes import ThemesView, quarter_of
from tests.fixtures.auth import AdminOfWhicheverPartnership
from tests.integration.view_scenario import PID, Scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

D = date
TODAY = D(2025, 8, 15)  # in 2025-Q3: the latest full quarter is Q2, compared with Q1


def build(s: Scenario) -> None:
    s.register()
    audit = s.open("thematic_audit", "Neglect audit", D(2025, 1, 6))
    s.start(audit)
    for summary, themes, on in (
        ("a", ("neglect", "domestic_abuse"), D(2025, 2, 10)),
        ("b", ("domestic_abuse",), D(2025, 3, 20)),
        ("c", ("information_sharing",), D(2025, 3, 25)),
        ("d", ("neglect",), D(2025, 4, 10)),
        ("e", ("neglect",), D(2025, 5, 10)),
        ("f", ("information_sharing",), D(2025, 6, 30)),
        ("g", ("neglect",), D(2025, 7, 10)),
    ):
        s.finding(audit, summary, themes, on)
    cdr = s.open("child_death_review", "Child death review", D(2025, 4, 1))
    s.start(cdr)
    s.finding(cdr, "h", ("neglect", "safer_sleeping"), D(2025, 5, 5))
    # Another partnership's findings never count here.
    s.pid = "wirral"
    s.register()
    other = s.open("thematic_audit", "Wirral audit", D(2025, 4, 1))
    s.start(other)
    s.finding(other, "x", ("neglect", "online_harm"), D(2025, 4, 2))
    s.pid = PID


EXPECTED = {
    ("domestic_abuse", "thematic_audit", "2025-Q1"): 2,
    ("information_sharing", "thematic_audit", "2025-Q1"): 1,
    ("neglect", "thematic_audit", "2025-Q1"): 1,
    ("information_sharing", "thematic_audit", "2025-Q2"): 1,
    ("neglect", "child_death_review", "2025-Q2"): 1,
    ("neglect", "thematic_audit", "2025-Q2"): 2,
    ("safer_sleeping", "child_death_review", "2025-Q2"): 1,
    ("neglect", "thematic_audit", "2025-Q3"): 1,
}


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    store = EventStore.from_settings(
        Settings(persistence="sqlite", sqlite_path=str(tmp_path / "events.sqlite"))
    )
    s = Scenario(store, ViewDb("sqlite", str(tmp_path / "views.sqlite")))
    build(s)
    s.project()
    yield s
    s.close()
    store.close()


def from_events(store: EventStore, partnership_id: str) -> Counter[tuple[str, str, str]]:
    """The same counts, straight from the notification log."""
    kinds: dict[uuid.UUID, str] = {}
    counts: Counter[tuple[str, str, str]] = Counter()
    for n in store.recorder.select_notifications(start=1, limit=10_000):
        event = store.mapper.to_domain_event(n)
        if event.partnership_id != partnership_id:
            continue
        if isinstance(event, ActivityOpened):
            kinds[event.originator_id] = event.kind.value
        elif isinstance(event, FindingRecorded):
            for theme in event.themes:
                counts[(theme.value, kinds[event.originator_id], quarter_of(event.recorded_on))] += 1
    return counts


def cells(s: Scenario, start: date | None = None, end: date | None = None) -> dict[Any, int]:
    with s.read() as cur:
        return {(c.theme, c.source_kind, c.quarter): c.count
                for c in ThemesView().cells(cur, PID, start, end)}


def test_counts_by_theme_kind_and_quarter_match_the_events(scenario: Scenario) -> None:
    assert cells(scenario) == EXPECTED
    assert cells(scenario) == dict(from_events(scenario.store, PID))


def test_range_filters_on_recorded_on(scenario: Scenario) -> None:
    assert cells(scenario, D(2025, 3, 20), D(2025, 4, 10)) == {
        ("domestic_abuse", "thematic_audit", "2025-Q1"): 1,
        ("information_sharing", "thematic_audit", "2025-Q1"): 1,
        ("neglect", "thematic_audit", "2025-Q2"): 1,
    }


def test_trends_compare_the_latest_full_quarter_with_the_one_before(scenario: Scenario) -> None:
    with scenario.read() as cur:
        rows = ThemesView().trends(cur, PID, TODAY)
    assert [(t.theme, t.previous, t.latest, t.trend) for t in rows] == [
        ("neglect", 1, 3, "rising"),
        ("safer_sleeping", 0, 1, "rising"),
        ("domestic_abuse", 2, 0, "falling"),
        ("information_sharing", 1, 1, "steady"),
    ]
    assert {(t.latest_quarter, t.previous_quarter) for t in rows} == {("2025-Q2", "2025-Q1")}


def test_new_findings_update_the_counts(scenario: Scenario) -> None:
    audit = scenario.open("thematic_audit", "Second audit", D(2025, 6, 1))
    scenario.start(audit)
    scenario.finding(audit, "i", ("domestic_abuse",), D(2025, 6, 2))
    scenario.project()
    with scenario.read() as cur:
        trend = {t.theme: t.trend for t in ThemesView().trends(cur, PID, TODAY)}
    assert trend["domestic_abuse"] == "falling"  # 2 -> 1
    assert cells(scenario)[("domestic_abuse", "thematic_audit", "2025-Q2")] == 1


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Scenario]]:
    from services.api.app import create_app

    app = create_app(Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite")))
    s = Scenario(app.state.store, ViewDb("sqlite", str(tmp_path / "scenario-views.sqlite")))
    build(s)
    with TestClient(app) as c:
        c.auth = AdminOfWhicheverPartnership(app)
        yield c, s
    s.close()


def _get(c: TestClient, s: Scenario, path: str, **params: Any) -> Any:
    params["min_position"] = s.store.recorder.max_notification_id()
    return c.get(f"/v1/partnerships/{path}", params=params)


def test_themes_over_http(client: tuple[TestClient, Scenario]) -> None:
    c, s = client
    r = _get(c, s, f"{PID}/themes", **{"from": "2025-Q2", "to": "2025-Q2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == ("2025-04-01", "2025-06-30")
    assert {(x["theme"], x["source_kind"], x["quarter"]): x["count"] for x in body["items"]} == {
        k: v for k, v in EXPECTED.items() if k[2] == "2025-Q2"
    }
    assert body["totals"][0] == {"theme": "neglect", "count": 3}
    assert body["position"] == s.store.recorder.max_notification_id()

    trends = _get(c, s, f"{PID}/themes/trends", today="2025-08-15").json()["items"]
    assert {t["theme"]: t["trend"] for t in trends} == {
        "neglect": "rising", "safer_sleeping": "rising", "domestic_abuse": "falling",
        "information_sharing": "steady",
    }


def test_themes_errors(client: tuple[TestClient, Scenario]) -> None:
    c, s = client
    bad = _get(c, s, f"{PID}/themes", **{"from": "2025-Q5"})
    assert bad.status_code == 422
    assert (bad.json()["error"]["code"], bad.json()["error"]["field"]) == ("invalid_bound", "from")
    backwards = _get(c, s, f"{PID}/themes", **{"from": "2025-06-01", "to": "2025-01-01"})
    assert backwards.status_code == 422
    for path in ("nowhere/themes", "nowhere/themes/trends"):
        missing = _get(c, s, path)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "unknown_partnership"


@pytest.mark.postgres
def test_themes_on_postgresql(postgres_dsn: str) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    store = EventStore.from_settings(
        Settings(persistence="postgres", postgres_dsn=postgres_dsn, postgres_schema=schema)
    )
    s = Scenario(store, ViewDb("postgres", postgres_dsn, f"{schema}_views"))
    try:
        build(s)
        s.project()
        assert cells(s) == EXPECTED
    finally:
        s.close()
        store.close()
