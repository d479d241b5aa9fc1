"""Errors the domain raises when a command breaks a rule of the framework."""

from __future__ import annotations


class DomainError(Exception):
    """A command that the partnership's rules refuse.

    `code` is stable and machine-readable; `field` names the input at fault;
    `message` is a sentence a person understands.
    """

    status = 409

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class RuleViolation(DomainError):
    """One of the framework's principles forbids this command in this state."""


class InvalidInput(DomainError):
    """The command is well formed but its values cannot be accepted."""

    status = 422


class NotFound(DomainError):
    """The command or query names an entity that does not exist."""

    status = 404


class VersionConflict(DomainError):
    """The caller's expected version is stale."""

    def __init__(self, expected: int, current: int, field: str = "expected_version") -> None:
        super().__init__(
            "version_conflict",
            f"Expected version {expected} but the current version is {current}; "
            "re-read and retry.",
            field,
        )
        self.expected = expected
        self.current = current


class Forbidden(DomainError):
    """The caller is known but its role or scope does not allow this."""

    status = 403
