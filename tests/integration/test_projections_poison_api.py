"""A parked event over HTTP and the command line: degraded reads (never 500), the listing, the retry.

Seen (issue 10): after a finding id was used twice, reads with `min_position` answered
500 for every partnership, for ever.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.settings import Settings, get_settings
from adapters.store import EventStore
from projections.projector import Projector
from projections.registry import all_views
from projections.runtime import build_view_db
from services.api.app import create_app
from services.application.auth.principals import Role
from services.application.service import LearningService
from services.cli import main
from tests.fixtures.auth import AdminOfWhicheverPartnership, auth_headers
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)
from tests.integration.poison_support import plant_duplicate_finding, tolerate_duplicate_findings
from tests.integration.projections_support import ARLF, PID, POLICE, Story, dump
from tests.integration.test_projections_poison import poisoned
from tests.integration.test_projections_rebuild import second_db

WIRRAL = "wirral"


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    # No background loop: reads with min_position drive the projector, as when the seen failure bit.
    app = create_app(settings.model_copy(update={"projections_in_process": False}))
    yield app


def _read(client: TestClient, partnership: str, path: str, **params: Any) -> Any:
    r = client.get(f"/v1/partnerships/{partnership}{path}", params=params)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r


def test_reads_of_the_parked_view_say_degraded_and_the_rest_do_not(
    app: FastAPI, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(app) as client:
        client.auth = AdminOfWhicheverPartnership(app)
        store: EventStore = app.state.store
        service = LearningService(store)
        story = Story(service)
        from services.seeds.generate import generate_history

        generate_history(service, 120, seed=7, partnership_id=WIRRAL)
        poison = plant_duplicate_finding(store, story.audit, story.finding_a)
        story.agree(POLICE, date(2026, 9, 30))
        head = store.recorder.max_notification_id()

        tracker = _read(client, PID, "/tracker", min_position=head)
        body = tracker.json()
        assert body["position"] >= head and body["count"] == 3  # the action agreed after the poison is held
        [degraded] = body["degraded"]
        assert degraded["view"] == "tracker" and degraded["reason"] == "events_parked"
        assert degraded["first_parked_position"] == poison and degraded["parked_events"] == 2
        assert "unique" in degraded["error"].lower()
        assert tracker.headers["Lif-Degraded"] == f"tracker; parked=2; first={poison}"
        csv = _read(client, PID, "/tracker.csv", min_position=head)
        assert csv.headers["Lif-Degraded"] == tracker.headers["Lif-Degraded"]
        # A wait for exactly the parked position answers too (degraded, not 503 nor 500).
        assert _read(client, PID, "/tracker", min_position=poison).json()["degraded"] == body["degraded"]

        # The partnership's other views, and the other partnership's tracker: whole.
        others = [
            _read(client, PID, "/audit", min_position=head),
            _read(client, PID, f"/forums/{ARLF}/agenda", min_position=head),
            _read(client, PID, "/themes", min_position=head),
            _read(client, PID, "/deadlines", min_position=head),
            _read(client, WIRRAL, "/tracker", min_position=head),
        ]
        for read in others:
            assert read.json()["degraded"] == [] and "Lif-Degraded" not in read.headers, read.url
        agenda = others[1].json()
        # The action agreed after the poison (overdue too) is on the agenda: only the tracker holds it.
        assert sum(a["owner_agency_id"] == POLICE for a in agenda["actions_overdue"]) == 2
        assert "Lif-Degraded" not in _read(client, PID, f"/forums/{ARLF}/agenda.md").headers

        # The admin route lists the partnership's own parked events only.
        listed = client.get("/v1/admin/projections/parked").json()  # st-helens' admin
        assert listed["partnership_id"] == PID and listed["count"] == 2
        assert [(p["position"], p["status"]) for p in listed["items"]] == [(poison, "failed"), (head, "held")]
        as_wirral = TestClient(app, headers=auth_headers(app, Role.ADMIN, WIRRAL))
        assert as_wirral.get("/v1/admin/projections/parked").json()["count"] == 0
        scrutineer = TestClient(app, headers=auth_headers(app, Role.SCRUTINEER, PID))
        assert scrutineer.get("/v1/admin/projections/parked").status_code == 403
        assert scrutineer.post("/v1/admin/projections/retry", json={}).status_code == 403
        assert client.post("/v1/admin/projections/retry", json={"view": "nope"}).status_code == 404  # no such view
        assert client.post("/v1/admin/projections/retry", json={"views": "tracker"}).status_code == 422

        # Before the fix, a retry changes nothing but the attempts; after it, it applies both.
        before = client.post("/v1/admin/projections/retry", json={}).json()
        assert before["applied"] == 0 and before["still_parked"][0]["attempts"] == 2
        assert as_wirral.post("/v1/admin/projections/retry", json={}).json() == {
            "partnership_id": WIRRAL, "applied": 0, "still_parked": [],
        }
        tolerate_duplicate_findings(monkeypatch)
        after = client.post("/v1/admin/projections/retry", json={"position": poison}).json()
        assert after == {"partnership_id": PID, "applied": 2, "still_parked": []}

        fixed = _read(client, PID, "/tracker").json()  # same position as before: the cache knew
        assert fixed["degraded"] == [] and fixed["count"] == 4 and fixed["position"] == body["position"]
        assert client.get("/v1/admin/projections/parked").json()["count"] == 0
        clean = Projector(store, second_db(settings, tmp_path, "clean"), all_views())
        clean.rebuild()
        assert dump(app.state.projector.db, all_views()) == dump(clean.db, all_views())
        clean.close()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`lif` in this process, on the test's store."""
    monkeypatch.setenv("LIF_PERSISTENCE", settings.persistence)
    if settings.persistence == "sqlite":
        monkeypatch.setenv("LIF_SQLITE_PATH", settings.sqlite_path)
    else:
        monkeypatch.setenv("LIF_POSTGRES_DSN", settings.postgres_dsn)
        monkeypatch.setenv("LIF_POSTGRES_SCHEMA", settings.postgres_schema or "")
        monkeypatch.setenv("LIF_SECRET_KEY", settings.secret_key or "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_lif_projections_parked_and_retry(
    settings: Settings, store: EventStore, cli_env: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, poison, later = poisoned(store)
    projector = Projector(store, build_view_db(settings), all_views())
    projector.run_once()
    projector.close()

    assert main(["projections", "parked"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:5] == ["VIEW", "POSITION", "PARTNERSHIP", "STATUS", "TRIES"]
    assert table[1].split()[:5] == ["tracker", str(poison), PID, "failed", "1"]
    assert table[2].split()[:5] == ["tracker", str(later), PID, "held", "0"]
    assert table[-1] == "2 parked"
    assert main(["projections", "parked", "--json", "--view", "tracker"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["position"], r["status"], r["partnership_id"]) for r in rows] == [
        (poison, "failed", PID), (later, "held", PID)
    ]
    assert main(["projections", "parked", "--view", "nope"]) == 2

    assert main(["projections", "retry"]) == 1  # not fixed yet
    out = capsys.readouterr().out
    assert "applied 0 parked events; 2 still parked" in out and f"tracker position {poison}" in out
    tolerate_duplicate_findings(monkeypatch)
    assert main(["projections", "retry", "--view", "tracker", "--position", str(later)]) == 0
    done = capsys.readouterr()
    assert "applied 2 parked events; 0 still parked" in done.out
    assert "retry [" in done.err and "2/2 events" in done.err
    assert main(["projections", "parked", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
