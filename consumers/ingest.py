"""Agent: commands arriving on `lif.ingest`, validated exactly as POST /v1/ingest.

Each message is one ingest item (JSON: partnership_id, command, target_id,
payload, idempotency_key), applied through `LearningService.ingest` like a
one-item batch. As over HTTP, the sender authenticates with a service API key
(`lif apikey create`), here in the message header `x-api-key`, and each item is
held to its command's rule and to the key's partnership; the key's
service principal is recorded on the events. Messages refused for any reason
(no or bad key, not JSON, invalid item, a rule of the framework) go to
`lif.ingest.dlq` with the reason, and with every text the identity screen refuses
withheld (consumers/dead_letters.py); the agent never stops on bad input. An
idempotency key makes a redelivered message apply once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

import faust

from adapters.bounded_writes import StoreBusy
from consumers.app import app, blocking, dlq_topic, ingest_topic, service
from consumers.dead_letters import dead_letter
from domain.errors import RuleViolation
from domain.partnership import Partnership, partnership_uuid
from domain.screening import EMPTY, KnownIdentities
from services.application.auth.apikeys import authenticate_api_key
from services.application.auth.policy import authorize_command
from services.application.auth.principals import Principal
from services.application.service import LearningService

log = logging.getLogger(__name__)
API_KEY_HEADERS = frozenset({"x-api-key"})


def api_key_from(headers: Any) -> str | None:
    pairs = headers.items() if isinstance(headers, dict) else (headers or [])
    for key, value in pairs:
        if str(key).lower() in API_KEY_HEADERS:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return None


def known_for(svc: LearningService, raw: bytes, principal: Principal | None) -> list[KnownIdentities]:
    """The identities a dead letter is screened against: those of the key's partnership, and
    of the partnership the message names if it is registered (an unauthenticated sender's
    made-up names never reach the cache). Never raises: a letter is always sent."""
    try:
        named = json.loads(raw).get("partnership_id")
    except (ValueError, AttributeError):
        named = None
    ids = [principal.partnership_id] if principal is not None else []
    try:
        if isinstance(named, str) and named not in ids and svc.store.load(partnership_uuid(named), Partnership):
            ids.append(named)
        return [svc.known(p) for p in ids] or [EMPTY]
    except Exception:  # the screen's generic detectors still run
        log.exception("known identities unavailable for a dead letter")
        return [EMPTY]


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON (nor accepted over HTTP).
    raise ValueError(f"{name} is not a JSON value")


pause = time.sleep
"""How a refused write waits before its retry (a test holding the lock releases it here instead)."""


def apply_message(svc: LearningService, raw: bytes, api_key: str | None) -> dict[str, Any] | None:
    """Applies one ingest message; returns the dead letter if it was refused."""
    principal = authenticate_api_key(svc.store, api_key) if api_key else None
    letter = partial(_letter, svc, raw, principal)
    if principal is None:
        return letter("unauthenticated", "Send a valid service API key in the x-api-key header.")
    try:
        item = json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as e:
        return letter("invalid_json", f"The message is not JSON: {e}.")
    def authorize(it: Mapping[str, Any]) -> None:
        authorize_command(principal, str(it.get("command")), it)

    for attempt in range(3):
        try:
            report = svc.ingest(principal.subject, [item], authorize)
            break
        except RuleViolation as e:
            # Another writer changed the same aggregate meanwhile: reload and retry.
            if e.code != "concurrent_write" or attempt == 2:
                return letter(e.code, e.message, e.field)
        except StoreBusy as e:
            # Rolled back whole (adapters/bounded_writes.py): wait as an HTTP client would, then retry.
            if attempt == 2:
                return letter("store_busy", e.message)
            pause(e.retry_after)
    if report.rejected:
        r = report.rejected[0]
        return letter(r.code, r.message, r.field)
    return None


def _letter(
    svc: LearningService, raw: bytes, principal: Principal | None, code: str, message: str, field: str | None = None
) -> dict[str, Any]:
    return dead_letter(raw, code, message, field, known_for(svc, raw, principal))


def apply_with_service(raw: bytes, api_key: str | None) -> dict[str, Any] | None:
    return apply_message(service(), raw, api_key)


def internal_error_letter(raw: bytes, error: Exception) -> dict[str, Any]:
    try:
        known = known_for(service(), raw, None)
    except Exception:  # no service at all: the screen's generic detectors still run
        known = [EMPTY]
    return dead_letter(raw, "internal_error", f"{type(error).__name__}: {error}", known=known)


@app.agent(ingest_topic)
async def ingest(stream: faust.StreamT[bytes]) -> None:
    async for event in stream.events():
        raw: bytes = event.value if isinstance(event.value, bytes) else bytes(event.value or b"")
        api_key = api_key_from(event.message.headers)
        try:
            letter = await blocking(partial(apply_with_service, raw, api_key))
        except Exception as e:
            log.exception("ingest failed for one message")
            letter = await blocking(partial(internal_error_letter, raw, e))
        if letter is not None:
            letter["source"] = {"partition": event.message.partition, "offset": event.message.offset}
            sent = await dlq_topic.send(key=event.key, value=json.dumps(letter).encode())
            await sent
