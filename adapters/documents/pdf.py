"""A document as a PDF, drawn by reportlab in process.

Chosen over printing HTML with a browser: it needs no browser, no network and no font
download, so a CI machine makes the same file as a laptop. Text goes through reportlab's
paragraph mark-up, so every string is escaped first. Pages carry the marking at the top
and bottom and "Page N of M" (two passes: the total is known only at the end).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, ListFlowable, ListItem, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from adapters.documents import style
from adapters.documents.model import Bullets, Document, Heading, Paragraph, Table

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _fonts() -> tuple[str, str]:
    """DejaVu Sans where the system has it (it draws any character people type); else the
    PDF's built-in Helvetica, which every reader has but which draws only Western European text."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        if "LifSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("LifSans", str(regular)))
            pdfmetrics.registerFont(TTFont("LifSans-Bold", str(bold)))
        return "LifSans", "LifSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _hex(rgb: str) -> colors.Color:
    return colors.HexColor(f"#{rgb}")


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


class _Styles:
    def __init__(self) -> None:
        self.font, self.bold = _fonts()
        base = getSampleStyleSheet()["Normal"]
        text = _hex(style.TEXT)
        self.body = ParagraphStyle(
            "body", parent=base, fontName=self.font, fontSize=style.BODY_PT, leading=style.BODY_PT * 1.35,
            textColor=text, spaceAfter=5,
        )
        self.lead = ParagraphStyle("lead", parent=self.body, fontSize=style.BODY_PT + 1.5,
                                   leading=(style.BODY_PT + 1.5) * 1.35)
        self.note = ParagraphStyle("note", parent=self.body, fontSize=style.BODY_PT - 2,
                                   leading=(style.BODY_PT - 2) * 1.3, textColor=_hex(style.MUTED))
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=style.BODY_PT - 1.5,
                                   leading=(style.BODY_PT - 1.5) * 1.25, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=self.bold)
        self.title = ParagraphStyle("title", parent=self.body, fontName=self.bold, fontSize=style.TITLE_PT,
                                    leading=style.TITLE_PT * 1.2, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", parent=self.body, textColor=_hex(style.MUTED), spaceAfter=10)
        self.headings = {
            level: ParagraphStyle(
                f"h{level}", parent=self.body, fontName=self.bold, fontSize=size, leading=size * 1.25,
                spaceBefore=8 if level == 1 else 5, spaceAfter=3, keepWithNext=1,  # never last on a page
            )
            for level, size in style.HEADING_PT.items()
        }
        self.caption = ParagraphStyle("caption", parent=self.body, fontName=self.bold, spaceAfter=3)


def render_pdf(doc: Document, *, wide: bool = False) -> bytes:
    s = _Styles()
    out = io.BytesIO()
    size = landscape(A4) if wide else A4
    template = SimpleDocTemplate(
        out, pagesize=size, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2.2 * cm, bottomMargin=2.2 * cm,
        title=doc.title, author=doc.author, subject=doc.subtitle or "", keywords=[doc.marking],
        creator="lif",
    )
    story: list[Any] = [PdfParagraph(_text(doc.title), s.title)]
    if doc.subtitle:
        story.append(PdfParagraph(_text(doc.subtitle), s.subtitle))
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(PdfParagraph(_text(block.text), s.headings[block.level]))
        elif isinstance(block, Paragraph):
            chosen = {"body": s.body, "lead": s.lead, "note": s.note}[block.emphasis]
            story.append(PdfParagraph(_text(block.text), chosen))
        elif isinstance(block, Bullets):
            items = [ListItem(PdfParagraph(_text(i), s.body), leftIndent=12) for i in block.items]
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=12, bulletFontName=s.font))
        else:
            story.extend(_table(block, s, template.width))
    canvas_class = _numbered(doc, s, size)
    template.build(story, canvasmaker=canvas_class)
    return out.getvalue()


def _table(block: Table, s: _Styles, width: float) -> list[Any]:
    flow: list[Any] = []
    header = [PdfParagraph(_text(h), s.cell_bold) for h in block.header]
    rows: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, _hex(style.MUTED)),
        ("BACKGROUND", (0, 0), (-1, 0), _hex(style.HEADER_FILL)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for r, row in enumerate(block.rows, start=1):
        line = []
        for c, cell in enumerate(row):
            line.append(PdfParagraph(_text(cell.text), s.cell_bold if cell.rag else s.cell))
            if cell.rag is not None:
                commands.append(("BACKGROUND", (c, r), (c, r), _hex(style.RAG_FILL[cell.rag])))
                commands.append(("LINEBEFORE", (c, r), (c, r), 3, _hex(style.RAG_EDGE[cell.rag])))
        rows.append(line)
    widths = None
    if block.widths is not None:
        total = sum(block.widths)
        widths = [width * w / total for w in block.widths]
    table = PdfTable(rows, colWidths=widths or [width / len(block.header)] * len(block.header), repeatRows=1)
    table.setStyle(TableStyle(commands))
    if block.caption:
        # The caption stays with at least the table's first rows.
        flow.append(KeepTogether([PdfParagraph(_text(block.caption), s.caption), table]) if len(rows) < 8
                    else PdfParagraph(_text(block.caption), s.caption))
        if len(rows) >= 8:
            flow.append(table)
    else:
        flow.append(table)
    flow.append(Spacer(1, 8))
    return flow


def _numbered(doc: Document, s: _Styles, size: tuple[float, float]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, then draws each one's header and
    footer knowing how many pages there are."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            w, h = size
            self.saveState()
            self.setFont(s.bold, 9)
            self.setFillColor(_hex(style.MARKING))
            self.drawCentredString(w / 2, h - 1.1 * cm, doc.marking)
            self.drawCentredString(w / 2, 0.8 * cm, doc.marking)
            self.setFont(s.font, 8)
            self.setFillColor(_hex(style.MUTED))
            if doc.running_head:
                self.drawCentredString(w / 2, h - 1.5 * cm, doc.running_head)
            self.drawCentredString(w / 2, 1.25 * cm, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return NumberedCanvas


__all__ = ["render_pdf"]
