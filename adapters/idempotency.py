"""Idempotency keys: the first answer to a command, stored with its events.

The answer is an event saved in the same transaction as the command's own
events, so a retry finds either both or neither; two racing retries collide
on the answer's aggregate id and the loser reads the winner's answer.

What is stored is what names the answer, not the answer's body: the status,
the aggregate the command led to, its kind and version. A replay rebuilds the
body from the aggregate's own events up to that version, so it is the body the
client first got, while each stored answer stays a few hundred bytes. (Version 1
answers held the whole aggregate: a batch of N findings on one activity stored
N copies of a growing findings list, N^2 in all, and kept a copy of personal
data outside the aggregate that crypto-shredding could not reach.)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.events import DomainEvent


class CommandAnswered(DomainEvent):
    TOPIC = "lif.idempotency.answered"
    class_version: ClassVar[int] = 2
    key: str
    fingerprint: str
    status_code: int
    aggregate_id: UUID
    """The aggregate the command answered with (created or changed)."""
    aggregate_version: int
    """Its version right after the command: a replay shows it as it stood then."""
    aggregate_type: str
    """The body's `type` (activity, decision, ...)."""

    @classmethod
    def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
        body = state.pop("body")
        state["aggregate_id"] = body["id"]
        state["aggregate_version"] = body["version"]
        state["aggregate_type"] = body["type"]


def answer_id(principal: str, key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:idempotency:{principal}:{key}")


def fingerprint(name: str, target: UUID | None, payload: dict[str, Any]) -> str:
    raw = json.dumps([name, str(target), payload], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
