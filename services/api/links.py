"""OpenAPI links: how the id one command answers with is used by the next requests.

A client (or schemathesis's stateful run) follows them: open_activity's 201 answers the
activity, whose `id` is the `activity_id` of every activity command and read;
make_recommendation's `id` leads to its actions and to the forum's decision on it.
"""

from __future__ import annotations

import re
from typing import Any

ID = "$response.body#/id"

# (the operation answering 201, the path parameters its answer's `id` fills)
CREATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("open_activity", ("activity_id", "entity_id")),
    ("make_recommendation", ("recommendation_id", "entity_id")),
    ("agree_action", ("action_id", "entity_id")),
    ("record_decision", ("decision_id", "entity_id")),
    ("open_case_file", ("case_file_id",)),
)

# Links that fill the next request's body rather than its path.
BODY_LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "make_recommendation": {
        "record_decision": {"subject": "recommendation", "subject_id": ID},
    },
    "open_activity": {
        "record_decision": {"subject": "activity_sign_off", "subject_id": ID},
    },
}


def _path_params(path: str) -> set[str]:
    return set(re.findall(r"{([^}]+)}", path))


def add_links(document: dict[str, Any]) -> None:
    """Adds to each creating command's 201 answer a link to every operation its id opens."""
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    # FastAPI gives every operation an operationId: a command's is its name, a plain
    # route's is its function's name followed by its path and method.
    by_id = {op["operationId"]: (path, op) for path, _, op in operations}
    for name, (path, op) in list(by_id.items()):
        by_id.setdefault(name.split("_v1_")[0], (path, op))
    for source, params in CREATES:
        if source not in by_id:
            continue
        source_path, source_op = by_id[source]
        available = _path_params(source_path)
        links: dict[str, Any] = {}
        for path, _, operation in operations:
            needed = _path_params(path)
            filled = needed & set(params)
            if len(filled) != 1 or not needed - filled <= available:
                continue
            [param] = filled
            parameters = {p: ID if p == param else f"$request.path.{p}" for p in sorted(needed)}
            links[operation["operationId"]] = {
                "operationId": operation["operationId"],
                "parameters": parameters,
                "description": f"The `id` answered is this operation's `{param}`.",
            }
        for target, body in BODY_LINKS.get(source, {}).items():
            if target in by_id:
                target_path, _ = by_id[target]
                links[target] = {
                    "operationId": target,
                    "parameters": {p: f"$request.path.{p}" for p in sorted(_path_params(target_path) & available)},
                    "requestBody": body,
                    "description": "The `id` answered is the subject of the decision.",
                }
        created = source_op["responses"].get("201")
        if created is not None and links:
            created["links"] = links

