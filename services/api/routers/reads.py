"""Reading one aggregate as it stands now, or as it stood at a past instant."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import AwareDatetime

from adapters.store import EventStore
from domain.aggregate import AggregateState
from domain.errors import NotFound
from domain.values import Instant, IsoDate
from services.application.as_at import AsAt, load_as_at

S = TypeVar("S", bound=AggregateState)

# Aware only: event timestamps are UTC, and comparing them with a naive instant raises.
AsOf = Annotated[
    Instant | None,
    Query(description="Replay the state as lif had recorded it by this instant (RFC 3339 with offset): "
          "the events recorded at or before it."),
]
AsAtDay = Annotated[
    IsoDate | None,
    Query(description="The state as the records' own dates say it held at the end of this day (YYYY-MM-DD), "
          "whenever lif was told: each event counts from the day it says it happened (opened_on, recorded_on, "
          "made_on, decided_on, meeting_on, noted_on, completed_on, signed_off_on...), an undated one from the "
          "event before it. Not with as_of."),
]


def load_or_404(
    store: EventStore,
    partnership_id: str,
    aggregate_id: UUID,
    kind: type[S],
    as_of: AwareDatetime | None = None,
    as_at: AsAt | None = None,
) -> S:
    """Now, as recorded by `as_of`, or as `as_at` reads it (services/application/as_at.py)."""
    state = load_as_at(store, aggregate_id, kind, as_at or (AsAt.recorded(as_of) if as_of else None))
    if state is None or state.partnership_id != partnership_id:
        name = kind.__name__.lower()
        raise NotFound(
            f"unknown_{name}",
            f"No {name} {aggregate_id} in partnership {partnership_id!r}.",
            f"{name}_id",
        )
    return state
