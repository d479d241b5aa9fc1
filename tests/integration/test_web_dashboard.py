"""The dashboard's figures against the views' own reads, on SQLite and PostgreSQL: each count
is what the tracker, clocks and themes answer for the same day, counted another way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest

from adapters.settings import Settings
from adapters.store import EventStore
from projections.clocks_view import ClocksView, deadline_entries
from projections.projector import Projector
from projections.runtime import build_projector
from projections.snapshot import snapshot
from projections.themes import ThemesView, quarter_end
from projections.tracker import TrackerFilters, query_tracker, rag_counts
from services.application.service import LearningService
from services.seeds.generate import generate_history
from services.web.dashboard import DEADLINE_WINDOW, RAG_ORDER, read_dashboard
from tests.integration.stores import postgres_settings, sqlite_settings

PID = "generated-web"
DAYS = (date(2024, 6, 1), date(2025, 1, 15), date(2026, 6, 20), date(2030, 1, 1))


# One generated history per backend for the module (its tests only read): generating and
# projecting it was most of each test's time.
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "sqlite":
        return sqlite_settings(tmp_path_factory.mktemp("dashboard"))
    return postgres_settings(request.getfixturevalue("postgres_dsn"))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[EventStore]:
    s = EventStore.from_settings(settings)
    yield s
    s.close()


@pytest.fixture(scope="module")
def projector(settings: Settings, store: EventStore) -> Iterator[Projector]:
    generate_history(LearningService(store), 900, seed=11, partnership_id=PID)
    p = build_projector(settings, store)
    while p.run_once():
        pass
    yield p
    p.close()


@pytest.mark.parametrize("day", DAYS)
def test_the_ratings_counted_in_the_database_are_the_trackers(projector: Projector, day: date) -> None:
    with snapshot(projector.db) as cur:
        rows = query_tracker(cur, PID, TrackerFilters(), day)
        counted = rag_counts(cur, PID, day)
    assert rows, "the generated history has actions"
    assert counted == dict(Counter((r["owner_agency_id"], r["rag"]) for r in rows))


def test_the_dashboard_is_what_the_views_say(store: EventStore, projector: Projector) -> None:
    with snapshot(projector.db) as cur:
        latest = max(c.quarter for c in ThemesView().cells(cur, PID, None, None))
    day = quarter_end(latest)  # so the two years of themes shown hold the generated findings
    d = read_dashboard(store, projector, PID, day)
    assert d is not None
    with snapshot(projector.db) as cur:
        rows = query_tracker(cur, PID, TrackerFilters(), day)
        clocks = ClocksView()
        starts = clocks.rapid_review_starts_from(cur, PID)
        assert starts is not None
        every_deadline = deadline_entries(clocks.activities(cur, PID), starts, day)
        cur.execute("SELECT status, COUNT(*) FROM clocks_activities WHERE partnership_id = ? GROUP BY status", (PID,))
        statuses = dict(cur.fetchall())
        cells = ThemesView().cells(cur, PID, None, None)

    assert d.agencies and d.themes and every_deadline, "the generated history fills every part"
    ratings = Counter(r["rag"] for r in rows)
    assert [(f.key, f.count) for f in d.rag] == [(rag, ratings[rag]) for rag in RAG_ORDER]
    assert sum(row.total.count for row in d.agencies) == len(rows)
    for row in d.agencies:
        assert [f.count for f in row.by_rag] == [
            sum(1 for r in rows if r["owner_agency_id"] == row.agency_id and r["rag"] == rag) for rag in RAG_ORDER
        ]
        assert row.total.href == f"/tracker?agency={row.agency_id}"  # a page, not the API

    red = sorted((r for r in rows if r["rag"] == "red"), key=lambda r: -r["days_overdue"])
    assert d.overdue_count == len(red) == ratings["red"]
    assert [r["days_overdue"] for r in d.overdue] == [r["days_overdue"] for r in red][: len(d.overdue)]

    soon = [e for e in every_deadline if e.status == "breached"
            or (e.status == "open" and e.working_days_remaining is not None
                and e.working_days_remaining <= DEADLINE_WINDOW)]
    assert list(d.deadlines) == soon
    assert sum(f.count for f in d.deadline_summary) == len(soon)

    assert {f.key: f.count for f in d.activities if f.count} == {s: int(n) for s, n in statuses.items()}
    shown = {f.key: f.count for f in d.findings_by_quarter}
    assert shown == {q: sum(c.count for c in cells if c.quarter == q) for q in d.quarters}
    for row in d.themes:
        assert row.total == sum(c.count for c in cells if c.theme == row.theme and c.quarter in d.quarters)


def test_no_dashboard_for_a_partnership_never_registered(store: EventStore, projector: Projector) -> None:
    assert read_dashboard(store, projector, "nowhere", date(2026, 6, 20)) is None
