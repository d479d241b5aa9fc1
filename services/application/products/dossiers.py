"""Thematic dossiers: for themes and a period, every finding across all sources with its
activity, the recommendations it led to and where their actions stand.

The framework's "thematic presentation (combining the learning from several different
reviews)". Read from the views (which activities have findings on the themes; the
recommendations made; the tracker's actions with their RAG) and from each activity itself
(its findings' text and dates). The RAG ratings are the tracker's, on `today`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from adapters.documents import Cell, Document, Heading, Paragraph, Table
from adapters.documents.model import Rag
from adapters.sql import Cursor
from adapters.store import EventStore
from domain.activity import Activity
from domain.framework import DEFAULT_SOURCES, Theme
from domain.marking import DEFAULT_MARKING, ProtectiveMarking
from domain.partnership import Partnership
from domain.recommendation import Recommendation
from projections.tracker import TrackerFilters, query_tracker
from projections.views.product_queries import activities_with_themes, recommendations_of
from services.application.products.common import agency_name, long_date


class DossierAction(BaseModel):
    action_id: UUID
    description: str
    owner: str = Field(description="The owner agency's name.")
    due_on: date
    status: str
    rag: str = Field(description="red, amber, green, blue (assured) or completed, on the dossier's date.")
    days_overdue: int


class DossierRecommendation(BaseModel):
    recommendation_id: UUID
    text: str
    status: str
    addressed_to: list[str] = Field(description="Agencies' names.")
    actions: list[DossierAction]


class DossierFinding(BaseModel):
    finding_id: UUID
    summary: str
    category: str
    themes: list[Theme]
    recorded_on: date
    activity_id: UUID
    activity_title: str
    source: str = Field(description="The kind of source, by its title in the framework.")
    activity_status: str
    recommendations: list[DossierRecommendation]


class Dossier(BaseModel):
    """Every current finding on the themes recorded in the period, by activity, newest activity first."""

    partnership: str
    marking: ProtectiveMarking = Field(
        default=DEFAULT_MARKING, description="The protective marking the partnership prints on its documents."
    )
    themes: list[Theme]
    from_: date | None = Field(alias="from", description="The first day of findings counted; null: from the start.")
    to: date | None = Field(description="The last day counted; null: to the end.")
    today: date = Field(description="The day the actions' RAG ratings are for.")
    activities: int
    sources: int
    findings: list[DossierFinding]

    model_config = {"populate_by_name": True}


def build_dossier(
    cur: Cursor, store: EventStore, p: Partnership, themes: list[Theme], start: date | None, end: date | None,
    today: date,
) -> Dossier:
    wanted = set(themes)
    actions_by_recommendation: dict[str, list[dict[str, Any]]] = {}
    for row in query_tracker(cur, p.partnership_id, TrackerFilters(), today):
        actions_by_recommendation.setdefault(row["recommendation_id"], []).append(row)
    findings: list[DossierFinding] = []
    for activity_id in activities_with_themes(cur, p.partnership_id, (t.value for t in themes)):
        activity = store.load(UUID(activity_id), Activity)
        if activity is None or activity.partnership_id != p.partnership_id:
            continue
        chosen = [
            f for f in activity.current_findings
            if wanted & set(f.themes) and (start is None or f.recorded_on >= start)
            and (end is None or f.recorded_on <= end)
        ]
        if not chosen:
            continue
        recommendations = _recommendations(cur, store, p, activity_id, actions_by_recommendation)
        for f in sorted(chosen, key=lambda f: f.recorded_on):
            findings.append(DossierFinding(
                finding_id=f.finding_id, summary=f.summary, category=f.category.value, themes=list(f.themes),
                recorded_on=f.recorded_on, activity_id=activity.id, activity_title=activity.title,
                source=DEFAULT_SOURCES[activity.kind].title, activity_status=activity.status.value,
                recommendations=[r for r, finding_ids in recommendations if f.finding_id in finding_ids],
            ))
    findings.sort(key=lambda f: (f.source, f.activity_title, f.recorded_on))
    return Dossier(
        partnership=p.name, marking=p.protective_marking, themes=themes, from_=start, to=end, today=today,
        activities=len({f.activity_id for f in findings}), sources=len({f.source for f in findings}),
        findings=findings,
    )


def _recommendations(
    cur: Cursor, store: EventStore, p: Partnership, activity_id: str,
    actions: dict[str, list[dict[str, Any]]],
) -> list[tuple[DossierRecommendation, tuple[UUID, ...]]]:
    made = []
    for row in recommendations_of(cur, p.partnership_id, activity_id):
        # The findings a recommendation is drawn from are the aggregate's own, not the list's.
        recommendation = store.load(UUID(row["recommendation_id"]), Recommendation)
        if recommendation is None:
            continue
        made.append((DossierRecommendation(
            recommendation_id=recommendation.id, text=row["text"], status=row["status"],
            addressed_to=[agency_name(p, a) for a in row["addressed_to"]],
            actions=[DossierAction(
                action_id=a["action_id"], description=a["description"], owner=agency_name(p, a["owner_agency_id"]),
                due_on=a["due_on"], status=a["status"], rag=a["rag"], days_overdue=a["days_overdue"],
            ) for a in actions.get(row["recommendation_id"], [])],
        ), recommendation.finding_ids))
    return made


# --- as a document -----------------------------------------------------------------------

_RAG_CELL: dict[str, Rag] = {"red": "red", "amber": "amber", "green": "green", "blue": "blue", "completed": "grey"}
_STATUS = {"awaiting_decision": "Awaiting decision", "accepted": "Accepted", "rejected": "Rejected"}


def rag_words(a: DossierAction) -> str:
    """The rating in words, never in colour alone."""
    if a.rag == "red":
        return f"Red: {a.days_overdue} day{'s' if a.days_overdue != 1 else ''} overdue"
    return {"amber": "Amber: due soon or off track", "green": "Green: on track",
            "blue": "Blue: completed, impact assured", "completed": "Completed: awaiting assurance"}.get(a.rag, a.rag)


def theme_words(themes: list[Theme]) -> str:
    return ", ".join(t.value.replace("_", " ").capitalize() for t in themes)


def _period(d: Dossier) -> str:
    if d.from_ and d.to:
        return f"findings recorded from {long_date(d.from_)} to {long_date(d.to)}"
    if d.from_:
        return f"findings recorded from {long_date(d.from_)}"
    if d.to:
        return f"findings recorded up to {long_date(d.to)}"
    return "every finding recorded"


def dossier_document(d: Dossier) -> Document:
    recommendations = {r.recommendation_id: r for f in d.findings for r in f.recommendations}
    actions = [a for r in recommendations.values() for a in r.actions]
    reds = sum(a.rag == "red" for a in actions)
    blocks: list[Any] = [
        Paragraph(
            f"{len(d.findings)} finding{'s' if len(d.findings) != 1 else ''} from {d.activities} "
            f"activit{'ies' if d.activities != 1 else 'y'} of {d.sources} kind{'s' if d.sources != 1 else ''} of "
            f"source; {len(recommendations)} recommendation{'s' if len(recommendations) != 1 else ''} made from "
            f"them; {len(actions)} action{'s' if len(actions) != 1 else ''}, {reds} overdue on {long_date(d.today)}.",
            "lead",
        ),
    ]
    if not d.findings:
        blocks.append(Paragraph("No finding on these themes was recorded in the period."))
    current: tuple[str, str] | None = None
    for f in d.findings:
        if (f.source, f.activity_title) != current:
            current = (f.source, f.activity_title)
            blocks += [Heading(f.activity_title, 2), Paragraph(f"{f.source} · {f.activity_status.replace('_', ' ')}",
                                                               "note")]
        kind = "Good practice" if f.category == "good_practice" else "Area for improvement"
        blocks.append(Paragraph(f"{kind} ({long_date(f.recorded_on)}; {theme_words(f.themes)}): {f.summary}"))
        rows: list[tuple[str | Cell, ...]] = []
        for r in f.recommendations:
            recommendation = f"{r.text} (to {', '.join(r.addressed_to)}; {_STATUS.get(r.status, r.status)})"
            if not r.actions:
                rows.append((recommendation, "No action agreed yet", "", "", ""))
            for n, a in enumerate(r.actions):
                # The recommendation once, beside its first action: the rows below are its too.
                rows.append((recommendation if n == 0 else "", a.description, a.owner, long_date(a.due_on),
                             Cell(rag_words(a), _RAG_CELL.get(a.rag))))
        if rows:
            blocks.append(Table.of(("Recommendation", "Action", "Owner", "Due", "Where it stands"), rows,
                                   widths=(4, 4, 2.2, 1.8, 2.4)))
        else:
            blocks.append(Paragraph("No recommendation was made from this finding.", "note"))
    return Document(
        title=f"Thematic dossier: {theme_words(d.themes)}",
        subtitle=f"{d.partnership}: {_period(d)}",
        blocks=tuple(blocks),
        marking=d.marking,
        running_head=f"{d.partnership} · thematic dossier · {long_date(d.today)}",
        author=d.partnership,
    )
