"""The safeguarding partners' yearly report, with the contents Working Together to Safeguard
Children 2023 asks for, built from the log as it stood at the end of the report's date.

Sections: what the partners did (reviews and audits) and how effective it was; the impact of
training; progress on the partnership's priorities (its learning themes), naming those with
little or no progress; what was done on the recommendations of local and national reviews;
how the voices of children and families were used. The last section prints the hash chain's
anchor: the scrutineer checks with `GET /v1/admin/verify?anchor=...` that the history the
figures come from is still the log's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from adapters.documents import Bullets, Cell, Document, Heading, Paragraph, Table
from adapters.store import EventStore
from domain.action import Action, ActionStatus
from domain.activity import Activity, FindingCategory
from domain.errors import InvalidInput, NotFound
from domain.framework import DEFAULT_SOURCES, SourceKind, Theme
from domain.partnership import Partnership
from domain.recommendation import Recommendation, RecommendationStatus
from services.application.products.common import long_date
from services.application.products.history import LogAsAt, log_as_at

REVIEWS = (SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def holds(self, d: date | None) -> bool:
        return d is not None and self.start <= d <= self.end


@dataclass(frozen=True)
class YearlyReport:
    partnership: Partnership
    period: Period
    report_on: date
    log: LogAsAt

    @property
    def activities(self) -> list[Activity]:
        return sorted(self.log.of(Activity), key=lambda a: (a.opened_on, a.title))

    @property
    def recommendations(self) -> list[Recommendation]:
        return sorted(self.log.of(Recommendation), key=lambda r: r.made_on)

    @property
    def actions(self) -> list[Action]:
        return sorted(self.log.of(Action), key=lambda a: a.due_on)


def yearly_report(store: EventStore, partnership_id: str, start: date, end: date, report_on: date) -> YearlyReport:
    if end < start:
        raise InvalidInput("invalid_period", "The period's end must not be before its start.", "to")
    if report_on < end:
        raise InvalidInput("invalid_period", "The report is dated on or after the end of its period.", "report_on")
    # The end of the report's day (the calendar's last day has no day after it).
    as_of = datetime.combine(report_on, time.max, UTC)
    log = log_as_at(store, partnership_id, as_of)
    partnerships = log.of(Partnership)
    if not partnerships:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} was registered by {report_on}.",
                       "partnership_id")
    return YearlyReport(partnerships[0], Period(start, end), report_on, log)


# --- the figures -------------------------------------------------------------------------


def _themes_of(r: Recommendation, activities: dict[Any, Activity]) -> set[Theme]:
    activity = activities.get(r.activity_id)
    if activity is None:
        return set()
    return {t for f in activity.findings.values() if f.finding_id in r.finding_ids for t in f.themes}


def _overdue(a: Action, on: date) -> bool:
    return a.status is ActionStatus.OPEN and a.due_on < on


def theme_progress(report: YearlyReport) -> list[tuple[Theme, int, int, int]]:
    """Per theme the partnership acted on: (theme, actions, completed or assured, overdue)."""
    activities = {a.id: a for a in report.activities}
    recommendations = {r.id: r for r in report.recommendations}
    counts: dict[Theme, list[int]] = {}
    for action in report.actions:
        recommendation = recommendations.get(action.recommendation_id)
        for theme in _themes_of(recommendation, activities) if recommendation else ():
            row = counts.setdefault(theme, [0, 0, 0])
            row[0] += 1
            row[1] += action.status is not ActionStatus.OPEN
            row[2] += _overdue(action, report.report_on)
    return sorted(((t, *c) for t, c in counts.items()), key=lambda r: (-r[1], r[0].value))  # type: ignore[misc]


def little_progress(rows: list[tuple[Theme, int, int, int]]) -> list[Theme]:
    """Priorities with little or no progress: no action done, or more overdue than done."""
    return [theme for theme, _, done, overdue in rows if done == 0 or overdue > done]


def _words(theme: Theme) -> str:
    return theme.value.replace("_", " ").capitalize()


def _s(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _were(n: int, one: str, many: str | None = None) -> str:
    return f"{_s(n, one, many)} {'was' if n == 1 else 'were'}"


# --- the document ------------------------------------------------------------------------


def yearly_report_document(report: YearlyReport) -> Document:
    p, period = report.partnership, report.period
    blocks: list[Any] = [Paragraph(
        f"The yearly report of the safeguarding partners of {p.name} for {long_date(period.start)} to "
        f"{long_date(period.end)}, as Working Together to Safeguard Children 2023 asks: what the partners did "
        "and how effective it was, the impact of training, progress on priorities, what was done on the "
        "recommendations of local and national reviews, and how the voices of children and families were used.",
        "lead",
    )]
    blocks += _what_we_did(report) + _training(report) + _priorities(report) + _recommendations(report)
    blocks += _voices(report) + _seal(report)
    return Document(
        title=f"{p.name}: yearly report {period.start.year}" + (
            f" to {period.end.year}" if period.end.year != period.start.year else ""),
        subtitle=f"Safeguarding partners' yearly report, {long_date(period.start)} to {long_date(period.end)}",
        blocks=tuple(blocks),
        marking=p.protective_marking,
        running_head=f"{p.name} · yearly report · {long_date(report.report_on)}",
        author=p.name,
        metadata={"anchor": report.log.anchor or "", "report_on": report.report_on.isoformat()},
    )


def _what_we_did(report: YearlyReport) -> list[Any]:
    period, activities = report.period, report.activities
    opened = [a for a in activities if period.holds(a.opened_on)]
    signed = [a for a in activities if period.holds(a.signed_off_on)]
    published = [a for a in activities if period.holds(a.published_on)]
    rows = []
    for kind in SourceKind:
        of_kind = [a for a in activities if a.kind is kind]
        counts = [sum(a.kind is kind for a in group) for group in (opened, signed, published)]
        still_open = sum(a.closed_on is None and a.signed_off_on is None for a in of_kind)
        if any(counts) or still_open:
            rows.append((DEFAULT_SOURCES[kind].title, *(str(n) for n in counts), str(still_open)))
    findings = [f for a in activities for f in a.current_findings if period.holds(f.recorded_on)]
    good = sum(f.category is FindingCategory.GOOD_PRACTICE for f in findings)
    acknowledged = [k for a in activities for k in a.acknowledgements.values() if period.holds(k.acknowledged_on)]
    methods = Counter(m.value.replace("_", " ") for k in acknowledged for m in k.cascaded_by)
    blocks: list[Any] = [
        Heading("1. What the safeguarding partners did"),
        Paragraph(
            f"In the year the partners opened {_s(len(opened), 'review or audit', 'reviews and audits')}, "
            f"signed off {len(signed)} and published {len(published)}. They recorded {_s(len(findings), 'finding')} "
            f"({good} of good practice, {len(findings) - good} of areas for improvement)."
        ),
    ]
    if rows:
        blocks.append(Table.of(("Kind of review or audit", "Opened", "Signed off", "Published", "Still open"),
                               rows, widths=(5, 1.4, 1.4, 1.4, 1.4)))
    reviews = [a for a in activities if a.kind in REVIEWS and (period.holds(a.opened_on) or a.closed_on is None)]
    if reviews:
        blocks.append(Heading("Rapid reviews and practice reviews", 2))
        blocks.append(Table.of(("Review", "Opened", "Where it stands"), [
            (a.title, long_date(a.opened_on), a.status.value.replace("_", " ")) for a in reviews
        ], widths=(5, 2, 2)))
    blocks.append(Heading("How effective it was", 2))
    actions = report.actions
    done = [a for a in actions if period.holds(a.completed_on)]
    assured = [a for a in actions if period.holds(a.assured_on)]
    blocks.append(Paragraph(
        f"{_were(len(done), 'action')} completed in the year and the impact of {len(assured)} was assured "
        "with evidence. "
        + (f"Agencies acknowledged learning {_s(len(acknowledged), 'time')}, cascading it by "
           + ", ".join(f"{m} ({n})" for m, n in methods.most_common()) + "."
           if acknowledged else "No agency acknowledged learning in the year.")
    ))
    return blocks


def _training(report: YearlyReport) -> list[Any]:
    evaluations = [a for a in report.activities if a.kind is SourceKind.TRAINING_IMPACT_EVALUATION
                   and (report.period.holds(a.opened_on) or report.period.holds(a.signed_off_on))]
    blocks: list[Any] = [Heading("2. The impact of training")]
    if not evaluations:
        return [*blocks, Paragraph("No evaluation of the impact of training was recorded in the year.")]
    for a in evaluations:
        blocks.append(Heading(a.title, 2))
        blocks.append(Bullets(tuple(f.summary for f in a.current_findings) or ("No findings recorded yet.",)))
    return blocks


def _priorities(report: YearlyReport) -> list[Any]:
    rows = theme_progress(report)
    blocks: list[Any] = [
        Heading("3. Progress on the partnership's priorities"),
        Paragraph("The partnership's priorities are the themes of its learning; progress is the actions agreed "
                  f"on each, as they stood on {long_date(report.report_on)}. A priority with no action completed, "
                  "or more overdue than completed, is named as making little or no progress."),
    ]
    if not rows:
        return [*blocks, Paragraph("No action had been agreed on any theme.")]
    lagging = set(little_progress(rows))
    blocks.append(Table.of(("Priority (theme)", "Actions", "Completed", "Overdue", "Progress"), [
        (_words(t), str(n), str(done), str(overdue),
         Cell("Little or no progress", "red") if t in lagging else Cell("Progressing", "green"))
        for t, n, done, overdue in rows
    ], widths=(4, 1.3, 1.5, 1.3, 2.6)))
    if lagging:
        blocks.append(Paragraph("Little or no progress on: " + ", ".join(_words(t) for t in sorted(lagging)) + "."))
    return blocks


def _recommendations(report: YearlyReport) -> list[Any]:
    period = report.period
    made = [r for r in report.recommendations if period.holds(r.made_on)]
    status = Counter(r.status for r in made)
    activities = {a.id: a for a in report.activities}
    local = [r for r in made if (a := activities.get(r.activity_id)) is not None and a.kind in REVIEWS]
    open_actions = [a for a in report.actions if a.status is ActionStatus.OPEN]
    overdue = [a for a in open_actions if _overdue(a, report.report_on)]
    panel = [a for a in report.activities if a.panel_view is not None and period.holds(a.panel_view.received_on)]
    sent = [a for a in report.activities if period.holds(a.final_report_sent_on)]
    return [
        Heading("4. Recommendations of local and national reviews"),
        Paragraph(
            f"{_were(len(made), 'recommendation')} made in the year ({len(local)} from local child safeguarding "
            f"reviews): {status[RecommendationStatus.ACCEPTED]} accepted, {status[RecommendationStatus.REJECTED]} "
            f"rejected and {status[RecommendationStatus.AWAITING_DECISION]} awaiting a decision. On "
            f"{long_date(report.report_on)}, {_were(len(open_actions), 'action')} open, {len(overdue)} of them "
            "overdue."
        ),
        Paragraph(
            f"The national Child Safeguarding Practice Review Panel gave its view on {_s(len(panel), 'rapid review')}"
            f", and {_were(len(sent), 'final report')} of practice reviews sent to it."
        ),
    ]


def _voices(report: YearlyReport) -> list[Any]:
    period = report.period
    relevant = [a for a in report.activities if period.holds(a.opened_on) or period.holds(a.reported_on)]
    heard = [a for a in relevant if a.child_voice]
    offered = [a for a in relevant if a.family_involvement is not None]
    accepted = sum(a.family_involvement is not None and a.family_involvement.response == "accepted" for a in offered)
    blocks: list[Any] = [
        Heading("5. The voices of children and families"),
        Paragraph(
            f"Of {_s(len(relevant), 'review and audit', 'reviews and audits')} in the year, "
            f"{len(heard)} recorded the child's voice and {len(offered)} offered the family a part "
            f"({accepted} accepted)."
        ),
    ]
    if heard:
        blocks.append(Bullets(tuple(f"{a.title}: {a.child_voice}" for a in heard)))
    return blocks


def _seal(report: YearlyReport) -> list[Any]:
    anchor = report.log.anchor or "none (nothing recorded)"
    return [
        Heading("About these figures"),
        Paragraph(
            f"Every figure comes from the partnership's event log as it stood at the end of "
            f"{long_date(report.report_on)}: {_s(report.log.position, 'event')} in the log, whose hash chain's "
            f"anchor there is {anchor}. The scrutineer checks that this history is unchanged with "
            "GET /v1/admin/verify?anchor=<the anchor>.",
            "note",
        ),
    ]
