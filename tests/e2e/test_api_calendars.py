"""A forum's meetings as an iCalendar feed, read back with the icalendar package; its
subscription link works without credentials (as Outlook subscribes) and only as signed."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient
from icalendar import Calendar

from services.application.auth.principals import Role
from tests.e2e.conftest import BOARD, EXECUTIVE, MEETING_DAYS, Api, client_as, error_of


def _events(body: bytes) -> list[tuple[str, date, date, str]]:
    calendar = Calendar.from_ical(body)
    return [
        (str(e["uid"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
        for e in calendar.walk("VEVENT")
    ]


def test_a_forums_meetings_are_all_day_events_that_keep_their_uids(api: Api) -> None:
    r = api.client.get(f"{api.base}/forums/{BOARD}/meetings.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(r.content)
    assert str(calendar["x-wr-calname"]) == "Safeguarding Partnership Board (Safeguarding Partnership)"
    first = _events(r.content)
    assert [(start.isoformat(), (end - start).days) for _, start, end, _ in first] == [(d, 1) for d in MEETING_DAYS]
    assert {summary for *_, summary in first} == {"Safeguarding Partnership Board"}
    description = str(calendar.walk("VEVENT")[0]["description"])
    assert f"/forums/{BOARD}/agenda.html?meeting_on={MEETING_DAYS[0]}" in description

    api.post("/meetings", {"forum_id": BOARD, "meets_on": "2026-09-21"})
    again = _events(api.client.get(f"{api.base}/forums/{BOARD}/meetings.ics").content)
    assert again[:2] == first  # the same entries, updated in place by a subscribed program
    assert again[2][1] == date(2026, 9, 21) and len({uid for uid, *_ in again}) == 3

    r = api.client.get(f"{api.base}/forums/no-such-forum/meetings.ics")
    assert r.status_code == 404 and error_of(r)["code"] == "unknown_forum"


def test_the_subscription_link_needs_no_credentials_and_only_a_signed_token(api: Api, app: FastAPI) -> None:
    link = api.get(f"/forums/{BOARD}/calendar-link")
    assert link["webcal"].startswith("webcal://") and link["url"].endswith(".ics")
    anonymous = TestClient(app)
    r = anonymous.get(link["url"])
    assert r.status_code == 200
    assert [start.isoformat() for _, start, _, _ in _events(r.content)] == list(MEETING_DAYS)
    token = link["url"].rsplit("/", 1)[1].removesuffix(".ics")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = anonymous.get(f"/calendars/{forged}.ics")
    assert r.status_code == 404 and error_of(r)["code"] == "unknown_calendar"


def test_a_secretary_has_its_own_forums_calendar_and_agencies_every_forums(api: Api, app: FastAPI) -> None:
    secretary = client_as(app, Role.SECRETARY, forum=EXECUTIVE)
    assert secretary.get(f"{api.base}/forums/{EXECUTIVE}/meetings.ics").status_code == 200
    assert secretary.get(f"{api.base}/forums/{BOARD}/meetings.ics").status_code == 403
    agency = client_as(app, Role.AGENCY, agency="merseyside-police", name="jdoe")
    assert agency.get(f"{api.base}/forums/{BOARD}/calendar-link").status_code == 200
