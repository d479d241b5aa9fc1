"""A document as plain text: the body of a mail (adapters/mail.py sends plain text).

Headings underlined, bullets as hyphens, tables as one line per row ("A · B · C"), paragraphs
as they are: read in any mail program, and by a screen reader, in order.
"""

from __future__ import annotations

from adapters.documents.model import Bullets, Document, Heading, Paragraph, Table


def render_text(doc: Document) -> str:
    lines = [doc.marking, "", doc.title, "=" * min(len(doc.title), 72)]
    if doc.subtitle:
        lines.append(doc.subtitle)
    for block in doc.blocks:
        lines.append("")
        if isinstance(block, Heading):
            lines += [block.text, ("=" if block.level == 1 else "-") * min(len(block.text), 72)]
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Bullets):
            lines += [f"- {item}" for item in block.items]
        elif isinstance(block, Table):
            lines.append(" · ".join(block.header))
            lines += [" · ".join(cell.text for cell in row) for row in block.rows]
    lines += ["", doc.marking]
    return "\n".join(lines) + "\n"
