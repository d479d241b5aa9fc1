"""The versioned JSON envelope every event travels in outside the event store.

The envelope is the published contract (docs/envelope.schema.json, generated
from `Envelope`): consumers read the header fields to route and deduplicate
without knowing the payload's class; `schema_version` is the event class's
version, so a consumer can tell an upcast payload shape from an old one.

Free text in the payload travels sealed, as the store keeps it (adapters/sealed_text.py):
a topic, the delivery ledger and the webhooks' queue hold ciphertext whose key stays in the
store, so a redaction, which destroys the key, corrects every copy at once. What renders
text (the feeds' routes, the webhook dispatcher) opens it through the key store.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.events import DomainEvent

ENVELOPE_VERSION = 1
_HEADER = {"originator_id", "originator_version", "event_id", "partnership_id", "principal", "timestamp"}


class Envelope(BaseModel):
    """One event as published to `lif.events` (and fed to agencies)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="lif event envelope")

    envelope_version: Literal[1] = Field(description="Version of this envelope's shape.")
    event_id: UUID = Field(description="Unique id of the event; consumers deduplicate on it.")
    type: str = Field(description="The event's stable topic, e.g. lif.activity.finding_recorded.")
    schema_version: int = Field(ge=1, description="The event class's version (payload shape).")
    aggregate_id: UUID = Field(description="The aggregate the event belongs to (the Kafka key).")
    aggregate_version: int = Field(ge=1, description="The aggregate's version after this event.")
    partnership_id: str
    occurred_at: datetime = Field(description="When the event was recorded (UTC).")
    principal: str = Field(description="Who caused it.")
    position: int = Field(ge=1, description="Position in the event store's notification log.")
    payload: dict[str, Any] = Field(
        description=(
            "The event's own fields (rationale included). Free text (titles, summaries, notes, names, "
            "rationales) is sealed as the event store keeps it: {\"sealed\": \"<text key id>\", \"ct\": "
            "\"<base64 nonce + AES-GCM ciphertext>\"}, each field under a key of its own, opened by lif through "
            "its key store when it renders a feed, a webhook or a page; a redacted text opens as its correction."
        )
    )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)


def envelope_for(event: DomainEvent, position: int, data: dict[str, Any] | None = None) -> Envelope:
    """The event's envelope; `data`, its JSON dump with free text sealed (adapters/sealed_text.py
    `sealed_payload`), is what leaves the store; without it the text goes in the clear."""
    data = event.model_dump(mode="json") if data is None else data
    return Envelope(
        envelope_version=ENVELOPE_VERSION,
        event_id=event.event_id,
        type=type(event).topic(),
        schema_version=type(event).class_version,
        aggregate_id=event.originator_id,
        aggregate_version=event.originator_version,
        partnership_id=event.partnership_id,
        occurred_at=event.timestamp,
        principal=event.principal,
        position=position,
        payload={k: v for k, v in data.items() if k not in _HEADER},
    )


def json_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://lif.example/schemas/envelope.schema.json"
    return schema


def write_schema(path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(json_schema(), f, indent=2, sort_keys=True)
        f.write("\n")
