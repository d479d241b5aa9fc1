"""The application's entry point for commands, shared by HTTP, ingest and Kafka."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.aggregate import AggregateState, Context
from domain.commands import COMMANDS, Command
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.values import STRICT_ERRORS, Key, Slug
from services.handlers import handle
from services.idempotency import CommandAnswered, answer_id, fingerprint
from services.store import EventStore
from services.unit_of_work import UnitOfWork


class Outcome(BaseModel):
    """A command's answer: the state it led to (or the first answer, replayed)."""

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
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def _answered(self, principal: str, key: str, fp: str) -> Outcome | None:
        stored = list(self.store.events.get(answer_id(principal, key), limit=1))
        if not stored:
            return None
        first = stored[0]
        assert isinstance(first, CommandAnswered)
        if first.fingerprint != fp:
            raise InvalidInput(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request.",
                "Idempotency-Key",
            )
        return Outcome(status_code=first.status_code, body=first.body, replayed=True)

    def _answer(self, ctx: Context, key: str, fp: str, outcome: Outcome) -> CommandAnswered:
        return CommandAnswered(
            originator_id=answer_id(ctx.principal, key),
            originator_version=1,
            partnership_id=ctx.partnership_id,
            principal=ctx.principal,
            key=key,
            fingerprint=fp,
            status_code=outcome.status_code,
            body=outcome.body,
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
                return earlier
        uow = UnitOfWork(self.store)
        state = handle(uow, ctx, command, target_id)
        outcome = Outcome(status_code=_status(command), body=_body(state))
        extra = [self._answer(ctx, idempotency_key, fp, outcome)] if idempotency_key else []
        try:
            outcome.position = uow.commit(*extra)
        except RuleViolation:
            if idempotency_key:
                earlier = self._answered(ctx.principal, idempotency_key, fp)
                if earlier:
                    return earlier
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
        answers: list[CommandAnswered] = []
        for index, raw in enumerate(items):
            try:
                result = self._ingest_one(uow, principal, raw, answers, authorize)
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
        report.position = uow.commit(*answers)
        return report

    def _ingest_one(
        self, uow: UnitOfWork, principal: str, raw: dict[str, Any], answers: list[CommandAnswered],
        authorize: Callable[[dict[str, Any]], None] | None = None,
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
            if any(a.key == key for a in answers):
                raise InvalidInput("idempotency_key_repeated", "Key repeated within the batch.", "idempotency_key")
            earlier = self._answered(principal, key, fp)
            if earlier:
                return ItemResult(index=0, id=UUID(earlier.body["id"]), version=earlier.body["version"], replayed=True)
        child = uow.child()
        state = handle(child, ctx, command, item.target_id)
        uow.merge(child)
        if key:
            outcome = Outcome(status_code=_status(command), body=_body(state))
            answers.append(self._answer(ctx, key, fp, outcome))
        return ItemResult(index=0, id=state.id, version=state.version)


def _creates(command: Command) -> bool:
    return command.name in {
        "open_activity", "make_recommendation", "record_decision", "agree_action",
    }


def _status(command: Command) -> int:
    # One status per command wherever it arrives, so a key first used through
    # ingest replays over HTTP with the status the route documents.
    return 201 if command.target == "none" or _creates(command) else 200


def _fingerprint(ctx: Context, command: Command, target_id: UUID | None) -> str:
    # The partnership is part of the request: the same key and body sent to
    # another partnership must not replay this partnership's answer.
    payload = {"partnership_id": ctx.partnership_id, **command.model_dump(mode="json")}
    return fingerprint(command.name, target_id, payload)
