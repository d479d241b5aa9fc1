"""Free text sealed in the store, each field under a key of its own, so it can be taken back.

On the way in, every free-text value of an event (found from the event class's own field types,
as domain/free_text.py finds them) becomes `{"sealed":"<key id>","ct":"<base64 nonce+AES-GCM>"}`
with a fresh key from `text_keys` (adapters/text_keys.py). The hash chain covers these stored
bytes, so destroying a key later changes nothing the chain checks. On the way out, each sealed
value is replaced in the stored JSON by its text before pydantic parses it: the text under its
key, or, once the key is destroyed by a redaction, the replacement kept in its stead (the
corrected text, itself sealed). A plain string, as stores written before this hold, stays as it is.

The key id is the associated data, so a sealed value cannot be moved to another field's key.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.text_key_rows import KeyRow
from adapters.text_keys import TextKeys
from domain.errors import InvalidInput
from domain.events import DomainEvent
from domain.free_text import free_text

MARK = b'{"sealed":"'
"""How every sealed value starts in stored JSON (the transcoder writes it compactly)."""
SEALED = re.compile(rb'\{"sealed":"([0-9a-f]{32})","ct":"([A-Za-z0-9+/]*={0,2})"\}')
_MAX_CASCADE = 64
"""Redactions of redactions followed before giving up (a loop would be a corrupt table)."""


def seal(key_id: str, cipher: AESGCM, text: str) -> dict[str, str]:
    nonce = os.urandom(12)
    ct = cipher.encrypt(nonce, text.encode(), key_id.encode())
    return {"sealed": key_id, "ct": base64.b64encode(nonce + ct).decode()}


def seal_state(event: DomainEvent, state: dict[str, Any], keys: TextKeys) -> list[KeyRow]:
    """Replaces, in `state` (the event's JSON dump), each non-empty free text by its sealed value;
    the new keys' rows, for the event's write to store (adapters/text_keys.py)."""
    texts = [(path, text) for path, text in free_text(event) if text]
    if not texts:
        return []
    made, rows = keys.create(event.partnership_id, len(texts))
    for (path, text), (key_id, key) in zip(texts, made, strict=True):
        _put(state, path, seal(key_id, key, text))
    return rows


def _put(state: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for step in parents:
        state = state[int(step)] if isinstance(state, list) else state[step]
    if isinstance(state, list):
        state[int(last)] = value
    else:
        state[last] = value


def open_text(key_id: str, ct: str, keys: TextKeys) -> str:
    """The text a sealed value stands for now: under its key, or what a redaction put in its place."""
    for _ in range(_MAX_CASCADE):
        found = keys.lookup(key_id)
        if isinstance(found, AESGCM):
            raw = base64.b64decode(ct)
            return found.decrypt(raw[:12], raw[12:], key_id.encode()).decode()
        match = SEALED.fullmatch(found.encode())
        if match is None:
            raise ValueError(f"text key {key_id}: its replacement is not a sealed value")
        key_id, ct = match[1].decode(), match[2].decode()
    raise ValueError(f"text key {key_id}: more than {_MAX_CASCADE} redactions in a row")


def live_key(key_id: str, keys: TextKeys) -> str:
    """The key that now holds the text `key_id` sealed: itself, or the last correction's."""
    for _ in range(_MAX_CASCADE):
        found = keys.lookup(key_id)
        if isinstance(found, AESGCM):
            return key_id
        match = SEALED.fullmatch(found.encode())
        if match is None:
            raise ValueError(f"text key {key_id}: its replacement is not a sealed value")
        key_id = match[1].decode()
    raise ValueError(f"text key {key_id}: more than {_MAX_CASCADE} redactions in a row")


def open_all(data: bytes, keys: TextKeys) -> bytes:
    """Stored JSON with every sealed value replaced by its text (JSON-escaped)."""
    if MARK not in data:
        return data
    return SEALED.sub(
        lambda m: json.dumps(open_text(m[1].decode(), m[2].decode(), keys), ensure_ascii=False).encode(), data
    )


def sealed_at(data: bytes, path: str) -> tuple[str, str]:
    """(key id, sealed JSON) of the value at `path` (`summary`, `decided_by.0`) in stored JSON,
    or a refusal naming `field` when there is no sealed text there."""
    value: Any = json.loads(data)
    try:
        for step in path.split("."):
            value = value[int(step)] if isinstance(value, list) else value[step]
    except (KeyError, IndexError, ValueError, TypeError):
        raise InvalidInput("no_such_field", f"The event has no field {path!r}.", "field") from None
    if isinstance(value, str):
        raise InvalidInput(
            "text_not_sealed",
            f"{path!r} was stored before free text was sealed, so it cannot be taken back without "
            "breaking the hash chain.", "field",
        )
    if not (isinstance(value, dict) and set(value) == {"sealed", "ct"}):
        raise InvalidInput("not_free_text", f"{path!r} is not free text.", "field")
    text = json.dumps(value, separators=(",", ":"))
    return str(value["sealed"]), text


def _at(state: Any, path: str) -> Any:
    for step in path.split("."):
        if isinstance(state, list):
            index = int(step)
            if index >= len(state):
                return None
            state = state[index]
        elif isinstance(state, dict):
            state = state.get(step)
        else:
            return None
    return state


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"sealed", "ct"}


def sealed_payload(event: DomainEvent, stored: bytes) -> dict[str, Any]:
    """The event's JSON dump with its free text sealed as it is stored (what leaves the store:
    envelopes on Kafka, the delivery ledger, webhooks' queue). Text stored in the clear, by a
    store older than sealing, stays as it was stored."""
    data: dict[str, Any] = event.model_dump(mode="json")
    if MARK not in stored:
        return data
    state = json.loads(stored)
    for path, _ in free_text(event):
        value = _at(state, path)
        if is_sealed(value):
            _put(data, path, value)
    return data


def token(value: Any) -> str:
    """A value as it goes into a sentence kept outside the store (a feed entry's title): a
    sealed value as its compact JSON, opened when the sentence is shown (`open_in_text`)."""
    if is_sealed(value):  # in the order `SEALED` matches, whatever order a copy kept its keys in
        return json.dumps({"sealed": value["sealed"], "ct": value["ct"]}, separators=(",", ":"))
    return str(value)


def open_in_text(text: str, keys: TextKeys) -> str:
    """A sentence with each sealed value in it replaced by the text it stands for now."""
    if '{"sealed":"' not in text:
        return text
    return SEALED.sub(lambda m: open_text(m[1].decode(), m[2].decode(), keys).encode(), text.encode()).decode()
