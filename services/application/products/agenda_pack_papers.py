"""The papers of the agenda's generated items, as the pack prints them: each section of the
forum's agenda (projections/agenda/) as a table a reader takes in at a glance, or None when it
has nothing in it (the pack then names it on its one "nothing this time" line).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from adapters.documents import Cell, Paragraph, Table
from adapters.documents.model import Block
from domain.partnership import Partnership
from projections.agenda import render as words
from projections.agenda.models import Agenda, LearningItem
from services.application.products.common import agency_name, long_date

Purpose = Literal["For decision", "For assurance", "For information", "For approval", "For discussion", "For noting"]

TO_BE_CONFIRMED = "To be confirmed"
DEADLINE_SOON_WORKING_DAYS = 5
"""A statutory deadline this close to the meeting is amber: the forum may be its last chance to act."""


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def short_date(d: date) -> str:
    """A date in a table's narrow column: 1 Sep 2025."""
    return f"{d.day} {d:%b %Y}"


def progress_words(on: date | None, note: str | None) -> str:
    return f"{short_date(on)}: {note}" if on and note else ""


def _recommendations(a: Agenda) -> tuple[Block, ...]:
    rows = []
    for r in a.awaiting_decision:
        deferred = f" Deferred {words.times(r.deferrals)} already." if r.deferred else ""
        findings = "; ".join(f.summary for f in r.findings) or "None linked"
        rows.append((
            r.text + deferred, f"{r.activity_title} ({words.kind_title(r.source_kind)})",
            ", ".join(r.addressed_to), findings,
        ))
    return (
        Paragraph("The forum is asked to accept, reject or defer each recommendation.", "note"),
        Table.of(("Recommendation", "From", "Addressed to", "Drawn from the findings"), rows, widths=(4, 3, 2, 4)),
    )


def _sign_offs(a: Agenda) -> tuple[Block, ...]:
    rows = [
        (s.title, words.kind_title(s.source_kind), short_date(s.reported_on) if s.reported_on else TO_BE_CONFIRMED,
         str(s.findings), s.report_summary or "")
        for s in a.awaiting_sign_off
    ]
    return (
        Paragraph("The forum is asked to sign off each report, so its learning can be disseminated.", "note"),
        Table.of(("Report", "Kind", "Reported", "Findings", "Summary"), rows, widths=(3, 2.5, 2, 1.7, 4.5)),
    )


def _acknowledged(item: LearningItem, p: Partnership | None) -> str:
    def name(agency_id: str) -> str:
        return agency_name(p, agency_id) if p else agency_id

    done = ", ".join(name(x.agency_id) for x in item.acknowledged_by)
    missing = ", ".join(name(x) for x in item.not_yet_acknowledged)
    said = f"Acknowledged by {done}" if done else "No agency has acknowledged it yet"
    return said + (f"; awaited from {missing}" if missing else "")


def _learning(a: Agenda, p: Partnership | None) -> tuple[Block, ...]:
    rows = []
    for x in a.learning_to_disseminate:
        when = "; ".join(f"{label} {long_date(d)}" for label, d in
                         (("signed off", x.signed_off_on), ("published", x.published_on)) if d is not None)
        rows.append((f"{x.title} ({words.kind_title(x.source_kind)})", when[:1].upper() + when[1:],
                     plural(len(x.findings), "finding"), _acknowledged(x, p)))
    return (
        Paragraph(words.section_note(a, "learning") or "", "note"),
        Table.of(("Learning", "Signed off / published", "Findings", "Cascade"), rows, widths=(4, 3, 1.5, 4.5)),
    )


def _deadlines(a: Agenda) -> tuple[Block, ...]:
    rows: list[tuple[str | Cell, ...]] = []
    for d in a.deadlines_breached:
        late = (a.meeting_on - d.due_on).days
        rows.append((words.clock_title(d.clock), d.activity_title, short_date(d.due_on),
                     Cell(f"Red: breached, {plural(late, 'day')} past", "red")))
    for d in a.deadlines_due:
        left = d.working_days_remaining
        soon = left is not None and left <= DEADLINE_SOON_WORKING_DAYS
        when = "due on the day of the meeting" if d.due_on == a.meeting_on else (
            f"{plural(left, 'working day')} after the meeting" if left is not None else "open")
        rows.append((words.clock_title(d.clock), d.activity_title, short_date(d.due_on),
                     Cell(f"{'Amber' if soon else 'Green'}: {when}", "amber" if soon else "green")))
    return (
        Paragraph(words.section_note(a, "deadlines") or "", "note"),
        Table.of(("Deadline", "Activity", "Due", "Where it stands"), rows, widths=(3.5, 4.5, 2.5, 3.5)),
    )


def _themes(a: Agenda) -> tuple[Block, ...]:
    return (
        Paragraph(words.section_note(a, "themes") or "", "note"),
        Table.of(("Theme", "Findings"), [(words.humanise(t.theme), str(t.count)) for t in a.themes], widths=(4, 1)),
    )


# Each generated section: its title in the pack, its purpose, its default time, and its paper.
GENERATED: tuple[tuple[str, str, Purpose, int], ...] = (
    ("awaiting_decision", "Recommendations awaiting decision", "For decision", 20),
    ("awaiting_sign_off", "Reports for sign-off", "For decision", 15),
    ("learning", "Learning to disseminate", "For information", 10),
    ("deadlines", "Statutory deadlines", "For assurance", 10),
    ("themes", "Themes in the last 12 months", "For information", 10),
)


def generated_paper(key: str, a: Agenda, p: Partnership | None) -> tuple[Block, ...] | None:
    """The section's paper, or None when it has nothing in it."""
    if key == "awaiting_decision":
        return _recommendations(a) if a.awaiting_decision else None
    if key == "awaiting_sign_off":
        return _sign_offs(a) if a.awaiting_sign_off else None
    if key == "learning":
        return _learning(a, p) if a.learning_to_disseminate else None
    if key == "deadlines":
        return _deadlines(a) if a.deadlines_due or a.deadlines_breached else None
    return _themes(a) if a.themes else None
