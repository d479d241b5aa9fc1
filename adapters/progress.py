"""A plain-text progress bar for long replays: percentage, events/s and ETA on one
line of stderr, redrawn with a carriage return (no dependency, no colour)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ProgressBar:
    """Call with (position, head) as a replay advances; `done()` ends the line."""

    def __init__(
        self,
        stream: TextIO,
        label: str = "",
        start: int = 0,
        width: int = 30,
        every: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.label = label
        self.start = start
        self.width = width
        self.every = every
        self.clock = clock
        self.started = clock()
        self.last_draw = -every
        self.line = ""

    def __call__(self, position: int, head: int) -> None:
        now = self.clock()
        if now - self.last_draw < self.every and position < head:
            return
        self.last_draw = now
        self.line = self.render(position, head, now - self.started)
        self.stream.write("\r" + self.line)
        self.stream.flush()

    def render(self, position: int, head: int, elapsed: float) -> str:
        fraction = 1.0 if head <= 0 else min(1.0, position / head)
        filled = int(fraction * self.width)
        rate = (position - self.start) / elapsed if elapsed > 0 else 0.0
        eta = (head - position) / rate if rate > 0 else 0.0
        bar = "#" * filled + "-" * (self.width - filled)
        label = f"{self.label} " if self.label else ""
        return (
            f"{label}[{bar}] {fraction * 100:5.1f}% {position}/{head} events "
            f"{rate:,.0f} ev/s ETA {_duration(eta)}"
        )

    def done(self) -> None:
        if self.line:
            self.stream.write("\n")
            self.stream.flush()
