"""The SQLite search index holds each partnership's words apart (projections/views/search.py):
a search reads its own partnership's entries of a word, not every partnership's, so it does not
slow as other partnerships fill the store (bench/queries.py, `page search`). Real SQLite FTS5."""

from __future__ import annotations

import sqlite3

from projections.views.search import DOCS, FTS, SearchScope, SearchView, scope_prefix, scope_token, scoped, search


def _doc(cur: sqlite3.Cursor, seq: int, partnership: str, body: str, indexed: bool = True) -> None:
    columns = "seq, doc_id, partnership_id, kind, activity_id, source_kind, title, body, scope"
    values: tuple[object, ...] = (seq, f"doc-{seq}", partnership, "finding", "act-1", "thematic_audit", "Audit",
                                  body, scope_token(partnership))
    if indexed:
        columns, values = columns + ", indexed", (*values, scoped(partnership, body))
    cur.execute(f"INSERT INTO {DOCS} ({columns}) VALUES ({', '.join('?' * len(values))})", values)


def test_a_word_is_indexed_under_its_partnership_and_stemmed_as_it_would_be_alone() -> None:
    cur = sqlite3.connect(":memory:").cursor()
    SearchView().create(cur, "sqlite")
    _doc(cur, 1, "st-helens", "Fathers and male carers were not asked who lived in the home.")
    _doc(cur, 2, "wirral", "Fathers were seen at every visit.")

    hits, more = search(cur, "sqlite", "st-helens", "father carer", SearchScope())
    assert [h["id"] for h in hits] == ["doc-1"] and not more
    assert hits[0]["snippet"].startswith("[Fathers] and male [carers]")  # the record's own words, marked
    assert [h["id"] for h in search(cur, "sqlite", "wirral", "fathers", SearchScope())[0]] == ["doc-2"]
    assert search(cur, "sqlite", "wirral", "carers", SearchScope())[0] == []

    cur.execute(f"CREATE VIRTUAL TABLE vocab USING fts5vocab({FTS}, 'row')")
    terms = {row[0] for row in cur.execute("SELECT term FROM vocab").fetchall()}
    # Each partnership's entries of "fathers" apart, stemmed as the word alone is ("father").
    assert {scope_prefix("st-helens") + "father", scope_prefix("wirral") + "father"} <= terms
    assert not {"father", "fathers"} & terms


def test_an_index_made_before_the_words_were_scoped_is_scoped_when_the_view_starts() -> None:
    cur = sqlite3.connect(":memory:").cursor()
    # The schema and index of the earlier version: one word per document stood for its partnership.
    cur.execute(f"CREATE TABLE {DOCS} (seq INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, partnership_id TEXT"
                " NOT NULL, kind TEXT NOT NULL, activity_id TEXT NOT NULL, source_kind TEXT NOT NULL, title TEXT"
                " NOT NULL, body TEXT NOT NULL, scope TEXT NOT NULL)")
    cur.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, scope, content='{DOCS}', content_rowid='seq',"
                " tokenize='porter unicode61')")
    cur.execute(f"CREATE TRIGGER {DOCS}_ai AFTER INSERT ON {DOCS} BEGIN"
                f" INSERT INTO {FTS} (rowid, body, scope) VALUES (new.seq, new.body, new.scope); END")
    _doc(cur, 1, "st-helens", "Core groups did not meet for six weeks.", indexed=False)

    SearchView().create(cur, "sqlite")

    hits, _ = search(cur, "sqlite", "st-helens", "core groups", SearchScope())
    assert [h["id"] for h in hits] == ["doc-1"]
    assert hits[0]["snippet"] == "[Core] [groups] did not meet for six weeks."
    _doc(cur, 2, "st-helens", "Core groups met weekly after the audit.")  # kept in step from now on
    assert len(search(cur, "sqlite", "st-helens", "core", SearchScope())[0]) == 2
