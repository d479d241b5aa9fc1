"""Documents the partnership sends round (briefings, dossiers, the yearly report), as one
model (`model.py`) rendered to Word (`word.py`, python-docx), PDF (`pdf.py`, reportlab:
drawn in process, so a machine with no browser and no network makes the same file) and
HTML (`html.py`). Whoever builds a document says what is in it; these say how it looks.
"""

from adapters.documents.model import (
    DEFAULT_MARKING,
    Block,
    Bullets,
    Cell,
    Document,
    Heading,
    Paragraph,
    Table,
)

__all__ = ["DEFAULT_MARKING", "Block", "Bullets", "Cell", "Document", "Heading", "Paragraph", "Table"]
