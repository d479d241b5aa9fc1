"""A newsletter's state: what period and audience it covers, and where it stands.

Held on its partnership (`Partnership.newsletters`), decided by the partnership's own events
(domain/newsletter.py): a newsletter is the partnership's, not any one activity's.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Audience(StrEnum):
    """Who a newsletter is for: every agency of the partnership, or the agencies of one sector
    (an agency's sector is partnership data, domain/partnership.py `Agency.sector`)."""

    ALL = "all"
    POLICE = "police"
    HEALTH = "health"
    LOCAL_AUTHORITY = "local_authority"
    EDUCATION = "education"
    PROBATION = "probation"
    VOLUNTARY = "voluntary"
    OTHER = "other"


AUDIENCE_WORDS: dict[Audience, str] = {
    Audience.ALL: "all agencies",
    Audience.POLICE: "police agencies",
    Audience.HEALTH: "health agencies",
    Audience.LOCAL_AUTHORITY: "local authority agencies",
    Audience.EDUCATION: "education settings",
    Audience.PROBATION: "probation agencies",
    Audience.VOLUNTARY: "voluntary sector agencies",
    Audience.OTHER: "other agencies",
}


class NewsletterStatus(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"
    ISSUED = "issued"


class Newsletter(BaseModel):
    model_config = ConfigDict(frozen=True)

    newsletter_id: UUID
    title: str
    period_from: date
    period_to: date
    audience: Audience
    status: NewsletterStatus
    drafted_on: date
    introduction: str = ""
    """The editor's introduction: what the issue is about, in the partnership's voice."""
    edited_on: date | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    issued_on: date | None = None
    issued_at: datetime | None = None
    """When the issue was recorded: its contents are the log as it stood then, for ever after."""
    agencies: tuple[str, ...] = ()
    """The agencies it was issued to (its audience on the day it was issued)."""

    @property
    def last_changed_on(self) -> date:
        return self.edited_on or self.drafted_on

    @property
    def audience_words(self) -> str:
        return AUDIENCE_WORDS[self.audience]
