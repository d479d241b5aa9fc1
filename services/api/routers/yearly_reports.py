"""The safeguarding partners' yearly report, from the log as it stood on its date: its figures
and seal as JSON, the report as Word and PDF. Its publication and its sending to the national
Panel are commands (domain/commands/reports.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.api.deps import PartnershipId, StoreDep
from services.api.files import DOCX, PDF, docx_answer, file_responses, pdf_answer
from services.api.responses import READ_RESPONSES
from services.application.products import yearly

router = APIRouter(prefix="/v1/partnerships/{partnership_id}", tags=["yearly report"])


@dataclass(frozen=True)
class ReportQuery:
    from_: date
    to: date
    report_on: date | None


def report_query(
    from_: Annotated[date, Query(alias="from", description="The first day of the year reported on (YYYY-MM-DD).")],
    to: Annotated[date, Query(description="The last day of the year reported on (YYYY-MM-DD).")],
    report_on: Annotated[date | None, Query(description="The report's date: the log as it stood at the end of "
                                                        "this day (default: `to`).")] = None,
) -> ReportQuery:
    return ReportQuery(from_, to, report_on)


ReportQueryDep = Annotated[ReportQuery, Depends(report_query)]


class YearlyReportSeal(BaseModel):
    """What the report was built from, and its headline figures."""

    report_on: date
    position: int = Field(description="The log's last position at the end of report_on.")
    anchor: str | None = Field(description="POSITION:HASH of the hash chain there: GET /v1/admin/verify?anchor=.")
    activities_opened: int
    findings: int
    recommendations_made: int
    little_or_no_progress: list[str] = Field(description="Priorities (themes, by id) with little or no progress.")


def _report(store: StoreDep, partnership_id: str, q: ReportQuery) -> yearly.YearlyReport:
    return yearly.yearly_report(store, partnership_id, q.from_, q.to, q.report_on or q.to)


def _filename(r: yearly.YearlyReport) -> str:
    return f"yearly-report-{r.period.start.isoformat()}-{r.period.end.isoformat()}"


@router.get("/yearly-report", response_model=YearlyReportSeal, responses=READ_RESPONSES,
            summary="The yearly report's seal (log anchor) and headline figures")
def get_yearly_report(partnership_id: PartnershipId, store: StoreDep, q: ReportQueryDep) -> YearlyReportSeal:
    r = _report(store, partnership_id, q)
    period = r.period
    return YearlyReportSeal(
        report_on=r.report_on, position=r.log.position, anchor=r.log.anchor,
        activities_opened=sum(period.holds(a.opened_on) for a in r.activities),
        findings=sum(period.holds(f.recorded_on) for a in r.activities for f in a.current_findings),
        recommendations_made=sum(period.holds(m.made_on) for m in r.recommendations),
        little_or_no_progress=[t.value for t in yearly.little_progress(yearly.theme_progress(r))],
    )


@router.get("/yearly-report.docx", response_class=Response, summary="The yearly report as a Word document",
            responses=file_responses(READ_RESPONSES, DOCX, "The yearly report (Word)."))
def get_yearly_report_docx(partnership_id: PartnershipId, store: StoreDep, q: ReportQueryDep) -> Response:
    r = _report(store, partnership_id, q)
    return docx_answer(yearly.yearly_report_document(r), _filename(r))


@router.get("/yearly-report.pdf", response_class=Response, summary="The yearly report as a PDF",
            responses=file_responses(READ_RESPONSES, PDF, "The yearly report (PDF)."))
def get_yearly_report_pdf(partnership_id: PartnershipId, store: StoreDep, q: ReportQueryDep) -> Response:
    r = _report(store, partnership_id, q)
    return pdf_answer(yearly.yearly_report_document(r), _filename(r))
