"""Which sign-in claims give a person's role, agency and forum: partnership data, read by one pure function."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.commands.partnership import SetSignInClaims
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.partnership import Partnership
from domain.sign_in import SignInClaimsSet, set_sign_in_claims
from domain.sign_in_claims import DEFAULT_SIGN_IN_CLAIMS, SignedInAs, SignInRefused, signed_in_as
from tests.unit.builders import ctx, partnership


def _as(p: Partnership, claims: dict[str, Any]) -> SignedInAs:
    return signed_in_as(
        p.sign_in_claims, claims, partnership=p.partnership_id, agencies=set(p.agencies), forums=set(p.forums),
    )


def test_the_seeds_default_reads_entra_app_roles_and_lifs_own_agency_and_forum_claims() -> None:
    p = partnership()
    assert p.sign_in_claims == DEFAULT_SIGN_IN_CLAIMS
    assert _as(p, {"roles": ["lif.admin"], "name": "Jo Admin"}) == SignedInAs("admin", None, None, "Jo Admin")
    assert _as(p, {"roles": "lif.scrutineer"}).role == "scrutineer"
    lead = _as(p, {"roles": ["other", "lif.agency"], "lif_agency": "merseyside-police"})
    assert (lead.role, lead.agency_id, lead.forum_id) == ("agency", "merseyside-police", None)
    secretary = _as(p, {"roles": ["lif.secretary"], "lif_forum": "executive"})
    assert (secretary.role, secretary.forum_id) == ("secretary", "executive")


@pytest.mark.parametrize(
    ("claims", "code", "field"),
    [
        ({}, "no_role", "roles"),
        ({"roles": ["someone.elses.app"]}, "no_role", "roles"),
        ({"roles": ["lif.admin", "lif.scrutineer"]}, "several_roles", "roles"),
        ({"roles": ["lif.agency"]}, "agency_claim_missing", "lif_agency"),
        ({"roles": ["lif.agency"], "lif_agency": "another-partnerships-police"}, "agency_unknown", "lif_agency"),
        ({"roles": ["lif.secretary"], "lif_forum": ["executive", "audit-review-learning-forum"]},
         "forum_unknown", "lif_forum"),
    ],
)
def test_a_person_whose_claims_give_no_single_place_is_refused_saying_why(
    claims: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(SignInRefused) as e:
        _as(partnership(), claims)
    assert (e.value.code, e.value.field, e.value.status) == (code, field, 403)
    assert "st-helens" in e.value.message or "roles" in e.value.message


def test_the_partnership_maps_group_ids_to_roles_and_agencies_with_a_rationale() -> None:
    p = partnership()
    arguments: dict[str, Any] = {
        "role_claim": "groups", "roles": {"7f1c-admins": "admin", "9a2e-police": "agency"},
        "agency_claim": "groups", "agencies": {"9a2e-police": "merseyside-police"},
        "forum_claim": "lif_forum", "forums": {}, "name_claim": "name",
    }
    with pytest.raises(InvalidInput, match="rationale"):
        set_sign_in_claims(p, ctx(), **arguments)
    changed = set_sign_in_claims(p, ctx("Entra groups, as agreed with the ICB"), **arguments)
    assert [type(e) for e in changed.events] == [SignInClaimsSet]
    p = changed.result
    assert _as(p, {"groups": ["9a2e-police", "x"]}) == SignedInAs("agency", "merseyside-police", None, None)
    assert _as(p, {"groups": ["7f1c-admins"]}).role == "admin"
    with pytest.raises(SignInRefused):
        _as(p, {"roles": ["lif.admin"]})  # the default no longer applies
    with pytest.raises(RuleViolation, match="already"):
        set_sign_in_claims(p, ctx("again"), **arguments)


def test_a_mapping_to_an_agency_or_forum_the_partnership_lacks_is_refused_naming_it() -> None:
    base: dict[str, Any] = {
        "role_claim": "roles", "roles": {"a": "admin"}, "agency_claim": "g", "agencies": {},
        "forum_claim": "f", "forums": {}, "name_claim": "name",
    }
    with pytest.raises(NotFound) as e:
        set_sign_in_claims(partnership(), ctx("why"), **{**base, "agencies": {"g1": "no-such-agency"}})
    assert e.value.field == "agencies.g1"
    with pytest.raises(NotFound) as e:
        set_sign_in_claims(partnership(), ctx("why"), **{**base, "forums": {"f1": "no-such-forum"}})
    assert e.value.field == "forums.f1"
    with pytest.raises(InvalidInput, match="at least one"):
        set_sign_in_claims(partnership(), ctx("why"), **{**base, "roles": {}})


def test_the_command_refuses_a_role_lif_does_not_give_at_sign_in() -> None:
    with pytest.raises(ValidationError):
        SetSignInClaims(roles={"x": "service"})  # type: ignore[dict-item]
    with pytest.raises(ValidationError):
        SetSignInClaims(roles={"x": "admin"}, role_claim="has space")
