"""What both renderers agree on: colours and sizes, so the Word file and the PDF look alike."""

from __future__ import annotations

from adapters.documents.model import Rag

RAG_FILL: dict[Rag, str] = {
    "red": "F6D7D2",
    "amber": "FDE6CC",
    "green": "CCE2D8",
    "blue": "D2E2F1",
    "grey": "E5E6E7",
}
"""Light fills (dark text stays readable on them, printed or on screen)."""

RAG_EDGE: dict[Rag, str] = {
    "red": "D4351C",
    "amber": "F47738",
    "green": "00703C",
    "blue": "1D70B8",
    "grey": "505A5F",
}

TEXT = "0B0C0C"
MUTED = "505A5F"
MARKING = "D4351C"
"""Protective markings are conventionally printed prominently; red, bold, centred."""
HEADER_FILL = "F3F2F1"

BODY_PT = 10.5
HEADING_PT = {1: 15.0, 2: 12.5, 3: 11.0}
TITLE_PT = 20.0
