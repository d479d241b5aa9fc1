"""/openapi.json documents every command route's request body and response model."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.commands import COMMANDS
from services.api.app import create_app
from tests.e2e.conftest import make_settings


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # Generating the schema is slow; it does not change between these tests.
    app = create_app(make_settings(tmp_path_factory.mktemp("openapi")))
    with TestClient(app) as client:
        r = client.get("/openapi.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def _posts(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {path: ops["post"] for path, ops in spec["paths"].items() if "post" in ops}


def _resolve(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/components/schemas/"), ref
    schema: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def test_every_command_has_exactly_one_route(spec: dict[str, Any]) -> None:
    operation_ids = [op["operationId"] for op in _posts(spec).values()]
    commands = [o for o in operation_ids if o in COMMANDS]
    assert sorted(commands) == sorted(COMMANDS)
    assert len(commands) == len(set(commands))


def test_every_post_has_a_request_body_and_response_schema(spec: dict[str, Any]) -> None:
    posts = _posts(spec)
    assert "/v1/ingest" in posts
    for path, op in posts.items():
        body = op["requestBody"]["content"]["application/json"]["schema"]
        assert "$ref" in body, path
        request_schema = _resolve(spec, body["$ref"])
        assert request_schema["type"] == "object" and request_schema["properties"], path
        success = [code for code in ("200", "201") if code in op["responses"]]
        assert len(success) == 1, (path, list(op["responses"]))
        response = op["responses"][success[0]]["content"]["application/json"]["schema"]
        assert "$ref" in response, path
        assert _resolve(spec, response["$ref"])["properties"], path


def test_command_bodies_forbid_unknown_fields_and_name_required_ones(spec: dict[str, Any]) -> None:
    for op in _posts(spec).values():
        name = op["operationId"]
        if name not in COMMANDS:
            continue
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = _resolve(spec, ref)
        assert schema.get("additionalProperties") is False, name
        model = COMMANDS[name]
        required = {n for n, f in model.model_fields.items() if f.is_required()}
        assert set(schema.get("required", [])) == required, name


@pytest.mark.parametrize(
    ("operation", "status", "model"),
    [
        ("register_partnership", "201", "PartnershipRecord"),
        ("open_activity", "201", "ActivityRecord"),
        ("make_recommendation", "201", "RecommendationRecord"),
        ("record_decision", "201", "DecisionRecord"),
        ("agree_action", "201", "ActionRecord"),
        ("record_finding", "200", "ActivityRecord"),
        ("complete_action", "200", "ActionRecord"),
        ("set_routing", "200", "PartnershipRecord"),
    ],
)
def test_status_and_response_model_per_command(
    spec: dict[str, Any], operation: str, status: str, model: str
) -> None:
    (op,) = [op for op in _posts(spec).values() if op["operationId"] == operation]
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{model}"}


def test_errors_are_documented_with_the_error_body(spec: dict[str, Any]) -> None:
    for path, op in _posts(spec).items():
        if op["operationId"] not in COMMANDS:
            continue
        for code in ("404", "409", "413", "422"):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, code)
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert {"code", "field", "message", "current_version"} <= set(error["properties"])


def test_idempotency_header_and_credentials_are_documented(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    for path, op in _posts(spec).items():
        if op["operationId"] not in COMMANDS:
            continue
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers and "x-principal" not in headers, path
        assert {name for requirement in op["security"] for name in requirement} == set(schemes), path
        assert {"401", "403", "429"} <= set(op["responses"]), path


def test_ingest_documents_its_items(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/v1/ingest"]["post"]
    request = _resolve(spec, op["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    items = request["properties"]["items"]["items"]["anyOf"][0]
    assert {"partnership_id", "command", "target_id", "payload", "idempotency_key"} <= set(items["properties"])
    report = _resolve(spec, op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
    assert {"applied", "rejected"} <= set(report["properties"])
