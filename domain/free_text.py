"""Which of a command's fields are free text, read off their types, and their screening.

A field is free text when its type carries a `TextRule` that says so (`free_text`, True
unless a type opts out: `Name`, `Text`, `Rationale` and the evidence's texts are; `Url`,
`Key`, slugs, ids, enums and dates are not), or is an event's `FreeText`. The types are found wherever they sit: in
`X | None`, in tuples and lists, and in nested models (an action's evidence). So a new
command's text field is screened because of its type, without anyone listing it.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel

from domain.screening import EMPTY, KnownIdentities, screen
from domain.values import TextRule, Written

_FREE: dict[int, tuple[Any, bool]] = {}
"""id(hint) -> (hint, whether it is free text): a hint is read for every value of every event
and command; the hint is kept, so that its id is not reused for another."""


def _is_free_text(hint: Any) -> bool:
    known = _FREE.get(id(hint))
    if known is not None and known[0] is hint:
        return known[1]
    free = get_origin(hint) is Annotated and any(
        isinstance(rule, Written) or (isinstance(rule, TextRule) and rule.free_text) for rule in hint.__metadata__
    )
    _FREE[id(hint)] = (hint, free)
    return free


@cache
def _hints(model: type[BaseModel]) -> dict[str, Any]:
    hints = typing.get_type_hints(model, include_extras=True)
    return {name: hints[name] for name in model.model_fields}


def _walk(value: Any, hint: Any, path: str) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    origin = get_origin(hint)
    if origin is Annotated:
        if _is_free_text(hint):
            if isinstance(value, str):
                yield path, value
            return
        yield from _walk(value, get_args(hint)[0], path)
    elif origin is UnionType or origin is typing.Union:
        for arm in get_args(hint):
            if arm is not NoneType:
                yield from _walk(value, arm, path)
    elif origin in (tuple, list) and isinstance(value, tuple | list):
        args = get_args(hint)
        # tuple[X, ...] and list[X]: each item an X; tuple[X, Y]: the items one by one.
        arms = [args[0]] * len(value) if len(args) == 1 or Ellipsis in args else list(args)
        for i, (item, arm) in enumerate(zip(value, arms, strict=False)):
            yield from _walk(item, arm, f"{path}.{i}")
    elif isinstance(hint, type) and issubclass(hint, BaseModel) and isinstance(value, hint):
        yield from free_text(value, f"{path}.")


@cache
def _text_bearing(model: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    """The fields of `model` whose type can hold free text, with their hints: only these are
    walked (ids, dates and enums never hold any)."""
    return tuple((name, hint) for name, hint in _hints(model).items() if any(_field_names(hint, name)))


def free_text(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) for every free-text value in `model`, nested ones named as the API
    names fields: `title`, `decided_by.0`, `evidence.1.description`."""
    for name, hint in _text_bearing(type(model)):
        yield from _walk(getattr(model, name), hint, f"{prefix}{name}")


def free_text_fields(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """The names of a model's fields that hold free text (a list's or a nested model's
    items as `<field>.*`): what `screen_free_text` screens."""
    for name, hint in _hints(model).items():
        yield from _field_names(hint, f"{prefix}{name}")


def _field_names(hint: Any, path: str) -> Iterator[str]:
    origin = get_origin(hint)
    if origin is Annotated:
        yield from [path] if _is_free_text(hint) else _field_names(get_args(hint)[0], path)
    elif origin is UnionType or origin is typing.Union:
        for arm in get_args(hint):
            yield from _field_names(arm, path)
    elif origin in (tuple, list):
        for arm in dict.fromkeys(a for a in get_args(hint) if a is not Ellipsis):
            yield from _field_names(arm, f"{path}.*")
    elif isinstance(hint, type) and issubclass(hint, BaseModel):
        yield from free_text_fields(hint, f"{path}.")


def screen_free_text(model: BaseModel, known: KnownIdentities = EMPTY) -> None:
    """Refuses (422, the field named) the first free text in `model` that would identify
    someone: see domain/screening.py."""
    for field, text in free_text(model):
        screen(text, field, known)
