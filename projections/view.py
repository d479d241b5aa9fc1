"""What a projection is: tables of its own, fed one event at a time."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from domain.events import DomainEvent
from projections.db import Cursor, Dialect


class View(ABC):
    """A read model. `apply` runs inside the projector's transaction, so the
    view's rows and its tracking position always move together."""

    name: str
    tables: tuple[str, ...]

    @abstractmethod
    def create(self, cur: Cursor, dialect: Dialect) -> None:
        """CREATE TABLE/INDEX IF NOT EXISTS for this view's tables."""

    @abstractmethod
    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        """Apply one event (any topic; ignore the ones the view does not use)."""

    def apply_batch(self, cur: Cursor, batch: Sequence[tuple[int, DomainEvent]]) -> None:
        """Apply events in log order, as (position, event); a view may override it to
        write a batch at once, with the same result as `apply` one by one."""
        for position, event in batch:
            self.apply(cur, event, position)

    def drop(self, cur: Cursor) -> None:
        for table in self.tables:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
