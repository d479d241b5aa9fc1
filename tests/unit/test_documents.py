"""adapters/documents: one document model, read back from Word with python-docx and from PDF with pypdf."""

from __future__ import annotations

import io

import docx
import pypdf

from adapters.documents import Bullets, Cell, Document, Heading, Paragraph, Table
from adapters.documents.html import render_html
from adapters.documents.pdf import render_pdf
from adapters.documents.word import render_docx

ROWS = [(f"Action {i} <b>& more</b>", "Merseyside Police", Cell("Red: 12 days overdue", "red")) for i in range(60)]
DOC = Document(
    title="Thematic dossier: neglect",
    subtitle="St Helens Safeguarding Children Partnership",
    running_head="St Helens · 1 April 2026",
    blocks=(
        Heading("Findings"), Paragraph("Plans drifted & <nobody> noticed.", "lead"),
        Bullets(("one", "two")),
        Table.of(("Action", "Owner", "RAG"), ROWS, widths=(3, 2, 2), caption="Actions"),
    ),
)


def test_the_pdf_reads_back_with_its_marking_and_page_numbers_on_every_page() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(DOC)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2  # header and footer
        assert f"Page {n} of {len(pages)}" in text
    assert "Plans drifted & <nobody> noticed." in pages[0]  # text, never mark-up
    assert "Action 59 <b>& more</b>" in pages[-1]
    assert reader.metadata is not None and reader.metadata.title == DOC.title


def test_the_word_file_reads_back_with_headings_table_and_marking() -> None:
    word = docx.Document(io.BytesIO(render_docx(DOC)))
    texts = [p.text for p in word.paragraphs]
    assert texts[0] == DOC.title and "Findings" in texts and "Plans drifted & <nobody> noticed." in texts
    [table] = word.tables
    assert [c.text for c in table.rows[0].cells] == ["Action", "Owner", "RAG"]
    assert len(table.rows) == 61 and table.rows[1].cells[2].text == "Red: 12 days overdue"
    section = word.sections[0]
    assert section.header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml and "OFFICIAL-SENSITIVE" in footer_xml
    assert word.core_properties.title == DOC.title


def test_the_html_escapes_text_and_colours_the_rating_with_its_words() -> None:
    page = render_html(DOC)
    assert "&lt;nobody&gt;" in page and "<nobody>" not in page
    assert '<td class="rag-red">Red: 12 days overdue</td>' in page
    # At the top and foot of the page, and in the printed pages' margins (its page style).
    assert page.count("OFFICIAL-SENSITIVE") == 4 and "counter(pages)" in page


def test_a_row_of_the_wrong_width_is_refused() -> None:
    try:
        Table.of(("a", "b"), [("only one",)])
    except ValueError as e:
        assert "2 columns" in str(e)
    else:
        raise AssertionError("a short row was accepted")
