"""The agency lead's forms: reading what was typed into a command's payload, and running the command
as the API runs it (the same declaration, the same policy check, the same service).

A refusal is the API's own: pydantic's for the payload, the domain's for its rules, the policy's
for scope. A field the API names inside a list (`cascaded_by.0`, `evidence.0.description`) is
shown on the form's one input for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from fastapi import HTTPException, Request
from pydantic import ValidationError

from domain.aggregate import Context
from domain.commands import DECLARATIONS
from domain.errors import DomainError, Forbidden
from services.application.auth import policy
from services.application.auth.principals import Principal
from services.application.service import LearningService, Outcome
from services.web.forms import FieldError, FormErrors, errors_from, read_date

DATE_FIELDS = ("acknowledged_on", "noted_on", "completed_on")
FORM_KEY = "form_key"
"""Each form carries a key of its own, made when the page is drawn: sent twice (a double click, a
reload after a timeout), the command is answered once, as the API answers a repeated Idempotency-Key."""
_KEY = re.compile(r"^[0-9a-f]{32}$")
_FORM_FIELD = {
    "evidence.0.description": "evidence_description",
    "evidence.0.reference": "evidence_reference",
    "evidence": "evidence_description",
}


def form_field(api_field: str | None) -> str | None:
    """The form's input for a field the API named."""
    if api_field is None:
        return None
    if api_field in _FORM_FIELD:
        return _FORM_FIELD[api_field]
    if api_field.startswith("cascaded_by"):
        return "cascaded_by"
    return api_field


def refusal(exc: DomainError | ValidationError, typed: Mapping[str, Any]) -> FormErrors:
    """The API's refusal, each error on the input it concerns (a date's on its day)."""
    found = FormErrors(typed=typed)
    for e in errors_from(exc, typed).errors:
        name = form_field(e.field)
        found.add(FieldError(e.code, e.message, name, f"{name}-day" if name in DATE_FIELDS else None))
    return found


def typed_date(name: str, what: str, values: Mapping[str, str], errors: FormErrors) -> date | None:
    """The date typed in `name`'s three inputs; blank is refused with the API's code for a
    missing field, in words that say which date."""
    day = read_date(name, values, errors)
    if day is None and errors.for_field(name) is None:
        errors.add(FieldError("invalid_missing", f"Enter {what}, for example 27 3 2026.", name, f"{name}-day"))
    return day


def new_form_key() -> str:
    return uuid4().hex


def form_key(typed: Mapping[str, Any]) -> str | None:
    """The form's key as sent, or None for one that is not ours (the command then runs unkeyed)."""
    key = typed.get(FORM_KEY)
    return key if isinstance(key, str) and _KEY.match(key) else None


def run_command(
    request: Request, person: Principal, name: str, target_id: UUID, payload: dict[str, Any], key: str | None = None,
) -> Outcome:
    """Runs the command as its API route does, as this person. Another agency's target (or any
    the policy puts out of this person's scope) answers 404: a page never says it exists."""
    declaration = DECLARATIONS[name]
    store = request.app.state.store
    params = {"partnership_id": person.partnership_id}
    if declaration.target_param:
        params[declaration.target_param] = str(target_id)
    try:
        policy.authorize(
            "POST", policy.command_path(declaration), policy.Request(person, params, {}, payload, store),
        )
    except Forbidden:
        raise HTTPException(404) from None
    command = declaration.command.model_validate(payload)
    service: LearningService = request.app.state.service
    ctx = Context(partnership_id=person.partnership_id, principal=person.subject)
    return service.execute(ctx, command, target_id, key)


def check_payload(name: str, payload: dict[str, Any]) -> None:
    """The payload's own validation (a ValidationError as the API answers it), before a person is
    asked to confirm what they typed."""
    DECLARATIONS[name].command.model_validate(payload)
