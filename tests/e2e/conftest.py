"""HTTP API tests: real requests through FastAPI's TestClient over a SQLite file store.

Each test gets a fresh app over its own SQLite file in `tmp_path`. `Api` wraps the
client with the calls a partnership makes, asserting the status each step expects,
so a test reads as the story it checks.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette's TestClient warns that it wants `httpx2`; the pinned httpx still works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.settings import Settings
from adapters.store import EventStore
from domain.events import DomainEvent
from domain.framework import DEFAULT_FORUMS
from services.api.app import create_app
from services.application.auth.principals import Role
from tests.fixtures.auth import auth_headers

PARTNERSHIP = "st-helens"
OTHER_PARTNERSHIP = "wirral"
PRINCIPAL = "admin:alice"
"""The subject of the admin token the `client` fixture sends."""
BASE = f"/v1/partnerships/{PARTNERSHIP}"

BOARD = "safeguarding-partnership-board"
MEETING_DAYS = ("2026-03-24", "2026-06-15")
"""Every framework forum meets on these days (decisions are taken at meetings)."""
EXECUTIVE = "executive"
POLICE = "merseyside-police"
COUNCIL = "st-helens-council"
CVS = "st-helens-cvs"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite"), **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers=auth_headers(app)) as c:
        yield c


def client_as(app: FastAPI, role: Role | str = Role.ADMIN, partnership: str = PARTNERSHIP, **kw: Any) -> TestClient:
    """Another client on the same (running) app, with a token for `role`."""
    return TestClient(app, headers=auth_headers(app, role, partnership, **kw))


@pytest.fixture
def store(app: FastAPI) -> EventStore:
    s: EventStore = app.state.store
    return s


def events(store: EventStore, aggregate_id: str | UUID) -> list[DomainEvent]:
    return list(store.events_of(UUID(str(aggregate_id))))


def error_of(response: Any) -> dict[str, Any]:
    """The first error of an error body, after checking the body's shape."""
    body = response.json()
    assert set(body) == {"error", "errors"}, body
    assert body["errors"][0] == body["error"]
    detail: dict[str, Any] = body["error"]
    assert detail["code"] and detail["message"]
    return detail


class Api:
    """The calls a partnership's staff make, each asserting its expected status."""

    def __init__(self, client: TestClient, partnership: str = PARTNERSHIP) -> None:
        self.client = client
        self.partnership = partnership
        self.base = f"/v1/partnerships/{partnership}"
        self.position = 0
        """The log position of the last command answered: a view read with ?min_position= waits for it."""

    def post(self, path: str, body: dict[str, Any], expect: int = 200, **kw: Any) -> dict[str, Any]:
        r = self.client.post(self.base + path, json=body, **kw)
        assert r.status_code == expect, (path, r.status_code, r.text)
        self.position = int(r.headers.get("Lif-Position", self.position))
        data: dict[str, Any] = r.json()
        return data

    def get(self, path: str, expect: int = 200, **kw: Any) -> dict[str, Any]:
        r = self.client.get(self.base + path, **kw)
        assert r.status_code == expect, (path, r.status_code, r.text)
        data: dict[str, Any] = r.json()
        return data

    def register(self, **overrides: Any) -> dict[str, Any]:
        """Registered; with the framework's forums, each meets on MEETING_DAYS."""
        body = {"partnership_id": self.partnership, "display_name": "Safeguarding Partnership"}
        r = self.client.post("/v1/partnerships", json={**body, **overrides})
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        if overrides.get("with_framework_defaults", True):
            for forum in DEFAULT_FORUMS:
                for day in MEETING_DAYS:
                    self.post("/meetings", {"forum_id": forum.forum_id, "meets_on": day})
        return data

    # --- activities ---------------------------------------------------------

    def open_rapid_review(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "kind": "rapid_review",
            "title": "Rapid review: infant injury",
            "opened_on": "2026-03-03",
            "aware_on": "2026-03-02",
            "scope": "Agency contact in the six months before the incident.",
            "case_reference": "SHSCP-R014",
            "agencies_involved": [POLICE, COUNCIL],
        }
        return self.post("/activities", {**body, **overrides}, expect=201)

    def commission(self, rapid_review: str) -> None:
        """The rapid review recommends a practice review and the Board commissions it (once)."""
        if self.get(f"/activities/{rapid_review}")["commissioning_outcome"] == "accept":
            return
        self.act(rapid_review, "rapid-review-recommendation", {
            "recommends": "practice_review", "recommended_on": "2026-03-20",
            "reasons": "Serious harm and concerns about how agencies worked together.",
        })
        self.decide("practice_review_commissioning", rapid_review, meeting_on="2026-03-24")

    def open_practice_review(self, originating: str, **overrides: Any) -> dict[str, Any]:
        self.commission(originating)
        body = {
            "kind": "safeguarding_practice_review",
            "title": "Child Safeguarding Practice Review: Child R",
            "opened_on": "2026-03-25",
            "scope": "Multi-agency work with the family since the birth.",
            "originating_activity_id": originating,
            "rationale": "The rapid review found concerns about how agencies worked together.",
        }
        return self.post("/activities", {**body, **overrides}, expect=201)

    def open_audit(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "kind": "thematic_audit",
            "title": "Thematic audit: neglect",
            "opened_on": "2026-02-02",
            "scope": "Ten cases of neglect open to children's social care.",
        }
        return self.post("/activities", {**body, **overrides}, expect=201)

    def act(self, activity_id: str, step: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        return self.post(f"/activities/{activity_id}/{step}", body, expect=expect)

    def finding(self, activity_id: str, **overrides: Any) -> dict[str, Any]:
        body = {
            "category": "area_for_improvement",
            "summary": "Information about the father was not shared between agencies.",
            "themes": ["information_sharing", "male_carers"],
            "agencies_concerned": [POLICE],
            "recorded_on": "2026-05-11",
        }
        return self.act(activity_id, "findings", {**body, **overrides})

    def involve_and_hear(self, activity_id: str) -> dict[str, Any]:
        self.act(activity_id, "practitioner-involvement", {"summary": "Two practitioner events."})
        self.act(
            activity_id,
            "family-involvement",
            {"offered_on": "2026-04-20", "response": "accepted", "summary": "Mother met the lead."},
        )
        return self.act(activity_id, "child-voice", {"summary": "Nursery notes of what R said."})

    def reported_review(self) -> tuple[str, str]:
        """A practice review reported with one finding: (activity id, finding id)."""
        rr = self.open_rapid_review()
        pr = self.open_practice_review(rr["id"])["id"]
        self.act(pr, "lead-reviewer", {"reviewer_name": "Jo Bloggs", "agency_id": None})
        self.act(pr, "start", {})
        state = self.finding(pr)
        self.involve_and_hear(pr)
        self.act(pr, "report", {"report_summary": "Learning about fathers.", "reported_on": "2026-06-01"})
        return pr, next(iter(state["findings"]))

    def decide(
        self, subject: str, subject_id: str, *, forum: str = BOARD, outcome: str = "accept",
        expect: int = 201, **overrides: Any,
    ) -> dict[str, Any]:
        body = {
            "forum_id": forum,
            "meeting_on": "2026-06-15",
            "subject": subject,
            "subject_id": subject_id,
            "outcome": outcome,
            "decided_by": ["Independent Chair"],
            "rationale": "The Board agreed the learning.",
        }
        return self.post("/decisions", {**body, **overrides}, expect=expect)

    def recommend(self, activity_id: str, finding_id: str, expect: int = 201) -> dict[str, Any]:
        body = {
            "finding_ids": [finding_id],
            "text": "Agencies record and share who the male carers are.",
            "addressed_to": [POLICE, "partnership"],
            "made_on": "2026-06-02",
        }
        return self.act(activity_id, "recommendations", body, expect=expect)

    def accepted_recommendation(self) -> str:
        pr, finding = self.reported_review()
        rec = self.recommend(pr, finding)["id"]
        self.decide("recommendation", rec)
        return rec

    def agree_action(self, recommendation_id: str, expect: int = 201, **overrides: Any) -> dict[str, Any]:
        body = {
            "owner_agency_id": POLICE,
            "description": "Add a 'significant adults' field to the police record.",
            "due_on": "2026-09-30",
        }
        return self.post(
            f"/recommendations/{recommendation_id}/actions", {**body, **overrides}, expect=expect
        )

    def open_action(self) -> str:
        return str(self.agree_action(self.accepted_recommendation())["id"])

    def on_action(self, action_id: str, step: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        return self.post(f"/actions/{action_id}/{step}", body, expect=expect)


@pytest.fixture
def api(client: TestClient) -> Api:
    """An API client for a registered partnership (with the framework's defaults)."""
    a = Api(client)
    a.register()
    return a


@pytest.fixture
def other(client: TestClient) -> Api:
    """A second, unrelated partnership in the same store (with its own admin's token)."""
    a = Api(client_as(client.app, Role.ADMIN, OTHER_PARTNERSHIP), OTHER_PARTNERSHIP)
    a.register()
    return a
