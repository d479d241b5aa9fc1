"""A refused ingest message as the dead-letter topic keeps it: the refusal whole, never what
the identity screen refuses.

`lif.ingest.dlq` keeps its messages for the topic's `retention.ms`, out of reach of any
erasure. A message refused because its text would identify someone (or refused for another
reason while holding such text) must not carry that text there. So every string of the
message, its values and its keys at any depth, and the refusal's own field and sentence
(a validation message may quote the input), is screened as a command's free text is
(domain/screening.py, against the case files of the partnership the message names). A string
in which the screen finds something is replaced by `WITHHELD`, and the letter lists it under
`withheld`: where it was (`payload.summary`, `payload.evidence.0.description`), what was found
(the screen's code) and at which character, never the detail. The field a screening refusal
names is withheld even if the screen, run again, no longer finds it. A message that is not
JSON is kept only if nothing is found in it at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from domain.screening import EMPTY, Found, KnownIdentities, find_personal_details

WITHHELD = "[withheld: refused by the identity screen]"
SCREEN_CODES = "text_contains_"
"""The prefix of every refusal of the identity screen (domain/screening.py)."""


def _found(text: str, known: Sequence[KnownIdentities]) -> Found | None:
    for identities in known or (EMPTY,):
        found = find_personal_details(text, identities)
        if found is not None:
            return found
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class _Withholding:
    def __init__(self, known: Sequence[KnownIdentities]) -> None:
        self.known = known
        self.withheld: list[dict[str, Any]] = []

    def note(self, path: str, found: Found | None) -> None:
        self.withheld.append(
            {"field": path, "code": found.code if found else None, "offset": found.offset if found else None}
        )

    def text(self, value: str, path: str) -> str:
        found = _found(value, self.known)
        if found is None:
            return value
        self.note(path, found)
        return WITHHELD

    def value(self, value: Any, path: str) -> Any:
        if isinstance(value, str):
            return self.text(value, path)
        if isinstance(value, list):
            return [self.value(item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(value)]
        if isinstance(value, dict):
            kept: dict[str, Any] = {}
            for i, (key, item) in enumerate(value.items()):
                where = f"{path}.{key}" if path else key
                found = _found(key, self.known)
                if found is not None:  # a field named by the detail: named by its place instead
                    where = f"{path}.[key {i}]" if path else f"[key {i}]"
                    self.note(where, found)
                    key = f"{WITHHELD} {i}"
                kept[key] = self.value(item, where)
            return kept
        return value

    def refused_field(self, message: Any, field: str) -> None:
        """Withholds the payload field a screening refusal names, wherever the screen's second
        look stands: the refusal itself says the text identified someone."""
        parent: Any = message.get("payload") if isinstance(message, dict) else None
        *steps, last = field.split(".")
        for step in steps:
            parent = _step(parent, step)
        if isinstance(parent, dict) and last in parent:
            at: Any = last
        elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            at = int(last)
        else:
            return
        if isinstance(parent[at], str) and parent[at] != WITHHELD:
            parent[at] = WITHHELD
            self.note(f"payload.{field}", None)


def _step(value: Any, step: str) -> Any:
    if isinstance(value, dict):
        return value.get(step)
    if isinstance(value, list) and step.isdigit() and int(step) < len(value):
        return value[int(step)]
    return None


def dead_letter(
    raw: bytes, code: str, message: str, field: str | None = None, known: Sequence[KnownIdentities] = (EMPTY,)
) -> dict[str, Any]:
    """The letter for a refused message: `error` (code, field, sentence; `offset`, where the
    refused detail starts, for a screening refusal), `original` with every identifying string
    withheld (null for a message that is not JSON and holds one), and `withheld`."""
    screen = _Withholding(known)
    text = raw.decode("utf-8", errors="replace")
    original: str | None = text
    try:
        parsed = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        found = _found(text, known)
        if found is not None:
            screen.note("original", found)
            original = None
    else:
        masked = screen.value(parsed, "")
        if field and code.startswith(SCREEN_CODES):
            screen.refused_field(masked, field)
        if screen.withheld:
            original = json.dumps(masked, ensure_ascii=False)
    error: dict[str, Any] = {
        "code": code,
        "field": screen.text(field, "error.field") if field else field,
        "message": screen.text(message, "error.message"),
    }
    if field and code.startswith(SCREEN_CODES):
        at = next((w["offset"] for w in screen.withheld if w["field"] == f"payload.{field}"), None)
        if at is not None:
            error["offset"] = at
    letter: dict[str, Any] = {"error": error, "original": original}
    if screen.withheld:
        letter["withheld"] = screen.withheld
    return letter
