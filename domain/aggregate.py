"""State of an aggregate, and how events evolve it.

Aggregates here are immutable pydantic models: a command function checks the
rules against the current state and returns new events; each event's `apply`
returns the next state. The event store replays events through `project`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.errors import VersionConflict
from domain.events import DomainEvent


class Context(BaseModel):
    """Who asks, for which partnership, and why."""

    model_config = ConfigDict(frozen=True)

    partnership_id: str
    principal: str
    rationale: str | None = None


class AggregateState(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    version: int
    partnership_id: str
    created_on: datetime
    modified_on: datetime


S = TypeVar("S", bound=AggregateState)
E = TypeVar("E", bound="AggregateEvent[Any]")


class AggregateEvent(DomainEvent, Generic[S]):
    """An event that evolves one kind of aggregate state."""

    def apply(self, state: S | None) -> S:
        raise NotImplementedError

    def mutate(self, state: S | None) -> S:
        new = self.apply(state)
        return new.model_copy(
            update={"version": self.originator_version, "modified_on": self.timestamp}
        )


def base_fields(event: DomainEvent) -> dict[str, Any]:
    """The fields every created aggregate takes from its first event."""
    return {
        "id": event.originator_id,
        "version": event.originator_version,
        "partnership_id": event.partnership_id,
        "created_on": event.timestamp,
        "modified_on": event.timestamp,
    }


class Change(Generic[S]):
    """Events decided by one command on one aggregate, and the state they lead to."""

    def __init__(self, state: S | None, aggregate_id: UUID) -> None:
        self.state = state
        self.aggregate_id = aggregate_id
        self.events: list[AggregateEvent[S]] = []

    @property
    def version(self) -> int:
        return self.state.version if self.state is not None else 0

    def trigger(self, event_class: type[AggregateEvent[S]], ctx: Context, **fields: Any) -> Self:
        fields.setdefault("rationale", ctx.rationale)
        event = event_class(
            originator_id=self.aggregate_id,
            originator_version=self.version + 1,
            partnership_id=ctx.partnership_id,
            principal=ctx.principal,
            **fields,
        )
        self.state = event.mutate(self.state)
        self.events.append(event)
        return self

    @property
    def result(self) -> S:
        assert self.state is not None
        return self.state


def change(state: S) -> Change[S]:
    return Change(state, state.id)


def project(state: S | None, events: Iterable[AggregateEvent[S]]) -> S | None:
    for event in events:
        state = event.mutate(state)
    return state


def check_version(state: AggregateState, expected: int | None) -> None:
    if expected is not None and expected != state.version:
        raise VersionConflict(expected, state.version)
