"""What a command declaration is made of: the payload, and `declare`, which says the rest.

The rest is read off the domain function the command calls (`run`):

- its positional parameters are the aggregates it decides on, and the `Context`. The first
  aggregate is the command's *target*: a Partnership is the caller's own; any other is named
  by the one `{<aggregate>_id}` in the path. A function with no aggregate acts on none: its
  command names its partnership in its body (`partnership_id`).
- its keyword parameters are the command's fields, by the same names. A parameter that is
  an aggregate (`originating_activity: Activity | None`) is loaded from the field named
  after it plus `_id` (`originating_activity_id`).
- its `Change[...]` is the aggregate the command answers with. A command answering with an
  aggregate other than its target (or with no target) creates it: 201, not 200.

`declare` checks all of this when the module is imported, so a declaration that does not
fit its function fails at start-up, not at its first request.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import Any, ClassVar, TypeVar, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import AggregateState, Change, Context
from domain.claims import ClaimKind
from domain.errors import DomainError, RuleViolation
from domain.framework import SourceKind
from domain.partnership import Partnership
from domain.values import Rationale

# --- who may run a command ---------------------------------------------------------

Roles = Mapping[str, str]
"""Role name -> the name of the scope it is held to (services/application/auth/policy.py `SCOPES`)."""

RECORD: Roles = {"admin": "anything", "service": "anything"}
"""Recording learning: the partnership's administrators and its emitting services."""
CONFIGURE: Roles = {"admin": "anything"}
"""The partnership's reference data: its administrators only."""


# --- the payload -------------------------------------------------------------------


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]

    rationale: Rationale | None = Field(
        default=None, description="Why: shown in the audit trail."
    )
    expected_version: int | None = Field(
        default=None, ge=1, description="Refuse with 409 unless the target is at this version."
    )

    def arguments(self) -> dict[str, Any]:
        """The domain function's keyword arguments: the command's own fields, by name."""
        return {name: getattr(self, name) for name in type(self).model_fields if name not in _COMMON}


_COMMON = frozenset(Command.model_fields)
"""Fields every command has, which the glue reads itself (not passed to the domain)."""


def non_empty(description: str) -> Any:
    """A list the domain refuses empty. The document says so (minItems); the domain's own
    refusal, with its code and sentence, stays the one that answers."""
    return Field(description=description, json_schema_extra={"minItems": 1})


# What the domain requires of `rationale` when it requires one: some text, not blanks.
RATIONALE_GIVEN: dict[str, Any] = {
    "required": ["rationale"], "properties": {"rationale": {"type": "string", "pattern": r"\S"}},
}


def when_kind(kinds: Iterable[SourceKind], then: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema for "if `kind` is one of these, then ...": rules the domain applies by kind."""
    return {
        "if": {"required": ["kind"], "properties": {"kind": {"enum": sorted(k.value for k in kinds)}}},
        "then": then,
    }


# --- the declaration -----------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """An id the client may choose, taken once and for good (see domain/claims.py).

    The id of an aggregate the command creates is claimed only when the client chose it
    (the store's uniqueness guards the rest). An id `inside` the target aggregate (a
    finding's) is always claimed, under its own record; the server chooses it when the
    client did not."""

    field: str
    inside: bool = False
    id_of: Callable[[Any], UUID] | None = None
    """The claimed id, when the field is not the id itself (a partnership's slug)."""
    refusal: Callable[[Any], DomainError] | None = None
    """The answer when the id is taken; by default `<kind>_exists` naming the field."""

    @property
    def kind(self) -> str:
        return self.field.removesuffix("_id")

    def claimed_id(self, value: Any) -> UUID:
        return self.id_of(value) if self.id_of else UUID(str(value))

    def refuse(self, value: Any) -> DomainError:
        if self.refusal is not None:
            return self.refusal(value)
        # Says nothing of where the id is used: it may belong to another partnership.
        return RuleViolation(
            f"{self.kind}_exists", f"The id {value} is already in use; choose another {self.field}.", self.field
        )


@dataclass(frozen=True)
class Declaration:
    """One command: its payload, the domain function it runs, its path and who may run it."""

    command: type[Command]
    run: Callable[..., Change[Any]]
    path: str
    """Relative to the partnership (`/v1/partnerships/{partnership_id}/`); for a command
    that targets nothing, relative to `/v1/partnerships`."""
    roles: Roles
    claims: tuple[Claim, ...] = ()
    # Read off `run` (see the module docstring):
    positional: tuple[type, ...] = field(init=False)
    target: type[AggregateState] | None = field(init=False)
    answers: type[AggregateState] = field(init=False)
    loads: Mapping[str, tuple[str, type[AggregateState]]] = field(init=False)
    """Keyword parameter -> (the field naming it, the aggregate's type)."""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(self.run)
        parameters = inspect.signature(self.run).parameters.values()
        positional = tuple(hints[p.name] for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD)
        keywords = {p.name: hints[p.name] for p in parameters if p.kind is p.KEYWORD_ONLY}
        aggregates = [t for t in positional if _is_aggregate(t)]
        target = aggregates[0] if aggregates else None
        loads = {
            name: (f"{name}_id", kind) for name, hint in keywords.items()
            if (kind := _aggregate_in(hint)) is not None
        }
        (answers,) = get_args(hints["return"])
        for attribute, value in (
            ("positional", positional), ("target", target), ("answers", answers), ("loads", loads),
        ):
            object.__setattr__(self, attribute, value)
        self._check(keywords)

    @property
    def name(self) -> str:
        return self.command.name

    @property
    def creates(self) -> bool:
        return self.target is None or self.answers is not self.target

    @property
    def status(self) -> int:
        # One status per command wherever it arrives (HTTP, ingest, Kafka), so a key first
        # used through ingest replays over HTTP with the status the route documents.
        return 201 if self.creates else 200

    @property
    def target_param(self) -> str | None:
        """The path parameter naming the target (None: the partnership's own, or none)."""
        if self.target is None or self.target is Partnership:
            return None
        return f"{self.target.__name__.lower()}_id"

    def _check(self, keywords: Mapping[str, Any]) -> None:
        where = f"command {self.name!r} ({self.run.__module__}.{self.run.__name__})"
        unknown = [t for t in self.positional if t is not Context and t is not Partnership and t is not self.target]
        if unknown:
            raise TypeError(f"{where}: the glue cannot pass {unknown}; aggregates after the target are the partnership")
        placeholders = re.findall(r"\{(\w+)\}", self.path)
        wanted = [self.target_param] if self.target_param else []
        if placeholders != wanted:
            raise TypeError(f"{where}: the path {self.path!r} must name {wanted or 'no parameter'}")
        fields = set(self.command.model_fields) - _COMMON - ({"partnership_id"} if self.target is None else set())
        passed = {self.loads[k][0] if k in self.loads else k for k in keywords}
        if fields != passed:
            raise TypeError(
                f"{where}: fields and keyword parameters differ: only fields {sorted(fields - passed)}, "
                f"only parameters {sorted(passed - fields)}"
            )
        for claim in self.claims:
            if claim.field not in self.command.model_fields:
                raise TypeError(f"{where}: claims {claim.field!r}, which is not one of its fields")
            if claim.inside and claim.kind not in get_args(ClaimKind):
                raise TypeError(f"{where}: no claim of kind {claim.kind!r} (domain/claims.py ClaimKind)")


def _is_aggregate(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, AggregateState)


def _aggregate_in(hint: Any) -> type[AggregateState] | None:
    """`Activity` in `Activity | None`."""
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [t for t in get_args(hint) if t is not NoneType]
        return kinds[0] if len(kinds) == 1 and _is_aggregate(kinds[0]) else None
    return hint if _is_aggregate(hint) else None


DECLARATIONS: dict[str, Declaration] = {}
"""Every command by name, in the order declared."""

C = TypeVar("C", bound=type[Command])


def declare(
    run: Callable[..., Change[Any]], path: str, roles: Roles, *, claims: Iterable[Claim] = ()
) -> Callable[[C], C]:
    """Declares the command class below: see the module docstring of domain/commands."""

    def register(command: C) -> C:
        if command.name in DECLARATIONS:
            raise TypeError(f"command {command.name!r} is declared twice")
        DECLARATIONS[command.name] = Declaration(command, run, path, roles, tuple(claims))
        return command

    return register
