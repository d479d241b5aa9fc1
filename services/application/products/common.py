"""What the products share: how dates and agencies are written for a reader."""

from __future__ import annotations

from datetime import date

from domain.framework import PARTNERSHIP_AGENCY
from domain.partnership import Partnership


def long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def agency_name(p: Partnership, agency_id: str) -> str:
    """An agency by its name, never its id (the partnership's own name for 'partnership')."""
    if agency_id == PARTNERSHIP_AGENCY:
        return p.name
    agency = p.agencies.get(agency_id)
    return agency.name if agency is not None else agency_id


def forum_name(p: Partnership, forum_id: str) -> str:
    forum = p.forums.get(forum_id)
    return forum.name if forum is not None else forum_id
