"""What a projection is: tables of its own, fed the events it declares it reads.

One protocol for every view: a handler per event class, declared with `@handles(...)`.
The class's `topics` (the event classes it reads, as in eventsourcing's `Projection`)
are collected from those declarations, so grepping for an event class finds every view
that reads it, and the projector hands a view only the events it reads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from adapters.sql import Cursor, Dialect
from domain.events import DomainEvent
from projections.writes import Writes

Handler = Callable[[Any, Writes, Any, int], None]
"""(view, writes, event, position): writes what one event changes in the view's tables."""
H = TypeVar("H", bound=Callable[..., None])
_DECLARED = "__lif_handles__"


def handles(*classes: type[DomainEvent]) -> Callable[[H], H]:
    """Declares a view method as the handler of these event classes (exact classes: the
    index and the projector's filter look them up by class)."""

    def mark(method: H) -> H:
        setattr(method, _DECLARED, classes)
        return method

    return mark


class View(ABC):
    """A read model. `apply` runs inside the projector's transaction, so the
    view's rows and its tracking position always move together."""

    name: str
    tables: tuple[str, ...]
    topics: ClassVar[tuple[type[DomainEvent], ...]] = ()
    """The event classes the view reads (a class here covers its subclasses)."""
    ignores: ClassVar[Mapping[type[DomainEvent], str]] = {}
    """Classes covered by `topics` that the view does not read, each with why (`lif events` prints it)."""
    _handlers: ClassVar[dict[type[DomainEvent], tuple[Handler, ...]]] = {}
    _reading: ClassVar[dict[type[DomainEvent], bool]] = {}
    """`reads`, remembered per class met (read_by asks it of every event)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # By method name along the MRO, so a subclass overriding a handler replaces it,
        # and mixins (a view's share kept in another module) add theirs.
        methods: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if callable(value) and hasattr(value, _DECLARED):
                    methods[attr] = value
                elif attr in methods and not hasattr(value, _DECLARED):
                    del methods[attr]
        handlers: dict[type[DomainEvent], tuple[Handler, ...]] = {}
        for method in methods.values():
            for event_class in getattr(method, _DECLARED):
                if not event_class.__dict__.get("TOPIC"):  # handlers are looked up by the event's own class
                    raise TypeError(f"{cls.__qualname__}: {event_class.__qualname__} is not a concrete event class")
                handlers[event_class] = (*handlers.get(event_class, ()), method)
        cls._handlers = handlers
        cls._reading = {}
        if handlers and "topics" not in vars(cls):
            cls.topics = tuple(handlers)

    @classmethod
    def reads(cls, event_class: type[DomainEvent]) -> bool:
        """Whether the view reads events of this class (the projector skips the others)."""
        return issubclass(event_class, cls.topics) and not any(
            issubclass(event_class, ignored) for ignored in cls.ignores
        )

    @abstractmethod
    def create(self, cur: Cursor, dialect: Dialect) -> None:
        """CREATE TABLE/INDEX IF NOT EXISTS for this view's tables."""

    def bulk_load(self, cur: Cursor, dialect: Dialect) -> list[str]:
        """Before a rebuild replays the log into the view's emptied tables: drop what is kept up
        to date row by row but cheaper to build once at the end (a full-text index, say), and
        return the statements that build it again, which the projector runs after the replay
        (also after a failed one). `create` must restore it too: the process may die in between."""
        return []

    def apply(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        """Apply one event: its class's handlers (none for a class the view does not read).
        Given the `Writes` of a batch, its writes join the batch's; else they are sent now."""
        writes = cur if isinstance(cur, Writes) else Writes(cur)
        for handler in self._handlers.get(type(event), ()):
            handler(self, writes, event, position)
        if writes is not cur:
            writes.flush()

    def apply_batch(self, cur: Cursor, batch: Sequence[tuple[int, DomainEvent]]) -> None:
        """Apply events in log order, as (position, event), with the same result as `apply`
        one by one: their writes are sent per table at the end (projections/writes.py)."""
        writes = Writes(cur)
        if type(self).apply is View.apply:  # `apply`, inline (a rebuild calls it per event and view)
            handlers = self._handlers
            for position, event in batch:
                for handler in handlers.get(type(event), ()):
                    handler(self, writes, event, position)
        else:
            for position, event in batch:
                self.apply(writes, event, position)
        writes.flush()

    def drop(self, cur: Cursor) -> None:
        for table in self.tables:
            cur.execute(f"DROP TABLE IF EXISTS {table}")


def read_by(view: View, batch: Sequence[tuple[int, DomainEvent]]) -> list[tuple[int, DomainEvent]]:
    """The events of `batch` the view reads, in order: decided once per class."""
    reading = view._reading
    try:
        return [item for item in batch if reading[type(item[1])]]
    except KeyError:  # a class not met yet
        for _, event in batch:
            if type(event) not in reading:
                reading[type(event)] = view.reads(type(event))
        return [item for item in batch if reading[type(item[1])]]
