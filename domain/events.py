"""The base of every immutable event, with stable topics and upcasting.

Events are pydantic models. Each concrete event names a stable `TOPIC` so that
stored events outlive module moves, and a `class_version` with
`upcast_vN_vN+1` class methods so that old payloads still load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from domain.routing import LearningKind
from domain.values import FreeText

_REGISTRY: dict[str, type[DomainEvent]] = {}


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class DomainEvent(BaseModel):
    """Something that happened in a partnership, recorded for good."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    TOPIC: ClassVar[str] = ""
    class_version: ClassVar[int] = 1
    SUMMARY: ClassVar[str] = ""
    """Its line in the audit trail: a `str.format` template over its fields ("": the topic is said)."""
    LEARNING: ClassVar[LearningKind | None] = None
    """The kind of learning event it is, if it is one: agencies receive it (domain/routing.py)."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime = Field(default_factory=utcnow)
    event_id: UUID = Field(default_factory=uuid4)
    partnership_id: str
    principal: str
    rationale: FreeText | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC")
        if topic:
            # Only the same class (re-imported) may register a topic again; a class of
            # the same name in another module must not silently take it over.
            if topic in _REGISTRY and _name(_REGISTRY[topic]) != _name(cls):
                raise TypeError(f"event topic {topic!r} is already taken")
            _REGISTRY[topic] = cls

    @classmethod
    def topic(cls) -> str:
        if not cls.__dict__.get("TOPIC"):
            raise TypeError(f"{cls.__qualname__} has no TOPIC")
        return cls.TOPIC

    @classmethod
    def upcast(cls, state: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Brings a stored payload of an older class version up to date."""
        while from_version < cls.class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        return state


def event_class_for(topic: str) -> type[DomainEvent]:
    try:
        return _REGISTRY[topic]
    except KeyError:
        raise LookupError(f"no event class has the topic {topic!r}") from None


def registered_topics() -> dict[str, type[DomainEvent]]:
    return dict(_REGISTRY)
