"""API keys for emitting services, sent as `X-API-Key`; they act with the service role.

A key reads `lif_<key id>_<secret>`. Only the secret's SHA-256 is stored, in an
`ApiKeyIssued` event on the key's own aggregate (so in whichever store the
deployment uses, and in the audit trail); `ApiKeyRevoked` ends it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from adapters.store import EventStore
from domain.access import ApiKeyIssued, ApiKeyRevoked, api_key_aggregate_id
from services.application.auth.principals import Principal, Role, make_principal, require_slug

_KEY = re.compile(r"^lif_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")


@dataclass(frozen=True)
class IssuedKey:
    key: str
    """Shown once; not stored."""
    key_id: str
    principal: Principal


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(store: EventStore, partnership_id: str, name: str, *, issued_by: str) -> IssuedKey:
    require_slug(partnership_id, "partnership")
    if not NAME.match(name):
        raise ValueError(f"name {name!r}: 1-60 of a-z 0-9 . _ -, e.g. case-system")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    principal = make_principal(Role.SERVICE, partnership_id, name)
    store.save(
        ApiKeyIssued(
            originator_id=api_key_aggregate_id(key_id), originator_version=1,
            partnership_id=partnership_id, principal=issued_by,
            rationale=f"API key for {principal.subject}", key_id=key_id, name=name, secret_sha256=_digest(secret),
        )
    )
    return IssuedKey(key=f"lif_{key_id}_{secret}", key_id=key_id, principal=principal)


def revoke_api_key(store: EventStore, key_id: str, *, revoked_by: str) -> bool:
    """False if there is no such key or it was already revoked."""
    events = list(store.events.get(api_key_aggregate_id(key_id)))
    if not events or any(isinstance(e, ApiKeyRevoked) for e in events):
        return False
    first = events[0]
    assert isinstance(first, ApiKeyIssued)
    store.save(
        ApiKeyRevoked(
            originator_id=first.originator_id, originator_version=len(events) + 1,
            partnership_id=first.partnership_id, principal=revoked_by, key_id=key_id,
        )
    )
    return True


def authenticate_api_key(store: EventStore, key: str) -> Principal | None:
    """The service principal of a valid, unrevoked key; None otherwise."""
    match = _KEY.match(key)
    if not match:
        return None
    key_id, secret = match.groups()
    events = list(store.events.get(api_key_aggregate_id(key_id)))
    if not events or any(isinstance(e, ApiKeyRevoked) for e in events):
        return None
    issued = events[0]
    if not isinstance(issued, ApiKeyIssued) or not hmac.compare_digest(issued.secret_sha256, _digest(secret)):
        return None
    return make_principal(Role.SERVICE, issued.partnership_id, issued.name)
