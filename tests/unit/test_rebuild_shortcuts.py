"""The rebuild's shortcuts give the text the plain forms give: ids, the search index's words, the
multi-row INSERTs sent to PostgreSQL."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from adapters.sql import _numbered
from projections import codecs
from projections.codecs import ident
from projections.views.search import TOKEN, scope_prefix, scoped


def test_an_id_is_its_text_however_often_and_however_many_are_remembered() -> None:
    ids = [uuid4() for _ in range(codecs._IDS_KEPT + 10)]
    assert [ident(i) for i in ids] == [str(i) for i in ids]
    assert [ident(i) for i in reversed(ids)] == [str(i) for i in reversed(ids)]
    assert len(codecs._IDS) <= codecs._IDS_KEPT


class Named(UUID):
    def __str__(self) -> str:
        return "named"


@pytest.mark.parametrize("value", ["agency-1", 7, None, Named(int=5)])
def test_what_is_not_a_plain_uuid_is_given_as_str_gives_it(value: object) -> None:
    assert ident(value) == str(value)


@pytest.mark.parametrize("text", [
    "Fathers and carers", "naïve café über", "a\\1 b\\g<0> c", "x_y 2nd-floor", "", "  spaced  out ",
])
def test_the_index_holds_each_word_behind_the_partnership_prefix(text: str) -> None:
    prefix = scope_prefix("gen-000")
    assert scoped("gen-000", text) == TOKEN.sub(lambda m: prefix + m.group(0), text)


def test_a_multi_row_insert_numbers_its_marks_row_after_row() -> None:
    sql = "INSERT INTO t (a, b, c) VALUES (?, 'open', ?) ON CONFLICT (a) DO NOTHING"
    assert _numbered(sql, 3) == (
        "INSERT INTO t (a, b, c) VALUES ($1, 'open', $2), ($3, 'open', $4), ($5, 'open', $6)"
        " ON CONFLICT (a) DO NOTHING"
    )
