"""Findings counted by theme x source kind x quarter of the finding's recorded_on.

A finding with several themes counts once under each of them. Quarters are
calendar quarters ("2025-Q2" = April to June 2025).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel

from adapters.sql import Cursor, Dialect
from domain.activity import ActivityOpened, FindingRecorded
from domain.findings import FindingAmended, FindingWithdrawn
from domain.framework import Theme
from domain.partnership import PartnershipRegistered
from projections import codecs
from projections.codecs import ident
from projections.view import View, handles
from projections.writes import Writes

Trend = Literal["rising", "falling", "steady"]
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def quarter_of(d: date) -> str:
    return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"


def quarter_start(quarter: str) -> date:
    m = _QUARTER.match(quarter)
    if m is None:
        raise ValueError(f"{quarter!r} is not a quarter like 2025-Q2")
    return date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1)


def quarter_end(quarter: str) -> date:
    start = quarter_start(quarter)
    nxt = date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def previous_quarter(quarter: str) -> str:
    start = quarter_start(quarter)
    return quarter_of(date.fromordinal(start.toordinal() - 1))


def parse_bound(value: str, *, end: bool) -> date:
    """A date (YYYY-MM-DD) or a quarter (YYYY-Qn: its first day, or its last if `end`)."""
    if _QUARTER.match(value):
        return quarter_end(value) if end else quarter_start(value)
    if not _DATE.fullmatch(value):
        # date.fromisoformat also reads 20271029 and 2027-W43-5.
        raise ValueError(f"{value!r} is not YYYY-MM-DD")
    return date.fromisoformat(value)


class ThemeCell(BaseModel):
    theme: str
    source_kind: str
    quarter: str
    count: int


class ThemeTrend(BaseModel):
    theme: str
    latest_quarter: str
    latest: int
    previous_quarter: str
    previous: int
    trend: Trend


def label(latest: int, previous: int) -> Trend:
    if latest > previous:
        return "rising"
    if latest < previous:
        return "falling"
    return "steady"


def trends(counts: dict[tuple[str, str], int], themes: list[str], today: date) -> list[ThemeTrend]:
    """Per theme, the latest full quarter before `today` against the one before it.

    `counts` maps (theme, quarter) to a count. Rising themes come first, then by
    latest count, so the list reads as "what is growing" at a glance.
    """
    latest_q = previous_quarter(quarter_of(today))
    previous_q = previous_quarter(latest_q)
    rows = []
    for theme in themes:
        latest = counts.get((theme, latest_q), 0)
        previous = counts.get((theme, previous_q), 0)
        rows.append(
            ThemeTrend(
                theme=theme, latest_quarter=latest_q, latest=latest,
                previous_quarter=previous_q, previous=previous, trend=label(latest, previous),
            )
        )
    order = {"rising": 0, "falling": 1, "steady": 2}
    return sorted(rows, key=lambda t: (order[t.trend], -t.latest, t.theme))


class ThemesView(View):
    name = "themes"
    tables = ("themes_partnerships", "themes_activities", "themes_findings")

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS themes_partnerships (partnership_id TEXT PRIMARY KEY)"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS themes_activities ("
            " activity_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, kind TEXT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS themes_findings ("
            " finding_id TEXT NOT NULL, theme TEXT NOT NULL, partnership_id TEXT NOT NULL,"
            " activity_id TEXT NOT NULL, source_kind TEXT NOT NULL, recorded_on TEXT NOT NULL,"
            " quarter TEXT NOT NULL, PRIMARY KEY (finding_id, theme))"
        )
        cur.execute(
            "CREATE INDEX IF NOT EXISTS themes_findings_by_partnership"
            " ON themes_findings (partnership_id, recorded_on)"
        )
        cur.execute(
            "CREATE INDEX IF NOT EXISTS themes_findings_by_quarter"
            " ON themes_findings (partnership_id, quarter, theme)"
        )

    @handles(PartnershipRegistered)
    def _registered(self, w: Writes, event: PartnershipRegistered, position: int) -> None:
        w.write(
            "themes_partnerships", event.partnership_id,
            "INSERT INTO themes_partnerships (partnership_id) VALUES (?)"
            " ON CONFLICT (partnership_id) DO NOTHING",
            (event.partnership_id,),
        )

    @handles(ActivityOpened)
    def _opened(self, w: Writes, event: ActivityOpened, position: int) -> None:
        w.write(
            "themes_activities", event.originator_id,
            "INSERT INTO themes_activities (activity_id, partnership_id, kind) VALUES (?, ?, ?)"
            " ON CONFLICT (activity_id) DO NOTHING",
            (ident(event.originator_id), event.partnership_id, event.kind.value),
        )
        # Opened once: the row holds this kind (a finding later in the batch reads it from memory).
        w.know("themes_activities", event.originator_id, "kind", (event.kind.value,))

    @handles(FindingRecorded)
    def _finding(self, w: Writes, event: FindingRecorded, position: int) -> None:
        self._count(w, event, event.themes, event.recorded_on)

    @handles(FindingAmended)
    def _finding_amended(self, w: Writes, event: FindingAmended, position: int) -> None:
        # Counted once, under its current themes, in the quarter it was first recorded.
        finding_id = ident(event.finding_id)
        row = w.one(
            "themes_findings", event.finding_id,
            "SELECT recorded_on FROM themes_findings WHERE finding_id = ?", (finding_id,),
        )
        w.write("themes_findings", event.finding_id, "DELETE FROM themes_findings WHERE finding_id = ?", (finding_id,))
        recorded_on = codecs.read_day(row[0]) if row is not None else None
        if recorded_on is not None:
            self._count(w, event, event.themes, recorded_on)

    @handles(FindingWithdrawn)
    def _finding_withdrawn(self, w: Writes, event: FindingWithdrawn, position: int) -> None:
        # Withdrawn: on record, but no longer part of the partnership's themes.
        w.write(
            "themes_findings", event.finding_id,
            "DELETE FROM themes_findings WHERE finding_id = ?", (ident(event.finding_id),),
        )

    @staticmethod
    def _count(
        w: Writes, event: FindingRecorded | FindingAmended, themes: tuple[Theme, ...], recorded_on: date
    ) -> None:
        row = w.one(
            "themes_activities", event.originator_id,
            "SELECT kind FROM themes_activities WHERE activity_id = ?", (ident(event.originator_id),), "kind",
        )
        kind = row[0] if row else "unknown"
        finding_id, day = ident(event.finding_id), codecs.day(recorded_on)
        w.write(
            "themes_findings", event.finding_id,
            "INSERT INTO themes_findings (finding_id, theme, partnership_id, activity_id,"
            " source_kind, recorded_on, quarter) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (finding_id, theme) DO NOTHING",
            *(
                (finding_id, theme.value, event.partnership_id, ident(event.originator_id), kind, day,
                 quarter_of(recorded_on))
                for theme in dict.fromkeys(themes)
            ),
        )

    # --- queries -------------------------------------------------------------

    def exists(self, cur: Cursor, partnership_id: str) -> bool:
        cur.execute(
            "SELECT 1 FROM themes_partnerships WHERE partnership_id = ?", (partnership_id,)
        )
        return cur.fetchone() is not None

    def cells(
        self, cur: Cursor, partnership_id: str, start: date | None, end: date | None
    ) -> list[ThemeCell]:
        sql = (
            "SELECT theme, source_kind, quarter, COUNT(*) FROM themes_findings"
            " WHERE partnership_id = ?"
        )
        params: list[str] = [partnership_id]
        if start is not None:
            sql += " AND recorded_on >= ?"
            params.append(start.isoformat())
        if end is not None:
            sql += " AND recorded_on <= ?"
            params.append(end.isoformat())
        sql += " GROUP BY theme, source_kind, quarter ORDER BY quarter, theme, source_kind"
        cur.execute(sql, params)
        return [
            ThemeCell(theme=t, source_kind=k, quarter=q, count=int(n))
            for t, k, q, n in cur.fetchall()
        ]

    def trends(self, cur: Cursor, partnership_id: str, today: date) -> list[ThemeTrend]:
        latest_q = previous_quarter(quarter_of(today))
        cur.execute(
            "SELECT theme, quarter, COUNT(*) FROM themes_findings"
            " WHERE partnership_id = ? AND quarter IN (?, ?) GROUP BY theme, quarter",
            (partnership_id, latest_q, previous_quarter(latest_q)),
        )
        counts = {(t, q): int(n) for t, q, n in cur.fetchall()}
        # Every theme the partnership has ever recorded, so a theme that fell to
        # zero still shows as falling rather than vanishing.
        cur.execute(
            "SELECT DISTINCT theme FROM themes_findings WHERE partnership_id = ? ORDER BY theme",
            (partnership_id,),
        )
        themes = [row[0] for row in cur.fetchall()]
        return trends(counts, themes, today)
