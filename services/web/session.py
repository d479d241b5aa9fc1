"""Who is signed in to the web pages: the person in the signed session cookie, as a Principal.

The sign-in (services/web/sign_in.py) puts the person in `request.session["person"]` as
{"role", "partnership_id", "subject", "agency_id", "forum_id", "name"}; `current_person` is the
one place that reads it back. The cookie is Starlette's SessionMiddleware: signed (itsdangerous)
with a key derived from the API's token-signing key (services/application/auth/tokens.py: the
deployment's LIF_SECRET_KEY, or its 0600 key file), HttpOnly, SameSite=Lax, Secure under TLS.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request

from services.application.auth.principals import PRINCIPAL, Principal, Role, make_principal

COOKIE = "lif_session"
MAX_AGE_SECONDS = 8 * 60 * 60
"""A working day; the cookie is sent again (so renewed) whenever the session changes."""
PERSON = "person"

_PURPOSE = b"lif web session cookie v1"


def session_secret(signing_key: bytes) -> str:
    """The cookie's key: derived, so a session cookie and a bearer token never share a key, and
    the deployment still keeps one secret (rotating it signs everyone out)."""
    return hmac.new(signing_key, _PURPOSE, hashlib.sha256).hexdigest()


class SignInRequired(Exception):
    """Nobody is signed in: the page redirects to /sign-in, coming back to `next` afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class NotAllowed(Exception):
    """Signed in, but the page is not for this person's role: 403."""

    def __init__(self, principal: Principal, roles: tuple[Role, ...]) -> None:
        names = " or ".join(ROLE_NAMES[r] for r in roles)
        super().__init__(f"This page is for the {names}; you are signed in as {ROLE_NAMES[principal.role]}.")
        self.message = str(self)


ROLE_NAMES: dict[Role, str] = {
    Role.ADMIN: "partnership's business unit",
    Role.SECRETARY: "forum secretary",
    Role.AGENCY: "agency safeguarding lead",
    Role.SCRUTINEER: "independent scrutineer",
    Role.SERVICE: "emitting service",
}


def current_person(request: Request) -> Principal | None:
    """The signed-in person, or None (nobody, or a session whose person is not well formed)."""
    person = request.session.get(PERSON) if "session" in request.scope else None
    if not isinstance(person, dict):
        return None
    try:
        principal = make_principal(
            person["role"], person["partnership_id"], agency_id=person.get("agency_id"),
            forum_id=person.get("forum_id"),
        )
        subject = person["subject"]
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(subject, str) or not PRINCIPAL.match(subject) or principal.role is Role.SERVICE:
        return None
    # The subject is what the sign-in recorded (agency:merseyside-police:jdoe), kept as given, but
    # it must name the same role and scope (make_principal's subject, without a name, is its prefix).
    if subject != principal.subject and not subject.startswith(principal.subject + ":"):
        return None
    return Principal(principal.role, principal.partnership_id, subject, principal.agency_id, principal.forum_id)


def person_name(request: Request) -> str | None:
    person: Any = request.session.get(PERSON) if "session" in request.scope else None
    name = person.get("name") if isinstance(person, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def require_person(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency: the signed-in person, redirected to /sign-in when nobody is, 403 when their
    role is not one of `roles` (any role when none is given)."""

    def dependency(request: Request) -> Principal:
        principal = current_person(request)
        if principal is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target)
        if roles and principal.role not in roles:
            raise NotAllowed(principal, roles)
        return principal

    return dependency


def sign_in_url(next_url: str) -> str:
    return "/sign-in?next=" + quote(next_url, safe="/")
