"""Builds a forum's agenda from its facts: a pure function, no database.

`build_agenda` turns one partnership's `AgendaFacts` (read by `query.agenda_facts`)
into the seven sections of an `Agenda`. Everything time-dependent is judged as at
the meeting date: the agenda describes what the forum will face when it sits. It is
apart from the view and the query so that it can be tested and benchmarked on rows
made in memory (tests/unit/test_agenda_render.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.clocks import add_months, working_days_between
from domain.framework import DEFAULT_SOURCES, PARTNERSHIP_AGENCY, SourceKind
from projections.agenda.models import (
    ActionItem,
    Agenda,
    AgendaFacts,
    AssuranceItem,
    EscalatedActionItem,
    FindingItem,
    FindingRow,
    LearningItem,
    RecommendationItem,
    SignOffItem,
    ThemeCount,
)
from projections.clocks_view import deadline_entries

AT_RISK_DAYS = 14
"""An open action due within this many days of the meeting is at risk."""
THEME_MONTHS = 12
_KINDS = frozenset(k.value for k in SourceKind)
TOP_THEMES = 10


def default_meeting(meetings: tuple[date, ...], today: date) -> date | None:
    """The forum's next meeting on or after `today`."""
    upcoming = [m for m in meetings if m >= today]
    return min(upcoming) if upcoming else None


def _finding_item(f: FindingRow) -> FindingItem:
    return FindingItem(
        finding_id=f.finding_id, category=f.category, summary=f.summary,
        themes=list(f.themes), recorded_on=f.recorded_on,
    )


def _kinds_of_learning(kind: str) -> list[str]:
    """What an activity of this kind yields, as its agenda entry says (the framework's table)."""
    return list(DEFAULT_SOURCES[SourceKind(kind)].kinds_of_learning) if kind in _KINDS else []


def _stakeholders(kind: str) -> list[str]:
    """Who that learning is for (the framework's table)."""
    return list(DEFAULT_SOURCES[SourceKind(kind)].key_stakeholders) if kind in _KINDS else []


def build_agenda(
    facts: AgendaFacts, meeting_on: date, generated_at: datetime, position: int
) -> Agenda:
    forum = facts.forum_id
    previous = max((m for m in facts.meetings if m < meeting_on), default=None)
    following = min((m for m in facts.meetings if m > meeting_on), default=None)
    activities = {a.activity_id: a for a in facts.activities}
    routed = {a.activity_id for a in facts.activities
              if forum in facts.routing_for(a.kind).points_of_dissemination}
    signs_off = {a.activity_id for a in facts.activities
                 if facts.routing_for(a.kind).sign_off_forum == forum}
    findings = {f.finding_id: f for f in facts.findings}
    findings_of: dict[UUID, list[FindingRow]] = {}
    for f in sorted(facts.findings, key=lambda f: (f.recorded_on, f.summary)):
        findings_of.setdefault(f.activity_id, []).append(f)

    def owner(agency_id: str) -> str:
        return facts.agencies.get(agency_id, agency_id)

    awaiting = [
        RecommendationItem(
            recommendation_id=r.recommendation_id,
            activity_id=r.activity_id,
            activity_title=activities[r.activity_id].title,
            source_kind=activities[r.activity_id].kind,
            text=r.text,
            addressed_to=[owner(a) if a != PARTNERSHIP_AGENCY else "the partnership"
                          for a in r.addressed_to],
            made_on=r.made_on,
            deferred=r.deferrals > 0,
            deferrals=r.deferrals,
            last_deferred_on=r.last_deferred_on,
            findings=[_finding_item(findings[f]) for f in r.finding_ids if f in findings],
        )
        for r in facts.recommendations
        if r.status == "awaiting_decision" and r.activity_id in routed
    ]
    awaiting.sort(key=lambda r: (-r.deferrals, r.made_on, r.text))

    sign_off = [
        SignOffItem(
            activity_id=a.activity_id, title=a.title, source_kind=a.kind,
            reported_on=a.reported_on, report_summary=a.report_summary,
            findings=len(findings_of.get(a.activity_id, [])),
            kinds_of_learning=_kinds_of_learning(a.kind), key_stakeholders=_stakeholders(a.kind),
        )
        for a in facts.activities
        if a.status == "reported" and a.activity_id in signs_off
    ]
    sign_off.sort(key=lambda s: (s.reported_on or date.min, s.title))

    overdue: list[ActionItem] = []
    at_risk: list[ActionItem] = []
    assurance: list[AssuranceItem] = []
    soon = meeting_on + timedelta(days=AT_RISK_DAYS)
    for x in facts.actions:
        if x.activity_id not in routed:
            continue
        title = activities[x.activity_id].title
        if x.status == "completed":
            assurance.append(
                AssuranceItem(
                    action_id=x.action_id, activity_title=title, description=x.description,
                    owner_agency_id=x.owner_agency_id, owner=owner(x.owner_agency_id),
                    due_on=x.due_on, completed_on=x.completed_on,
                )
            )
            continue
        if x.status != "open":
            continue
        late = x.due_on < meeting_on
        reasons = [] if late else [
            r for r, hit in (("due_soon", x.due_on <= soon), ("off_track", not x.on_track)) if hit
        ]
        if not late and not reasons:
            continue
        item = ActionItem(
            action_id=x.action_id, activity_id=x.activity_id, activity_title=title,
            description=x.description, owner_agency_id=x.owner_agency_id,
            owner=owner(x.owner_agency_id), due_on=x.due_on, overdue=late,
            days_overdue=(meeting_on - x.due_on).days if late else 0, at_risk=reasons,
            last_progress_on=x.last_progress_on, last_progress_note=x.last_progress_note,
        )
        (overdue if late else at_risk).append(item)
    escalated = [
        EscalatedActionItem(
            action_id=e.action_id, activity_id=e.activity_id, activity_title=e.activity_title,
            description=e.description, owner_agency_id=e.owner_agency_id, owner=owner(e.owner_agency_id),
            due_on=e.due_on, level=e.level, threshold_working_days=e.threshold_working_days,
            escalated_on=e.escalated_on, working_days_overdue=max(working_days_between(e.due_on, meeting_on), 0),
            last_progress_on=e.last_progress_on, last_progress_note=e.last_progress_note,
        )
        for e in facts.escalations if e.escalated_on <= meeting_on
    ]
    escalated.sort(key=lambda i: (-i.working_days_overdue, i.description))
    # An escalated action is said once, as escalated.
    overdue = [i for i in overdue if i.action_id not in {e.action_id for e in escalated}]
    overdue.sort(key=lambda i: (-i.days_overdue, i.description))
    at_risk.sort(key=lambda i: (i.due_on, i.description))
    assurance.sort(key=lambda i: (i.completed_on or date.min, i.description))

    # Learning signed off or published at or after the previous meeting and
    # before this one is what this meeting cascades.
    def in_window(d: date | None) -> bool:
        return d is not None and d < meeting_on and (previous is None or d >= previous)

    learning = [
        LearningItem(
            activity_id=a.activity_id, title=a.title, source_kind=a.kind, status=a.status,
            signed_off_on=a.signed_off_on, published_on=a.published_on,
            publication_url=a.publication_url,
            findings=[_finding_item(f) for f in findings_of.get(a.activity_id, [])],
            acknowledged_by=facts.acknowledgements[a.activity_id].acknowledged
            if a.activity_id in facts.acknowledgements else [],
            not_yet_acknowledged=facts.acknowledgements[a.activity_id].missing
            if a.activity_id in facts.acknowledgements else [],
            kinds_of_learning=_kinds_of_learning(a.kind), key_stakeholders=_stakeholders(a.kind),
        )
        for a in facts.activities
        if a.activity_id in routed and (in_window(a.signed_off_on) or in_window(a.published_on))
    ]
    learning.sort(key=lambda item: (item.signed_off_on or item.published_on or date.min, item.title))

    concerned = routed | signs_off
    clock_rows = [a.clock for a in facts.activities if a.activity_id in concerned]
    breached = deadline_entries(
        clock_rows, facts.rapid_review_starts_from, meeting_on, frozenset({"breached"})
    )
    due = [
        d for d in deadline_entries(
            clock_rows, facts.rapid_review_starts_from, meeting_on, frozenset({"open"})
        )
        if following is None or d.due_on < following
    ]

    try:
        since = add_months(meeting_on, -THEME_MONTHS)
    except ValueError:
        since = date.min  # a meeting in the calendar's first year looks back to its first day
    counter: Counter[str] = Counter()
    in_period = 0
    for f in facts.findings:
        if f.activity_id in routed and since < f.recorded_on <= meeting_on:
            in_period += 1
            counter.update(dict.fromkeys(f.themes, 1))
    themes = [
        ThemeCount(theme=t, count=n)
        for t, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_THEMES]
    ]

    return Agenda(
        partnership_id=facts.partnership_id,
        partnership_name=facts.partnership_name,
        forum_id=facts.forum_id,
        forum_name=facts.forum_name,
        meeting_on=meeting_on,
        meeting_scheduled=meeting_on in facts.meetings,
        previous_meeting_on=previous,
        next_meeting_on=following,
        generated_at=generated_at,
        position=position,
        awaiting_decision=awaiting,
        awaiting_sign_off=sign_off,
        actions_overdue=overdue,
        actions_escalated=escalated,
        actions_at_risk=at_risk,
        awaiting_assurance=assurance,
        learning_to_disseminate=learning,
        learning_since=previous,
        deadlines_due=due,
        deadlines_breached=breached,
        deadlines_horizon=following,
        themes=themes,
        themes_since=since,
        findings_in_period=in_period,
        agency_names=dict(facts.agencies),
    )
