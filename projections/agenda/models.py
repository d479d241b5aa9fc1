"""The agenda's pydantic models: the facts it is built from and the agenda itself.

`AgendaFacts` and its rows (`Routing`, `ActivityRow`, `FindingRow`, `RecommendationRow`,
`ActionRow`) are what `query.agenda_facts` reads from the view's tables; `Agenda` and
its items are what `builder.build_agenda` makes of them, and what the API, the
renderer and the read cache hand on. They are apart from the code that fills them so
that each side (the SQL, the pure builder, the renderer) depends on the shapes only.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.clocks import RapidReviewStart
from projections.acknowledgements import AcknowledgementItem, AcknowledgementStatus
from projections.clocks_view import ClockDates, DeadlineEntry

# --- facts: the rows the agenda is built from -----------------------------------


class Routing(BaseModel):
    model_config = ConfigDict(frozen=True)

    points_of_dissemination: tuple[str, ...]
    sign_off_forum: str | None


UNROUTED = Routing(points_of_dissemination=(), sign_off_forum=None)
"""A kind the partnership has not routed: disseminated to, and signed off by, no forum."""


class ActivityRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    activity_id: UUID
    kind: str
    title: str
    status: str
    reported_on: date | None = None
    report_summary: str | None = None
    signed_off_on: date | None = None
    signed_off_forum: str | None = None
    published_on: date | None = None
    publication_url: str | None = None
    clock: ClockDates


class FindingRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    finding_id: UUID
    activity_id: UUID
    category: str
    summary: str
    themes: tuple[str, ...]
    recorded_on: date


class RecommendationRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    recommendation_id: UUID
    activity_id: UUID
    text: str
    addressed_to: tuple[str, ...]
    finding_ids: tuple[UUID, ...]
    made_on: date
    status: str
    deferrals: int = 0
    last_deferred_on: date | None = None


class ActionRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    action_id: UUID
    activity_id: UUID
    recommendation_id: UUID
    owner_agency_id: str
    description: str
    due_on: date
    status: str
    on_track: bool = True
    last_progress_on: date | None = None
    last_progress_note: str | None = None
    completed_on: date | None = None


class EscalationRow(BaseModel):
    """An action the clock escalated to this forum (domain.time_events.ActionEscalated), still open and
    still due on the date it was escalated for."""

    model_config = ConfigDict(frozen=True)

    action_id: UUID
    activity_id: UUID
    activity_title: str
    owner_agency_id: str
    description: str
    due_on: date
    level: str
    """forum: the forum that owns it; executive: past the second threshold."""
    threshold_working_days: int
    escalated_on: date
    last_progress_on: date | None = None
    last_progress_note: str | None = None


class AgendaFacts(BaseModel):
    partnership_id: str
    partnership_name: str
    rapid_review_starts_from: RapidReviewStart = "awareness"
    forum_id: str
    forum_name: str
    meetings: tuple[date, ...] = ()
    routing: dict[str, Routing] = {}
    agencies: dict[str, str] = {}
    activities: list[ActivityRow] = []
    findings: list[FindingRow] = []
    recommendations: list[RecommendationRow] = []
    actions: list[ActionRow] = []
    acknowledgements: dict[UUID, AcknowledgementStatus] = {}
    """Expected and acknowledged agencies of each activity whose learning is ready."""
    escalations: list[EscalationRow] = []
    """Actions escalated to this forum that are still open and still overdue for the same due date."""

    def routing_for(self, kind: str) -> Routing:
        """The partnership's routing for the kind (its RoutingSet), or `UNROUTED`."""
        return self.routing.get(kind, UNROUTED)


# --- the agenda ----------------------------------------------------------------


class FindingItem(BaseModel):
    finding_id: UUID
    category: str
    summary: str
    themes: list[str]
    recorded_on: date


class RecommendationItem(BaseModel):
    recommendation_id: UUID
    activity_id: UUID
    activity_title: str
    source_kind: str
    text: str
    addressed_to: list[str]
    made_on: date
    deferred: bool
    deferrals: int
    last_deferred_on: date | None
    findings: list[FindingItem]


class SignOffItem(BaseModel):
    activity_id: UUID
    title: str
    source_kind: str
    reported_on: date | None
    report_summary: str | None
    findings: int
    kinds_of_learning: list[str] = []
    """What learning the activity's kind yields (the framework's table)."""
    key_stakeholders: list[str] = []
    """Who that learning is for (the framework's table)."""


class ActionItem(BaseModel):
    action_id: UUID
    activity_id: UUID
    activity_title: str
    description: str
    owner_agency_id: str
    owner: str
    due_on: date
    overdue: bool
    days_overdue: int
    at_risk: list[str]
    """Why it is at risk: "due_soon" and/or "off_track"; empty for overdue actions."""
    last_progress_on: date | None
    last_progress_note: str | None


class EscalatedActionItem(BaseModel):
    action_id: UUID
    activity_id: UUID
    activity_title: str
    description: str
    owner_agency_id: str
    owner: str
    due_on: date
    level: str
    """forum: escalated to the forum that owns the action; executive: past the partnership's second threshold."""
    threshold_working_days: int
    """The partnership's threshold of working days overdue that it passed."""
    escalated_on: date
    working_days_overdue: int
    """At the meeting date."""
    last_progress_on: date | None
    last_progress_note: str | None


class AssuranceItem(BaseModel):
    action_id: UUID
    activity_title: str
    description: str
    owner_agency_id: str
    owner: str
    due_on: date
    completed_on: date | None


class LearningItem(BaseModel):
    activity_id: UUID
    title: str
    source_kind: str
    status: str
    signed_off_on: date | None
    published_on: date | None
    publication_url: str | None
    findings: list[FindingItem]
    acknowledged_by: list[AcknowledgementItem] = []
    not_yet_acknowledged: list[str] = []
    """Expected agencies (involved, concerned by a finding, addressed by a recommendation) yet to acknowledge."""
    kinds_of_learning: list[str] = []
    """What learning the activity's kind yields (the framework's table)."""
    key_stakeholders: list[str] = []
    """Who that learning is for (the framework's table)."""


class ThemeCount(BaseModel):
    theme: str
    count: int


class Agenda(BaseModel):
    partnership_id: str
    partnership_name: str
    forum_id: str
    forum_name: str
    meeting_on: date
    meeting_scheduled: bool
    previous_meeting_on: date | None
    next_meeting_on: date | None
    generated_at: datetime
    position: int
    awaiting_decision: list[RecommendationItem]
    awaiting_sign_off: list[SignOffItem]
    actions_overdue: list[ActionItem]
    actions_escalated: list[EscalatedActionItem] = []
    """Overdue actions escalated to this forum by the partnership's thresholds (not repeated in `actions_overdue`)."""
    actions_at_risk: list[ActionItem]
    awaiting_assurance: list[AssuranceItem]
    learning_to_disseminate: list[LearningItem]
    learning_since: date | None
    deadlines_due: list[DeadlineEntry]
    deadlines_breached: list[DeadlineEntry]
    deadlines_horizon: date | None
    themes: list[ThemeCount]
    themes_since: date
    findings_in_period: int
    agency_names: dict[str, str] = {}
    """The partnership's agencies by id: what the agenda prints for an id it holds (acknowledgements)."""
