"""GET /framework: the framework as in force for a partnership; and where its columns show."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from adapters.store import EventStore
from domain.aggregate import Context
from domain.framework import ARLF, DEFAULT_SOURCES, SourceKind
from domain.partnership import Partnership, partnership_uuid, set_source_rules
from services.application.auth.principals import Role
from tests.e2e.conftest import BASE, BOARD, PARTNERSHIP, POLICE, PRINCIPAL, Api, client_as, error_of

THEMATIC = SourceKind.THEMATIC_AUDIT.value


def sources(client: TestClient, partnership: str = PARTNERSHIP) -> dict[str, dict[str, Any]]:
    r = client.get(f"/v1/partnerships/{partnership}/framework")
    assert r.status_code == 200, r.text
    return {s["source_kind"]: s for s in r.json()["items"]}


def test_the_framework_answers_every_kinds_description_routing_and_rules(api: Api) -> None:
    framework = sources(api.client)
    assert set(framework) == {k.value for k in SourceKind}
    spr = framework["safeguarding_practice_review"]
    seed = DEFAULT_SOURCES[SourceKind.SAFEGUARDING_PRACTICE_REVIEW]
    assert spr["title"] == seed.title
    assert spr["kinds_of_learning"] == list(seed.kinds_of_learning)
    assert spr["methods_of_learning"] == list(seed.methods_of_learning)
    assert "Ofsted" in spr["key_stakeholders"]
    assert (spr["routed"], spr["sign_off_forum"]) == (True, BOARD)
    assert spr["points_of_dissemination"] == list(seed.points_of_dissemination)
    assert spr["rules"] == {
        "requires_independent_lead": True, "requires_practitioner_and_family_involvement": True,
        "requires_child_voice": True, "requires_publication": True,
    }


def test_every_role_of_the_partnership_reads_its_framework(api: Api) -> None:
    scopes: dict[Role, dict[str, Any]] = {
        Role.ADMIN: {}, Role.SERVICE: {"name": "case-system"}, Role.SECRETARY: {"forum": BOARD},
        Role.AGENCY: {"agency": POLICE, "name": "jdoe"}, Role.SCRUTINEER: {"name": "inspector"},
    }
    for role, kw in scopes.items():
        assert client_as(api.client.app, role, **kw).get(f"{BASE}/framework").status_code == 200, role
    other = client_as(api.client.app, Role.ADMIN, "wirral")
    assert other.get(f"{BASE}/framework").status_code == 403


def test_the_framework_shows_the_partnerships_routing_and_rules_not_the_seeds(api: Api, store: EventStore) -> None:
    api.post("/routing", {"source_kind": THEMATIC, "points_of_dissemination": [BOARD], "sign_off_forum": BOARD})
    p = store.load(partnership_uuid(PARTNERSHIP), Partnership)
    assert p is not None
    ctx = Context(partnership_id=PARTNERSHIP, principal=PRINCIPAL, rationale="Audits hear children too.")
    store.save(*set_source_rules(p, ctx, source_kind=SourceKind.THEMATIC_AUDIT, requires_child_voice=True).events)
    thematic = sources(api.client)[THEMATIC]
    assert (thematic["points_of_dissemination"], thematic["sign_off_forum"]) == ([BOARD], BOARD)
    assert thematic["rules"]["requires_child_voice"] is True
    # ... and the rules hold: an audit now needs the child's voice before sign-off.
    audit = api.open_audit()["id"]
    sign_off = api.client.get(f"{BASE}/activities/{audit}").json()["sign_off"]
    assert [m["code"] for m in sign_off["missing"]] == ["child_voice_required"]


def test_the_framework_of_an_unknown_partnership_is_not_found(client: TestClient) -> None:
    r = client.get(f"{BASE}/framework")
    assert r.status_code == 404 and error_of(r)["code"] == "unknown_partnership"


def test_without_the_defaults_a_kind_opens_only_once_the_partnership_routes_it(client: TestClient) -> None:
    api = Api(client)
    api.register(with_framework_defaults=False)
    thematic = sources(client)[THEMATIC]
    assert (thematic["routed"], thematic["points_of_dissemination"], thematic["sign_off_forum"]) == (False, [], None)
    assert thematic["rules"] == DEFAULT_SOURCES[SourceKind.THEMATIC_AUDIT].rules.model_dump()
    body = {"kind": THEMATIC, "title": "Audit", "opened_on": "2026-02-02", "scope": "Ten cases."}
    r = client.post(f"{BASE}/activities", json=body)
    assert r.status_code == 409, r.text
    assert (error_of(r)["code"], error_of(r)["field"]) == ("source_kind_not_routed", "kind")
    api.post("/forums", {"forum_id": ARLF, "display_name": "ARLF"})
    api.post("/routing", {"source_kind": THEMATIC, "points_of_dissemination": [ARLF], "sign_off_forum": ARLF})
    assert sources(client)[THEMATIC]["routed"] is True
    api.post("/activities", body, expect=201)


def test_the_activity_read_says_what_learning_it_yields_and_for_whom(api: Api) -> None:
    audit = api.open_audit()["id"]
    view = api.client.get(f"{BASE}/activities/{audit}").json()
    seed = DEFAULT_SOURCES[SourceKind.THEMATIC_AUDIT]
    assert view["kinds_of_learning"] == list(seed.kinds_of_learning)
    assert view["key_stakeholders"] == list(seed.key_stakeholders)


def test_a_partnership_changes_a_kinds_rules_through_the_api(api: Api) -> None:
    """POST .../source-rules: the rules are the partnership's data, changed by an event."""
    spr = "safeguarding_practice_review"
    refused = api.post("/source-rules", {"source_kind": spr, "requires_publication": False}, expect=409)["error"]
    assert (refused["code"], refused["field"]) == ("rationale_required", "rationale")
    api.post("/source-rules", {
        "source_kind": spr, "requires_publication": False,
        "rationale": "Publication is decided case by case with the national Panel.",
    })
    rules = sources(api.client)[spr]["rules"]
    assert rules["requires_publication"] is False and rules["requires_child_voice"] is True
    unchanged = api.post("/source-rules", {"source_kind": spr, "requires_child_voice": True}, expect=409)["error"]
    assert unchanged["code"] == "source_rules_unchanged"
    audit = api.get("/audit", params={"topic": "lif.partnership.source_rules_set", "min_position": api.position})
    assert any("publication False" in row["summary"] for row in audit["items"])
