"""A document as a Word file (.docx), with python-docx.

The marking goes in every page's header and footer, and the footer carries "Page N of M"
as Word fields (PAGE, NUMPAGES), so Word numbers the pages however the reader's printer
lays them out.
"""

from __future__ import annotations

import io

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from adapters.documents import style
from adapters.documents.model import Bullets, Document, Heading, Paragraph, Table


def render_docx(doc: Document, *, landscape: bool = False) -> bytes:
    word = docx.Document()
    section = word.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin = section.bottom_margin = Cm(2)
    normal = word.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(style.BODY_PT)
    _header_footer(word, doc)
    props = word.core_properties
    props.title = doc.title
    props.author = doc.author
    props.subject = doc.subtitle or ""
    props.keywords = doc.marking
    props.comments = "; ".join(f"{k}: {v}" for k, v in doc.metadata.items())

    title = word.add_heading(doc.title, level=0)
    _colour(title, style.TEXT)
    if doc.subtitle:
        sub = word.add_paragraph(doc.subtitle)
        sub.runs[0].font.color.rgb = RGBColor.from_string(style.MUTED)
    for block in doc.blocks:
        if isinstance(block, Heading):
            _colour(word.add_heading(block.text, level=block.level), style.TEXT)
        elif isinstance(block, Paragraph):
            p = word.add_paragraph(block.text)
            if block.emphasis == "lead":
                p.runs[0].font.size = Pt(style.BODY_PT + 1.5)
            elif block.emphasis == "note" and p.runs:
                p.runs[0].font.size = Pt(style.BODY_PT - 2)
                p.runs[0].font.color.rgb = RGBColor.from_string(style.MUTED)
        elif isinstance(block, Bullets):
            for item in block.items:
                word.add_paragraph(item, style="List Bullet")
        else:
            _table(word, block, 25.7 if landscape else 17.0)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _colour(p: DocxParagraph, rgb: str) -> None:
    for run in p.runs:
        run.font.color.rgb = RGBColor.from_string(rgb)


def _marking(p: DocxParagraph, text: str) -> None:
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor.from_string(style.MARKING)


def _field(p: DocxParagraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES): Word fills it in when it lays the pages out."""
    run = p.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = f" {code} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, shown, end):
        run._r.append(element)


def _header_footer(word: object, doc: Document) -> None:
    section = word.sections[0]  # type: ignore[attr-defined]
    head = section.header.paragraphs[0]
    _marking(head, doc.marking)
    if doc.running_head:
        running = section.header.add_paragraph(doc.running_head)
        running.alignment = WD_ALIGN_PARAGRAPH.CENTER
        running.runs[0].font.size = Pt(8)
        running.runs[0].font.color.rgb = RGBColor.from_string(style.MUTED)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("Page ").font.size = Pt(8)
    _field(foot, "PAGE")
    foot.add_run(" of ").font.size = Pt(8)
    _field(foot, "NUMPAGES")
    _marking(section.footer.add_paragraph(), doc.marking)


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _table(word: object, block: Table, usable_cm: float) -> None:
    """`usable_cm`: the width between A4's 2 cm margins."""
    if block.caption:
        caption = word.add_paragraph(block.caption)  # type: ignore[attr-defined]
        caption.runs[0].bold = True
    table = word.add_table(rows=1, cols=len(block.header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, style.HEADER_FILL)
    # The header row repeats on every page the table runs onto.
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_properties.append(repeat)
    for row in block.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value.text
            if value.rag is not None:
                _shade(cell, style.RAG_FILL[value.rag])
                cell.paragraphs[0].runs[0].bold = True
    if block.widths is not None:
        total = sum(block.widths)
        for column, width in zip(table.columns, block.widths, strict=True):
            for cell in column.cells:
                cell.width = Cm(usable_cm * width / total)
    word.add_paragraph()  # type: ignore[attr-defined]
