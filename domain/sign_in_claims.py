"""Which claims of a person's sign-in (an OpenID Connect ID token) give their role, agency and
forum in a partnership: partnership data (set by `set_sign_in_claims`, domain/sign_in.py),
with the seed's default below, and the one pure function that reads a person's claims by it.

The default follows Microsoft Entra ID, where an application's roles arrive in `roles`
(app role values, or group ids when groups are emitted as roles); the agency and the forum
are claims the partnership's directory adds (`lif_agency`, `lif_forum`), or values mapped
to lif's ids (`agencies`, `forums`: a group id or a company name -> the agency's id).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.errors import DomainError
from domain.values import TextRule

SignInRole = Literal["admin", "secretary", "agency", "scrutineer"]
"""The roles a person signs in with; an emitting service uses an API key, never a sign-in."""

ClaimName = Annotated[str, TextRule(200, pattern=r"^[A-Za-z0-9_.:/#-]+$", free_text=False)]
"""A claim's name as the provider writes it: `roles`, `groups`, `extn.agency`, or a URI."""

ClaimValue = Annotated[str, TextRule(200, strip=False, free_text=False)]
"""One value of a claim, compared exactly: an app role's value, a group's id."""


class SignInClaims(BaseModel):
    model_config = ConfigDict(frozen=True)

    role_claim: str = "roles"
    roles: dict[str, SignInRole] = {
        "lif.admin": "admin", "lif.secretary": "secretary", "lif.agency": "agency", "lif.scrutineer": "scrutineer",
    }
    """A value of `role_claim` -> the role it gives."""
    agency_claim: str = "lif_agency"
    agencies: dict[str, str] = {}
    """A value of `agency_claim` -> the agency's id; empty: the value is the agency's id."""
    forum_claim: str = "lif_forum"
    forums: dict[str, str] = {}
    """A value of `forum_claim` -> the forum's id; empty: the value is the forum's id."""
    name_claim: str = "name"


DEFAULT_SIGN_IN_CLAIMS = SignInClaims()


class SignInRefused(DomainError):
    """A person the provider signed in whose claims give them no place in the partnership."""

    status = 403


@dataclass(frozen=True)
class SignedInAs:
    role: SignInRole
    agency_id: str | None
    forum_id: str | None
    name: str | None


def _values(claims: Mapping[str, Any], name: str) -> list[str]:
    value = claims.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _scope(
    claims: Mapping[str, Any], claim: str, mapping: Mapping[str, str], known: Set[str], what: str, partnership: str,
) -> str:
    values = _values(claims, claim)
    ids = {mapping.get(v) if mapping else v for v in values} - {None}
    found = sorted(i for i in ids if i is not None and i in known)
    if not values:
        raise SignInRefused(
            f"{what}_claim_missing",
            f"Your sign-in gives no {what} ({claim!r} claim), which a {what} role needs in {partnership}. "
            "Ask your organisation's administrator to add it.",
            claim,
        )
    if len(found) != 1:
        raise SignInRefused(
            f"{what}_unknown",
            f"Your sign-in's {claim!r} claim ({', '.join(values)}) names no single {what} of {partnership}.",
            claim,
        )
    return found[0]


def signed_in_as(
    config: SignInClaims, claims: Mapping[str, Any], *, partnership: str, agencies: Set[str], forums: Set[str],
) -> SignedInAs:
    """The role (and agency or forum) a person's claims give them; `SignInRefused` when they
    give none, more than one, or a scope the partnership does not have."""
    values = _values(claims, config.role_claim)
    roles = sorted({config.roles[v] for v in values if v in config.roles})
    if not roles:
        raise SignInRefused(
            "no_role",
            f"Your account has no role in {partnership}: its {config.role_claim!r} claim gives none that lif knows. "
            "Ask the partnership's business unit to give you one.",
            config.role_claim,
        )
    if len(roles) > 1:
        # One role a sign-in: which one a person acts as is never guessed.
        raise SignInRefused(
            "several_roles",
            f"Your account's {config.role_claim!r} claim gives several roles ({', '.join(roles)}); "
            "lif signs a person in with one. Ask the business unit to keep one.",
            config.role_claim,
        )
    role = roles[0]
    agency = forum = None
    if role == "agency":
        agency = _scope(claims, config.agency_claim, config.agencies, agencies, "agency", partnership)
    if role == "secretary":
        forum = _scope(claims, config.forum_claim, config.forums, forums, "forum", partnership)
    name = claims.get(config.name_claim)
    return SignedInAs(role=role, agency_id=agency, forum_id=forum, name=name if isinstance(name, str) else None)
