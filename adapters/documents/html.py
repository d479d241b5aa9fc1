"""A document as one self-contained HTML page (its style sheets inline, admitted by their hashes
in the page's Content-Security-Policy: `styles`), with print styles: the marking and the running
head in every printed page's top margin, the marking and "Page N of M" in its bottom margin."""

from __future__ import annotations

from html import escape

from adapters.documents import style
from adapters.documents.model import Bullets, Document, Heading, Paragraph, Table

STYLE = (
    "body{{font-family:Arial,sans-serif;color:#{text};max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}}"
    ".marking{{color:#{marking};font-weight:bold;text-align:center;letter-spacing:.05em}}"
    ".running{{color:#{muted};text-align:center;font-size:.85em}}"
    ".subtitle{{color:#{muted}}}.lead{{font-size:1.15em}}.note{{font-size:.85em;color:#{muted}}}"
    "table{{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}}"
    "th,td{{border:1px solid #{muted};padding:.3em .5em;text-align:left;vertical-align:top}}"
    "th{{background:#{header}}}caption{{text-align:left;font-weight:bold;padding:.3em 0}}"
    "{rags}"
    # Printed, the page's own marking and running head give way to the page margins' (`page_style`).
    "@media print{{body{{margin:0;max-width:none}}.page-head,.marking.bottom{{display:none}}"
    "thead{{display:table-header-group}}tr{{break-inside:avoid}}h2,h3{{break-after:avoid}}}}"
).format(
    text=style.TEXT,
    marking=style.MARKING,
    muted=style.MUTED,
    header=style.HEADER_FILL,
    rags="".join(
        f"td.rag-{name}{{background:#{fill};border-left:4px solid #{style.RAG_EDGE[name]};font-weight:bold}}"
        for name, fill in style.RAG_FILL.items()
    ),
)


def _css_string(text: str) -> str:
    """Text as a CSS string: quotes and backslashes escaped, and `<` too, so nothing a person
    typed (a forum's name in the running head) can close the style element."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>\n\r' else c for c in text)
    return f'"{escaped}"'


def page_style(doc: Document) -> str:
    """The printed page's margins: the marking (and running head) at the top, the marking and
    "Page N of M" at the bottom, as the PDF and the Word file have them. A line break in a CSS
    string is `\\a `: `_css_string` writes the running head's that way."""
    margin = f"font:bold 9pt Arial,sans-serif;color:#{style.MARKING};white-space:pre"
    head = _css_string(doc.marking + (f"\n{doc.running_head}" if doc.running_head else ""))
    foot = f'{_css_string(doc.marking + chr(10) + "Page ")} counter(page) " of " counter(pages)'
    return (
        f"@page{{size:A4;margin:2.4cm 1.8cm;@top-center{{content:{head};{margin}}}"
        f"@bottom-center{{content:{foot};{margin}}}}}"
    )


def styles(doc: Document) -> list[str]:
    """The page's style sheets, for its Content-Security-Policy."""
    return [STYLE, page_style(doc)]


def render_html(doc: Document) -> str:
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title>" + "".join(f"<style>{css}</style>" for css in styles(doc)) + "</head><body>",
        f'<header class="page-head"><p class="marking top">{e(doc.marking)}</p>',
    ]
    if doc.running_head:
        parts.append(f'<p class="running">{e(doc.running_head)}</p>')
    parts.append("</header>")
    parts.append(f"<main><h1>{e(doc.title)}</h1>")
    if doc.subtitle:
        parts.append(f'<p class="subtitle">{e(doc.subtitle)}</p>')
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = block.level + 1
            parts.append(f"<h{level}>{e(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            kind = "" if block.emphasis == "body" else f' class="{block.emphasis}"'
            parts.append(f"<p{kind}>{e(block.text)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>")
        else:
            parts.append(_table(block))
    parts.append(f'</main><footer><p class="marking bottom">{e(doc.marking)}</p></footer></body></html>')
    return "\n".join(parts)


def _table(block: Table) -> str:
    e = escape
    caption = f"<caption>{e(block.caption)}</caption>" if block.caption else ""
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in block.header)
    rows = "".join(
        "<tr>" + "".join(
            f'<td class="rag-{c.rag}">{e(c.text)}</td>' if c.rag else f"<td>{e(c.text)}</td>" for c in row
        ) + "</tr>"
        for row in block.rows
    )
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
