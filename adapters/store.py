"""The event store: the `eventsourcing` library with our pydantic mapper."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

import domain.access
import domain.action
import domain.activity
import domain.claims
import domain.decision
import domain.findings
import domain.partnership
import domain.people
import domain.personal_data
import domain.rapid_review
import domain.recommendation
import domain.subscriptions
import domain.time_events  # noqa: F401  (registers event topics)
from adapters import bounded_writes
from adapters.private_files import create_private_file
from adapters.sealed_text import live_key, open_all, seal_state, sealed_at
from adapters.settings import Settings
from adapters.text_key_rows import SealedStoredEvent
from adapters.text_keys import MemoryTextKeys, TextKeys, text_keys_for
from domain.aggregate import AggregateEvent, AggregateState, project
from domain.errors import NotFound
from domain.events import DomainEvent, event_class_for
from domain.redaction import TextRedacted

S = TypeVar("S", bound=AggregateState)


_VERSIONED = b'"class_version"'
"""In a stored payload: written by a class at version 2 or later."""


class PydanticMapper(Mapper[UUID]):
    """Stores pydantic events under their stable topics, upcasting on the way back.

    Free text is stored sealed, each field under a key of its own (adapters/sealed_text.py),
    and opened on the way back: `text_keys` is set by the event store."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text_keys: TextKeys = MemoryTextKeys()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event = cast(DomainEvent, domain_event)
        cls = type(event)
        state = event.model_dump(mode="json", exclude={"originator_id", "originator_version"})
        key_rows = seal_state(event, state, self.text_keys)
        if cls.class_version > 1:
            state["class_version"] = cls.class_version
        data = self.transcoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        if key_rows:
            # The keys are stored by the write that stores the event, in its transaction.
            return SealedStoredEvent(
                originator_id=event.originator_id,
                originator_version=event.originator_version,
                topic=cls.topic(),
                state=data,
                text_keys=tuple(key_rows),
            )
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=cls.topic(),
            state=data,
        )

    def stored_json(self, stored_event: StoredEvent) -> bytes:
        """The event's JSON as stored: its free text still sealed."""
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return data

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        data = open_all(self.stored_json(stored_event), self.text_keys)
        cls = event_class_for(stored_event.topic)
        if cls is TextRedacted:
            # Perhaps recorded by another process: this one must not open the old text from its cache.
            self.text_keys.forget_destroyed()
        if cls.class_version == 1 and data[:1] == b"{" and data[1:2] != b"}" and _VERSIONED not in data:
            # Nothing to upcast: pydantic parses the stored JSON itself, with the two fields
            # kept outside the payload put in front. Twice as fast as a dict first, and every
            # replay (a rebuild, the relay, loading an aggregate) decodes every event.
            head = b'{"originator_id":"%s","originator_version":%d,' % (
                str(stored_event.originator_id).encode(), stored_event.originator_version,
            )
            return cls.model_validate_json(head + data[1:])
        state: dict[str, Any] = self.transcoder.decode(data)
        cls.upcast(state, state.pop("class_version", 1))
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)


class EventStore(Application[UUID]):
    """The partnership's event store and its notification log."""

    name = "lif"
    env: ClassVar[dict[str, str]] = {"MAPPER_TOPIC": get_topic(PydanticMapper)}

    @classmethod
    def from_settings(cls, settings: Settings) -> EventStore:
        if settings.persistence == "postgres" and settings.postgres_schema:
            _create_schema(settings.postgres_dsn, settings.postgres_schema)
        if settings.persistence == "sqlite":
            # Readable by its owner only; SQLite gives its -wal and -shm files the same mode.
            create_private_file(Path(settings.sqlite_path))
        store = cls(env=settings.eventsourcing_env())
        store.use_text_keys(text_keys_for(settings))
        return store

    def use_text_keys(self, keys: TextKeys) -> None:
        """Where free text's keys are kept (the in-memory store by default)."""
        if not isinstance(keys, MemoryTextKeys) and not isinstance(self.recorder, bounded_writes.FirstEvents):
            raise TypeError(f"{type(self.recorder).__name__} does not store text keys with the events")
        self.text_keys = keys
        cast(PydanticMapper, self.mapper).text_keys = keys

    def stored_json(self, stored_event: StoredEvent) -> bytes:
        """A stored event's JSON with its free text still sealed."""
        return cast(PydanticMapper, self.mapper).stored_json(stored_event)

    def _stored_json(self, aggregate_id: UUID, version: int) -> bytes | None:
        stored = self.recorder.select_events(aggregate_id, gt=version - 1, lte=version)
        return cast(PydanticMapper, self.mapper).stored_json(stored[0]) if stored else None

    def redactable(
        self, aggregate_id: UUID, version: int, field: str, partnership_id: str
    ) -> tuple[str, str, dict[str, Any]]:
        """(the key that now seals `field`, the event's topic, its stored payload) of the
        partnership's event (aggregate, version), or the refusal naming what is wrong."""
        stored = self.recorder.select_events(aggregate_id, gt=version - 1, lte=version)
        data = cast(PydanticMapper, self.mapper).stored_json(stored[0]) if stored else b"{}"
        payload: dict[str, Any] = json.loads(data)
        if not stored or payload.get("partnership_id") != partnership_id:
            raise NotFound(
                "unknown_event", f"No event {version} of {aggregate_id} in partnership {partnership_id!r}.", "version"
            )
        key_id, _ = sealed_at(data, field)
        return live_key(key_id, self.text_keys), stored[0].topic, payload

    def forget_redacted(self, events: Iterable[DomainEvent]) -> None:
        """After a redaction is stored: destroys the text's key, keeping the corrected text (itself
        sealed, in the redaction event) in its stead, proven gone or `ErasureIncomplete`."""
        for event in events:
            if not isinstance(event, TextRedacted):
                continue
            key_id, _, _ = self.redactable(event.aggregate_id, event.version, event.field, event.partnership_id)
            own = self._stored_json(event.originator_id, event.originator_version)
            assert own is not None, "a redaction is destroyed only once it is stored"
            _, replacement = sealed_at(own, "text")
            self.text_keys.destroy(key_id, replacement)
            with self._states_lock:  # the owner's state as loaded held the old text
                self._states.pop(event.aggregate_id, None)

    def events_of(self, aggregate_id: UUID, *, lte: int | None = None) -> Iterator[DomainEvent]:
        return cast(Iterator[DomainEvent], self.events.get(aggregate_id, lte=lte))

    state_cache_size = 1024
    """Latest states kept by `load` (least recently used dropped first)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounded_writes.configure(self.recorder, self.env.get)
        self.use_text_keys(MemoryTextKeys())
        self._states: OrderedDict[UUID, AggregateState] = OrderedDict()
        self._states_lock = threading.Lock()

    def load(self, aggregate_id: UUID, kind: type[S], *, as_of: datetime | None = None) -> S | None:
        """The aggregate's state now, or as it stood at `as_of`; None if it did not exist."""
        if as_of is None:
            return self._load_latest(aggregate_id, kind)
        events = (
            e
            for e in self.events_of(aggregate_id)
            if isinstance(e, AggregateEvent) and (as_of is None or e.timestamp <= as_of)
        )
        try:
            state = project(None, events)
        except AggregateNotFoundError:  # pragma: no cover - project never raises it
            return None
        return state if isinstance(state, kind) else None

    def _load_latest(self, aggregate_id: UUID, kind: type[S]) -> S | None:
        # States are immutable, so one loaded earlier only needs the events stored
        # since (fetched every time: other processes write too). Without this, every
        # command replayed its partnership's whole history (dozens of events) on load.
        with self._states_lock:
            cached = self._states.get(aggregate_id)
            if cached is not None:
                self._states.move_to_end(aggregate_id)
        gt = cached.version if cached is not None else None
        events = (e for e in self.events.get(aggregate_id, gt=gt) if isinstance(e, AggregateEvent))
        state = project(cached, events)
        if state is not None and state is not cached:
            self.remember(state)
        return state if isinstance(state, kind) else None

    def remember(self, *states: AggregateState) -> None:
        """Keeps states known to be stored (loaded, or just saved) for the next `load`."""
        with self._states_lock:
            for state in states:
                known = self._states.get(state.id)
                if known is None or known.version < state.version:
                    self._states[state.id] = state
                    self._states.move_to_end(state.id)
            while len(self._states) > self.state_cache_size:
                self._states.popitem(last=False)


def _create_schema(dsn: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():
        # As the recorder's tables (adapters/chain_recorders.py): concurrent starts take turns.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"lif.create.{schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
