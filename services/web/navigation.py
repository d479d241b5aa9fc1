"""What each person's menu offers, by role: one table, read by the base template and the start page.

Each role's first entry is its home page, where `/` sends a signed-in person. A page of a role adds
its entry here (href, text, and the `current_page` key its router renders with).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.application.auth.principals import Principal, Role


@dataclass(frozen=True)
class NavItem:
    href: str
    text: str
    key: str


NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (NavItem("/dashboard", "Dashboard", "dashboard"),),
    Role.SECRETARY: (),
    Role.AGENCY: (),
    Role.SCRUTINEER: (),
}


def home_page(person: Principal | None) -> str | None:
    """The page `/` sends this person to, or None to show the start page."""
    items = NAVIGATION.get(person.role, ()) if person else ()
    return items[0].href if items else None


def menu(person: Principal | None, current_page: str | None) -> list[dict[str, object]]:
    """The service navigation's items for the Design System macro."""
    items = NAVIGATION.get(person.role, ()) if person else ()
    return [{"href": i.href, "text": i.text, "current": i.key == current_page} for i in items]
