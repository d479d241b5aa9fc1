"""Rendering pages: one Jinja2 environment with GOV.UK Frontend's macros, and what every page knows.

Templates are ours (services/web/templates/); the Design System's components come from the
`govuk-frontend-jinja` package as `govuk_frontend_jinja/components/<name>/macro.html`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from services.web.csrf import FIELD, csrf_token
from services.web.navigation import menu
from services.web.session import ROLE_NAMES, current_person, person_name

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_NAME = "Learning and improvement"


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=True,
        # The Design System's macros read optional parameters several levels deep (params.hint.text).
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["service_name"] = SERVICE_NAME
    env.globals["csrf_field"] = FIELD
    env.globals["menu"] = menu
    return env


def page_context(request: Request) -> dict[str, Any]:
    """What the base template shows on every page: who is signed in, and the form token."""
    person = current_person(request)
    return {
        "request": request,
        "person": person,
        "person_name": person_name(request) if person else None,
        "role_name": ROLE_NAMES[person.role] if person else None,
        # Called only by a template with a form, so a visitor who sends nothing gets no session.
        "csrf_token": lambda: csrf_token(request),
    }


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(**page_context(request), **context)
    return HTMLResponse(html, status_code=status)


def render_bare(template: str, status: int, **context: Any) -> HTMLResponse:
    """A page outside any request's session (the last-resort 500)."""
    html = environment().get_template(template).render(person=None, csrf_token=lambda: "", **context)
    return HTMLResponse(html, status_code=status)
