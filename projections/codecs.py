"""How every view stores values as text: lists, dates and instants, one way each.

Both engines compare TEXT the same way, so dates are ISO (`YYYY-MM-DD`) and instants
fixed-width UTC: text order is time order, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii as _quoted


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
    return "[" + ", ".join([_quoted(str(v)) for v in values]) + "]"


def read_items(text: str | None) -> tuple[str, ...]:
    """A stored list back. Rows written before lists were JSON everywhere held them
    space-separated (none of their values has a space): read until the next rebuild."""
    if not text:
        return ()
    if not text.startswith("["):
        return tuple(text.split())
    return tuple(str(v) for v in json.loads(text))
