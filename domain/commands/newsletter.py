"""Commands on the partnership's newsletter (domain/newsletter.py): draft, edit, approve, issue.

`GET .../newsletters/{newsletter_id}` shows what a newsletter holds (read from the log for
its period and audience); these record what people decide about it.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field

from domain import newsletter as newsletters
from domain.commands.base import CONFIGURE, Command, declare
from domain.newsletter_state import Audience
from domain.values import IsoDate, Name, TextRule

N = "newsletters"
Introduction = Annotated[str, TextRule(newsletters.MAX_INTRODUCTION, single_line=False)]


@declare(newsletters.draft_newsletter, N, CONFIGURE)
class DraftNewsletter(Command):
    """Draft a newsletter of what was learned, signed off and published in a period, for an audience."""

    name: ClassVar[str] = "draft_newsletter"
    newsletter_id: UUID | None = Field(default=None, description="Optional client-chosen id.")
    title: Name
    period_from: IsoDate
    period_to: IsoDate
    audience: Audience = Field(description="all (every agency) or one sector's agencies.")
    drafted_on: IsoDate


@declare(newsletters.edit_newsletter, f"{N}/edits", CONFIGURE)
class EditNewsletter(Command):
    """Change the newsletter's title or its editor's introduction; an approved one goes back to a draft."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [part], "properties": {part: {"not": {"type": "null"}}}} for part in ("title", "introduction")
    ]})

    name: ClassVar[str] = "edit_newsletter"
    newsletter_id: UUID
    title: Name | None = None
    introduction: Introduction | None = Field(default=None, description="The editor's introduction.")
    edited_on: IsoDate


@declare(newsletters.approve_newsletter, f"{N}/approval", CONFIGURE)
class ApproveNewsletter(Command):
    """Approve the newsletter's text for issue."""

    name: ClassVar[str] = "approve_newsletter"
    newsletter_id: UUID
    approved_by: Name
    approved_on: IsoDate


@declare(newsletters.issue_newsletter, f"{N}/issue", CONFIGURE)
class IssueNewsletter(Command):
    """Issue the approved newsletter: to its audience's feeds, and by mail to their people, once each."""

    name: ClassVar[str] = "issue_newsletter"
    newsletter_id: UUID
    issued_on: IsoDate
