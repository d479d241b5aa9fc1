"""Each forum's meetings as an iCalendar feed (RFC 5545) a calendar program subscribes to.

Meetings are days (the partnership schedules dates, not times), so each is an all-day event.
An event's UID is derived from the partnership, the forum and the day, so a re-read feed
updates the same entries rather than adding copies; a meeting taken off the schedule drops
out of the feed. Outlook and others subscribe to a URL without sending credentials: the
subscription link carries a signed token naming the partnership and forum (`calendar_token`),
which only the meetings' dates and the forum's name are given for.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import NAMESPACE_URL, uuid5

from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from domain.errors import NotFound
from domain.partnership import Partnership
from services.application.products.common import long_date

_SALT = "lif.forum-calendar"
REFRESH = timedelta(hours=12)


def forum_calendar(p: Partnership, forum_id: str, agenda_url: str | None = None) -> bytes:
    """The forum's meetings, past and planned, as an .ics file."""
    forum = p.forum(forum_id)
    calendar = Calendar()
    calendar.add("prodid", "-//lif//forum meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{forum.name} ({p.name})")
    calendar.add("x-wr-caldesc", f"Meetings of the {forum.name} of {p.name}.")
    # How often a subscribed program reads the feed again (Outlook reads X-PUBLISHED-TTL).
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    for day in forum.meetings:
        event = Event()
        event.add("uid", f"{uuid5(NAMESPACE_URL, f'lif:{p.partnership_id}:{forum_id}:{day.isoformat()}')}@lif")
        # The stamp is when the schedule last changed, not when the feed was read: an
        # unchanged schedule reads as unchanged.
        event.add("dtstamp", p.modified_on)
        event.add("dtstart", day)
        if day < date.max:
            event.add("dtend", day + timedelta(days=1))
        else:  # the calendar's last day has no day after it
            event.add("duration", timedelta(days=1))
        event.add("summary", forum.name)
        description = f"Meeting of the {forum.name} of {p.name} on {long_date(day)}."
        if agenda_url:
            description += f" The agenda: {agenda_url}?meeting_on={day.isoformat()}"
        event.add("description", description)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def calendar_token(signing_key: bytes, partnership_id: str, forum_id: str) -> str:
    return str(URLSafeSerializer(signing_key, salt=_SALT).dumps([partnership_id, forum_id]))


def read_calendar_token(signing_key: bytes, token: str) -> tuple[str, str]:
    """The (partnership, forum) a token names; a token not signed by us is unknown (404)."""
    try:
        partnership_id, forum_id = URLSafeSerializer(signing_key, salt=_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound("unknown_calendar", "No calendar has this address.", "token") from None
    return str(partnership_id), str(forum_id)
