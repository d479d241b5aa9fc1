"""The roles and the principal a request acts as."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,60}$")
PRINCIPAL = re.compile(r"^[A-Za-z0-9_.:@-]{1,120}$")


class Role(StrEnum):
    ADMIN = "admin"
    """Everything in its partnership."""
    SERVICE = "service"
    """An emitting system: ingest and commands."""
    SECRETARY = "secretary"
    """Of one forum: its agendas and decisions, and the learning routed to it."""
    AGENCY = "agency"
    """One agency: its feed, its actions, the recommendations addressed to it."""
    SCRUTINEER = "scrutineer"
    """Reads everything in its partnership, as it stands or stood; each read is recorded."""


@dataclass(frozen=True)
class Principal:
    role: Role
    partnership_id: str
    subject: str
    """Recorded as `principal` on every event this principal causes."""
    agency_id: str | None = None
    forum_id: str | None = None


def subject_for(role: Role, name: str | None, *, agency_id: str | None = None, forum_id: str | None = None) -> str:
    """`agency:merseyside-police:jdoe`, `secretary:executive:pa`, `service:case-system`, `admin:jo`."""
    parts: list[str] = [role.value]
    if role is Role.AGENCY:
        parts.append(require_slug(agency_id, "agency"))
    if role is Role.SECRETARY:
        parts.append(require_slug(forum_id, "forum"))
    if name:
        if not NAME.match(name):
            raise ValueError(f"subject name {name!r} must be 1-60 of A-Z a-z 0-9 _ . @ -")
        parts.append(name)
    return ":".join(parts)


def require_slug(value: str | None, what: str) -> str:
    if value is None or not SLUG.match(value):
        raise ValueError(f"a {what} id (slug: a-z, 0-9, -) is required")
    return value


def make_principal(
    role: Role | str, partnership_id: str, name: str | None = None, *,
    agency_id: str | None = None, forum_id: str | None = None,
) -> Principal:
    """A principal with its scope checked: an agency needs an agency id, a secretary a forum id."""
    role = Role(role)
    require_slug(partnership_id, "partnership")
    if agency_id is not None and role is not Role.AGENCY:
        raise ValueError("only an agency principal has an agency id")
    if forum_id is not None and role is not Role.SECRETARY:
        raise ValueError("only a secretary principal has a forum id")
    subject = subject_for(role, name, agency_id=agency_id, forum_id=forum_id)
    return Principal(role=role, partnership_id=partnership_id, subject=subject, agency_id=agency_id, forum_id=forum_id)
