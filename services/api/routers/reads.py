"""Reading one aggregate as it stands now, or as it stood at a past instant."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Query

from domain.aggregate import AggregateState
from domain.errors import NotFound
from services.store import EventStore

S = TypeVar("S", bound=AggregateState)

AsOf = Annotated[
    datetime | None,
    Query(description="Replay the state as it stood at this instant (ISO 8601 with offset)."),
]


def load_or_404(store: EventStore, partnership_id: str, aggregate_id: UUID, kind: type[S], as_of: datetime | None = None) -> S:
    state = store.load(aggregate_id, kind, as_of=as_of)
    if state is None or state.partnership_id != partnership_id:
        name = kind.__name__.lower()
        raise NotFound(f"unknown_{name}", f"No {name} {aggregate_id} in partnership {partnership_id!r}.", f"{name}_id")
    return state
