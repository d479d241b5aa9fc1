"""Agent: commands arriving on `lif.ingest`, validated exactly as POST /v1/ingest.

Each message is one ingest item (JSON: partnership_id, command, target_id,
payload, idempotency_key), applied through `LearningService.ingest` like a
one-item batch; the principal comes from the `lif-principal` header. Items
it rejects, and messages that are not JSON at all, go to `lif.ingest.dlq`
with the reason; the agent never stops on bad input. An idempotency key
makes a redelivered message apply once.
"""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from typing import Any

import faust

from consumers.app import app, blocking, dlq_topic, ingest_topic, kafka, service
from domain.errors import RuleViolation
from services.service import LearningService

log = logging.getLogger(__name__)
PRINCIPAL = re.compile(r"^[A-Za-z0-9_.:@-]{1,120}$")


def principal_from(headers: Any, default: str) -> str:
    pairs = headers.items() if isinstance(headers, dict) else (headers or [])
    for key, value in pairs:
        if key == "lif-principal":
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            if PRINCIPAL.match(text):
                return text
    return default


def dead_letter(raw: bytes, code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "field": field, "message": message},
        "original": raw.decode("utf-8", errors="replace"),
    }


def apply_message(svc: LearningService, raw: bytes, principal: str) -> dict[str, Any] | None:
    """Applies one ingest message; returns the dead letter if it was refused."""
    try:
        item = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return dead_letter(raw, "invalid_json", f"The message is not JSON: {e}.")
    for attempt in range(3):
        try:
            report = svc.ingest(principal, [item])
            break
        except RuleViolation as e:
            # Another writer changed the same aggregate meanwhile: reload and retry.
            if e.code != "concurrent_write" or attempt == 2:
                return dead_letter(raw, e.code, e.message, e.field)
    if report.rejected:
        r = report.rejected[0]
        return dead_letter(raw, r.code, r.message, r.field)
    return None


def apply_with_service(raw: bytes, principal: str) -> dict[str, Any] | None:
    return apply_message(service(), raw, principal)


@app.agent(ingest_topic)
async def ingest(stream: faust.StreamT[bytes]) -> None:
    async for event in stream.events():
        raw: bytes = event.value if isinstance(event.value, bytes) else bytes(event.value or b"")
        principal = principal_from(event.message.headers, kafka.ingest_principal)
        try:
            letter = await blocking(partial(apply_with_service, raw, principal))
        except Exception as e:
            log.exception("ingest failed for one message")
            letter = dead_letter(raw, "internal_error", f"{type(e).__name__}: {e}")
        if letter is not None:
            letter["source"] = {"partition": event.message.partition, "offset": event.message.offset}
            sent = await dlq_topic.send(key=event.key, value=json.dumps(letter).encode())
            await sent
