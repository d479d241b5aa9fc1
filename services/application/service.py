"""The application's entry point for commands, shared by HTTP, ingest and Kafka."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.bounded_writes import FirstEvents
from adapters.idempotency import CommandAnswered, answer_id, fingerprint
from adapters.store import EventStore
from domain.aggregate import AggregateEvent, AggregateState, Context, project
from domain.commands import COMMANDS, DECLARATIONS, Command
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.free_text import screen_free_text
from domain.screening import KnownIdentities
from domain.values import STRICT_ERRORS, Key, Slug
from services.application.handlers import handle
from services.application.subjects.known import KnownIdentitiesSource, no_case_files
from services.application.unit_of_work import UnitOfWork


class Outcome(BaseModel):
    """A command's answer: the state it led to (or the first answer, replayed: the same
    aggregate as it stood after the first application, rebuilt from its events)."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False
    position: int | None = None
    """Log position of the command's last event: read your writes with ?min_position=."""


class IngestItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partnership_id: Slug = Field(description="The partnership the command belongs to.")
    command: str = Field(pattern=r"^[a-z_]{1,64}$", description="A command name, e.g. record_finding.")
    target_id: UUID | None = Field(default=None, description="The aggregate the command acts on.")
    payload: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: Key | None = None


class ItemError(BaseModel):
    index: int
    code: str
    field: str | None
    message: str


class ItemResult(BaseModel):
    index: int
    id: UUID
    version: int
    replayed: bool = False


class IngestReport(BaseModel):
    applied: list[ItemResult]
    rejected: list[ItemError]
    position: int | None = None


def _body(state: AggregateState) -> dict[str, Any]:
    body = state.model_dump(mode="json")
    body["type"] = type(state).__name__.lower()
    return body


class LearningService:
    def __init__(self, store: EventStore, known: KnownIdentitiesSource = no_case_files) -> None:
        """`known`: the identities each partnership's free text is screened against, from its
        case files (services/application/subjects/known.py); the API and the Kafka consumer give theirs."""
        self.store = store
        self.known = known

    def _answered(
        self, principal: str, key: str, fp: str, known: dict[UUID, CommandAnswered | None] | None = None
    ) -> CommandAnswered | None:
        """The stored first answer to this key, or None; a different request under it is refused.

        `known`: what a batch already read for its keys (services.application.service._earlier_answers)."""
        if known is not None and answer_id(principal, key) in known:
            first: Any = known[answer_id(principal, key)]
        else:
            stored = list(self.store.events.get(answer_id(principal, key), limit=1))
            first = stored[0] if stored else None
        if first is None:
            return None
        assert isinstance(first, CommandAnswered)
        if first.fingerprint != fp:
            # 409, not 422: the request is valid on its own; it conflicts with the one
            # answered before under the same key (a schema cannot tell it apart).
            raise DomainError(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request.",
                "Idempotency-Key",
            )
        return first

    def _replay(self, answer: CommandAnswered) -> Outcome:
        """The first answer again: its aggregate as it stood at the answered version."""
        events = self.store.events_of(answer.aggregate_id, lte=answer.aggregate_version)
        state = project(None, (e for e in events if isinstance(e, AggregateEvent)))
        assert state is not None, f"answered aggregate {answer.aggregate_id} has no events"
        return Outcome(status_code=answer.status_code, body=_body(state), replayed=True)

    def _answer(self, ctx: Context, key: str, fp: str, status_code: int, state: AggregateState) -> CommandAnswered:
        # Names the answer, never copies it: see adapters/idempotency.py.
        return CommandAnswered(
            originator_id=answer_id(ctx.principal, key),
            originator_version=1,
            partnership_id=ctx.partnership_id,
            principal=ctx.principal,
            key=key,
            fingerprint=fp,
            status_code=status_code,
            aggregate_id=state.id,
            aggregate_version=state.version,
            aggregate_type=type(state).__name__.lower(),
        )

    def execute(
        self,
        ctx: Context,
        command: Command,
        target_id: UUID | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        # Only a keyed request is ever compared with an earlier one.
        fp = _fingerprint(ctx, command, target_id) if idempotency_key else ""
        if idempotency_key:
            earlier = self._answered(ctx.principal, idempotency_key, fp)
            if earlier:
                return self._replay(earlier)
        # After the replay: a retry of what was recorded records nothing, and answers as before.
        screen_free_text(command, self.known(ctx.partnership_id))
        uow = UnitOfWork(self.store)
        state = handle(uow, ctx, command, target_id)
        outcome = Outcome(status_code=_status(command), body=_body(state))
        extra = [self._answer(ctx, idempotency_key, fp, outcome.status_code, state)] if idempotency_key else []
        try:
            outcome.position = uow.commit(*extra)
        except RuleViolation:
            if idempotency_key:
                earlier = self._answered(ctx.principal, idempotency_key, fp)
                if earlier:
                    return self._replay(earlier)
            raise
        return outcome

    def ingest(
        self, principal: str, items: list[dict[str, Any]],
        authorize: Callable[[dict[str, Any]], None] | None = None,
    ) -> IngestReport:
        """Applies every valid item in one transaction; reports the others by index.

        `authorize` (the API's policy) may refuse an item by raising a DomainError."""
        uow = UnitOfWork(self.store)
        report = IngestReport(applied=[], rejected=[])
        answers: dict[str, CommandAnswered] = {}
        known = self._earlier_answers(principal, items)
        identities: dict[str, KnownIdentities] = {}  # read once per partnership for the batch
        for index, raw in enumerate(items):
            try:
                result = self._ingest_one(uow, principal, raw, answers, authorize, known, identities)
            except DomainError as e:
                report.rejected.append(ItemError(index=index, code=e.code, field=e.field, message=e.message))
            except ValidationError as e:
                first = e.errors()[0]
                report.rejected.append(
                    ItemError(
                        index=index,
                        code=f"invalid_{first['type']}" if first["type"] in STRICT_ERRORS else "invalid_item",
                        field=".".join(str(p) for p in first["loc"]) or None,
                        message=first["msg"],
                    )
                )
            else:
                result.index = index
                report.applied.append(result)
        report.position = uow.commit(*answers.values())
        return report

    def _earlier_answers(self, principal: str, items: list[Any]) -> dict[UUID, CommandAnswered | None] | None:
        """The stored answer (None: none) under each key the batch's items carry, read at once;
        None where the store cannot. A key validation changes is not in it, and is read alone."""
        recorder = self.store.recorder
        keys = {
            raw["idempotency_key"] for raw in items
            if isinstance(raw, dict) and isinstance(raw.get("idempotency_key"), str)
        }
        if not keys or not isinstance(recorder, FirstEvents):
            return None
        ids = [answer_id(principal, key) for key in keys]
        known: dict[UUID, CommandAnswered | None] = dict.fromkeys(ids)
        for stored in recorder.select_first_events(ids):
            event = self.store.mapper.to_domain_event(stored)
            if isinstance(event, CommandAnswered):
                known[event.originator_id] = event
        return known

    def _ingest_one(
        self, uow: UnitOfWork, principal: str, raw: dict[str, Any], answers: dict[str, CommandAnswered],
        authorize: Callable[[dict[str, Any]], None] | None = None,
        known: dict[UUID, CommandAnswered | None] | None = None,
        identities: dict[str, KnownIdentities] | None = None,
    ) -> ItemResult:
        item = IngestItem.model_validate(raw)
        if authorize is not None:
            authorize(item.model_dump(mode="json"))
        command_class = COMMANDS.get(item.command)
        if command_class is None:
            raise InvalidInput("unknown_command", f"No command is called {item.command!r}.", "command")
        command = command_class.model_validate(item.payload)
        ctx = Context(partnership_id=item.partnership_id, principal=principal)
        key = item.idempotency_key
        fp = _fingerprint(ctx, command, item.target_id) if key else ""
        if key:
            if key in answers:
                raise InvalidInput("idempotency_key_repeated", "Key repeated within the batch.", "idempotency_key")
            earlier = self._answered(principal, key, fp, known)
            if earlier:
                return ItemResult(index=0, id=earlier.aggregate_id, version=earlier.aggregate_version, replayed=True)
        identities = {} if identities is None else identities
        if item.partnership_id not in identities:
            identities[item.partnership_id] = self.known(item.partnership_id)
        screen_free_text(command, identities[item.partnership_id])
        child = uow.child()
        state = handle(child, ctx, command, item.target_id)
        uow.merge(child)
        if key:
            answers[key] = self._answer(ctx, key, fp, _status(command), state)
        return ItemResult(index=0, id=state.id, version=state.version)


def _status(command: Command) -> int:
    return DECLARATIONS[command.name].status


def _fingerprint(ctx: Context, command: Command, target_id: UUID | None) -> str:
    # The partnership is part of the request: the same key and body sent to
    # another partnership must not replay this partnership's answer.
    payload = {"partnership_id": ctx.partnership_id, **command.model_dump(mode="json")}
    return fingerprint(command.name, target_id, payload)
