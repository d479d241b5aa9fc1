"""Idempotency keys: the first answer to a command, stored with its events.

The answer is an event saved in the same transaction as the command's own
events, so a retry finds either both or neither; two racing retries collide
on the answer's aggregate id and the loser reads the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.events import DomainEvent


class CommandAnswered(DomainEvent):
    TOPIC = "lif.idempotency.answered"
    key: str
    fingerprint: str
    status_code: int
    body: dict[str, Any]


def answer_id(principal: str, key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:idempotency:{principal}:{key}")


def fingerprint(name: str, target: UUID | None, payload: dict[str, Any]) -> str:
    raw = json.dumps([name, str(target), payload], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
