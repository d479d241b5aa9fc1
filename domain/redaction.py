"""Taking back free text that slipped through the screen: a redaction, with the corrected text.

Free text is stored so that it can be forgotten (each field sealed under a key of its own,
adapters/sealed_text.py). A redaction names the field by the event that holds it (its aggregate
and version) and the field's path (`summary`, `decided_by.0`, `evidence.1.description`), gives
the corrected text and, as its rationale, the reason. It is recorded on the partnership (a
command names one kind of target, and text lives in every kind; the partnership carries its id);
the store then destroys the field's key and keeps the corrected text in its stead, so every
later read of the old event, and every view rebuilt from it, yields the corrected text. Views
that kept the text correct their rows from this event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from uuid import UUID

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.briefing import BriefingDrafted, BriefingEdited
from domain.errors import InvalidInput
from domain.events import DomainEvent
from domain.free_text import free_text
from domain.partnership import Partnership
from domain.values import FreeText

FIELD_PATH = r"^[a-z_]{1,64}(\.[0-9]{1,4}(\.[a-z_]{1,64})?)?$"
"""A free-text field as the screen names it: `summary`, `decided_by.0`, `evidence.1.description`."""


class TextRedacted(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.text_redacted"
    SUMMARY = "Text redacted: {field} of event {version} of {aggregate_id}, replaced by a corrected text"
    aggregate_id: UUID
    version: int
    field: str
    text: FreeText
    event_topic: str = ""
    """The redacted event's topic: what the views read to find the rows that hold the text."""
    entity_id: str | None = None
    """The entity inside the aggregate the text belongs to (a finding's, a forum's, an agency's id)."""

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        return state


def redact_text(
    p: Partnership, ctx: Context, *, aggregate_id: UUID, version: int, field: str, text: str
) -> Change[Partnership]:
    """Replaces a free-text field of a recorded event by `text`; the original is forgotten for good.
    That the event exists, is the partnership's and holds sealed text there is the store's to check."""
    if not re.fullmatch(FIELD_PATH, field):
        raise InvalidInput("invalid_field_path", f"{field!r} does not name a free-text field.", "field")
    if not (ctx.rationale or "").strip():
        raise InvalidInput("rationale_required", "Say why the text is taken back (rationale).", "rationale")
    return change(p).trigger(
        TextRedacted, ctx, aggregate_id=aggregate_id, version=version, field=field, text=text
    )


ENTITY_FIELDS = ("finding_id", "forum_id", "agency_id")
"""The payload fields that name the entity an event's text belongs to, first found wins."""


def describe(redaction: Change[Partnership], topic: str, payload: dict[str, object]) -> Change[Partnership]:
    """The redaction with what the store knows of the text: its event's topic and entity."""
    *before, event = redaction.events
    assert isinstance(event, TextRedacted)
    entity = next((str(payload[f]) for f in ENTITY_FIELDS if payload.get(f) is not None), None)
    redaction.events = [*before, event.model_copy(update={"event_topic": topic, "entity_id": entity})]
    return redaction


COPIED_AT_LEAST = 12
"""Characters a redacted text must have for its copies to be looked for: a shorter one (a name
of who decided, a word) could be part of other words, which a correction must not change."""


def briefing_copies(
    old: str, new: str, briefing_events: Iterable[DomainEvent], redacted: tuple[int, str],
) -> list[tuple[int, str, str]]:
    """(version, field, corrected text) of each part of an activity's 7-minute briefing that holds
    `old`, with `new` in its place. A first draft is composed from the activity's title, scope,
    findings and recommendations (domain/briefing.py `compose`), so a briefing drafted before a
    redaction of one of them holds a copy of it, which the redaction takes back with it.
    `redacted` is the (version, field) being redacted itself."""
    needle, corrected = old.strip(), new.strip()
    if len(needle) < COPIED_AT_LEAST or needle == corrected:
        return []
    copies = []
    for event in briefing_events:
        if not isinstance(event, BriefingDrafted | BriefingEdited):
            continue
        for path, text in free_text(event):
            if path != "rationale" and needle in text and (event.originator_version, path) != redacted:
                copies.append((event.originator_version, path, text.replace(needle, corrected)))
    return copies
