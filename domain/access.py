"""Who may act: API keys issued to emitting services, tokens revoked, and the reads scrutineers make.

These are facts about access, not about learning; the audit trail shows them
beside every other event, so issuing a key or reading as a scrutineer leaves a
trace that cannot be quietly removed.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.events import DomainEvent


class ApiKeyIssued(DomainEvent):
    """An API key for an emitting service; only its SHA-256 is kept."""

    TOPIC = "lif.access.api_key_issued"
    SUMMARY = "API key {key_id} issued to service:{name}"
    key_id: str
    name: str
    secret_sha256: str


class ApiKeyRevoked(DomainEvent):
    TOPIC = "lif.access.api_key_revoked"
    SUMMARY = "API key {key_id} revoked"
    key_id: str


class TokenRevoked(DomainEvent):
    """A bearer token refused from now on, before it expires (lost, or its holder left)."""

    TOPIC = "lif.access.token_revoked"
    SUMMARY = "Token {token_id} revoked ({subject})"
    token_id: str
    subject: str
    """Whom the token named, as far as the revoker knew it ("" if only its id was given)."""


class ScrutinyRead(DomainEvent):
    """A scrutineer read something: what (method, path, query) and when (`timestamp`)."""

    TOPIC = "lif.access.scrutiny_read"
    SUMMARY = "Scrutiny read: {method} {path}"
    method: str
    path: str
    query: str


def api_key_aggregate_id(key_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:api-key:{key_id}")


def token_aggregate_id(token_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:token:{token_id}")


def scrutiny_aggregate_id(partnership_id: str, principal: str) -> UUID:
    """One log of reads per scrutineer per partnership."""
    return uuid5(NAMESPACE_URL, f"lif:scrutiny:{partnership_id}:{principal}")
