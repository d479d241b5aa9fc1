"""What the forum secretary's pages read: the forum and its meetings, a meeting's agenda, the
decisions recorded for it, and the item a decision is about.

The agenda is the API's (services/api/routers/agendas.py `agenda_for`: the agenda view, the
same builder and read cache); decisions are the lists' (services/application/lists.py), held
to the secretary's forum there; the forum, its meetings and the agencies' names are the
partnership's own record. Nothing here decides anything: it reads and arranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request

from adapters.store import EventStore
from domain.activity import Activity
from domain.decision import DecisionSubject
from domain.partnership import Forum, Partnership, partnership_uuid
from domain.recommendation import Recommendation
from projections.agenda.models import Agenda
from projections.views import list_queries as lq
from services.api.projection_reads import projection_read
from services.api.routers.agendas import agenda_for
from services.application import lists
from services.application.auth.policy import Request as ScopeRequest
from services.application.auth.policy import routed_activity, routed_recommendation
from services.application.auth.principals import Principal

DECIDABLE = (DecisionSubject.RECOMMENDATION, DecisionSubject.ACTIVITY_SIGN_OFF)
"""What the agenda puts before a forum for a decision: its recommendations and its sign-offs."""
OUTCOME_WORDS = {"accept": "Accepted", "reject": "Rejected", "defer": "Deferred"}
SIGN_OFF_WORDS = {"accept": "Signed off", "reject": "Not signed off", "defer": "Sign-off deferred"}


@dataclass(frozen=True)
class ForumHome:
    partnership_name: str
    forum: Forum
    today: date
    upcoming: tuple[date, ...]
    past: tuple[date, ...]

    @property
    def next_meeting(self) -> date | None:
        return self.upcoming[0] if self.upcoming else None


def partnership_of(store: EventStore, principal: Principal) -> Partnership | None:
    return store.load(partnership_uuid(principal.partnership_id), Partnership)


def forum_home(store: EventStore, principal: Principal, today: date) -> ForumHome | None:
    """The secretary's forum with its meetings from today on (soonest first) and before (latest
    first); None when the partnership or the forum is not (or no longer) on record."""
    p = partnership_of(store, principal)
    forum = p.forums.get(principal.forum_id or "") if p else None
    if p is None or forum is None:
        return None
    return ForumHome(
        partnership_name=p.name, forum=forum, today=today,
        upcoming=tuple(m for m in forum.meetings if m >= today),
        past=tuple(sorted((m for m in forum.meetings if m < today), reverse=True)),
    )


def meeting_agenda(request: Request, principal: Principal, meeting_on: date, min_position: int | None) -> Agenda:
    """The agenda as the API's agenda route answers it for this forum and meeting."""
    assert principal.forum_id is not None
    agenda, _ = agenda_for(request, principal.partnership_id, principal.forum_id, meeting_on, min_position)
    return agenda


def decisions_at(
    request: Request, principal: Principal, meeting_on: date, min_position: int | None
) -> list[dict[str, Any]]:
    """The forum's decisions dated on the meeting's day, in the order they were recorded."""
    day = timedelta(days=1)
    filters = lq.DecisionFilters(met_after=meeting_on - day, met_before=meeting_on + day)
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    with projection_read(request, "lists", min_position) as (cur, _):
        while True:
            page = lists.decisions(cur, principal, lists.ListQuery(filters, "recorded_at", cursor, lists.MAX_LIMIT))
            found.extend(page.items)
            if page.next is None:
                return found
            cursor = page.next


@dataclass(frozen=True)
class Subject:
    """What a decision is about, as the form shows it."""

    kind: DecisionSubject
    subject_id: UUID
    title: str
    detail: str


def subject_in_scope(
    store: EventStore, principal: Principal, kind: DecisionSubject, subject_id: UUID
) -> Subject | None:
    """The recommendation or activity, when the secretary's forum may see it (the API's own scope
    checks for reading it: learning routed to, or signed off by, the forum); None otherwise."""
    if kind is DecisionSubject.RECOMMENDATION:
        scope = ScopeRequest(principal, {"recommendation_id": str(subject_id)}, {}, None, store)
        r = store.load(subject_id, Recommendation) if routed_recommendation(scope) else None
        a = store.load(r.activity_id, Activity) if r else None
        if r is None or a is None:
            return None
        return Subject(kind, subject_id, r.text, f"From “{a.title}”, made {r.made_on:%-d %B %Y}")
    if kind is DecisionSubject.ACTIVITY_SIGN_OFF:
        scope = ScopeRequest(principal, {"activity_id": str(subject_id)}, {}, None, store)
        a = store.load(subject_id, Activity) if routed_activity(scope) else None
        if a is None:
            return None
        return Subject(kind, subject_id, a.title, f"Status: {a.status.value.replace('_', ' ')}")
    return None


def subject_titles(store: EventStore, decisions: list[dict[str, Any]]) -> dict[str, str]:
    """Each decided subject's words (the recommendation's text, the activity's title), by id."""
    titles: dict[str, str] = {}
    for d in decisions:
        subject_id = UUID(str(d["subject_id"]))
        if d["subject"] == DecisionSubject.RECOMMENDATION.value:
            r = store.load(subject_id, Recommendation)
            titles[str(subject_id)] = r.text if r else str(subject_id)
        else:
            a = store.load(subject_id, Activity)
            titles[str(subject_id)] = a.title if a else str(subject_id)
    return titles


def outcome_words(subject: str, outcome: str) -> str:
    words = SIGN_OFF_WORDS if subject == DecisionSubject.ACTIVITY_SIGN_OFF.value else OUTCOME_WORDS
    return words.get(outcome, outcome)
