"""Charts drawn on the server as SVG: bars whose sizes are attributes, so no script and no
inline style is needed (the Content-Security-Policy allows neither). Each chart is a picture of
a table printed beside it, which carries the same figures and their links for everyone; the SVG
is hidden from assistive technology so nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
"""The viewBox's width; the SVG scales to its column."""
LABEL_WIDTH = 230
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

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def value_x(self) -> float:
        end = self.segments[-1].x + self.segments[-1].width if self.segments else LABEL_WIDTH
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


def stacked_bars(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]]) -> Chart:
    """One horizontal bar per (label, [(tone, count), …]), its parts end to end, all on one scale
    (the largest total fills the width left after the labels and the totals)."""
    largest = max((sum(n for _, n in parts) for _, parts in rows), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    scale = room / largest if largest else 0.0
    drawn = []
    for i, (label, parts) in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for tone, count in parts:
            if count <= 0:
                continue
            width = count * scale
            segments.append(Segment(x=round(x, 2), width=round(width, 2), tone=tone))
            x += width
        drawn.append(Row(label=label, total=sum(n for _, n in parts), y=i * ROW_HEIGHT + 4, segments=tuple(segments)))
    return Chart(rows=tuple(drawn), height=max(len(drawn), 1) * ROW_HEIGHT + 8)


def bars(rows: Sequence[tuple[str, str, int]]) -> Chart:
    """One bar per (label, tone, count)."""
    return stacked_bars([(label, [(tone, count)]) for label, tone, count in rows])
