"""7-minute briefings: the first draft's parts, and the briefing as a document.

The draft is composed by the domain (`domain.briefing.compose`) from the activity and the
text of the recommendations made from it, which the lists view keeps.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.documents import Bullets, Document, Heading, Paragraph
from adapters.sql import Cursor
from domain.activity import Activity
from domain.briefing import compose
from domain.briefing_state import QUESTIONS_HEADING, Briefing, BriefingStatus
from domain.errors import NotFound
from domain.framework import DEFAULT_SOURCES
from domain.partnership import Partnership
from projections.views.product_queries import recommendations_of
from services.application.products.common import forum_name, long_date


def recommendation_texts(cur: Cursor, partnership_id: str, activity_id: UUID) -> list[str]:
    """The text of the recommendations made from the activity, oldest first."""
    return [row["text"] for row in recommendations_of(cur, partnership_id, str(activity_id))]


def proposal(activity: Activity, recommendations: list[str]) -> dict[str, Any]:
    """The seven parts of a first draft: the body of a `draft_briefing` command, less its date."""
    return compose(activity, recommendations)


def published_or_draft(activity: Activity) -> Briefing:
    if activity.briefing is None:
        raise NotFound(
            "no_briefing", f"Activity {activity.id} has no 7-minute briefing yet.", "activity_id"
        )
    return activity.briefing


def briefing_document(activity: Activity, partnership: Partnership) -> Document:
    """The briefing as the partnership sends it round: one or two pages."""
    b = published_or_draft(activity)
    source = DEFAULT_SOURCES[activity.kind].title
    if b.status is BriefingStatus.PUBLISHED and b.published_on is not None:
        standing = f"Published {long_date(b.published_on)}"
    elif b.status is BriefingStatus.APPROVED and b.approved_on is not None:
        standing = f"Approved by {b.approved_by} on {long_date(b.approved_on)}; not yet published"
    else:
        standing = f"DRAFT of {long_date(b.last_changed_on)}: not approved"
    blocks: list[Any] = [Paragraph(f"{source}. {standing}.", "note")]
    if activity.signed_off_by_forum and activity.signed_off_on:
        blocks.append(Paragraph(
            f"Signed off by the {forum_name(partnership, activity.signed_off_by_forum)} on "
            f"{long_date(activity.signed_off_on)}.", "note",
        ))
    for heading, text in b.parts():
        blocks += [Heading(heading, 2), Paragraph(text)]
    blocks += [Heading(QUESTIONS_HEADING, 2), Bullets(b.questions)]
    blocks.append(Paragraph(
        "Share this briefing with your team, then record that you did and how (acknowledge the learning).",
        "note",
    ))
    return Document(
        title=f"7-minute briefing: {activity.title}",
        subtitle=partnership.name,
        blocks=tuple(blocks),
        marking=partnership.protective_marking,
        running_head=f"{partnership.name} · 7-minute briefing",
        author=partnership.name,
        metadata={"activity_id": str(activity.id), "status": b.status.value},
    )
