"""A 7-minute briefing's state: the seven parts the field uses, and where it stands.

Held on its activity (`Activity.briefing`): one briefing per activity, decided by the
activity's own events (domain/briefing.py), so its learning is routed as the activity's is.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

PARTS: tuple[tuple[str, str], ...] = (
    ("background", "Background"),
    ("what_happened", "What happened"),
    ("what_we_found", "What we found"),
    ("what_went_well", "What went well"),
    ("what_we_learned", "What we learned"),
    ("what_to_do_now", "What to do now"),
)
"""The six prose parts, by field, with the heading each is printed under; the seventh,
questions for reflection, is a list."""
QUESTIONS_HEADING = "Questions for reflection"


class BriefingStatus(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"
    PUBLISHED = "published"


class Briefing(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: BriefingStatus
    background: str
    what_happened: str
    what_we_found: str
    what_went_well: str
    what_we_learned: str
    what_to_do_now: str
    questions: tuple[str, ...]
    drafted_on: date
    edited_on: date | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    published_on: date | None = None

    def parts(self) -> list[tuple[str, str]]:
        """(heading, text) of the six prose parts, in order."""
        return [(heading, getattr(self, name)) for name, heading in PARTS]

    @property
    def last_changed_on(self) -> date:
        return self.edited_on or self.drafted_on
