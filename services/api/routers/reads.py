"""Reading one aggregate as it stands now, or as it stood at a past instant."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import AwareDatetime

from adapters.store import EventStore
from domain.aggregate import AggregateState
from domain.errors import NotFound
from domain.values import Instant

S = TypeVar("S", bound=AggregateState)

# Aware only: event timestamps are UTC, and comparing them with a naive instant raises.
AsOf = Annotated[
    Instant | None,
    Query(description="Replay the state as it stood at this instant (RFC 3339 with offset)."),
]


def load_or_404(
    store: EventStore,
    partnership_id: str,
    aggregate_id: UUID,
    kind: type[S],
    as_of: AwareDatetime | None = None,
) -> S:
    state = store.load(aggregate_id, kind, as_of=as_of)
    if state is None or state.partnership_id != partnership_id:
        name = kind.__name__.lower()
        raise NotFound(
            f"unknown_{name}",
            f"No {name} {aggregate_id} in partnership {partnership_id!r}.",
            f"{name}_id",
        )
    return state
