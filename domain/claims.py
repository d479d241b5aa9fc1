"""Claims: a client-chosen id taken once and for good.

A finding lives inside its activity, so the store's uniqueness of aggregate ids
does not protect its id. Recording one also records a claim under an id derived
from (kind, id), in the same transaction: a second claim of the same id is
refused by the store's uniqueness even when two writers race.

Like an aggregate's id, a finding's id is unique in the whole store, not only in
its partnership: the read models key findings by id alone, so the same id in two
partnerships would have one overwrite the other there.
"""

from __future__ import annotations

from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.events import DomainEvent

ClaimKind = Literal["finding"]

CLAIM_TOPIC_PREFIX = "lif.claim."


class IdClaimed(DomainEvent):
    """Bookkeeping, not a fact about learning: feeds and the audit trail leave it out."""

    TOPIC = "lif.claim.id_claimed"
    kind: ClaimKind
    claimed_id: UUID
    holder_id: UUID
    """The aggregate the claimed entity belongs to (a finding's activity)."""


def claim_uuid(kind: ClaimKind, claimed_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:claim:{kind}:{claimed_id}")
