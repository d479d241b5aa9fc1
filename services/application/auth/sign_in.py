"""Who a signed-in person is in lif: their claims read by their partnership's sign-in mapping
(domain/sign_in_claims.py), as the person the web session keeps; and the demo's people for
the development sign-in that `lif serve --demo` offers."""

from __future__ import annotations

import hashlib
from typing import Any

from adapters.store import EventStore
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from domain.sign_in_claims import signed_in_as
from services.application.auth.principals import NAME, Principal, Role, make_principal

Person = dict[str, str | None]
"""What the session keeps: role, partnership_id, subject, agency_id, forum_id, name."""


def partnership_for_sign_in(store: EventStore, partnership_id: str) -> Partnership:
    p = store.load(partnership_uuid(partnership_id), Partnership)
    if p is None:
        raise NotFound(
            "unknown_partnership", f"There is no partnership {partnership_id!r} to sign in to.", "partnership"
        )
    return p


def _subject_name(claims: dict[str, Any]) -> str:
    """A readable, stable name for the audit trail: the person's username when it fits a
    principal's name, else a digest of the provider's subject (never shown as a name)."""
    for claim in ("preferred_username", "email", "upn"):
        value = claims.get(claim)
        if isinstance(value, str) and NAME.match(value):
            return value
    digest = hashlib.sha256(f"{claims.get('iss')}|{claims.get('sub')}".encode()).hexdigest()[:20]
    return f"id-{digest}"


def person(principal: Principal, name: str | None) -> Person:
    return {
        "role": principal.role.value, "partnership_id": principal.partnership_id, "subject": principal.subject,
        "agency_id": principal.agency_id, "forum_id": principal.forum_id, "name": name,
    }


def person_from_claims(store: EventStore, partnership_id: str, claims: dict[str, Any]) -> Person:
    """The person a verified ID token's claims make; `SignInRefused` (403) when they give no
    single role (and agency or forum) in the partnership."""
    p = partnership_for_sign_in(store, partnership_id)
    found = signed_in_as(
        p.sign_in_claims, claims, partnership=p.partnership_id, agencies=set(p.agencies), forums=set(p.forums),
    )
    subject_name = _subject_name(claims)
    principal = make_principal(
        found.role, p.partnership_id, subject_name, agency_id=found.agency_id, forum_id=found.forum_id,
    )
    return person(principal, found.name or subject_name)


def demo_people(p: Partnership) -> list[Person]:
    """One person of each kind the demo's pages are for: the business unit, the scrutineer,
    each forum's secretary and each agency's safeguarding lead."""
    people = [
        person(make_principal(Role.ADMIN, p.partnership_id, "demo-business-unit"), "Business unit (admin)"),
        person(make_principal(Role.SCRUTINEER, p.partnership_id, "demo-scrutineer"), "Independent scrutineer"),
    ]
    for forum in sorted(p.forums.values(), key=lambda f: f.name):
        principal = make_principal(Role.SECRETARY, p.partnership_id, "demo-secretary", forum_id=forum.forum_id)
        people.append(person(principal, f"Secretary, {forum.name}"))
    for agency in sorted(p.agencies.values(), key=lambda a: a.name):
        principal = make_principal(Role.AGENCY, p.partnership_id, "demo-lead", agency_id=agency.agency_id)
        people.append(person(principal, f"Safeguarding lead, {agency.name}"))
    return people
