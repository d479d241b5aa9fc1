"""The business unit's management of the partnership's data: agencies, forums, meetings, routing
and subscriptions. Each is a page that lists what the partnership holds now (its aggregate, read
from the store) and a form of the partnership command that adds or changes it (run through the
command table, services/web/command_forms.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.commands import AddAgency, AddForum, Command, ScheduleMeeting, SetRouting, Subscribe, Unsubscribe
from domain.errors import NotFound
from domain.framework import DEFAULT_SOURCES
from domain.partnership import Partnership
from services.application.auth.principals import Principal, Role
from services.web.bizunit_activities import partnership_of
from services.web.bizunit_forms import agencies, forums
from services.web.command_forms import Choice, FormField, Submitted, describe, submit, words
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()
Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    summary: str
    command: type[Command]
    form_heading: str
    fields: Callable[[Partnership], tuple[FormField, ...]]
    table: Callable[[Partnership], Table]


def _day(d: date) -> str:
    return d.strftime("%-d %B %Y")


def _names(p: Partnership, forum_ids: tuple[str, ...]) -> str:
    return ", ".join(p.forums[f].name if f in p.forums else f for f in forum_ids)


def _kinds() -> list[Choice]:
    return [Choice(k.value, s.title) for k, s in DEFAULT_SOURCES.items()]


def _agency_table(p: Partnership) -> Table:
    rows = [(a.name, a.agency_id, words(a.sector.value), a.webhook_url or "None")
            for a in sorted(p.agencies.values(), key=lambda a: a.name.lower())]
    return Table("The partnership's agencies", ("Agency", "Id", "Sector", "Webhook"), rows)


def _forum_table(p: Partnership) -> Table:
    rows = [(f.name, f.forum_id, str(len(f.meetings))) for f in p.forums.values()]
    return Table("The partnership's forums", ("Forum", "Id", "Meetings"), rows)


def _meeting_table(p: Partnership) -> Table:
    today = datetime.now(UTC).date()
    rows = []
    for f in p.forums.values():
        upcoming = [d for d in sorted(f.meetings) if d >= today]
        past = [d for d in sorted(f.meetings) if d < today]
        rows.append((f.name, ", ".join(_day(d) for d in upcoming[:3]) or "None scheduled",
                     _day(past[-1]) if past else "None"))
    return Table("Each forum's meetings", ("Forum", "Next meetings", "Last met"), rows)


def _routing_table(p: Partnership) -> Table:
    rows = [(DEFAULT_SOURCES[k].title, _names(p, r.points_of_dissemination), _names(p, (r.sign_off_forum,)))
            for k, r in p.routing.items()]
    return Table("Where each method of learning's learning goes", ("Method of learning", "Points of dissemination",
                                                                    "Signed off by"), rows)


def _subscription_table(p: Partnership) -> Table:
    rows = []
    for agency_id, s in p.subscriptions.items():
        name = p.agencies[agency_id].name if agency_id in p.agencies else agency_id
        what = "Everything" if s.everything else "; ".join(part for part in (
            ", ".join(words(t.value) for t in s.themes),
            ", ".join(DEFAULT_SOURCES[k].title for k in s.source_kinds),
            _names(p, s.forums),
        ) if part)
        rows.append((name, what))
    return Table("What each agency receives", ("Agency", "Subscribed to"), rows)


SECTIONS: dict[str, Section] = {s.slug: s for s in (
    Section("agencies", "Agencies", "The partner agencies, each by its name and sector.", AddAgency,
            "Add an agency", lambda p: describe(
                AddAgency, ("agency_id", "display_name", "sector", "rationale"),
                labels={"agency_id": "Id", "display_name": "Name", "rationale": "Why"},
                hints={"agency_id": "Lower-case letters, digits and hyphens, for example merseyside-police."}),
            _agency_table),
    Section("forums", "Forums", "The forums that receive learning and sign it off.", AddForum, "Add a forum",
            lambda p: describe(AddForum, ("forum_id", "display_name", "rationale"),
                               labels={"forum_id": "Id", "display_name": "Name", "rationale": "Why"},
                               hints={"forum_id": "Lower-case letters, digits and hyphens, for example executive."}),
            _forum_table),
    Section("meetings", "Meetings", "When each forum meets: its decisions are recorded at its meetings.",
            ScheduleMeeting, "Schedule a meeting",
            lambda p: describe(ScheduleMeeting, ("forum_id", "meets_on", "rationale"),
                               labels={"forum_id": "Forum", "meets_on": "Date of the meeting", "rationale": "Why"},
                               choices={"forum_id": forums(p)}),
            _meeting_table),
    Section("routing", "Routing", "Which forums each method of learning's learning goes to, and which signs it off.",
            SetRouting, "Set the routing of a method of learning",
            lambda p: describe(SetRouting, ("source_kind", "points_of_dissemination", "sign_off_forum", "rationale"),
                               labels={"source_kind": "Method of learning", "points_of_dissemination":
                                       "Points of dissemination", "sign_off_forum": "Signed off by",
                                       "rationale": "Why"},
                               choices={"source_kind": _kinds(), "points_of_dissemination": forums(p),
                                        "sign_off_forum": forums(p)},
                               widgets={"source_kind": "select"}),
            _routing_table),
    Section("subscriptions", "Subscriptions", "What learning each agency receives, beside what is addressed to it.",
            Subscribe, "Set an agency's subscription",
            lambda p: describe(Subscribe, ("agency_id", "everything", "themes", "source_kinds", "forums",
                                           "rationale"),
                               labels={"agency_id": "Agency", "everything": "Everything", "themes": "Themes",
                                       "source_kinds": "Methods of learning", "forums": "Forums",
                                       "rationale": "Why"},
                               hints={"everything": "Every piece of learning, other agencies' actions included",
                                      "agency_id": "It replaces the agency's subscription, if it has one."},
                               choices={"agency_id": agencies(p), "source_kinds": _kinds(), "forums": forums(p)}),
            _subscription_table),
    Section("cancel-subscription", "Cancel a subscription", "An agency whose subscription is cancelled still "
            "receives what is addressed to it: its own actions, and recommendations addressed to it.", Unsubscribe,
            "Cancel an agency's subscription",
            lambda p: describe(Unsubscribe, ("agency_id", "rationale"), labels={"agency_id": "Agency",
                                                                              "rationale": "Why"},
                               choices={"agency_id": agencies(p)}, widgets={"agency_id": "select"}),
            _subscription_table),
)}


def _section(slug: str) -> Section:
    section = SECTIONS.get(slug)
    if section is None:
        raise NotFound("unknown_page", f"The partnership has no {slug!r} to manage.", "section")
    return section


@router.get("/partnership", response_class=HTMLResponse)
def manage_index(request: Request, admin: Admin) -> Response:
    p = partnership_of(request, admin)
    return render(request, "bizunit/manage_index.html", p=p, sections=list(SECTIONS.values()),
                  current_page="partnership")


def _page(request: Request, p: Partnership, section: Section, submitted: Submitted | None = None) -> Response:
    errors = submitted.errors if submitted else None
    return render(
        request, "bizunit/manage.html", 400 if errors else 200, p=p, section=section, table=section.table(p),
        fields=section.fields(p), errors=errors, typed=submitted.typed if submitted else {},
        done=request.query_params.get("done") == "1", current_page="partnership",
    )


@router.get("/partnership/{slug}", response_class=HTMLResponse)
def manage(request: Request, admin: Admin, slug: str) -> Response:
    return _page(request, partnership_of(request, admin), _section(slug))


@router.post("/partnership/{slug}", response_class=HTMLResponse)
async def change(request: Request, admin: Admin, slug: str) -> Response:
    section = _section(slug)
    p = partnership_of(request, admin)
    submitted, outcome = await submit(request, admin, section.command, section.fields(p))
    if outcome is None:
        return _page(request, p, section, submitted)
    return RedirectResponse(f"/partnership/{slug}?done=1", status_code=303)
