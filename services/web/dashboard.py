"""The business unit's dashboard: the partnership at a glance, read from the views.

Actions by RAG rating and by agency (tracker), the overdue ones, statutory deadlines breached
or due within ten working days (clocks), activities by status (clocks) and themes by quarter
(themes): each figure as the views hold it on one snapshot, with a link to where it can be
followed. The links are the API's routes until the pages for them exist (`Links`): activities
have theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from adapters.store import EventStore
from domain.activity_state import ActivityStatus
from domain.partnership import Partnership, partnership_uuid
from projections.clocks_view import ClocksView, DeadlineEntry, deadline_entries
from projections.projector import Projector
from projections.snapshot import snapshot, view_position
from projections.themes import ThemesView, previous_quarter, quarter_of, quarter_start
from projections.tracker import RAGS, TrackerFilters, query_tracker, rag_counts

DEADLINE_WINDOW = 10
"""Working days ahead that a statutory deadline counts as due soon."""
QUARTERS = 8
"""Quarters of themes shown: two years, the current one last."""
OVERDUE_SHOWN = 20

RAG_LABELS = {
    "red": "Red: overdue",
    "amber": "Amber: due within 14 days or off track",
    "green": "Green: on track",
    "completed": "Completed, awaiting assurance",
    "blue": "Blue: impact assured",
}
RAG_ORDER: tuple[str, ...] = ("red", "amber", "green", "completed", "blue")
assert set(RAG_ORDER) == set(RAGS)
STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in ActivityStatus)


def words(value: str) -> str:
    """`section_11_audit` → `Section 11 audit`."""
    return value.replace("_", " ").capitalize()


class Links:
    """Where each figure can be followed: the business unit's pages (a person has no bearer token
    for the API's routes)."""

    def __init__(self, partnership_id: str) -> None:
        self.partnership_id = partnership_id

    def tracker(self, **filters: str) -> str:
        return "/tracker" + (f"?{urlencode(filters)}" if filters else "")  # services/web/lists_pages.py

    def action(self, action_id: str) -> str:
        return f"/tracker/{action_id}"  # services/web/bizunit_actions.py

    def activity(self, activity_id: str) -> str:
        return f"/activities/{activity_id}"  # the business unit's page (services/web/bizunit_activities.py)

    def activities(self, status: str) -> str:
        return f"/activities?{urlencode({'status': status})}"

    def deadlines(self, status: str | None = None) -> str:
        return "#deadline-list"  # each deadline is listed beneath its chart, linked to its activity

    def themes(self, quarter: str | None = None) -> str:
        return ""  # no page lists findings by theme and quarter: the figure is shown without a link


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int
    href: str


@dataclass(frozen=True)
class AgencyRow:
    agency_id: str
    name: str
    by_rag: tuple[Figure, ...]
    total: Figure


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    label: str
    by_quarter: tuple[Figure, ...]
    total: int


@dataclass(frozen=True)
class Dashboard:
    partnership_id: str
    partnership_name: str
    today: date
    position: int
    head: int
    rag: tuple[Figure, ...]
    agencies: tuple[AgencyRow, ...]
    overdue: tuple[dict[str, Any], ...]
    overdue_count: int
    deadlines: tuple[DeadlineEntry, ...]
    deadline_summary: tuple[Figure, ...]
    activities: tuple[Figure, ...]
    quarters: tuple[str, ...]
    themes: tuple[ThemeRow, ...]
    findings_by_quarter: tuple[Figure, ...]

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


def read_dashboard(store: EventStore, projector: Projector, partnership_id: str, today: date) -> Dashboard | None:
    """The partnership's dashboard on `today`, or None if no such partnership is registered."""
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        return None
    assert isinstance(partnership, Partnership)
    links = Links(partnership_id)
    clocks, themes_view = ClocksView(), ThemesView()
    quarters = _quarters(today)
    head = projector.head()
    with snapshot(projector.db) as cur:
        position = min(view_position(cur, name) for name in ("tracker", clocks.name, themes_view.name))
        counts = rag_counts(cur, partnership_id, today)
        overdue = query_tracker(cur, partnership_id, TrackerFilters(rag="red"), today)
        starts_from = clocks.rapid_review_starts_from(cur, partnership_id) or partnership.rapid_review_starts_from
        clock_rows = clocks.activities(cur, partnership_id)
        statuses = clocks.status_counts(cur, partnership_id)
        cells = themes_view.cells(cur, partnership_id, quarter_start(quarters[0]), None)
    deadlines = [
        d for d in deadline_entries(clock_rows, starts_from, today, frozenset({"open", "breached"}))
        if d.status == "breached" or _within(d.working_days_remaining, DEADLINE_WINDOW)
    ]
    overdue.sort(key=lambda row: (-row["days_overdue"], row["due_on"], row["action_id"]))
    names = {agency_id: agency.name for agency_id, agency in partnership.agencies.items()}
    return Dashboard(
        partnership_id=partnership_id,
        partnership_name=partnership.name,
        today=today,
        position=position,
        head=head,
        rag=tuple(
            Figure(rag, RAG_LABELS[rag], sum(n for (_, r), n in counts.items() if r == rag), links.tracker(rag=rag))
            for rag in RAG_ORDER
        ),
        agencies=_agencies(counts, names, links),
        overdue=tuple(overdue[:OVERDUE_SHOWN]),
        overdue_count=len(overdue),
        deadlines=tuple(deadlines),
        deadline_summary=_deadline_summary(deadlines, links),
        activities=tuple(
            Figure(status, words(status), statuses.get(status, 0), links.activities(status))
            for status in (*STATUS_ORDER, *sorted(set(statuses) - set(STATUS_ORDER)))
        ),
        quarters=quarters,
        themes=_themes(cells, quarters, links),
        findings_by_quarter=tuple(
            Figure(q, q, _findings_in(cells, q), links.themes(q)) for q in quarters
        ),
    )


def _within(working_days: int | None, window: int) -> bool:
    return working_days is not None and working_days <= window


def _quarters(today: date) -> tuple[str, ...]:
    quarters = [quarter_of(today)]
    while len(quarters) < QUARTERS:
        quarters.append(previous_quarter(quarters[-1]))
    return tuple(reversed(quarters))


def _agencies(counts: dict[tuple[str, str], int], names: dict[str, str], links: Links) -> tuple[AgencyRow, ...]:
    rows = []
    for agency_id in sorted({agency for agency, _ in counts}, key=lambda a: (names.get(a) or a).lower()):
        by_rag = tuple(
            Figure(rag, RAG_LABELS[rag], counts.get((agency_id, rag), 0), links.tracker(agency=agency_id, rag=rag))
            for rag in RAG_ORDER
        )
        total = Figure("total", "All", sum(f.count for f in by_rag), links.tracker(agency=agency_id))
        rows.append(AgencyRow(agency_id, names.get(agency_id, agency_id), by_rag, total))
    return tuple(rows)


def _deadline_summary(deadlines: list[DeadlineEntry], links: Links) -> tuple[Figure, ...]:
    breached = sum(1 for d in deadlines if d.status == "breached")
    soon = [d.working_days_remaining for d in deadlines if d.status == "open"]
    return (
        Figure("breached", "Breached, not yet met", breached, links.deadlines("breached")),
        Figure("due-5", "Due within 5 working days", sum(1 for n in soon if n is not None and n <= 5),
               links.deadlines("open")),
        Figure("due-10", f"Due in 6 to {DEADLINE_WINDOW} working days",
               sum(1 for n in soon if n is not None and 5 < n <= DEADLINE_WINDOW), links.deadlines("open")),
    )


def _findings_in(cells: list[Any], quarter: str) -> int:
    return sum(c.count for c in cells if c.quarter == quarter)


def _themes(cells: list[Any], quarters: tuple[str, ...], links: Links) -> tuple[ThemeRow, ...]:
    counts: dict[str, dict[str, int]] = {}
    for cell in cells:
        by_quarter = counts.setdefault(cell.theme, {})
        by_quarter[cell.quarter] = by_quarter.get(cell.quarter, 0) + cell.count
    rows = [
        ThemeRow(
            theme=theme,
            label=words(theme),
            by_quarter=tuple(Figure(q, q, by_quarter.get(q, 0), links.themes(q)) for q in quarters),
            total=sum(by_quarter.get(q, 0) for q in quarters),
        )
        for theme, by_quarter in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.total, r.theme)))
