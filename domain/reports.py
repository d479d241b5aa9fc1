"""What a partnership keeps of the yearly reports it published (domain/yearly_report.py decides them)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class YearlyReportRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    period_from: date
    period_to: date
    anchor: str
    """The hash chain's `POSITION:HASH` printed in the report: the log it was built from."""
    published_on: date
    sent_to_panel_on: date | None = None
