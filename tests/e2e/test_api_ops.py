"""GET /ready and GET /metrics on the API: open like /health, documented, and honest."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.fixtures.auth import auth_headers


def sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_not_ready_until_the_in_process_projector_runs(app: FastAPI) -> None:
    idle = TestClient(app)  # no lifespan: nothing started
    r = idle.get("/ready")
    assert r.status_code == 503
    assert r.json() == {"status": "not_ready", "process": "api", "reason": "the in-process projector is not running"}
    with TestClient(app) as client:
        assert client.get("/ready").json() == {"status": "ready", "process": "api"}


def test_metrics_count_what_the_projector_applied_and_its_lag(app: FastAPI) -> None:
    with TestClient(app) as client:
        before = sample(client.get("/metrics").text, 'lif_events_processed_total{stage="projected"}') or 0.0
        r = client.post(
            "/v1/partnerships", json={"partnership_id": "st-helens", "display_name": "St Helens"},
            headers=auth_headers(app),
        )
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 10
        while True:
            scrape = client.get("/metrics")
            projected = sample(scrape.text, 'lif_events_processed_total{stage="projected"}') or 0.0
            if projected > before or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert scrape.headers["content-type"].startswith("text/plain")
        assert projected > before
        assert sample(scrape.text, 'lif_lag_events{follower="projector"}') == 0.0
        assert sample(scrape.text, 'lif_ready{process="api"}') == 1.0


def test_ready_and_metrics_are_documented_under_health(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert paths["/ready"]["get"]["tags"] == ["health"]
    assert "503" in paths["/ready"]["get"]["responses"]
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]


def test_an_event_the_projector_parks_shows_on_the_gauge(app: FastAPI) -> None:
    from datetime import date
    from uuid import UUID, uuid4

    from domain import commands as cmd
    from domain.activity import FindingCategory
    from domain.aggregate import Context
    from domain.framework import SourceKind, Theme
    from tests.integration.poison_support import plant_duplicate_finding

    with TestClient(app) as client:
        assert sample(client.get("/metrics").text, "lif_parked_events") == 0.0
        service, ctx = app.state.service, Context(partnership_id="st-helens", principal="tester")
        service.execute(ctx, cmd.RegisterPartnership(partnership_id="st-helens", display_name="St Helens"))
        activity = UUID(service.execute(ctx, cmd.OpenActivity(
            kind=SourceKind.MULTI_AGENCY_CASE_AUDIT, title="Audit", opened_on=date(2026, 1, 5), scope="Neglect",
        )).body["id"])
        finding = uuid4()
        service.execute(ctx, cmd.RecordFinding(
            finding_id=finding, category=FindingCategory.AREA_FOR_IMPROVEMENT, summary="Drift",
            themes=(Theme.NEGLECT,), recorded_on=date(2026, 2, 1),
        ), activity)
        position = plant_duplicate_finding(app.state.store, activity, finding)
        assert app.state.projector.wait_for(position, timeout=10)
        scrape = client.get("/metrics").text
        assert sample(scrape, "lif_parked_events") == 1.0
        assert sample(scrape, 'lif_lag_events{follower="projector"}') == 0.0
