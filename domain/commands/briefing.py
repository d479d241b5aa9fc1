"""Commands on an activity's 7-minute briefing (domain/briefing.py): draft, edit, approve, publish.

`GET .../activities/{activity_id}/briefing/draft` proposes the parts, composed from the
activity's findings, themes and recommendations; the draft command records them as a
person left them.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ConfigDict, Field

from domain import briefing as briefings
from domain.commands.base import CONFIGURE, RECORD, Command, declare
from domain.values import IsoDate, Name, Text

B = "activities/{activity_id}/briefing"


@declare(briefings.draft_briefing, B, RECORD)
class DraftBriefing(Command):
    """Draft the activity's 7-minute briefing: its seven parts (see GET .../briefing/draft for a proposal)."""

    name: ClassVar[str] = "draft_briefing"
    background: Text
    what_happened: Text
    what_we_found: Text
    what_went_well: Text
    what_we_learned: Text
    what_to_do_now: Text
    questions: tuple[Text, ...] = Field(
        description="Questions for reflection: one to six.", json_schema_extra={"minItems": 1, "maxItems": 6}
    )
    drafted_on: IsoDate


_PARTS = ("background", "what_happened", "what_we_found", "what_went_well", "what_we_learned", "what_to_do_now",
          "questions")


@declare(briefings.edit_briefing, f"{B}/edits", RECORD)
class EditBriefing(Command):
    """Change parts of the briefing (those given); an approved briefing goes back to a draft."""

    # At least one part: the domain's part_required stays the answer when none is.
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [part], "properties": {part: {"not": {"type": "null"}}}} for part in _PARTS
    ]})

    name: ClassVar[str] = "edit_briefing"
    background: Text | None = None
    what_happened: Text | None = None
    what_we_found: Text | None = None
    what_went_well: Text | None = None
    what_we_learned: Text | None = None
    what_to_do_now: Text | None = None
    questions: tuple[Text, ...] | None = Field(
        default=None, description="Replaces every question when given (one to six).",
        json_schema_extra={"minItems": 1, "maxItems": 6},
    )
    edited_on: IsoDate


@declare(briefings.approve_briefing, f"{B}/approval", CONFIGURE)
class ApproveBriefing(Command):
    """Approve the briefing's text for publication."""

    name: ClassVar[str] = "approve_briefing"
    approved_by: Name
    approved_on: IsoDate


@declare(briefings.publish_briefing, f"{B}/publication", RECORD)
class PublishBriefing(Command):
    """Publish the approved briefing: it goes to the agencies' feeds as learning, to acknowledge."""

    name: ClassVar[str] = "publish_briefing"
    published_on: IsoDate
