"""The agenda as Markdown and as a printable HTML page (pure functions of an `Agenda`).

Apart from the builder because it is presentation only: what each section is called and
how a date, a finding or a deadline reads; it knows the models and nothing of the tables.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape

from domain.clocks import ClockName
from domain.framework import DEFAULT_SOURCES, SourceKind
from projections.agenda.models import Agenda, FindingItem, LearningItem
from projections.clocks_view import DeadlineEntry

SECTIONS: tuple[tuple[str, str], ...] = (
    ("awaiting_decision", "Findings and recommendations awaiting decision"),
    ("awaiting_sign_off", "Activities awaiting sign-off"),
    ("actions", "Actions overdue or at risk"),
    ("awaiting_assurance", "Actions completed, awaiting assurance"),
    ("learning", "Learning ready to disseminate"),
    ("deadlines", "Statutory deadlines"),
    ("themes", "Themes in the last 12 months"),
)
_CLOCKS = {
    ClockName.SERIOUS_INCIDENT_NOTIFICATION.value: "Serious incident notification to the Panel",
    ClockName.RAPID_REVIEW.value: "Rapid review",
    ClockName.PRACTICE_REVIEW_PUBLICATION.value: "Practice review publication",
    ClockName.FINAL_REPORT_TO_PANEL.value: "Final report to the Panel",
}
NONE = "Nothing this time"
"""Said once, on one line, for all the sections with nothing in them."""


def long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def kind_title(kind: str) -> str:
    try:
        return DEFAULT_SOURCES[SourceKind(kind)].title
    except ValueError:
        return kind


def humanise(value: str) -> str:
    return value.replace("_", " ").capitalize()


def clock_title(clock: str) -> str:
    return _CLOCKS.get(clock, humanise(clock))


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def md(text: str | None) -> str:
    """User text on one Markdown line: characters Markdown would act on are escaped."""
    flat = " ".join((text or "").split())
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", flat)


def _finding_line(f: FindingItem) -> str:
    themes = ", ".join(humanise(t) for t in f.themes)
    return f"{humanise(f.category)}: {md(f.summary)} ({themes}; recorded {f.recorded_on})"


def _acknowledgement_lines(item: LearningItem, names: dict[str, str]) -> list[str]:
    """The line "acknowledged by: …; not yet acknowledged: …", when any agency is expected or has acknowledged."""
    if not item.acknowledged_by and not item.not_yet_acknowledged:
        return []

    done = ", ".join(
        f"{md(names.get(ack.agency_id, ack.agency_id))} ({', '.join(humanise(m).lower() for m in ack.cascaded_by)})"
        for ack in item.acknowledged_by
    ) or "none"
    missing = ", ".join(md(names.get(agency, agency)) for agency in item.not_yet_acknowledged) or "none"
    return [f"acknowledged by: {done}; not yet acknowledged: {missing}"]


def _learning_line(kinds_of_learning: list[str], key_stakeholders: list[str]) -> list[str]:
    """The line saying what learning the activity yields and for whom, when the kind says."""
    if not kinds_of_learning and not key_stakeholders:
        return []
    yields = "; ".join(md(k) for k in kinds_of_learning) or "not stated"
    stakeholders = ", ".join(md(s) for s in key_stakeholders) or "not stated"
    return [f"Learning: {yields} — stakeholders: {stakeholders}"]


def _deadline_line(d: DeadlineEntry, as_at: date) -> str:
    if d.status == "breached":
        late = (as_at - d.due_on).days
        when = f"was due {d.due_on}, breached ({late} day{'s' if late != 1 else ''} past)"
    elif d.met_on is not None:
        when = f"was due {d.due_on}, met {'late ' if d.status == 'met_late' else ''}on {d.met_on}"
    else:
        when = f"due {d.due_on} ({d.working_days_remaining} working days from the meeting)"
    return f"{clock_title(d.clock)} — {md(d.activity_title)} ({kind_title(d.source_kind)}): {when}"


def header_lines(a: Agenda) -> list[str]:
    scheduled = "" if a.meeting_scheduled else " (no meeting is scheduled on this date)"
    return [
        f"Partnership: {md(a.partnership_name)}",
        f"Meeting: {long_date(a.meeting_on)}{scheduled}",
        f"Previous meeting: {long_date(a.previous_meeting_on) if a.previous_meeting_on else 'none'}"
        f"; next meeting: {long_date(a.next_meeting_on) if a.next_meeting_on else 'not scheduled'}",
        f"Prepared: {a.generated_at:%Y-%m-%d %H:%M %Z}".rstrip() + "; statuses as at the meeting date",
    ]


def section_items(a: Agenda, key: str) -> list[tuple[str, list[str]]]:
    """One section's entries as (line, sub-lines), shared by Markdown and HTML.

    Lines hold Markdown-escaped text with **bold**; the HTML renderer converts them.
    """
    items: list[tuple[str, list[str]]] = []
    if key == "awaiting_decision":
        for r in a.awaiting_decision:
            deferred = f"; deferred {times(r.deferrals)}" if r.deferred else ""
            last = f" (last on {r.last_deferred_on})" if r.last_deferred_on else ""
            items.append((
                f"**{md(r.text)}** — from {kind_title(r.source_kind)} “{md(r.activity_title)}”;"
                f" addressed to {md(', '.join(r.addressed_to))}; made {r.made_on}"
                f"{deferred}{last if r.deferred else ''}",
                [f"Finding — {_finding_line(f)}" for f in r.findings],
            ))
    elif key == "awaiting_sign_off":
        for s in a.awaiting_sign_off:
            reported = f"reported {s.reported_on}" if s.reported_on else "reported"
            items.append((
                f"**{md(s.title)}** ({kind_title(s.source_kind)}) — {reported};"
                f" {s.findings} finding{'s' if s.findings != 1 else ''}",
                _learning_line(s.kinds_of_learning, s.key_stakeholders)
                + ([f"Summary: {md(s.report_summary)}"] if s.report_summary else []),
            ))
    elif key == "actions":
        for e in a.actions_escalated:
            to = "the Executive" if e.level == "executive" else "this forum, which owns it"
            items.append((
                f"**Escalated to {to}**: {md(e.description)} — owner {md(e.owner)}; due {e.due_on};"
                f" from “{md(e.activity_title)}”",
                [
                    f"Overdue by more than {e.threshold_working_days} working days, the partnership's threshold:"
                    f" escalated on {e.escalated_on}; {e.working_days_overdue} working days overdue at the meeting",
                    *_progress(e.last_progress_on, e.last_progress_note),
                ],
            ))
        for x in a.actions_overdue:
            items.append((
                f"**Overdue by {x.days_overdue} day{'s' if x.days_overdue != 1 else ''}**:"
                f" {md(x.description)} — owner {md(x.owner)}; due {x.due_on};"
                f" from “{md(x.activity_title)}”",
                _progress(x.last_progress_on, x.last_progress_note),
            ))
        for x in a.actions_at_risk:
            why = " and ".join(
                "due within 14 days" if r == "due_soon" else "last progress off track"
                for r in x.at_risk
            )
            items.append((
                f"**At risk** ({why}): {md(x.description)} — owner {md(x.owner)};"
                f" due {x.due_on}; from “{md(x.activity_title)}”",
                _progress(x.last_progress_on, x.last_progress_note),
            ))
    elif key == "awaiting_assurance":
        for c in a.awaiting_assurance:
            done = f"completed {c.completed_on}" if c.completed_on else "completed"
            items.append((
                f"{md(c.description)} — owner {md(c.owner)}; {done} (due {c.due_on});"
                f" from “{md(c.activity_title)}”",
                [],
            ))
    elif key == "learning":
        for learning in a.learning_to_disseminate:
            dates = "; ".join(
                f"{label} {d}" for label, d in
                (("signed off", learning.signed_off_on), ("published", learning.published_on))
                if d is not None
            )
            url = f"; {md(learning.publication_url)}" if learning.publication_url else ""
            items.append((
                f"**{md(learning.title)}** ({kind_title(learning.source_kind)}) — {dates}{url}",
                _learning_line(learning.kinds_of_learning, learning.key_stakeholders)
                + [_finding_line(f) for f in learning.findings] + _acknowledgement_lines(learning, a.agency_names),
            ))
    elif key == "deadlines":
        items.extend(
            (f"**Breached**: {_deadline_line(d, a.meeting_on)}", [])
            for d in a.deadlines_breached
        )
        items.extend((_deadline_line(d, a.meeting_on), []) for d in a.deadlines_due)
    elif key == "themes":
        items.extend((f"{humanise(t.theme)}: {t.count}", []) for t in a.themes)
    return items


def section_note(a: Agenda, key: str) -> str | None:
    if key == "learning":
        since = long_date(a.learning_since) if a.learning_since else "the start"
        return f"Signed off or published from {since} until this meeting."
    if key == "deadlines":
        until = (
            f"before the next meeting on {long_date(a.deadlines_horizon)}"
            if a.deadlines_horizon else "at any time (no next meeting is scheduled)"
        )
        return f"Open deadlines falling due {until}, and every breach."
    if key == "themes":
        return (
            f"{a.findings_in_period} finding{'s' if a.findings_in_period != 1 else ''} recorded"
            f" since {long_date(a.themes_since)} in activities routed to this forum, by theme."
        )
    return None


def _progress(on: date | None, note: str | None) -> list[str]:
    return [f"Last progress {on}: {md(note)}"] if on and note else []


def filled_sections(a: Agenda) -> tuple[list[tuple[str, str, list[tuple[str, list[str]]]]], list[str]]:
    """The sections with something in them (key, title, items), and the titles of those without:
    an empty section is one line for all of them, not a heading and a page of its own."""
    filled: list[tuple[str, str, list[tuple[str, list[str]]]]] = []
    empty: list[str] = []
    for key, title in SECTIONS:
        items = section_items(a, key)
        if items:
            filled.append((key, title, items))
        else:
            empty.append(title)
    return filled, empty


def nothing_line(empty: list[str]) -> str:
    return f"{NONE}: {'; '.join(empty)}."


def render_markdown(a: Agenda) -> str:
    out = [f"# {md(a.forum_name)} — agenda for {long_date(a.meeting_on)}", ""]
    out += [f"- {line}" for line in header_lines(a)]
    filled, empty = filled_sections(a)
    for number, (key, title, items) in enumerate(filled, start=1):
        out += ["", f"## {number}. {title}", ""]
        note = section_note(a, key)
        if note:
            out += [f"_{note}_", ""]
        for line, subs in items:
            out.append(f"- {line}")
            out += [f"  - {sub}" for sub in subs]
    if empty:
        out += ["", nothing_line(empty)]
    return "\n".join(out) + "\n"


_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; color: #111; max-width: 48rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
header { border-bottom: 2px solid #111; margin-bottom: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #999; padding-bottom: .2rem; }
.meta { list-style: none; padding: 0; color: #333; font-size: .92rem; }
.note { font-style: italic; color: #444; }
.none { color: #666; }
li { margin: .3rem 0; }
li ul { font-size: .94rem; color: #222; }
@page { size: A4; margin: 18mm 16mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  li { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""
INLINE_STYLE = _CSS
"""The one inline style sheet of `render_html`: the page's Content-Security-Policy admits it by hash."""



def _html_inline(line: str) -> str:
    """A section line (Markdown-escaped text with **bold**) as HTML.

    Scanned left to right so an escaped asterisk or backslash in user text can
    never open or close the bold.
    """
    out: list[str] = []
    bold = False
    for m in re.finditer(r"\\(.)|\*\*|[^\\*]+|[\\*]", line):
        if m.group(1) is not None:
            out.append(escape(m.group(1)))
        elif m.group(0) == "**":
            out.append("</strong>" if bold else "<strong>")
            bold = not bold
        else:
            out.append(escape(m.group(0)))
    if bold:
        out.append("</strong>")
    return "".join(out)


def render_html(a: Agenda) -> str:
    title = f"{a.forum_name} — agenda for {long_date(a.meeting_on)}"
    html = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1><ul class=\"meta\">",
    ]
    html += [f"<li>{_html_inline(line)}</li>" for line in header_lines(a)]
    html.append("</ul></header>")
    filled, empty = filled_sections(a)
    for number, (key, heading, items) in enumerate(filled, start=1):
        html.append(f'<section id="{key}"><h2>{number}. {escape(heading)}</h2>')
        note = section_note(a, key)
        if note:
            html.append(f'<p class="note">{escape(note)}</p>')
        html.append("<ul>")
        for line, subs in items:
            inner = "".join(f"<li>{_html_inline(s)}</li>" for s in subs)
            html.append(f"<li>{_html_inline(line)}" + (f"<ul>{inner}</ul>" if inner else "") + "</li>")
        html.append("</ul></section>")
    if empty:
        html.append(f'<p class="none">{escape(nothing_line(empty))}</p>')
    html.append("</body></html>")
    return "\n".join(html) + "\n"

