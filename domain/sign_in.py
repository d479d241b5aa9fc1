"""Setting which sign-in claims give a person's role, agency and forum in a partnership
(domain/sign_in_claims.py reads them): an event on the partnership with its rationale, so
the audit trail says who changed who may sign in as what, and why."""

from __future__ import annotations

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.errors import InvalidInput, RuleViolation
from domain.partnership import Partnership
from domain.sign_in_claims import SignInClaims, SignInRole


class SignInClaimsSet(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.sign_in_claims_set"
    SUMMARY = "Sign-in claims set: role from {role_claim}, agency from {agency_claim}, forum from {forum_claim}"
    role_claim: str
    roles: dict[str, SignInRole]
    agency_claim: str
    agencies: dict[str, str] = {}
    forum_claim: str
    forums: dict[str, str] = {}
    name_claim: str

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        config = SignInClaims(
            role_claim=self.role_claim, roles=self.roles, agency_claim=self.agency_claim, agencies=self.agencies,
            forum_claim=self.forum_claim, forums=self.forums, name_claim=self.name_claim,
        )
        return state.model_copy(update={"sign_in_claims": config})


def set_sign_in_claims(
    p: Partnership, ctx: Context, *, role_claim: str, roles: dict[str, SignInRole], agency_claim: str,
    agencies: dict[str, str], forum_claim: str, forums: dict[str, str], name_claim: str,
) -> Change[Partnership]:
    """Names the claims (and values) that give a person signing in their role, agency and forum."""
    if not roles:
        raise InvalidInput(
            "sign_in_roles_required", "Map at least one value of the role claim to a role, or no one can sign in.",
            "roles",
        )
    for value, agency_id in agencies.items():
        p.agency(agency_id, f"agencies.{value}")
    for value, forum_id in forums.items():
        p.forum(forum_id, f"forums.{value}")
    config = SignInClaims(
        role_claim=role_claim, roles=roles, agency_claim=agency_claim, agencies=agencies,
        forum_claim=forum_claim, forums=forums, name_claim=name_claim,
    )
    if config == p.sign_in_claims:
        raise RuleViolation("sign_in_claims_unchanged", "The partnership's sign-in claims are already these.", "roles")
    if not (ctx.rationale or "").strip():
        raise InvalidInput(
            "rationale_required", "Say why people's sign-in claims map this way (rationale).", "rationale"
        )
    return change(p).trigger(SignInClaimsSet, ctx, **config.model_dump())
