"""A partnership's records as the log stood at an instant, and the hash chain's anchor there.

The yearly report is built from this, not from the views: the views hold today's state, and
a report dated 31 March must say what was known on 31 March however much was recorded since.
Every event up to the instant is replayed (all aggregates, one pass over the log); the
anchor `POSITION:HASH` is the chain's link at the last event then, which
`GET /v1/admin/verify?anchor=...` checks is still in the chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from adapters.outbox import decode
from adapters.store import EventStore
from domain.aggregate import AggregateEvent, AggregateState, project
from domain.errors import DomainError

S = TypeVar("S", bound=AggregateState)
_PAGE = 1000


@dataclass
class LogAsAt:
    as_of: datetime
    position: int
    """The log's last position at `as_of` (0: nothing recorded yet)."""
    anchor: str | None
    """`POSITION:HASH` of that position in the hash chain."""
    states: dict[UUID, AggregateState] = field(default_factory=dict)

    def of(self, kind: type[S]) -> list[S]:
        return [s for s in self.states.values() if isinstance(s, kind)]


def log_as_at(store: EventStore, partnership_id: str, as_of: datetime) -> LogAsAt:
    recorder: Any = store.recorder
    streams: dict[UUID, list[AggregateEvent[Any]]] = defaultdict(list)
    position, after = 0, 0
    while True:
        page = recorder.select_notifications(start=after, limit=_PAGE, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            event = decode(store, notification)
            if event is None:  # bookkeeping: no time of its own to judge by
                continue
            if event.timestamp > as_of:
                break
            position = notification.id
            if isinstance(event, AggregateEvent) and event.partnership_id == partnership_id:
                streams[event.originator_id].append(event)
        else:
            after = page[-1].id
            continue
        break
    states = {aggregate_id: state for aggregate_id, events in streams.items()
              if (state := project(None, events)) is not None}
    return LogAsAt(as_of, position, _anchor(recorder, position), states)


def _anchor(recorder: Any, position: int) -> str | None:
    if position == 0 or not hasattr(recorder, "select_chain"):
        return None
    link = recorder.select_chain(gt=position - 1, lte=position).get(position)
    if link is None:
        raise DomainError("chain_incomplete", f"The hash chain has no link at position {position}.", "report_on")
    return f"{position}:{bytes(link).hex()}"
