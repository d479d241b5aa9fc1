"""Who may do what, for every operation in the OpenAPI document and every role.

- Every operation is in the policy table (and the table names no route that is gone):
  a route missing from it would be refused to everyone.
- Without credentials, or with an expired or tampered token: 401 everywhere.
- A role outside a route's row: 403; inside it (on its own items): never 401/403, never 5xx.
- A token is for one partnership: every other partnership's path is 403.
- No agency sees another agency's restricted items through any endpoint or feed. The
  tracker *filters* to the agency's own actions (asking for another agency's is 403);
  agendas, the audit trail and entity histories are not for agencies at all (403).
- A scrutineer's reads are recorded and show in the audit trail.
- Case files' personal details are for the roles the partnership names (its admins by
  default), each read with a reason and recorded; a secretary or an agency reaches a case
  file only once its role is named (403 `out_of_scope` until then).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters.store import EventStore
from services.api.app import create_app
from services.application.auth.apikeys import create_api_key, revoke_api_key
from services.application.auth.policy import POLICY, personal_data_reader
from services.application.auth.principals import Role
from tests.e2e.conftest import BOARD, COUNCIL, EXECUTIVE, PARTNERSHIP, POLICE, Api, error_of, make_settings
from tests.fixtures.auth import auth_headers, token_for

OPEN = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"), ("GET", "/calendars/{token}.ics")}
"""Open to anyone; a forum calendar's subscription link is its own credential (a signed token:
tests/e2e/test_api_calendars.py)."""
COUNCIL_MARK = "COUNCIL-ONLY"
"""In the text of everything that is the council's alone."""


def operations(app: FastAPI) -> list[tuple[str, str]]:
    spec = app.openapi()
    return sorted(
        (method.upper(), path) for path, ops in spec["paths"].items() for method in ops
    )


@dataclass
class World:
    app: FastAPI
    store: EventStore
    admin: Api
    ids: dict[str, str]
    """Path parameter -> an entity of the police (or the board) in st-helens."""
    council: dict[str, str]
    """Path parameter -> the council's entity of the same kind."""
    clients: dict[Role, TestClient] = field(default_factory=dict)

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        values = {**self.ids, **(params or {})}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _world(api: Api, store: EventStore) -> World:
    app: FastAPI = api.client.app  # type: ignore[assignment]
    pr, finding = api.reported_review()
    for_police = api.recommend(pr, finding)["id"]  # addressed to the police and the partnership
    api.decide("recommendation", for_police)
    for_council = api.act(pr, "recommendations", {
        "finding_ids": [finding], "text": f"{COUNCIL_MARK}: review the council's front door.",
        "addressed_to": [COUNCIL], "made_on": "2026-06-02",
    }, expect=201)["id"]
    decision = api.decide("recommendation", for_council)["id"]
    police_action = api.agree_action(for_police)["id"]
    council_action = api.agree_action(
        for_council, owner_agency_id=COUNCIL, description=f"{COUNCIL_MARK}: audit the front door."
    )["id"]
    case_file = api.post("/casefiles", {
        "case_reference": "SHSCP-2026-001", "source_kind": "rapid_review", "role": "child", "name": "Test Child",
    }, expect=201)["id"]
    def issued(audience: str) -> str:  # a newsletter issued to one sector's agencies
        newsletter = str(uuid4())
        api.post("/newsletters", {"newsletter_id": newsletter, "title": f"For {audience}", "audience": audience,
                                  "period_from": "2026-04-01", "period_to": "2026-06-30", "drafted_on": "2026-06-20"})
        api.post("/newsletters/edits", {"newsletter_id": newsletter, "introduction": "Hello.",
                                        "edited_on": "2026-06-21"})
        api.post("/newsletters/approval", {"newsletter_id": newsletter, "approved_by": "BM",
                                           "approved_on": "2026-06-22"})
        api.post("/newsletters/issue", {"newsletter_id": newsletter, "issued_on": "2026-07-01"})
        return newsletter
    meeting = api.post("/agendas", {  # the board's, so its secretary is in scope
        "forum_id": BOARD, "meets_on": "2026-06-15", "venue": "Town Hall", "starts_at": "10:00",
        "chair": "Independent Chair", "drafted_on": "2026-06-01",
    }, expect=201)["id"]

    def made(recommendation: str) -> str:  # the event that made it: a learning event on the feeds
        return str(next(iter(store.events_of(UUID(recommendation)))).event_id)

    ids = {
        "partnership_id": PARTNERSHIP, "activity_id": pr, "recommendation_id": for_police,
        "action_id": police_action, "decision_id": decision, "forum_id": BOARD, "agency_id": POLICE,
        "entity_id": pr, "case_file_id": case_file, "event_id": made(for_police), "page": "0",
        "newsletter_id": issued("police"),
        "meeting_id": meeting, "meets_on": "2026-06-15",
    }
    council = {"recommendation_id": for_council, "action_id": council_action, "agency_id": COUNCIL,
               "entity_id": council_action, "event_id": made(for_council), "newsletter_id": issued("local_authority")}
    world = World(app=app, store=store, admin=api, ids=ids, council=council)
    scopes: dict[Role, dict[str, Any]] = {
        Role.ADMIN: {}, Role.SERVICE: {"name": "case-system"}, Role.SECRETARY: {"forum": BOARD},
        Role.AGENCY: {"agency": POLICE, "name": "jdoe"}, Role.SCRUTINEER: {"name": "inspector"},
    }
    for role, kw in scopes.items():
        world.clients[role] = TestClient(app, headers=auth_headers(app, role, **kw))
    return world


@pytest.fixture
def world(api: Api, store: EventStore) -> World:
    return _world(api, store)


def call(client: TestClient, method: str, url: str, **kw: Any) -> Any:
    if url.endswith("/feed.sse"):
        kw.setdefault("params", {})["max_seconds"] = 0  # one pass, then the stream ends
    if method == "POST":
        kw.setdefault("json", {})
    return client.request(method, url, **kw)


# --- the table covers the API ---------------------------------------------------


def test_every_operation_is_in_the_policy_and_no_row_is_stale(app: FastAPI) -> None:
    ops = set(operations(app)) - OPEN
    missing = sorted(ops - set(POLICY))
    assert not missing, f"routes with no policy row (refused to everyone): {missing}"
    assert not sorted(set(POLICY) - ops), "policy rows for routes that no longer exist"


def test_finding_corrections_and_the_rapid_review_outcome_are_for_whoever_records_findings(app: FastAPI) -> None:
    # The matrix below calls every operation as every role; these rows are the ones it holds them to.
    activity = "/v1/partnerships/{partnership_id}/activities/{activity_id}"
    record_finding = POLICY[("POST", f"{activity}/findings")]
    ops = set(operations(app))
    for step in ("finding-amendments", "finding-withdrawals", "rapid-review-recommendation", "panel-view"):
        route = ("POST", f"{activity}/{step}")
        assert route in ops and POLICY[route] == record_finding, route


def test_the_framework_is_for_every_role_of_the_partnership(world: World) -> None:
    # What the partnership's framework is (descriptions, routing, rules) is no one's secret within it.
    route = ("GET", "/v1/partnerships/{partnership_id}/framework")
    assert set(POLICY[route]) == set(Role)
    for role, client in world.clients.items():
        r = client.get(world.url(route[1]))
        assert r.status_code == 200, (role, r.text)
        assert len(r.json()["items"]) == 14


def test_only_health_openapi_and_docs_are_open(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
        assert anonymous.get(path).status_code == 200, path
    for path in ("/redoc", "/docs/oauth2-redirect"):
        assert anonymous.get(path).status_code == 404, path


# --- 401 ---------------------------------------------------------------------------


def _tampered(token: str) -> str:
    header, claims, signature = token.split(".")
    # Re-encode the claims as a scrutineer's; keep the admin's signature.
    forged = claims[:-2] + ("A" if claims[-2] != "A" else "B") + claims[-1]
    return f"{header}.{forged}.{signature}"


def test_every_operation_is_401_without_valid_credentials(world: World) -> None:
    app = world.app
    expired = token_for(app, Role.ADMIN, ttl=timedelta(seconds=60), now=time.time() - 3600)
    bad = {
        "none": ({}, "unauthenticated"),
        "expired": ({"Authorization": f"Bearer {expired}"}, "token_expired"),
        "tampered": ({"Authorization": f"Bearer {_tampered(token_for(app))}"}, "token_bad_signature"),
        "other key": ({"Authorization": "Bearer " + token_for(app).rsplit(".", 1)[0] + ".c2lnbmF0dXJl"},
                      "token_bad_signature"),
        "basic": ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "token_malformed"),
        "api key": ({"X-API-Key": "lif_0123456789abcdef_" + "x" * 43}, "api_key_invalid"),
    }
    anonymous = TestClient(app)
    before = world.store.recorder.max_notification_id()
    for method, path in operations(app):
        if (method, path) in OPEN:
            continue
        for name, (headers, code) in bad.items():
            r = call(anonymous, method, world.url(path), headers=headers)
            assert r.status_code == 401, (method, path, name, r.text)
            assert error_of(r)["code"] == code, (method, path, name)
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert world.store.recorder.max_notification_id() == before


def test_unsigned_alg_none_token_is_refused(world: World) -> None:
    header, claims, _ = token_for(world.app).split(".")
    none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    for token in (f"{none_header}.{claims}.", f"{header}.{claims}.", f"{header}.{claims}"):
        r = TestClient(world.app).get(world.url("/v1/partnerships/{partnership_id}"),
                                      headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token


# --- 403 outside the role; allowed inside it ------------------------------------------


def test_every_operation_by_every_role(world: World) -> None:
    refused: list[tuple[str, str, Role]] = []
    for method, path in operations(world.app):
        if (method, path) in OPEN:
            continue
        rule = POLICY[(method, path)]
        for role, client in world.clients.items():
            r = call(client, method, world.url(path))
            assert r.status_code < 500, (method, path, role, r.text)
            if rule.get(role) is personal_data_reader:  # not named by the partnership: out of its scope
                assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope", (method, path, role, r.text)
            elif role in rule:
                assert r.status_code not in (401, 403), (method, path, role, r.text)
            else:
                assert r.status_code == 403, (method, path, role, r.text)
                assert error_of(r)["code"] == "forbidden_role"
                refused.append((method, path, role))
    # Each role is refused somewhere, and the admin nowhere.
    assert {role for _, _, role in refused} == set(Role) - {Role.ADMIN}


def test_a_token_is_for_one_partnership_only(world: World, other: Api) -> None:
    wirral_admin = other.client
    for method, path in operations(world.app):
        if "{partnership_id}" not in path:
            continue
        r = call(wirral_admin, method, world.url(path))
        assert r.status_code == 403, (method, path, r.text)
        assert error_of(r)["code"] == "other_partnership"
    body = {"partnership_id": "somewhere-else", "display_name": "Elsewhere"}
    r = world.clients[Role.ADMIN].post("/v1/partnerships", json=body)
    assert r.status_code == 403 and error_of(r)["code"] == "other_partnership"


# --- scope within the partnership -------------------------------------------------------


def test_an_agency_reaches_only_its_own_items(world: World) -> None:
    police = world.clients[Role.AGENCY]
    base = f"/v1/partnerships/{PARTNERSHIP}"
    own, theirs = world.ids, world.council
    assert police.get(f"{base}/actions/{own['action_id']}").status_code == 200
    assert police.get(f"{base}/recommendations/{own['recommendation_id']}").status_code == 200
    note = {"noted_on": "2026-07-01", "note": "Field added to the police system.", "on_track": True}
    r = police.post(f"{base}/actions/{own['action_id']}/progress", json=note)
    assert r.status_code == 200, r.text
    for method, path, body in [
        ("GET", f"{base}/actions/{theirs['action_id']}", None),
        ("POST", f"{base}/actions/{theirs['action_id']}/progress", note),
        ("POST", f"{base}/actions/{theirs['action_id']}/completion", {}),
        ("GET", f"{base}/recommendations/{theirs['recommendation_id']}", None),
        ("GET", f"{base}/agencies/{COUNCIL}/feed.json", None),
        ("GET", f"{base}/agencies/{COUNCIL}/feed.atom", None),
        ("GET", f"{base}/tracker?agency={COUNCIL}", None),
        ("GET", f"{base}/tracker.csv?agency={COUNCIL}", None),
        ("POST", f"{base}/webhooks", {"agency_id": COUNCIL, "webhook_url": "https://example.org/hook"}),
        # An unknown action is refused the same way: the answer does not say which.
        ("GET", f"{base}/actions/00000000-0000-0000-0000-000000000001", None),
    ]:
        r = police.request(method, path, json=body)
        assert r.status_code == 403, (method, path, r.text)
        assert error_of(r)["code"] == "out_of_scope"
    # Its own webhook it may register; what it is subscribed to is the partnership's choice.
    hook = {"agency_id": POLICE, "webhook_url": "https://police.example.org/hook"}
    assert police.post(f"{base}/webhooks", json=hook).status_code == 200
    r = police.post(f"{base}/subscriptions", json={"agency_id": POLICE, "everything": True})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden_role"


def test_an_agency_sees_no_other_agencys_items_through_any_get(world: World) -> None:
    """Every GET, with the police's own ids and with the council's: nothing of the council's
    comes back (the tracker is filtered; the rest answers 403)."""
    police = world.clients[Role.AGENCY]
    head = str(world.store.recorder.max_notification_id())
    council_ids = {world.council["action_id"], world.council["recommendation_id"]}
    answered = []
    for method, path in operations(world.app):
        if method != "GET" or (method, path) in OPEN:
            continue
        for params in ({}, world.council):
            projected = any(view in path for view in ("tracker", "agenda", "search")) or path.endswith(
                ("/activities", "/recommendations", "/actions", "/decisions"))
            query: dict[str, str] = {"min_position": head} if projected else {}
            if path.endswith("/search"):
                query["q"] = "front door"  # in the council's texts alone
            for extra in ({}, {"as_of": "2099-01-01T00:00:00+00:00"}):
                r = call(police, method, world.url(path, params), params={**query, **extra})
                if r.status_code != 200:
                    # With its own ids, an archive page not yet full is a plain 404; with the
                    # council's, the policy refuses before anything is looked up.
                    assert r.status_code in ((403, 422) if params else (403, 404, 422)), (path, r.text)
                    continue
                answered.append(path)
                assert COUNCIL_MARK not in r.text, (path, params)
                assert not any(i in r.text for i in council_ids), (path, params)
    assert {p.rsplit("/", 1)[-1] for p in answered} >= {
        "tracker", "tracker.csv", "feed.json", "feed.atom", "feed.sse", "{action_id}", "{recommendation_id}",
        "recommendations", "actions", "search",
    }
    rows = police.get(f"/v1/partnerships/{PARTNERSHIP}/tracker", params={"min_position": head}).json()["items"]
    assert [row["action_id"] for row in rows] == [world.ids["action_id"]]
    # The admin's tracker has both: the filter is the agency's, not the data's.
    admin = world.clients[Role.ADMIN]
    everything = admin.get(f"/v1/partnerships/{PARTNERSHIP}/tracker", params={"min_position": head}).json()["items"]
    assert len(everything) == 2


def test_a_secretary_reaches_only_its_forums_items(world: World) -> None:
    base = f"/v1/partnerships/{PARTNERSHIP}"
    board = world.clients[Role.SECRETARY]
    executive = TestClient(world.app, headers=auth_headers(world.app, Role.SECRETARY, forum=EXECUTIVE))
    # The agenda is a projection: read it once it has caught up with the world's commands.
    fresh = {"min_position": world.store.recorder.max_notification_id()}
    for path in (f"/forums/{BOARD}/agenda", f"/decisions/{world.ids['decision_id']}",
                 f"/activities/{world.ids['activity_id']}", f"/actions/{world.ids['action_id']}"):
        assert board.get(base + path, params=fresh).status_code == 200, path
        r = executive.get(base + path, params=fresh)
        assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope", path
    decision = {
        "forum_id": EXECUTIVE, "meeting_on": "2026-06-15", "subject": "recommendation",
        "subject_id": world.ids["recommendation_id"], "outcome": "accept", "decided_by": ["Chair"],
        "rationale": "Agreed.",
    }
    r = board.post(f"{base}/decisions", json=decision)
    assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope"
    assert board.post(f"{base}/decisions", json={**decision, "forum_id": BOARD}).status_code != 403
    # The tracker, filtered to what is disseminated to its forum.
    assert board.get(f"{base}/tracker", params={"forum": EXECUTIVE}).status_code == 403
    head = world.store.recorder.max_notification_id()
    rows = board.get(f"{base}/tracker", params={"min_position": head}).json()["items"]
    assert rows and all(BOARD in row["forums"] for row in rows)


# --- scrutineers ----------------------------------------------------------------------


def test_every_read_a_scrutineer_makes_is_recorded_in_the_audit_trail(world: World) -> None:
    scrutineer = world.clients[Role.SCRUTINEER]
    base = f"/v1/partnerships/{PARTNERSHIP}"
    as_of = "2026-01-01T00:00:00+00:00"
    assert scrutineer.get(f"{base}/actions/{world.ids['action_id']}", params={"as_of": as_of}).status_code == 404
    assert scrutineer.get(f"{base}/tracker").status_code == 200
    assert scrutineer.get("/v1/admin/verify").json()["ok"] is True
    head = world.store.recorder.max_notification_id()
    page = world.admin.get("/audit", params={"topic": "lif.access.scrutiny_read", "min_position": head})
    reads = [(i["principal"], i["payload"]["path"], i["payload"]["query"]) for i in page["items"]]
    assert reads == [
        ("scrutineer:inspector", f"{base}/actions/{world.ids['action_id']}", "as_of=2026-01-01T00%3A00%3A00%2B00%3A00"),
        ("scrutineer:inspector", f"{base}/tracker", ""),
        ("scrutineer:inspector", "/v1/admin/verify", ""),
    ]
    # A scrutineer reading the audit trail is recorded too; an admin's reads are not.
    r = scrutineer.get(f"{base}/audit", params={"topic": "lif.access.scrutiny_read"})
    assert r.status_code == 200
    assert world.store.recorder.max_notification_id() == head + 1
    # Scrutineers read; they never write.
    assert scrutineer.post(f"{base}/activities", json={}).status_code == 403


# --- API keys -----------------------------------------------------------------------------


def test_api_keys_act_as_their_service_until_revoked(world: World) -> None:
    issued = create_api_key(world.store, PARTNERSHIP, "case-system", issued_by="test")
    service = TestClient(world.app, headers={"X-API-Key": issued.key})
    base = f"/v1/partnerships/{PARTNERSHIP}"
    body = {"kind": "thematic_audit", "title": "T", "opened_on": "2026-02-02", "scope": "S"}
    r = service.post(f"{base}/activities", json=body)
    assert r.status_code == 201, r.text
    assert [e.principal for e in world.store.events_of(UUID(r.json()["id"]))] == [
        "service:case-system"
    ]
    assert service.get(f"{base}/activities/{r.json()['id']}").status_code == 403  # no reads
    assert service.get("/v1/partnerships/wirral").status_code == 403
    wrong = issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B")
    assert TestClient(world.app, headers={"X-API-Key": wrong}).post(f"{base}/activities", json=body).status_code == 401
    assert revoke_api_key(world.store, issued.key_id, revoked_by="test")
    r = service.post(f"{base}/activities", json=body)
    assert r.status_code == 401 and error_of(r)["code"] == "api_key_invalid"


# --- rate limiting ---------------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path, rate_limit_per_minute=3))
    with TestClient(app, headers=auth_headers(app)) as c:
        yield c


def test_each_principal_is_rate_limited(limited: TestClient) -> None:
    path = f"/v1/partnerships/{PARTNERSHIP}"
    for _ in range(3):
        assert limited.get(path).status_code == 404  # not registered: it still counts
    r = limited.get(path)
    assert r.status_code == 429
    assert error_of(r)["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 20
    # Another principal has its own bucket.
    bob = auth_headers(limited.app, name="bob")  # type: ignore[arg-type]
    assert limited.get(path, headers=bob).status_code == 404
    # Open routes are not limited.
    assert limited.get("/health").status_code == 200


def test_only_scrutineers_and_admins_ask_why_an_agency_got_an_event(world: World) -> None:
    url = world.url("/v1/partnerships/{partnership_id}/deliveries/{event_id}/explain")
    for role in (Role.SCRUTINEER, Role.ADMIN):
        r = world.clients[role].get(url, params={"agency": COUNCIL})
        assert r.status_code == 200, (role, r.text)
        assert r.json()["agency"]["received"] is False
    for role in (Role.AGENCY, Role.SECRETARY, Role.SERVICE):
        r = world.clients[role].get(url)
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden_role", role
