"""What a document is made of, whatever it is rendered to.

Plain frozen dataclasses: headings, paragraphs, bulleted lists and tables, under a title,
with the protective marking printed in every page's header and footer. Text is text:
each renderer escapes it for its own format, so nothing a person typed is read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
"""The Government Security Classification most partnership data carries (names of agencies,
practice, case references): the marking unless the document says otherwise."""

Rag = Literal["red", "amber", "green", "blue", "grey"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: Literal[1, 2, 3] = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: Literal["body", "lead", "note"] = "body"
    """`lead`: a larger opening paragraph; `note`: small print (sources, seals)."""


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """A table cell; `rag` colours it (the words stay in `text`, so colour is never the
    only way a rating is told)."""

    text: str
    rag: Rag | None = None


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] | None = None
    """Relative column widths (any units; they are scaled to the page)."""
    caption: str | None = None

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"a row has {len(row)} cells for {len(self.header)} columns")
        if self.widths is not None and len(self.widths) != len(self.header):
            raise ValueError("one width per column")

    @staticmethod
    def of(header: tuple[str, ...], rows: Sequence[Sequence[str | Cell]], **kwargs: object) -> Table:
        """A table from strings (or cells)."""
        cells = tuple(tuple(c if isinstance(c, Cell) else Cell(c) for c in row) for row in rows)
        return Table(header, cells, **kwargs)  # type: ignore[arg-type]


Block = Heading | Paragraph | Bullets | Table


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]
    subtitle: str | None = None
    marking: str = DEFAULT_MARKING
    running_head: str = ""
    """Printed in every page's header beside the marking (e.g. the partnership's name and the date)."""
    author: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    """Extra document properties (Word's core properties, the PDF's info)."""
