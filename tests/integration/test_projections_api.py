"""Projection reads over HTTP: read-your-writes, lag, CSV, point-in-time, audit pages.

Real requests through FastAPI's TestClient, on a SQLite file and on PostgreSQL.
Projections run in the request (`min_position`) rather than on the background
thread unless a test says otherwise, so what the views have seen is certain.
"""

from __future__ import annotations

import csv
import io
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.settings import Settings
from services.api import projection_reads
from services.api.app import create_app
from services.application.auth.principals import Role
from tests.e2e.conftest import Api
from tests.fixtures.auth import AdminOfWhicheverPartnership, auth_headers
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)
from tests.integration.stores import postgres_settings, sqlite_settings

TODAY = "2026-09-20"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    base = sqlite_settings(tmp_path) if request.param == "sqlite" else postgres_settings(
        request.getfixturevalue("postgres_dsn")
    )
    return base.model_copy(update={"projections_in_process": False})


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        c.auth = AdminOfWhicheverPartnership(app)
        yield c


@pytest.fixture
def api(client: TestClient) -> Api:
    a = Api(client)
    a.register()
    return a


def position_of(response: Any) -> int:
    return int(response.headers["Lif-Position"])


def test_commands_say_their_position_and_reads_wait_for_it(api: Api, client: TestClient, app: FastAPI) -> None:
    action = api.open_action()
    r = client.post(f"{api.base}/actions/{action}/progress", json={"noted_on": "2026-07-01", "note": "Late.",
                                                                    "on_track": False})
    assert r.status_code == 200
    written = position_of(r)
    assert written == app.state.store.recorder.max_notification_id()

    stale = client.get(f"{api.base}/tracker", params={"today": TODAY})
    assert stale.status_code == 200
    body = stale.json()
    assert body["position"] == 0 and body["head"] == written and body["lag"] == written
    assert stale.headers["Lif-Lag"] == str(written) and body["items"] == []

    fresh = client.get(f"{api.base}/tracker", params={"today": TODAY, "min_position": written})
    body = fresh.json()
    assert fresh.status_code == 200, fresh.text
    assert body["position"] >= written and body["lag"] == 0 and fresh.headers["Lif-Lag"] == "0"
    [row] = body["items"]
    assert row["action_id"] == action and row["on_track"] is False and row["rag"] == "amber"


def test_ingest_says_its_position_too(api: Api, client: TestClient) -> None:
    item = {"partnership_id": api.partnership, "command": "add_forum",
            "payload": {"forum_id": "ingested-forum", "display_name": "Ingested"}}
    r = client.post("/v1/ingest", json={"items": [item]})
    assert r.status_code == 200 and r.json()["rejected"] == []
    position = position_of(r)
    assert position == app_head(client)
    audit = client.get(f"{api.base}/audit", params={"min_position": position, "topic": "lif.partnership.forum_added"})
    assert audit.json()["items"][-1]["position"] == position


def test_a_read_ahead_of_the_log_answers_503(api: Api, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projection_reads, "WAIT_SECONDS", 0.3)
    head = position_of(client.post(f"{api.base}/forums", json={"forum_id": "new-forum", "display_name": "New"}))
    for path in ("/tracker", "/tracker.csv", "/audit"):
        r = client.get(api.base + path, params={"min_position": head + 1000})
        assert r.status_code == 503, path
        assert r.json()["error"]["code"] == "projection_behind"
        assert r.json()["error"]["field"] == "min_position"


def test_the_background_projector_catches_up_by_itself(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"projections_in_process": True}))
    with TestClient(app) as client:
        client.auth = AdminOfWhicheverPartnership(app)
        api = Api(client)
        api.register()
        action = api.open_action()
        # No min_position: poll until the thread has applied it (bounded, not timed).
        for _ in range(200):
            body = client.get(f"{api.base}/tracker").json()
            if body["lag"] == 0 and body["items"]:
                break
            time.sleep(0.05)
        assert [r["action_id"] for r in body["items"]] == [action]
        assert app.state.projector.position() == app.state.store.recorder.max_notification_id()


def test_csv_holds_the_same_rows_as_json(api: Api, client: TestClient) -> None:
    first = api.open_action()
    rec = api.agree_action(api.accepted_recommendation(), owner_agency_id="st-helens-council", due_on="2027-01-31")
    head = app_head(client)
    params = {"today": TODAY, "min_position": head}
    rows = client.get(f"{api.base}/tracker", params=params).json()["items"]
    r = client.get(f"{api.base}/tracker.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["Lif-Lag"] == "0"
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [t["action_id"] for t in table] == [x["action_id"] for x in rows] == [first, rec["id"]]
    assert [t["rag"] for t in table] == [x["rag"] for x in rows] == ["amber", "green"]
    assert table[0]["themes"] == "; ".join(rows[0]["themes"])
    assert table[0]["forums"] == "; ".join(rows[0]["forums"])
    filtered = client.get(f"{api.base}/tracker.csv", params={**params, "agency": "st-helens-council"}).text
    assert [t["action_id"] for t in csv.DictReader(io.StringIO(filtered))] == [rec["id"]]
    bad = client.get(f"{api.base}/tracker", params={"rag": "purple"})
    assert bad.status_code == 422


def test_a_cached_tracker_page_is_never_another_callers(api: Api, client: TestClient, app: FastAPI) -> None:
    police = api.open_action()
    council = api.agree_action(api.accepted_recommendation(), owner_agency_id="st-helens-council")["id"]
    params = {"today": TODAY, "min_position": app_head(client)}
    everyone = client.get(f"{api.base}/tracker", params=params).json()
    assert {r["action_id"] for r in everyone["items"]} == {police, council}
    # Same position, same query string, another role: its own answer, not the admin's.
    as_council = TestClient(app, headers=auth_headers(app, Role.AGENCY, agency="st-helens-council"))
    theirs = as_council.get(f"{api.base}/tracker", params=params)
    assert theirs.status_code == 200, theirs.text
    assert [r["action_id"] for r in theirs.json()["items"]] == [council]
    # Another day is another page: RAG is computed for the day asked.
    later = client.get(f"{api.base}/tracker", params={**params, "today": "2030-01-01"}).json()
    assert {r["rag"] for r in later["items"]} == {"red"}
    assert app.state.read_cache.hits == 0


def app_head(client: TestClient) -> int:
    store = client.app.state.store  # type: ignore[attr-defined]
    return int(store.recorder.max_notification_id())


def test_as_of_rebuilds_the_tracker_as_it_stood(api: Api, client: TestClient) -> None:
    before_any = datetime.now(UTC)
    action = api.open_action()
    head = app_head(client)
    at_agreement = datetime.now(UTC)
    then = client.get(f"{api.base}/tracker", params={"today": TODAY, "min_position": head}).json()
    api.on_action(action, "progress", {"noted_on": "2026-08-01", "note": "Slipping.", "on_track": False})
    api.on_action(action, "completion", {"completed_on": "2026-09-01", "evidence": [{"description": "Done."}]})
    api.on_action(action, "reschedule", {"due_on": "2026-10-01", "rationale": "x"}, expect=409)

    past = client.get(f"{api.base}/tracker", params={"today": TODAY, "as_of": at_agreement.isoformat()})
    assert past.status_code == 200, past.text
    assert past.json()["items"] == then["items"]
    assert past.json()["items"][0]["status"] == "open"
    now = client.get(f"{api.base}/tracker", params={"today": TODAY, "min_position": app_head(client)}).json()
    assert now["items"][0]["status"] == "completed" and now["items"][0]["rag"] == "completed"
    assert client.get(f"{api.base}/tracker", params={"as_of": datetime.now(UTC).isoformat(), "today": TODAY}
                      ).json()["items"] == now["items"]
    empty = client.get(f"{api.base}/tracker", params={"as_of": before_any.isoformat()}).json()
    assert empty["items"] == []
    # Without `today`, RAG is rated on the day of as_of.
    assert client.get(f"{api.base}/tracker", params={"as_of": at_agreement.isoformat()}).json()["today"] == (
        at_agreement.date().isoformat()
    )
    naive = client.get(f"{api.base}/tracker", params={"as_of": "2026-01-01T00:00:00"})
    assert naive.status_code == 422


def test_audit_pages_and_entity_history(api: Api, client: TestClient) -> None:
    action = api.open_action()
    head = app_head(client)
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 10, "min_position": head}
        if cursor:
            params["cursor"] = cursor
        body = client.get(f"{api.base}/audit", params=params).json()
        seen.extend(item["position"] for item in body["items"])
        cursor = body["next"]
        if cursor is None:
            break
    recorder = client.app.state.store.recorder
    claims = len(recorder.select_notifications(1, head, topics=["lif.claim.id_claimed"]))
    assert claims > 0  # bookkeeping, left out of the audit trail
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == head - claims
    history = client.get(f"{api.base}/entities/{action}/history").json()
    assert [e["topic"] for e in history["items"]] == ["lif.action.agreed"]
    assert history["lag"] == 0 and history["items"][0]["principal"] == "admin:alice"
    other = "00000000-0000-4000-8000-000000000000"
    missing = client.get(f"{api.base}/entities/{other}/history")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_entity"
    assert client.get(f"{api.base}/audit", params={"cursor": "abc"}).json()["error"]["code"] == "invalid_cursor"
    assert client.get("/v1/partnerships/nowhere/tracker").status_code == 404
