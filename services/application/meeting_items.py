"""The generated agenda as a meeting's items, and how the live agenda differs from a published one.

`generated_items` turns the builder's `Agenda` (projections/agenda) into the items a meeting's
draft takes (`draft_agenda`'s `generated`): one per recommendation, sign-off, action, learning
and deadline, and one for the themes, each keyed `<section>:<subject>` so that the same thing
has the same key in the agenda generated on another day. `compare` says which items the live
agenda has that the published one did not, which it no longer has, and which now read otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from domain.commands.meeting import GeneratedItem
from domain.meeting_state import AgendaItem, ItemOrigin, Purpose
from projections.agenda.models import Agenda

_KIND_WORDS = {
    "child_safeguarding_practice_review": "practice review", "rapid_review": "rapid review",
    "multi_agency_audit": "multi-agency audit", "single_agency_audit": "single-agency audit",
}


def _kind(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind.replace("_", " "))


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _short(text: str, limit: int = 280) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def generated_items(agenda: Agenda) -> list[GeneratedItem]:
    """The agenda's items in the order the agenda gives its sections."""
    out: list[GeneratedItem] = []

    def add(item_id: str, section: str, title: str, detail: str, purpose: Purpose, subject: object = None) -> None:
        out.append(GeneratedItem.model_validate({
            "item_id": item_id, "section": section, "title": _short(title, 300), "detail": detail,
            "purpose": purpose, "subject_id": subject,
        }))

    for r in agenda.awaiting_decision:
        add(f"awaiting_decision:{r.recommendation_id}", "awaiting_decision", f"Recommendation: {r.text}",
            f"From “{r.activity_title}” ({_kind(r.source_kind)}), made {r.made_on:%-d %B %Y}"
            + (f"; deferred {_times(r.deferrals)}" if r.deferred else "") + ".",
            Purpose.DECISION, r.recommendation_id)
    for s in agenda.awaiting_sign_off:
        add(f"awaiting_sign_off:{s.activity_id}", "awaiting_sign_off", f"Sign-off: {s.title}",
            f"{_kind(s.source_kind).capitalize()} with {_count(s.findings, 'finding')}"
            + (f", reported {s.reported_on:%-d %B %Y}" if s.reported_on else "") + ".",
            Purpose.DECISION, s.activity_id)
    for e in agenda.actions_escalated:
        add(f"actions_escalated:{e.action_id}", "actions_escalated", f"Escalated action: {e.description}",
            f"{e.owner}, due {e.due_on:%-d %B %Y}, {e.working_days_overdue} working days overdue.",
            Purpose.ASSURANCE, e.action_id)
    for a in agenda.actions_overdue:
        add(f"actions_overdue:{a.action_id}", "actions_overdue", f"Overdue action: {a.description}",
            f"{a.owner}, due {a.due_on:%-d %B %Y}, {a.days_overdue} days overdue.", Purpose.ASSURANCE, a.action_id)
    for a in agenda.actions_at_risk:
        add(f"actions_at_risk:{a.action_id}", "actions_at_risk", f"Action at risk: {a.description}",
            f"{a.owner}, due {a.due_on:%-d %B %Y}.", Purpose.ASSURANCE, a.action_id)
    for c in agenda.awaiting_assurance:
        add(f"awaiting_assurance:{c.action_id}", "awaiting_assurance", f"Assurance: {c.description}",
            f"{c.owner}, from “{c.activity_title}”"
            + (f", completed {c.completed_on:%-d %B %Y}" if c.completed_on else "") + ".",
            Purpose.ASSURANCE, c.action_id)
    for learning in agenda.learning_to_disseminate:
        waiting = len(learning.not_yet_acknowledged)
        add(f"learning:{learning.activity_id}", "learning", f"Learning to disseminate: {learning.title}",
            f"{_count(len(learning.findings), 'finding')}; {_count(waiting, 'agency', 'agencies')} yet to acknowledge.",
            Purpose.INFORMATION, learning.activity_id)
    for d in (*agenda.deadlines_breached, *agenda.deadlines_due):
        add(f"deadlines:{d.activity_id}.{d.clock}", "deadlines", f"Deadline: {d.activity_title}",
            f"{d.clock.replace('_', ' ').capitalize()} due {d.due_on:%-d %B %Y} ({d.status.replace('_', ' ')}).",
            Purpose.INFORMATION, d.activity_id)
    if agenda.themes:
        top = ", ".join(f"{t.theme.replace('_', ' ')} ({t.count})" for t in agenda.themes[:5])
        add("themes:period", "themes", "Themes in the last 12 months",
            f"{_count(agenda.findings_in_period, 'finding')} since {agenda.themes_since:%-d %B %Y}; most often: {top}.",
            Purpose.INFORMATION)
    return out


class ItemChange(BaseModel):
    item_id: str
    title: str
    published_title: str | None = None
    detail: str
    published_detail: str | None = None


class AgendaDiff(BaseModel):
    """The live agenda against the published one: generated items only (added ones are the meeting's own)."""

    added: list[ItemChange]
    """In the live agenda, not in the published one: new since publication."""
    gone: list[ItemChange]
    """In the published agenda, no longer in the live one (decided, done, withdrawn)."""
    changed: list[ItemChange]
    """In both, reading otherwise now."""

    @property
    def same(self) -> bool:
        return not (self.added or self.gone or self.changed)


def compare(published: Sequence[AgendaItem], live: Iterable[GeneratedItem]) -> AgendaDiff:
    was = {i.item_id: i for i in published if i.origin is ItemOrigin.GENERATED}
    now = {i.item_id: i for i in live}
    added = [ItemChange(item_id=k, title=i.title, detail=i.detail) for k, i in now.items() if k not in was]
    gone = [ItemChange(item_id=k, title=i.title, detail=i.detail) for k, i in was.items() if k not in now]
    changed = [
        ItemChange(item_id=k, title=now[k].title, published_title=i.title, detail=now[k].detail,
                   published_detail=i.detail)
        for k, i in was.items() if k in now and (now[k].title, now[k].detail) != (i.title, i.detail)
    ]
    return AgendaDiff(added=added, gone=gone, changed=changed)
