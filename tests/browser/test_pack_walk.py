"""The secretary circulates the agenda pack, in Chromium: from the meeting's agenda to the pack as
a page (axe-core, the marking, the standard items), then the PDF and the Word file downloaded and
read back with pypdf and python-docx (the marking and the meeting's date on every page).

Under LIF_SCREENSHOTS, the page's picture and the PDF's first page (pdftoppm) go in that folder
(docs/screenshots/pack.png, docs/screenshots/agenda-pack.png).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import docx
import pypdf
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, check_page, signed_in

ARLF = "audit-review-learning-forum"
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")


def _download(page: Page, link: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    return Path(info.value.path()).read_bytes()


def test_a_secretary_circulates_the_agenda_pack(context: BrowserContext, server: Server, axe_source: str) -> None:
    page = signed_in(context, server, role="secretary", forum_id=ARLF, name="pa", display="Sam Patel")
    page.goto("/forum")
    page.get_by_role("link", name=re.compile(r"^Agenda for the meeting on ")).first.click()
    day = page.get_by_role("heading", level=1).inner_text().removeprefix("Agenda for ")

    page.get_by_role("link", name="Read or print the agenda pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit, Review and Learning Forum: agenda and papers")
    expect(page.locator("header.page-head")).to_contain_text("OFFICIAL-SENSITIVE")
    expect(page.locator("header.page-head")).to_contain_text(day)
    for item in ("Declarations of interest", "Minutes of the last meeting and matters arising", "Action log",
                 "Any other business", "Date of next meeting"):
        expect(page.get_by_role("heading", name=re.compile(rf"^\d+\. {item}$"))).to_be_visible()
    assert not ID.search(page.locator("main").inner_text())
    check_page(page, axe_source, "pack")
    page.go_back()

    pdf = _download(page, "Download the agenda pack (PDF)")
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    for n, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2 and day in text and f"Page {n} of {len(pages)}" in text
    whole = " ".join(" ".join(pages).split())
    assert "Action log" in whole and not ID.search(whole) and "projection" not in whole

    word = docx.Document(io.BytesIO(_download(page, "Download the agenda pack (Word)")))
    assert "OFFICIAL-SENSITIVE" in "\n".join(p.text for p in word.sections[0].header.paragraphs)
    assert [c.text for c in word.tables[1].rows[0].cells] == ["No.", "Item", "Purpose", "Presenter", "Time"]

    folder = os.environ.get("LIF_SCREENSHOTS")
    if folder:
        first = Path(folder) / "agenda-pack.pdf"
        first.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(first),
                        str(Path(folder) / "agenda-pack")], check=True)
        first.unlink()
