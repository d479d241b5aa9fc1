"""Commands on the partnership's yearly report (domain/yearly_report.py)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from domain import yearly_report
from domain.commands.base import CONFIGURE, Command, declare
from domain.values import IsoDate
from domain.yearly_report import ANCHOR


@declare(yearly_report.publish_yearly_report, "yearly-reports", CONFIGURE)
class PublishYearlyReport(Command):
    """Record the yearly report's publication, with the log anchor printed in it."""

    name: ClassVar[str] = "publish_yearly_report"
    period_from: IsoDate
    period_to: IsoDate
    anchor: Annotated[str, StringConstraints(pattern=ANCHOR.pattern, max_length=90)] = Field(
        description="POSITION:HASH as printed in the report (GET .../yearly-report gives it)."
    )
    published_on: IsoDate


@declare(yearly_report.send_yearly_report_to_panel, "yearly-reports/panel", CONFIGURE)
class SendYearlyReportToPanel(Command):
    """Record that the published yearly report was sent to the national Panel."""

    name: ClassVar[str] = "send_yearly_report_to_panel"
    period_to: IsoDate
    sent_on: IsoDate
