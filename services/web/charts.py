"""Charts drawn on the server as SVG: bars whose sizes are attributes, so no script and no
inline style is needed (the Content-Security-Policy allows neither). Each chart is a picture of
a table printed beside it, which carries the same figures and their links for everyone; the SVG
is hidden from assistive technology so nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
"""The viewBox's width of a chart across the page; the SVG scales to its column."""
LABEL_WIDTH = 230
HALF_WIDTH = 360
"""A chart beside its table: narrower, so its text keeps its size in half the page."""
HALF_LABEL_WIDTH = 120
ROW_HEIGHT = 28
BAR_HEIGHT = 18
VALUE_GAP = 6
VALUE_ROOM = 48


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    tone: str
    """A CSS modifier: the colour of what it counts (red, amber, … or a neutral tone)."""


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    y: float
    segments: tuple[Segment, ...]
    start: float = LABEL_WIDTH

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def value_x(self) -> float:
        end = self.segments[-1].x + self.segments[-1].width if self.segments else self.start
        return end + VALUE_GAP


@dataclass(frozen=True)
class Chart:
    rows: tuple[Row, ...]
    height: float
    width: int = WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def label_x(self) -> int:
        return self.label_width - VALUE_GAP

    @property
    def label_chars(self) -> int:
        """Characters of a label that fit before the bars (at the font size lif.css sets)."""
        return max(8, int(self.label_width / 7.5))


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], width: int = WIDTH, label_width: int = LABEL_WIDTH
) -> Chart:
    """One horizontal bar per (label, [(tone, count), …]), its parts end to end, all on one scale
    (the largest total fills the width left after the labels and the totals)."""
    largest = max((sum(n for _, n in parts) for _, parts in rows), default=0)
    room = width - label_width - VALUE_ROOM
    scale = room / largest if largest else 0.0
    drawn = []
    for i, (label, parts) in enumerate(rows):
        x = float(label_width)
        segments = []
        for tone, count in parts:
            if count <= 0:
                continue
            length = count * scale
            segments.append(Segment(x=round(x, 2), width=round(length, 2), tone=tone))
            x += length
        total = sum(n for _, n in parts)
        drawn.append(Row(label, total, i * ROW_HEIGHT + 4, tuple(segments), float(label_width)))
    return Chart(rows=tuple(drawn), height=max(len(drawn), 1) * ROW_HEIGHT + 8, width=width, label_width=label_width)


def bars(rows: Sequence[tuple[str, str, int]], *, half: bool = False) -> Chart:
    """One bar per (label, tone, count); `half` for a chart beside its table."""
    chart_rows = [(label, [(tone, count)]) for label, tone, count in rows]
    if half:
        return stacked_bars(chart_rows, HALF_WIDTH, HALF_LABEL_WIDTH)
    return stacked_bars(chart_rows)
