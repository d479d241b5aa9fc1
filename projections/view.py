"""What a projection is: tables of its own, fed one event at a time."""

from __future__ import annotations

from abc import ABC, abstractmethod

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

    def drop(self, cur: Cursor) -> None:
        for table in self.tables:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
