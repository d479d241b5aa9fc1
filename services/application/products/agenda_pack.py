"""The agenda pack as a forum's secretary circulates it: the generated agenda with the standard
items a meeting has around it, each item with its purpose, presenter and time.

Built from two things: the forum's `Agenda` for the meeting (projections/agenda/) and what
is known of the meeting itself, `PackMeeting` (venue, chair, who is expected, declarations,
the last minutes, the meeting's own action log ...). Every field of `PackMeeting` is optional
and a pack with none of it still reads as a pack ("To be confirmed", "None declared"): the
secretary circulates it before those are known. `agenda_pack_document.py` lays it out as a
document (Word, PDF, HTML).

Nothing of the software's internals reaches the text: agencies by name, kinds of activity by
their titles, dates as a reader writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict

from adapters.documents import Bullets, Cell, Paragraph, Table
from adapters.documents.model import Block, Rag
from domain.marking import DEFAULT_MARKING
from domain.partnership import Partnership
from projections.agenda.builder import AT_RISK_DAYS
from projections.agenda.models import Agenda
from services.application.products.agenda_pack_papers import (
    GENERATED,
    TO_BE_CONFIRMED,
    Purpose,
    generated_paper,
    plural,
    progress_words,
    short_date,
)
from services.application.products.common import agency_name, long_date

RAG_ORDER: tuple[Rag, ...] = ("red", "amber", "green", "blue", "grey")
"""The action log's order: what the forum must act on first."""
BLANK = "\N{EN DASH}"
"""An empty table cell, printed so a reader sees it was not left out by mistake."""


# --- what is known of the meeting (all optional) -------------------------------------------


class PackPerson(BaseModel):
    """Someone expected at the meeting, or sending apologies: a name, and whom they speak for."""

    model_config = ConfigDict(frozen=True)

    name: str
    agency: str | None = None
    """The agency's id or name (an id is printed as its name)."""
    role: str | None = None


class PackAction(BaseModel):
    """An action from the forum's own action log (agreed at an earlier meeting)."""

    model_config = ConfigDict(frozen=True)

    description: str
    owner: str
    """The owner agency's id or name, or a person's name."""
    due_on: date
    done: bool = False
    on_track: bool = True
    note: str | None = None


class PackItemPlan(BaseModel):
    """How the secretary has planned one of the generated items: who presents it, for how long, why."""

    model_config = ConfigDict(frozen=True)

    presenter: str | None = None
    minutes: int | None = None
    purpose: Purpose | None = None


class PackAddedItem(BaseModel):
    """An item the secretary adds to the generated ones (a presentation, a report from a sub-group)."""

    model_config = ConfigDict(frozen=True)

    title: str
    purpose: Purpose = "For discussion"
    presenter: str | None = None
    minutes: int = 15
    summary: str | None = None


class PackMeeting(BaseModel):
    """What the pack says of the meeting beyond its generated agenda. Everything is optional."""

    model_config = ConfigDict(frozen=True)

    venue: str | None = None
    starts_at: time | None = None
    ends_at: time | None = None
    chair: str | None = None
    expected: tuple[PackPerson, ...] = ()
    apologies: tuple[PackPerson, ...] = ()
    declarations: tuple[str, ...] = ()
    """Interests declared in advance; more are asked for at the meeting."""
    previous_minutes: str | None = None
    """What the last meeting's minutes say, or where they are; the pack puts them up for approval."""
    matters_arising: tuple[str, ...] = ()
    actions: tuple[PackAction, ...] = ()
    plans: dict[str, PackItemPlan] = {}
    """Per generated section (projections/agenda/render.py SECTIONS' keys): presenter, time, purpose."""
    added_items: tuple[PackAddedItem, ...] = ()
    other_business: tuple[str, ...] = ()
    next_meeting: str | None = None
    """When and where the forum meets next, as it should be printed; default: its next scheduled date."""


# --- the pack ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    """One line of the action log: an owner by name, a RAG rating in colour and in words."""

    description: str
    owner: str
    due_on: date
    days_overdue: int
    rag: Rag
    rag_words: str
    source: str
    """The activity whose learning the action follows; empty for the forum's own actions."""
    progress: str


@dataclass(frozen=True)
class PackItem:
    number: int
    title: str
    purpose: Purpose
    presenter: str
    minutes: int
    starts_at: time | None
    paper: tuple[Block, ...]


@dataclass(frozen=True)
class AgendaPack:
    partnership_name: str
    forum_name: str
    meeting_on: date
    marking: str
    venue: str
    time: str
    chair: str
    expected: str
    apologies: str
    items: tuple[PackItem, ...]
    actions: tuple[ActionRow, ...]
    nothing_this_time: tuple[str, ...]
    """The generated sections with nothing in them, said once, on one line."""
    next_meeting: str

    @property
    def meeting_day(self) -> str:
        return f"{self.meeting_on:%A} {long_date(self.meeting_on)}"


def _people(people: tuple[PackPerson, ...], p: Partnership | None, none: str) -> str:
    def one(x: PackPerson) -> str:
        about = [s for s in (x.role, agency_name(p, x.agency) if p and x.agency else x.agency) if s]
        return f"{x.name} ({', '.join(about)})" if about else x.name

    return "; ".join(one(x) for x in people) or none


def action_rows(a: Agenda, m: PackMeeting, p: Partnership | None) -> tuple[ActionRow, ...]:
    """The action log: the meeting's own actions, then the actions on learning the forum follows
    (escalated, overdue, at risk, completed awaiting assurance), worst first."""
    rows: list[ActionRow] = []
    for logged in m.actions:
        late = (a.meeting_on - logged.due_on).days
        owner = agency_name(p, logged.owner) if p else logged.owner
        if logged.done:
            rag: Rag = "blue"
            said = "Blue: complete"
        elif late > 0:
            rag, said = "red", f"Red: overdue by {plural(late, 'day')}"
        elif late >= -AT_RISK_DAYS or not logged.on_track:
            rag, said = "amber", "Amber: off track" if not logged.on_track else f"Amber: due within {AT_RISK_DAYS} days"
        else:
            rag, said = "green", "Green: on track"
        rows.append(ActionRow(logged.description, owner, logged.due_on, 0 if logged.done else max(late, 0), rag,
                              said, "", logged.note or ""))
    for e in a.actions_escalated:
        to = "the Executive" if e.level == "executive" else "this forum"
        rows.append(ActionRow(
            e.description, e.owner, e.due_on, (a.meeting_on - e.due_on).days, "red",
            f"Red: overdue, escalated to {to}", e.activity_title,
            progress_words(e.last_progress_on, e.last_progress_note),
        ))
    for x in a.actions_overdue:
        rows.append(ActionRow(
            x.description, x.owner, x.due_on, x.days_overdue, "red",
            f"Red: overdue by {plural(x.days_overdue, 'day')}", x.activity_title,
            progress_words(x.last_progress_on, x.last_progress_note),
        ))
    for x in a.actions_at_risk:
        why = " and ".join(f"due within {AT_RISK_DAYS} days" if r == "due_soon" else "off track" for r in x.at_risk)
        rows.append(ActionRow(
            x.description, x.owner, x.due_on, 0, "amber", f"Amber: {why}", x.activity_title,
            progress_words(x.last_progress_on, x.last_progress_note),
        ))
    for c in a.awaiting_assurance:
        done = f" on {long_date(c.completed_on)}" if c.completed_on else ""
        rows.append(ActionRow(
            c.description, c.owner, c.due_on, 0, "blue", "Blue: complete, impact to be assured", c.activity_title,
            f"Completed{done}",
        ))
    # Stable: within a rating, the forum's own actions first, then the agenda's order.
    return tuple(sorted(rows, key=lambda r: (RAG_ORDER.index(r.rag), -r.days_overdue)))


def _lines(items: tuple[str, ...], none: str) -> tuple[Block, ...]:
    return (Bullets(items),) if items else (Paragraph(none),)


def build_pack(agenda: Agenda, meeting: PackMeeting | None, partnership: Partnership | None) -> AgendaPack:
    """The pack for the agenda's meeting. `partnership` gives the marking and the agencies' names
    (without it: the default marking, and names as the agenda has them)."""
    a, m, p = agenda, meeting or PackMeeting(), partnership
    chair = m.chair or "Chair"
    drafted: list[tuple[str, Purpose, str, int, tuple[Block, ...]]] = []

    def add(title: str, purpose: Purpose, presenter: str, minutes: int, paper: tuple[Block, ...]) -> None:
        drafted.append((title, purpose, presenter, minutes, paper))

    apologies = _people(m.apologies, p, "None received in advance.")
    add("Welcome, introductions and apologies", "For noting", chair, 5, (Paragraph(f"Apologies: {apologies}"),))
    add("Declarations of interest", "For noting", chair, 5, _lines(
        m.declarations, "None declared in advance. Members are asked to declare any interest in today's items."))
    if m.previous_minutes:
        previous = m.previous_minutes
    elif a.previous_meeting_on:
        previous = f"The minutes of the meeting on {long_date(a.previous_meeting_on)}, for approval as a true record."
    else:
        previous = "This is the forum's first meeting: there are no minutes to approve."
    add("Minutes of the last meeting and matters arising", "For approval", chair, 10, (
        Paragraph(previous), Paragraph("Matters arising:", "note"), *_lines(m.matters_arising, "None."),
    ))
    rows = action_rows(a, m, p)
    add("Action log", "For assurance", "Forum secretary", 15, (
        Paragraph(f"{plural(len(rows), 'action')} to review: "
                  f"{sum(r.rag == 'red' for r in rows)} red, {sum(r.rag == 'amber' for r in rows)} amber.", "note"),
        _action_table(rows),
    ) if rows else (Paragraph("No open action to review."),))
    empty: list[str] = []
    for key, title, purpose, minutes in GENERATED:
        paper = generated_paper(key, a, p)
        if paper is None:
            empty.append(title)
            continue
        plan = m.plans.get(key, PackItemPlan())
        add(title, plan.purpose or purpose, plan.presenter or TO_BE_CONFIRMED, plan.minutes or minutes, paper)
    for extra in m.added_items:
        add(extra.title, extra.purpose, extra.presenter or TO_BE_CONFIRMED, extra.minutes,
            (Paragraph(extra.summary),) if extra.summary else (Paragraph("Paper to follow.", "note"),))
    add("Any other business", "For discussion", chair, 5, _lines(m.other_business, "None notified in advance."))
    following = m.next_meeting or (
        f"{a.next_meeting_on:%A} {long_date(a.next_meeting_on)}" if a.next_meeting_on else TO_BE_CONFIRMED
    )
    add("Date of next meeting", "For noting", chair, 0, (Paragraph(following),))

    items: list[PackItem] = []
    clock = datetime.combine(a.meeting_on, m.starts_at) if m.starts_at else None
    for number, (title, purpose, presenter, minutes, paper) in enumerate(drafted, start=1):
        items.append(PackItem(number, title, purpose, presenter, minutes, clock.time() if clock else None, paper))
        clock = clock + timedelta(minutes=minutes) if clock else None
    when = TO_BE_CONFIRMED
    if m.starts_at:
        when = f"{m.starts_at:%H:%M}" + (f" to {m.ends_at:%H:%M}" if m.ends_at else "")
    return AgendaPack(
        partnership_name=a.partnership_name, forum_name=a.forum_name, meeting_on=a.meeting_on,
        marking=p.protective_marking if p else DEFAULT_MARKING,
        venue=m.venue or TO_BE_CONFIRMED, time=when, chair=m.chair or TO_BE_CONFIRMED,
        expected=_people(m.expected, p, TO_BE_CONFIRMED), apologies=apologies,
        items=tuple(items), actions=rows, nothing_this_time=tuple(empty), next_meeting=following,
    )


def _action_table(rows: tuple[ActionRow, ...]) -> Table:
    return Table.of(
        ("Action", "Owner", "Due", "Days overdue", "RAG", "Latest"),
        [(f"{r.description} (from {r.source})" if r.source else r.description, r.owner, short_date(r.due_on),
          str(r.days_overdue) if r.days_overdue else BLANK, Cell(r.rag_words, r.rag), r.progress or BLANK)
         for r in rows],
        widths=(4.4, 2.6, 1.9, 1.7, 2.6, 3.3),
    )
