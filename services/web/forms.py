"""Forms' errors as the Design System shows them: a summary at the top linking to each field,
and the sentence again beside the field, which keeps what was typed.

Every refusal carries the API's code, field and sentence (domain/errors.py DomainError, or a
pydantic ValidationError from a command's payload); `errors_from` turns either into FieldErrors.
The field of a command's payload (`payload.meeting_on`) is the form's `meeting_on`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from domain.errors import DomainError

_PREFIXES = ("payload.", "body.")


def field_name(api_field: str | None) -> str | None:
    """The form's name for the API's field: `payload.meeting_on` → `meeting_on`."""
    if not api_field:
        return None
    for prefix in _PREFIXES:
        if api_field.startswith(prefix):
            return api_field[len(prefix):]
    return api_field


def field_id(name: str) -> str:
    """The id of the field's input: `agencies.0` → `agencies-0`; a `.`-free name stays itself."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "main-content"


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    field: str | None = None
    target: str | None = None
    """The id the summary links to when it is not `field_id(field)` (a date's day input)."""

    @property
    def href(self) -> str | None:
        if self.target:
            return f"#{self.target}"
        return f"#{field_id(self.field)}" if self.field else None


@dataclass
class FormErrors:
    """A form's errors in the order they are shown, and what was typed, to show again."""

    errors: list[FieldError] = field(default_factory=list)
    typed: Mapping[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, error: FieldError) -> None:
        self.errors.append(error)

    def for_field(self, name: str) -> FieldError | None:
        return next((e for e in self.errors if e.field == name), None)

    def message(self, name: str) -> dict[str, str] | None:
        """The `errorMessage` parameter of a Design System component, or None."""
        error = self.for_field(name)
        return {"text": error.message} if error else None

    def value(self, name: str, default: str = "") -> str:
        value = self.typed.get(name, default)
        return value if isinstance(value, str) else default

    def summary(self) -> list[dict[str, Any]]:
        """The `errorList` of the error summary: each links to its field and names its code."""
        return [
            {"text": e.message, "href": e.href, "attributes": {"data-error-code": e.code}}
            if e.href else {"text": e.message, "attributes": {"data-error-code": e.code}}
            for e in self.errors
        ]


def errors_from(exc: DomainError | ValidationError, typed: Mapping[str, Any] | None = None) -> FormErrors:
    """The refusal's errors, each on the form field the API named."""
    found = FormErrors(typed=typed or {})
    if isinstance(exc, DomainError):
        found.add(FieldError(code=exc.code, message=exc.message, field=field_name(exc.field)))
        return found
    for err in exc.errors():
        name = ".".join(str(part) for part in err.get("loc", ()))
        found.add(FieldError(code=f"invalid_{err.get('type', 'value')}", message=str(err.get("msg")),
                             field=field_name(name) or None))
    return found


DATE_PARTS = ("day", "month", "year")


def read_date(name: str, values: Mapping[str, str], errors: FormErrors) -> date | None:
    """A date typed in the Design System's date input (`<name>-day`, `-month`, `-year`): None when
    all three are blank, else the date, or an error on the field (naming the day input)."""
    parts = [values.get(f"{name}-{part}", "").strip() for part in DATE_PARTS]
    if not any(parts):
        return None
    missing = [part for part, value in zip(DATE_PARTS, parts, strict=True) if not value]
    if missing:
        errors.add(FieldError("incomplete_date", f"The date must include a {' and a '.join(missing)}.", name,
                              f"{name}-{missing[0]}"))
        return None
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors.add(FieldError("invalid_date", "Enter the date as numbers, for example 27 3 2026.", name,
                              f"{name}-day"))
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors.add(FieldError("invalid_date", "The date must be a real date, for example 27 3 2026.", name,
                              f"{name}-day"))
        return None


def typed_values(items: Iterable[tuple[str, Any]]) -> dict[str, str]:
    return {k: v for k, v in items if isinstance(v, str)}
