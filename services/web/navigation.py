"""What each person's menu offers, by role: one table, read by the base template and the start page.

Each role's first entry is its home page, where `/` sends a signed-in person. A page of a role adds
its entry here (href, text, and the `current_page` key its router renders with).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.application.auth.principals import Principal, Role


@dataclass(frozen=True)
class NavItem:
    href: str
    text: str
    key: str


NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (
        NavItem("/dashboard", "Dashboard", "dashboard"),
        NavItem("/activities", "Activities", "activities"),
        NavItem("/tracker", "Action tracker", "tracker"),
        NavItem("/recommendations", "Recommendations", "recommendations"),
        NavItem("/decisions", "Decisions", "decisions"),
        NavItem("/newsletters", "Newsletters", "newsletters"),
        NavItem("/partnership", "Partnership", "partnership"),
        NavItem("/search", "Search", "search"),
    ),
    Role.SECRETARY: (NavItem("/forum", "Forum meetings", "forum"), NavItem("/search", "Search", "search")),
    Role.AGENCY: (NavItem("/inbox", "Inbox", "inbox"), NavItem("/actions", "Actions", "actions"),
                  NavItem("/search", "Search", "search")),
    Role.SCRUTINEER: (
        NavItem("/scrutiny", "Scrutiny", "scrutiny"),
        NavItem("/scrutiny/verify", "Verify the history", "scrutiny-verify"),
        NavItem("/scrutiny/audit", "Audit trail", "scrutiny-audit"),
        NavItem("/search", "Search", "search"),
    ),
}


def home_page(person: Principal | None) -> str | None:
    """The page `/` sends this person to, or None to show the start page."""
    items = NAVIGATION.get(person.role, ()) if person else ()
    return items[0].href if items else None


def menu(
    person: Principal | None, current_page: str | None, link: Callable[[str], str] | None = None
) -> list[dict[str, object]]:
    """The service navigation's items for the Design System macro; `link`, when a page gives one,
    builds each href (the scrutineer's pages carry their "as at" reading through it)."""
    items = NAVIGATION.get(person.role, ()) if person else ()
    return [{"href": link(i.href) if link else i.href, "text": i.text, "current": i.key == current_page}
            for i in items]
