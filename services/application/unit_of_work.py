"""A unit of work: aggregates loaded and changed by commands, saved in one transaction."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError, RecordConflictError

from adapters.store import EventStore
from domain.aggregate import AggregateState, Change
from domain.errors import DomainError, NotFound, RuleViolation
from domain.events import DomainEvent
from domain.partnership import Partnership, partnership_uuid

S = TypeVar("S", bound=AggregateState)

_NAMES = {
    "Partnership": "partnership",
    "Activity": "activity",
    "Recommendation": "recommendation",
    "Action": "action",
    "Decision": "decision",
}


class UnitOfWork:
    def __init__(self, store: EventStore, parent: UnitOfWork | None = None) -> None:
        self.store = store
        self.parent = parent
        self.states: dict[UUID, AggregateState] = {}
        self.pending: list[DomainEvent] = []
        self.claims: dict[UUID, DomainError] = {}
        """Ids this unit creates, each with the refusal a second creation gets."""

    def _cached(self, aggregate_id: UUID) -> AggregateState | None:
        if aggregate_id in self.states:
            return self.states[aggregate_id]
        return self.parent._cached(aggregate_id) if self.parent else None

    def get(self, aggregate_id: UUID, kind: type[S], partnership_id: str, field: str = "id") -> S:
        state = self._cached(aggregate_id)
        if state is None:
            state = self.store.load(aggregate_id, kind)
            if state is not None:
                # Kept for the rest of the unit (a batch loads each aggregate once). In the
                # root: what was loaded is committed state, valid whether or not this child
                # commits; a child's own change still shadows it, as `record` puts it here.
                self._root().states.setdefault(aggregate_id, state)
        if not isinstance(state, kind) or state.partnership_id != partnership_id:
            name = _NAMES.get(kind.__name__, kind.__name__.lower())
            raise NotFound(
                f"unknown_{name}",
                f"No {name} {aggregate_id} in partnership {partnership_id!r}.",
                field,
            )
        return state

    def partnership(self, partnership_id: str) -> Partnership:
        try:
            return self.get(partnership_uuid(partnership_id), Partnership, partnership_id)
        except NotFound:
            raise NotFound(
                "unknown_partnership",
                f"No partnership {partnership_id!r} is registered.",
                "partnership_id",
            ) from None

    def exists(self, aggregate_id: UUID) -> bool:
        return self._cached(aggregate_id) is not None or any(
            True for _ in self.store.events.get(aggregate_id, limit=1)
        )

    def _claimed(self, claimed: UUID) -> bool:
        return claimed in self.claims or (self.parent is not None and self.parent._claimed(claimed))

    def claim(
        self, claimed: UUID, refusal: DomainError, event: DomainEvent | None = None, *, fresh: bool = False,
    ) -> None:
        """Takes an id for good: refuses with `refusal` if it is taken, else keeps `event`
        (a claim of its own, for an id inside an aggregate) to be saved with the rest.

        The check gives a clear answer; the store's uniqueness of (id, version 1) is the
        guarantee when two writers race, and `commit` then answers with the same refusal.
        A `fresh` id (a random one this server just chose) skips the read: it was a third
        of the cost of an ingested finding, and the store still guards it."""
        if self._claimed(claimed) or (not fresh and self.exists(claimed)):
            raise refusal
        self.claims[claimed] = refusal
        if event is not None:
            self.pending.append(event)

    def _root(self) -> UnitOfWork:
        return self.parent._root() if self.parent else self

    def record(self, change: Change[S]) -> S:
        self.states[change.aggregate_id] = change.result
        self.pending.extend(change.events)
        return change.result

    def child(self) -> UnitOfWork:
        return UnitOfWork(self.store, parent=self)

    def merge(self, child: UnitOfWork) -> None:
        self.states.update(child.states)
        self.pending.extend(child.pending)
        self.claims.update(child.claims)

    def commit(self, *extra: DomainEvent) -> int | None:
        """Saves everything in one transaction; returns the log position of the last event."""
        events = [*self.pending, *extra]
        if not events:
            return None
        try:
            recordings = self.store.save(*events)
            # Now stored: the next load of these starts from here instead of replaying
            # what this unit just wrote (a batch's events, the next command's target).
            self.store.remember(*self.states.values())
        except (IntegrityError, RecordConflictError):
            # A racing writer took one of the ids claimed here: say which, as the check would have.
            for claimed, refusal in self.claims.items():
                if any(True for _ in self.store.events.get(claimed, limit=1)):
                    raise refusal from None
            raise RuleViolation(
                "concurrent_write",
                "Another command changed the same record at the same time; re-read and retry.",
                "expected_version",
            ) from None
        finally:
            self.pending.clear()
            self.states.clear()
            self.claims.clear()
        # Stored: now a redaction's key can go (proven gone, or the command fails with 503).
        self.store.forget_redacted(events)
        positions = [r.notification.id for r in recordings if r.notification.id is not None]
        return max(positions) if positions else None
