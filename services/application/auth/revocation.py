"""Revoking one bearer token before it expires.

Tokens are stateless, so revoking one is a fact stored where every API process
sees it: a `TokenRevoked` event on an aggregate named after the token's id (its
`jti` claim), read by one indexed lookup as each request is authenticated.
"""

from __future__ import annotations

import re

from adapters.store import EventStore
from domain.access import TokenRevoked, token_aggregate_id
from services.application.auth.principals import require_slug
from services.application.auth.tokens import InvalidToken, unverified_claims

TOKEN_ID = re.compile(r"^[0-9a-f]{16}$")


def is_revoked(store: EventStore, token_id: str) -> bool:
    return any(True for _ in store.events.get(token_aggregate_id(token_id), limit=1))


def revoke_token(
    store: EventStore, *, token: str | None = None, token_id: str | None = None, partnership_id: str | None = None,
    revoked_by: str, reason: str | None = None,
) -> TokenRevoked | None:
    """Revokes a token given whole, or by its id within a partnership; None if it already was.

    A token given whole need not verify (it may be expired, or signed by a rotated key):
    revoking what someone holds is always safe.
    """
    subject = ""
    if token is not None:
        try:
            claims = unverified_claims(token)
        except InvalidToken as e:
            raise ValueError(f"token: not a lif token ({e.reason})") from None
        token_id, partnership_id, subject = str(claims.get("jti", "")), claims.get("pid"), str(claims.get("sub", ""))
    if not token_id or not TOKEN_ID.match(token_id):
        raise ValueError(f"token id {token_id!r}: 16 hex digits, as `lif token create` printed it")
    require_slug(partnership_id, "partnership")
    assert partnership_id is not None
    if is_revoked(store, token_id):
        return None
    event = TokenRevoked(
        originator_id=token_aggregate_id(token_id), originator_version=1, partnership_id=partnership_id,
        principal=revoked_by, rationale=reason, token_id=token_id, subject=subject,
    )
    store.save(event)
    return event
