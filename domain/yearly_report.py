"""The safeguarding partners' yearly report: its publication and its sending to the national Panel.

Working Together to Safeguard Children 2023 asks the partners to publish a report each year
and send it to the Child Safeguarding Practice Review Panel (and the What Works centre) within
seven days of publication. The report is built from the log as it stood on its date
(services/application/products/yearly.py) and prints the hash chain's anchor there; the event
keeps the anchor, so the scrutineer can check the figures against that history.
"""

from __future__ import annotations

import re
from datetime import date

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.dates import not_before
from domain.errors import DomainError, InvalidInput, NotFound
from domain.partnership import Partnership
from domain.reports import YearlyReportRecord

ANCHOR = re.compile(r"^[1-9][0-9]*:[0-9a-f]{64}$")
"""`POSITION:HASH`, as `GET /v1/admin/verify` reports a head."""
PANEL_DAYS = 7


class YearlyReportPublished(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.yearly_report_published"
    SUMMARY = "Yearly report for {period_from} to {period_to} published on {published_on} (log anchor {anchor})"
    period_from: date
    period_to: date
    anchor: str
    published_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        record = YearlyReportRecord(
            period_from=self.period_from, period_to=self.period_to, anchor=self.anchor,
            published_on=self.published_on,
        )
        return state.model_copy(update={"yearly_reports": (*state.yearly_reports, record)})


class YearlyReportSentToPanel(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.yearly_report_sent_to_panel"
    SUMMARY = "Yearly report to {period_to} sent to the national Panel on {sent_on}"
    period_to: date
    sent_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        reports = tuple(
            r.model_copy(update={"sent_to_panel_on": self.sent_on}) if r.period_to == self.period_to else r
            for r in state.yearly_reports
        )
        return state.model_copy(update={"yearly_reports": reports})


def _report(p: Partnership, period_to: date) -> YearlyReportRecord | None:
    return next((r for r in p.yearly_reports if r.period_to == period_to), None)


def publish_yearly_report(
    p: Partnership, ctx: Context, *, period_from: date, period_to: date, anchor: str, published_on: date,
) -> Change[Partnership]:
    if period_to <= period_from:
        raise InvalidInput("invalid_period", "period_to must be after period_from.", "period_to")
    if (period_to - period_from).days > 366:
        raise InvalidInput("invalid_period", "A yearly report covers at most a year.", "period_from")
    if not ANCHOR.match(anchor):
        raise InvalidInput(
            "invalid_anchor", "The anchor is POSITION:HASH as printed in the report (64 lower-case hex digits).",
            "anchor",
        )
    not_before("published_on", published_on, period_to, "the end of the period")
    earlier = _report(p, period_to)
    if earlier is not None:
        raise DomainError(
            "yearly_report_published",
            f"The report for the year to {period_to.isoformat()} was published on {earlier.published_on}.",
            "period_to",
        )
    return change(p).trigger(
        YearlyReportPublished, ctx, period_from=period_from, period_to=period_to, anchor=anchor,
        published_on=published_on,
    )


def send_yearly_report_to_panel(p: Partnership, ctx: Context, *, period_to: date, sent_on: date) -> Change[Partnership]:
    report = _report(p, period_to)
    if report is None:
        raise NotFound("unknown_yearly_report", f"No yearly report to {period_to.isoformat()} is published.",
                       "period_to")
    if report.sent_to_panel_on is not None:
        raise DomainError(
            "yearly_report_sent", f"It was sent to the Panel on {report.sent_to_panel_on.isoformat()}.", "period_to"
        )
    not_before("sent_on", sent_on, report.published_on, "the report's published_on")
    return change(p).trigger(YearlyReportSentToPanel, ctx, period_to=period_to, sent_on=sent_on)
