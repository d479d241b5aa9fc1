"""domain/free_text.py: a command's free-text fields are read off their types, nested ones too."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel

from domain.commands import CompleteAction, OpenActivity, PublishActivity, RecordDecision
from domain.errors import InvalidInput
from domain.free_text import free_text, free_text_fields, screen_free_text
from domain.screening import KnownIdentities
from domain.values import Key, Name, Slug, Text, TextRule, Url


class _Note(BaseModel):
    body: Text
    tags: tuple[Slug, ...] = ()


class _Form(BaseModel):
    title: Name
    slug: Slug
    link: Url | None = None
    key: Key | None = None
    sealed: Annotated[str, TextRule(50, free_text=False)] | None = None
    notes: tuple[_Note, ...] = ()
    pair: tuple[Name, Slug] | None = None


def test_the_text_types_are_free_text_and_ids_urls_keys_and_opted_out_texts_are_not() -> None:
    assert list(free_text_fields(_Form)) == ["title", "notes.*.body", "pair.*"]
    form = _Form(title="T", slug="s1", link="https://x.test/a", key="k", sealed="s",
                 notes=(_Note(body="a"), _Note(body="b")), pair=("P", "p1"))
    assert list(free_text(form)) == [("title", "T"), ("notes.0.body", "a"), ("notes.1.body", "b"), ("pair.0", "P")]


def test_commands_declare_their_free_text_by_type() -> None:
    assert list(free_text_fields(OpenActivity)) == ["rationale", "title", "scope", "case_reference"]
    assert list(free_text_fields(CompleteAction)) == ["rationale", "evidence.*.description", "evidence.*.reference"]
    assert list(free_text_fields(RecordDecision)) == ["rationale", "decided_by.*"]
    assert list(free_text_fields(PublishActivity)) == ["rationale"]  # its url is not free text


def test_the_first_identifying_text_is_refused_with_its_field_named() -> None:
    known = KnownIdentities(names=["Zephyrine Quillfeather"])
    done = CompleteAction.model_validate({
        "completed_on": "2026-07-10",
        "evidence": [{"description": "Training delivered."}, {"description": "Quillfeather's plan reviewed."}],
    })
    with pytest.raises(InvalidInput) as refused:
        screen_free_text(done, known)
    assert (refused.value.code, refused.value.field) == ("text_contains_known_name", "evidence.1.description")
    screen_free_text(done)  # no case file: the name is no detail the screen can know


# A field a person writes in a command is stored sealed in the event it becomes (adapters/sealed_text.py),
# so that a redaction can take it back: the event's field must be `FreeText`. Case references are
# screened like free text but kept clear: they are how a case file is found.
KEPT_CLEAR = {"case_reference"}


def test_events_seal_every_field_a_command_takes_as_free_text() -> None:
    from domain.catalogue import EVENT_CLASSES
    from domain.commands import COMMANDS

    written = {path.split(".")[0] for command in COMMANDS.values() for path in free_text_fields(command)}
    assert {"title", "summary", "text", "rationale"} <= written
    unsealed = [
        f"{cls.__name__}.{name}"
        for cls in EVENT_CLASSES
        for name in cls.model_fields
        if name in written - KEPT_CLEAR and name not in {p.split(".")[0] for p in free_text_fields(cls)}
    ]
    assert unsealed == [], "annotate these event fields FreeText (domain/values.py)"
