"""What every projection read shares: read-your-writes and saying how far behind it is.

A command answers with `Lif-Position` (the log position after its commit). A
read given `?min_position=` that position waits until the projections have
applied it (or answers 503 `projection_behind`), and every read reports the
view's `position`, the log's `head` and the `lag` between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request, Response

from domain.errors import DomainError
from domain.values import Position
from projections.db import Cursor
from projections.projector import Projector
from projections.snapshot import snapshot, view_position

WAIT_SECONDS = 5.0

MinPosition = Annotated[
    Position | None,
    Query(ge=0, le=2**63 - 1, description="Wait (up to 5 s) until the projections include this log position, "
          "e.g. the Lif-Position header of your last command."),
]


class ProjectionBehind(DomainError):
    """The projections have not yet caught up with the position asked for."""

    status = 503


@dataclass
class Freshness:
    position: int = 0
    head: int = 0

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)

    def body(self) -> dict[str, int]:
        return {"position": self.position, "head": self.head, "lag": self.lag}

    def headers(self) -> dict[str, str]:
        return {"Lif-Position": str(self.position), "Lif-Head": str(self.head), "Lif-Lag": str(self.lag)}

    def stamp(self, response: Response) -> None:
        response.headers.update(self.headers())


def get_projector(request: Request) -> Projector:
    projector: Projector = request.app.state.projector
    return projector


def catch_up(projector: Projector, min_position: int | None) -> None:
    """Read-your-writes: wait for `min_position`, or refuse with 503."""
    if not min_position:
        return
    if not projector.wait_for(min_position, timeout=WAIT_SECONDS):
        raise ProjectionBehind(
            "projection_behind",
            f"The projections have not reached position {min_position} within {WAIT_SECONDS:g} s "
            f"(they are at {projector.position()}); retry shortly.",
            "min_position",
        )


@contextmanager
def projection_read(request: Request, view_name: str, min_position: int | None) -> Iterator[tuple[Cursor, Freshness]]:
    """A consistent snapshot of the views, and how fresh the named view is in it."""
    projector = get_projector(request)
    catch_up(projector, min_position)
    head = projector.head()
    with snapshot(projector.db) as cur:
        yield cur, Freshness(position=view_position(cur, view_name), head=head)


def with_freshness(body: dict[str, Any], freshness: Freshness) -> dict[str, Any]:
    return {**body, **freshness.body()}
