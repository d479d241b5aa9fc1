"""What every public record of an aggregate carries, whichever way it is reached.

A command's answer and a `GET` of the same entity are the same flat record: its own fields
at the top level, `type` naming its kind. Facts a read works out at read time (an
activity's deadlines and sign-off readiness) sit beside them as further top-level fields,
marked read-only; a command's answer leaves them out.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class Record(BaseModel):
    id: UUID = Field(description="The entity's id: the path parameter of its reads and commands.")
    version: int = Field(
        description="How many events the entity has had; send it as `expected_version` to refuse a stale write."
    )
    partnership_id: str = Field(description="The partnership the entity belongs to.")
    created_on: datetime = Field(description="When its first event was recorded (UTC).")
    modified_on: datetime = Field(description="When its last event was recorded (UTC).")


def read_only(description: str) -> str:
    """The description of a fact worked out when read, not recorded."""
    return f"{description} Worked out when read: not part of a command's answer."
