"""How every view stores values as text: lists, dates and instants, one way each.

Both engines compare TEXT the same way, so dates are ISO (`YYYY-MM-DD`) and instants
fixed-width UTC: text order is time order, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii as _quoted
from uuid import UUID

_IDS: dict[int, str] = {}
"""Ids' text by number (`ident`)."""
_IDS_KEPT = 20_000
"""Texts `ident` keeps before it starts again (a few MB): about the ids a batch of a rebuild names."""


def ident(value: object) -> str:
    """`str(value)`, of an id as views store it. A rebuild stores the same ids many times
    (an event's own in every view, a recommendation's in each of its actions' rows), and a
    UUID's text is made by Python code each time: a tenth of the views' share of a rebuild.
    Remembered by the id's number (hashed in C); a text is given for anything else."""
    if type(value) is not UUID:
        return str(value)
    number = value.int
    text = _IDS.get(number)
    if text is None:
        if len(_IDS) >= _IDS_KEPT:
            _IDS.clear()
        text = _IDS[number] = str(value)
    return text


def day(value: date | None) -> str | None:
    """A date as stored (None stays NULL)."""
    return value.isoformat() if value is not None else None


def read_day(text: str | None) -> date | None:
    """A stored date back (NULL or empty: None)."""
    return date.fromisoformat(text) if text else None


def instant(value: datetime) -> str:
    """A fixed-width UTC text form, so text order is time order on both engines."""
    offset = value.utcoffset()
    # Naive (taken as UTC) or already at offset zero, whatever its tzinfo object (pydantic
    # gives its own): no conversion needed, and astimezone is the slow part here.
    utc = value if not offset else value.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad them; isoformat would
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # isoformat is the same text as the strftime above, several times faster (a rebuild does every event).
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def items(values: Iterable[object]) -> str:
    """A list as stored: a JSON array of strings, in order (JSON, not words: a value may hold a space).
    The text `json.dumps` gives, built from its string encoder alone (several times faster)."""
    return "[" + ", ".join([_quoted(ident(v)) for v in values]) + "]"


def read_items(text: str | None) -> tuple[str, ...]:
    """A stored list back. Rows written before lists were JSON everywhere held them
    space-separated (none of their values has a space): read until the next rebuild."""
    if not text:
        return ()
    if not text.startswith("["):
        return tuple(text.split())
    return tuple(str(v) for v in json.loads(text))
