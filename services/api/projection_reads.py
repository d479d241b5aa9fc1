"""What every projection read shares: read-your-writes and saying how far behind it is.

A command answers with `Lif-Position` (the log position after its commit). A
read given `?min_position=` that position waits until the projections have
applied it (or answers 503 `projection_behind`), and every read reports the
view's `position`, the log's `head` and the `lag` between them.

A view that could not apply one of the partnership's events parked it and went on
(projections/parking.py). Its reads for that partnership still answer 200, with
`degraded` naming the view, the first parked position, how many events wait and the
error, and a `Lif-Degraded` header; other partnerships' reads, and the partnership's
reads of other views, are not degraded. A parked event counts as handled for
`min_position`: a wait for its position (or a later one) returns when the view has
gone past it, degraded, rather than 503 for ever (a retry may take days to come).
A read never answers 500 for a parked event.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from adapters.sql import Cursor
from domain.errors import DomainError
from domain.values import Position
from projections import parking
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


class DegradedView(BaseModel):
    """A view that parked some of the partnership's events: the read lacks them."""

    view: str
    reason: Literal["events_parked"] = Field(description="Why: the view could not apply an event and parked it.")
    first_parked_position: int = Field(description="The event that failed; later ones of the partnership wait.")
    parked_events: int = Field(description="Events of the partnership this view has parked (failed and held).")
    error: str = Field(description="Why the first parked event failed.")
    since: str = Field(description="When it first failed (UTC, ISO 8601).")
    last_attempt_at: str = Field(description="When it was last tried (UTC, ISO 8601).")


Degraded = Annotated[
    list[DegradedView],
    Field(default_factory=list, description="Empty unless the view parked events of this partnership "
          "(then the read lacks them; projections/parking.py)."),
]
"""The `degraded` field of every projection read's answer."""


@dataclass
class Freshness:
    position: int = 0
    head: int = 0
    degraded: list[DegradedView] = field(default_factory=list)

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)

    @property
    def cache_token(self) -> Hashable:
        """What an answer built from the view depends on: its position, and what it parked
        (a retry changes the tables without moving the position)."""
        return self.position, tuple((d.view, d.first_parked_position, d.parked_events) for d in self.degraded)

    def body(self) -> dict[str, Any]:
        return {
            "position": self.position, "head": self.head, "lag": self.lag,
            "degraded": [d.model_dump() for d in self.degraded],
        }

    def headers(self) -> dict[str, str]:
        headers = {"Lif-Position": str(self.position), "Lif-Head": str(self.head), "Lif-Lag": str(self.lag)}
        if self.degraded:
            headers["Lif-Degraded"] = ", ".join(
                f"{d.view}; parked={d.parked_events}; first={d.first_parked_position}" for d in self.degraded
            )
        return headers

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
    """A consistent snapshot of the views, and how fresh (and how whole, for the path's
    partnership) the named view is in it."""
    projector = get_projector(request)
    catch_up(projector, min_position)
    head = projector.head()
    partnership = request.path_params.get("partnership_id")
    with snapshot(projector.db) as cur:
        degraded = parking.degraded(cur, view_name, partnership) if partnership else []
        yield cur, Freshness(
            position=view_position(cur, view_name), head=head, degraded=[DegradedView(**d) for d in degraded]
        )
