"""The scrutineer's "as at" control: which reading a page shows, read from its address, and the
one helper that builds every link of the scrutineer's pages so the reading goes with it.

In an address the reading is the API's own parameter: `as_of=<instant>` (what lif had
recorded by then) or `as_at_day=<YYYY-MM-DD>` (what the records' own dates say held on that
day); neither is "now". The control's form (GET, no JavaScript) sends `reading` with a date
(`on-day`, `on-month`, `on-year`) and, for the recorded reading, a time (`at`, HH:MM, UTC);
the page answers with links carrying the canonical parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from services.application.as_at import AsAt
from services.web.forms import FieldError, FormErrors, read_date, typed_values

READINGS = ("now", "recorded", "effective")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class Chosen:
    """The reading a page shows (None: now), and any error in what was typed for it."""

    as_at: AsAt | None
    errors: FormErrors

    @property
    def params(self) -> dict[str, str]:
        """The query parameters that carry the reading."""
        if self.as_at is None:
            return {}
        if self.as_at.reading == "recorded":
            return {"as_of": self.as_at.end.isoformat()}
        return {"as_at_day": self.as_at.day.isoformat()}

    @property
    def reading(self) -> str:
        return self.as_at.reading if self.as_at else "now"

    def describe(self) -> str:
        return self.as_at.describe() if self.as_at else "As lif holds it now"

    def form_values(self) -> dict[str, str]:
        """What the control shows: what was typed, else the reading shown."""
        if self.errors.typed.get("reading"):
            return dict(self.errors.typed)
        if self.as_at is None:
            return {"reading": "now"}
        day = self.as_at.day
        values = {"reading": self.as_at.reading, "on-day": str(day.day), "on-month": str(day.month),
                  "on-year": str(day.year)}
        if self.as_at.reading == "recorded":
            values["at"] = self.as_at.end.strftime("%H:%M")
        return values

    def link(self, path: str, **params: object) -> str:
        """`path` with `params` (None left out) and the reading: every scrutineer link is built here."""
        query = {k: str(v) for k, v in params.items() if v is not None and v != ""}
        query.update(self.params)
        return path + (f"?{urlencode(query)}" if query else "")


def chosen(query: Mapping[str, str]) -> Chosen:
    """The reading the address asks for: the control's form if it was sent, else `as_of` or
    `as_at_day`; an error names the control's field and keeps what was typed."""
    typed = typed_values(query.items())
    errors = FormErrors(typed=typed)
    reading = query.get("reading")
    if reading is not None:
        return Chosen(_from_form(reading, query, errors), errors)
    try:
        if query.get("as_of"):
            instant = datetime.fromisoformat(query["as_of"])
            if instant.tzinfo is None:
                raise ValueError(instant)
            return Chosen(AsAt.recorded(instant.astimezone(UTC)), errors)
        if query.get("as_at_day"):
            return Chosen(AsAt.effective(date.fromisoformat(query["as_at_day"])), errors)
    except (ValueError, OverflowError):
        errors.add(FieldError("invalid_as_at", "The address's as_of or as_at_day is not a date; choose it again.",
                              "on", "on-day"))
    return Chosen(None, errors)


def _from_form(reading: str, query: Mapping[str, str], errors: FormErrors) -> AsAt | None:
    if reading not in READINGS:
        errors.add(FieldError("invalid_reading", "Choose how to read the records.", "reading", "reading"))
        return None
    if reading == "now":
        return None
    day = read_date("on", query, errors)
    if day is None:
        if not errors.for_field("on"):
            errors.add(FieldError("date_required", "Enter the date to read the records on, for example 1 11 2026.",
                                  "on", "on-day"))
        return None
    if reading == "effective":
        return AsAt.effective(day)
    at = (query.get("at") or "").strip() or "00:00"
    match = _TIME.match(at)
    if not match:
        errors.add(FieldError("invalid_time", "Enter the time as hours and minutes, for example 09:30.", "at"))
        return None
    return AsAt.recorded(datetime.combine(day, time(int(match[1]), int(match[2])), tzinfo=UTC))
