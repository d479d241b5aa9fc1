"""When the passing of time becomes an event: the partnership's reminder policy, as data.

How many working days before an action falls due its owner is reminded, how long after
learning is ready an agency is expected to acknowledge it, when a meeting's papers are due
and how overdue an action must be before it is escalated. The seed's values hold until the
partnership sets its own (`set_reminder_policy`, domain/time_events.py), so the audit trail
says who changed them and why. Kept apart from the events so the Partnership state can hold
it without importing them.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.framework import EXECUTIVE

MAX_WORKING_DAYS = 260
"""About a year of working days: a threshold beyond it is a mistake, not a policy."""


class ReminderPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action_due_soon_working_days: int = Field(default=5, ge=0, le=MAX_WORKING_DAYS)
    """An open action's owner is reminded this many working days before it falls due."""
    deadline_warning_working_days: int = Field(default=3, ge=0, le=MAX_WORKING_DAYS)
    """A statutory deadline is said to be approaching this many working days before it."""
    acknowledgement_expected_working_days: int = Field(default=20, ge=1, le=MAX_WORKING_DAYS)
    """Working days after learning is signed off within which each expected agency acknowledges it."""
    papers_due_working_days: int = Field(default=5, ge=0, le=MAX_WORKING_DAYS)
    """A meeting's papers are due this many working days before it sits."""
    escalate_after_working_days: int = Field(default=10, ge=1, le=MAX_WORKING_DAYS)
    """An action overdue by more than this goes onto the agenda of the forum that owns it."""
    escalate_to_executive_after_working_days: int = Field(default=20, ge=1, le=MAX_WORKING_DAYS)
    """... and by more than this, onto the Executive's too."""
    executive_forum_id: str = EXECUTIVE
    """The forum second-level escalations go to."""

    @model_validator(mode="after")
    def _executive_after_forum(self) -> Self:
        if self.escalate_to_executive_after_working_days <= self.escalate_after_working_days:
            raise ValueError(
                "escalate_to_executive_after_working_days must be more than escalate_after_working_days"
            )
        return self


DEFAULT_REMINDER_POLICY = ReminderPolicy()
"""The seed's reminder policy: in force until a partnership sets its own."""
