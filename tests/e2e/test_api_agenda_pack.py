"""A forum's agenda pack over HTTP, read back with readers nobody here wrote: the PDF with pypdf,
the Word file with python-docx. The marking the partnership sets is on every page, with the
meeting's date and "Page N of M"; actions have their owner's name and their RAG in words."""

from __future__ import annotations

import io
import re

import docx
import pypdf

from tests.e2e.conftest import BOARD, Api, error_of

MEETING = "2026-10-12"
"""A Board meeting after the police action's due date (2026-09-30): 12 days overdue."""
PACK = f"/forums/{BOARD}/agenda-pack"
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")


def _board_with_an_overdue_action(api: Api) -> None:
    api.post("/meetings", {"forum_id": BOARD, "meets_on": MEETING})
    api.agree_action(api.accepted_recommendation())


def _get(api: Api, suffix: str) -> bytes:
    r = api.client.get(f"{api.base}{PACK}{suffix}", params={"meeting_on": MEETING, "min_position": api.position})
    assert r.status_code == 200, r.text
    return r.content


def test_the_pack_as_pdf_has_the_standard_items_and_marking_date_and_page_numbers_on_every_page(api: Api) -> None:
    _board_with_an_overdue_action(api)
    api.post("/protective-marking", {"marking": "OFFICIAL-SENSITIVE PERSONAL"})
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(_get(api, ".pdf"))).pages]
    for n, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE PERSONAL") == 2, n
        assert f"Page {n} of {len(pages)}" in page and "Monday 12 October 2026" in page
    text = " ".join(" ".join(pages).split())
    for item in (
        "Welcome, introductions and apologies", "Declarations of interest", "None declared in advance",
        "Minutes of the last meeting and matters arising", "The minutes of the meeting on 15 June 2026",
        "Action log", "Any other business", "Date of next meeting", "Venue To be confirmed",
    ):
        assert item in text, item
    assert "Add a 'significant adults' field to the police record." in text
    assert "Merseyside Police" in text and "Red: overdue by 12 days" in text
    assert "merseyside-police" not in text and not ID.search(text) and "position" not in text
    assert "Nothing this time under:" in text


def test_the_pack_as_word_has_the_action_table_and_the_marking_in_header_and_footer(api: Api) -> None:
    _board_with_an_overdue_action(api)
    word = docx.Document(io.BytesIO(_get(api, ".docx")))
    section = word.sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    footer_xml = section.footer._element.xml
    assert "OFFICIAL-SENSITIVE" in header and "Monday 12 October 2026" in header
    assert "OFFICIAL-SENSITIVE" in footer_xml and "NUMPAGES" in footer_xml and " PAGE " in footer_xml
    [log] = [t for t in word.tables if t.rows[0].cells[0].text == "Action"]
    assert [c.text for c in log.rows[0].cells] == ["Action", "Owner", "Due", "Days overdue", "RAG", "Latest"]
    row = next(r for r in log.rows[1:] if r.cells[0].text.startswith("Add a 'significant adults'"))
    assert [c.text for c in row.cells[1:5]] == ["Merseyside Police", "30 Sep 2026", "12", "Red: overdue by 12 days"]
    # The rating is coloured too, not only said.
    assert 'w:fill="F6D7D2"' in row.cells[4]._tc.xml
    agenda = next(t for t in word.tables if t.rows[0].cells[0].text == "No.")
    assert [c.text for c in agenda.rows[0].cells] == ["No.", "Item", "Purpose", "Presenter", "Time"]
    assert word.core_properties.keywords == "OFFICIAL-SENSITIVE"


def test_the_pack_as_a_page_prints_with_its_marking_and_page_numbers(api: Api) -> None:
    _board_with_an_overdue_action(api)
    r = api.client.get(f"{api.base}{PACK}.html", params={"meeting_on": MEETING, "min_position": api.position})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<td class="rag-red">Red: overdue by 12 days</td>' in page
    assert "counter(pages)" in page and "@top-center" in page and "Monday 12 October 2026" in page
    assert "unsafe-inline" not in r.headers["content-security-policy"]


def test_the_marking_is_set_once_and_a_forum_that_is_not_there_has_no_pack(api: Api) -> None:
    again = api.client.post(f"{api.base}/protective-marking", json={"marking": "OFFICIAL-SENSITIVE"})
    assert again.status_code == 409 and error_of(again)["code"] == "protective_marking_unchanged"
    wrong = api.client.post(f"{api.base}/protective-marking", json={"marking": "SECRET"})
    assert wrong.status_code == 422
    missing = api.client.get(f"{api.base}/forums/no-such-forum/agenda-pack.pdf", params={"meeting_on": MEETING})
    assert missing.status_code == 404


def test_every_document_carries_the_marking_the_partnership_set(api: Api) -> None:
    api.reported_review()
    api.post("/protective-marking", {"marking": "OFFICIAL"})
    r = api.client.get(f"{api.base}/dossier.pdf", params={"theme": "information_sharing", "min_position": api.position})
    assert r.status_code == 200, r.text
    [page] = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages]
    assert page.count("OFFICIAL") == 2 and "OFFICIAL-SENSITIVE" not in page
    pack = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(_get(api, ".pdf"))).pages]
    assert all("OFFICIAL" in p and "OFFICIAL-SENSITIVE" not in p for p in pack)
