"""A command's form, made from its declaration (domain/commands/): each field of the payload is a
Design System input chosen by its type, what was typed is read back into the payload, and the
command runs through the same command table as the API (services/application/service.py).

Field types -> inputs: a date (IsoDate) is a date input (`<name>-day`, `-month`, `-year`); free
text of several lines (Text) a textarea; one line (Name, Slug, Url) a text input; an enum or a
Literal radios (or a select, when told); a tuple of them checkboxes; a bool one checkbox. A page
gives what the declaration cannot know: labels, hints, and the choices of a field that names the
partnership's data (an agency by its name, a forum by its name).

A refusal, the payload's (pydantic) or the domain's, is the API's own: its code, field and
sentence, put beside the form field the API named (`themes[0]` is the `themes` checkboxes) and
linked from the error summary; what was typed is kept.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Literal
from uuid import UUID

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import FormData

from domain.aggregate import Context
from domain.commands import DECLARATIONS, Command
from domain.errors import DomainError
from domain.values import TextRule
from services.application.auth.policy import authorize_command
from services.application.auth.principals import Principal
from services.application.service import LearningService, Outcome
from services.web.forms import FieldError, FormErrors, errors_from, read_date

Widget = Literal["text", "textarea", "lines", "date", "radios", "select", "checkboxes", "checkbox"]

WAIT_SECONDS = 5.0
"""How long a form waits, after its command, for the views to include it (read-your-writes)."""


@dataclass(frozen=True)
class Choice:
    value: str
    text: str
    hint: str | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: Widget
    choices: tuple[Choice, ...] = ()
    hint: str | None = None
    optional: bool = False
    classes: str = ""


def words(value: str) -> str:
    """`section_11_audit` -> `Section 11 audit`."""
    return value.replace("_", " ").capitalize()


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(the type, its Annotated metadata, whether None is allowed)."""
    optional = False
    if isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not NoneType]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
    metadata: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *metadata = typing.get_args(annotation)
    return annotation, metadata, optional


def _enum_choices(kind: Any) -> tuple[Choice, ...] | None:
    if isinstance(kind, type) and issubclass(kind, Enum):
        return tuple(Choice(str(m.value), words(str(m.value))) for m in kind)
    if typing.get_origin(kind) is Literal:
        return tuple(Choice(str(v), words(str(v))) for v in typing.get_args(kind))
    return None


def _widget(name: str, annotation: Any, metadata: list[Any]) -> tuple[Widget, tuple[Choice, ...]]:
    kind, inner_metadata, _ = _unwrap(annotation)
    metadata = [*metadata, *inner_metadata]
    if typing.get_origin(kind) is tuple:
        item = _unwrap(typing.get_args(kind)[0])[0]
        return "checkboxes", _enum_choices(item) or ()
    if kind is bool:
        return "checkbox", ()
    if kind is date:
        return "date", ()
    choices = _enum_choices(kind)
    if choices is not None:
        return "radios", choices
    rule = next((m for m in metadata if isinstance(m, TextRule)), None)
    if rule is not None and not rule.single_line:
        return "textarea", ()
    if kind in (str, UUID):
        return "text", ()
    raise TypeError(f"field {name!r} of type {annotation!r} has no form input")


def describe(
    command: type[Command],
    only: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    hints: Mapping[str, str] | None = None,
    choices: Mapping[str, Sequence[Choice]] | None = None,
    widgets: Mapping[str, Widget] | None = None,
    required: Sequence[str] = (),
) -> tuple[FormField, ...]:
    """The form of `command`'s fields named in `only`, in that order (`rationale` included);
    `required` names fields the domain requires though the payload lets them be left out."""
    labels, hints, choices, widgets = labels or {}, hints or {}, choices or {}, widgets or {}
    found = []
    for name in only:
        info = command.model_fields[name]
        widget, own = _widget(name, info.annotation, list(info.metadata))
        given = tuple(choices.get(name, own))
        if name in widgets:
            widget = widgets[name]
        elif widget == "text" and given:
            widget = "select"
        optional = not info.is_required() and name not in required
        found.append(FormField(
            name=name, label=labels.get(name, words(name)), widget=widget, choices=given,
            hint=hints.get(name, info.description), optional=optional,
        ))
    return tuple(found)


# --- what was typed ---------------------------------------------------------------------------


def typed_of(fields: Sequence[FormField], form: FormData) -> dict[str, Any]:
    """What the person typed, to show again: strings, and lists for checkboxes."""
    typed: dict[str, Any] = {}
    for f in fields:
        if f.widget == "checkboxes":
            typed[f.name] = [v for v in form.getlist(f.name) if isinstance(v, str)]
        elif f.widget == "date":
            for part in ("day", "month", "year"):
                value = form.get(f"{f.name}-{part}")
                typed[f"{f.name}-{part}"] = value if isinstance(value, str) else ""
        else:
            value = form.get(f.name)
            typed[f.name] = value if isinstance(value, str) else ""
    return typed


def payload_of(fields: Sequence[FormField], typed: Mapping[str, Any], errors: FormErrors) -> dict[str, Any]:
    """The command's payload from what was typed. A blank optional field is left out; a blank
    required one is sent as it is, so the payload's own refusal names it."""
    payload: dict[str, Any] = {}
    for f in fields:
        value = typed.get(f.name)
        if f.widget == "checkboxes":
            payload[f.name] = list(value or [])
        elif f.widget == "checkbox":
            payload[f.name] = value == "yes"
        elif f.widget == "lines":
            lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
            if lines or not f.optional:
                payload[f.name] = lines
        elif f.widget == "date":
            day = read_date(f.name, typed, errors)
            blank = not any(typed.get(f"{f.name}-{p}") for p in ("day", "month", "year"))
            if day is not None:
                payload[f.name] = day.isoformat()
            elif blank and not f.optional:
                payload[f.name] = None  # the payload refuses it, naming the field
        elif value:
            payload[f.name] = value
        elif not f.optional and f.widget in ("text", "textarea"):
            payload[f.name] = ""  # so the payload's own rule on an empty text answers
    return payload


# --- refusals ---------------------------------------------------------------------------------


def _base_name(api_field: str | None, names: set[str]) -> str | None:
    """The form field an API field is on: `themes[0]`, `themes.0` and `payload.themes` are `themes`."""
    if not api_field:
        return None
    name = api_field.removeprefix("payload.").removeprefix("body.")
    for stem in (name, name.split("[")[0], name.split(".")[0]):
        if stem in names:
            return stem
    return None


def refusal(
    exc: DomainError | ValidationError, fields: Sequence[FormField], typed: Mapping[str, Any],
    earlier: FormErrors | None = None,
) -> FormErrors:
    """The refusal's errors on the form's fields; one on no field of the form names the API's field."""
    labels = {f.name: f.label for f in fields}
    names = set(labels)
    dates = {f.name for f in fields if f.widget == "date"}
    found = FormErrors(errors=list(earlier.errors) if earlier else [], typed=typed)
    for e in errors_from(exc).errors:
        name = _base_name(e.field, names)
        if name is None:
            where = f", field {e.field}" if e.field else ""
            found.add(FieldError(e.code, f"{e.message} ({e.code}{where})", None))
        elif any(x.field == name for x in found.errors):
            continue  # one error a field: a date the form could not read is already said
        else:
            # The payload's sentences ("Field required") do not say which field; the domain's do.
            message = f"{labels[name]}: {e.message}" if isinstance(exc, ValidationError) else e.message
            found.add(replace(e, message=message, field=name, target=f"{name}-day" if name in dates else None))
    return found


@dataclass
class Submitted:
    """A form read back: the command it makes (None when refused) and its errors."""

    typed: dict[str, Any]
    errors: FormErrors = field(default_factory=FormErrors)
    command: Command | None = None


def read_command(
    command: type[Command], fields: Sequence[FormField], form: FormData, fixed: Mapping[str, Any] | None = None,
) -> Submitted:
    """The command the form asks for, or the payload's refusal; `fixed` are fields the page sets."""
    typed = typed_of(fields, form)
    errors = FormErrors(typed=typed)
    payload = {**payload_of(fields, typed, errors), **(fixed or {})}
    try:
        made = command.model_validate(payload)
    except ValidationError as exc:
        return Submitted(typed, refusal(exc, fields, typed, errors))
    if errors:
        return Submitted(typed, errors)
    return Submitted(typed, errors, made)


async def run(request: Request, person: Principal, command: Command, target_id: UUID | None = None) -> Outcome:
    """The command, as the API would run it for this person: the policy's rule for the command,
    then the service; then a short wait for the views to include it. Raises the DomainError."""
    item = {"partnership_id": person.partnership_id, "payload": command.model_dump(mode="json")}
    authorize_command(person, command.name, item)
    if DECLARATIONS[command.name].target is None:
        raise TypeError(f"{command.name} names its own partnership: not a page's command")
    service: LearningService = request.app.state.service
    ctx = Context(partnership_id=person.partnership_id, principal=person.subject)
    outcome = await run_in_threadpool(service.execute, ctx, command, target_id)
    if outcome.position is not None:
        await run_in_threadpool(request.app.state.projector.wait_for, outcome.position, WAIT_SECONDS)
    return outcome


async def submit(
    request: Request, person: Principal, command: type[Command], fields: Sequence[FormField],
    target_id: UUID | None = None, fixed: Mapping[str, Any] | None = None,
) -> tuple[Submitted, Outcome | None]:
    """Reads the form and runs its command: (what was read, the outcome or None when refused)."""
    form = await request.form()
    submitted = read_command(command, fields, form, fixed)
    if submitted.command is None:
        return submitted, None
    try:
        return submitted, await run(request, person, submitted.command, target_id)
    except DomainError as exc:
        submitted.errors = refusal(exc, fields, submitted.typed)
        return submitted, None
