"""The agenda pack laid out as the document a secretary sends round (Word, PDF, HTML).

A front sheet (the meeting's details and the agenda as a table: item, purpose, presenter,
time), one line for the sections with nothing this time, then each item's paper under its
number. The meeting's date is in every page's running head; the marking and "Page N of M"
are the renderers' (adapters/documents/).
"""

from __future__ import annotations

from typing import Any

from adapters.documents import Document, Heading, Paragraph, Table
from services.application.products.agenda_pack import BLANK, AgendaPack, PackItem
from services.application.products.agenda_pack_papers import TO_BE_CONFIRMED


def _when(item: PackItem) -> str:
    if item.starts_at is not None:
        return f"{item.starts_at:%H:%M}"
    return f"{item.minutes} min" if item.minutes else BLANK


def _standing(item: PackItem) -> str:
    """The line under an item's heading: why it is there, who presents it, for how long."""
    presenter = (
        "presenter to be confirmed" if item.presenter == TO_BE_CONFIRMED else f"presented by {item.presenter}"
    )
    return f"{item.purpose} · {presenter}" + (f" · {item.minutes} minutes" if item.minutes else "")


def nothing_line(pack: AgendaPack) -> str | None:
    """The generated sections that have nothing in them, on one line."""
    if not pack.nothing_this_time:
        return None
    return "Nothing this time under: " + "; ".join(pack.nothing_this_time) + "."


def pack_document(pack: AgendaPack) -> Document:
    blocks: list[Any] = [
        Table.of(("Meeting", "Details"), [
            ("Date", pack.meeting_day), ("Time", pack.time), ("Venue", pack.venue), ("Chair", pack.chair),
            ("Members expected", pack.expected), ("Apologies", pack.apologies),
        ], widths=(1, 3.5)),
        Heading("Agenda"),
        Table.of(("No.", "Item", "Purpose", "Presenter", "Time"), [
            (str(i.number), i.title, i.purpose, i.presenter, _when(i)) for i in pack.items
        ], widths=(0.8, 5.2, 2, 2.6, 1.2)),
    ]
    nothing = nothing_line(pack)
    if nothing:
        blocks.append(Paragraph(nothing, "note"))
    for item in pack.items:
        blocks += [
            Heading(f"{item.number}. {item.title}", 2),
            Paragraph(_standing(item), "note"),
            *item.paper,
        ]
    return Document(
        title=f"{pack.forum_name}: agenda and papers",
        subtitle=f"{pack.partnership_name} · meeting on {pack.meeting_day}",
        blocks=tuple(blocks),
        marking=pack.marking,
        running_head=f"{pack.forum_name} · {pack.meeting_day}",
        author=pack.partnership_name,
    )


def pack_filename(pack: AgendaPack, forum_id: str) -> str:
    return f"agenda-pack-{forum_id}-{pack.meeting_on.isoformat()}"
