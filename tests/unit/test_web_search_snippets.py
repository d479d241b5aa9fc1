"""The search page's snippets: only the index's own markers become highlights; everything else,
brackets a writer typed included, stays the record's text (the template escapes it)."""

from __future__ import annotations

from services.application.auth.principals import Role, make_principal
from services.web.search_page import Piece, hit_href, snippet_pieces


def test_marked_words_that_match_the_search_are_highlighted() -> None:
    assert snippet_pieces("record [fathers] and male [carers] at", "fathers carers") == [
        Piece("record ", False), Piece("fathers", True), Piece(" and male ", False), Piece("carers", True),
        Piece(" at", False),
    ]


def test_a_stemmed_match_is_highlighted_but_brackets_a_writer_typed_are_not() -> None:
    pieces = snippet_pieces("[Father] seen [see note 4] and [<b>x</b>]", "fathers")
    assert pieces == [Piece("Father", True), Piece(" seen [see note 4] and [<b>x</b>]", False)]


def test_a_snippet_without_markers_is_one_plain_piece() -> None:
    assert snippet_pieces("no markers here", "quokka") == [Piece("no markers here", False)]
    assert snippet_pieces("[quokka] is not searched", "wombat") == [Piece("[quokka] is not searched", False)]


def test_each_role_is_sent_to_its_own_page_for_a_hit() -> None:
    hit = {"kind": "action", "id": "a-1", "activity_id": "act-9"}
    finding = {"kind": "finding", "id": "f-1", "activity_id": "act-9"}
    admin = make_principal(Role.ADMIN, "st-helens", "jo")
    scrutineer = make_principal(Role.SCRUTINEER, "st-helens", "sc")
    agency = make_principal(Role.AGENCY, "st-helens", "lead", agency_id="merseyside-police")
    secretary = make_principal(Role.SECRETARY, "st-helens", "pa", forum_id="executive")
    assert hit_href(admin, hit) == "/tracker/a-1"
    assert hit_href(admin, finding) == "/activities/act-9"
    assert hit_href(scrutineer, hit) == "/scrutiny/actions/a-1"
    assert hit_href(scrutineer, finding) == "/scrutiny/activities/act-9"
    assert hit_href(agency, hit) == "/actions/a-1"
    assert hit_href(agency, finding) == "/inbox"
    assert hit_href(secretary, hit) == "/forum"
