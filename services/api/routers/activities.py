"""Learning activities, their findings and statutory clocks."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from domain.activity import Activity, missing_for_sign_off
from domain.clocks import Deadline
from domain.framework import DEFAULT_SOURCES
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsOf, load_or_404

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/activities", tags=["activities"])

A = "/{activity_id}"


class DeadlineView(BaseModel):
    clock: str
    starts_on: date
    due_on: date
    met_on: date | None
    status: str
    working_days_remaining: int | None = Field(
        description="Working days from today to due_on, negative once overdue; null once the deadline is met."
    )


class SignOffReadiness(BaseModel):
    ready: bool
    missing: list[dict[str, str]]


class ActivityView(BaseModel):
    activity: Activity
    deadlines: list[DeadlineView]
    sign_off: SignOffReadiness
    kinds_of_learning: list[str] = Field(
        description="What learning an activity of this kind yields (the framework's table)."
    )
    key_stakeholders: list[str] = Field(description="Who its learning is for (the framework's table).")


def _deadline_view(d: Deadline, today: date) -> DeadlineView:
    return DeadlineView(
        clock=d.clock.value, starts_on=d.starts_on, due_on=d.due_on, met_on=d.met_on,
        status=d.status(today), working_days_remaining=d.working_days_remaining(today),
    )


@router.get(A, response_model=ActivityView, responses=READ_RESPONSES)
def get_activity(partnership_id: PartnershipId, activity_id: UUID, store: StoreDep, as_of: AsOf = None) -> ActivityView:
    a = load_or_404(store, partnership_id, activity_id, Activity, as_of)
    p = store.load(partnership_uuid(partnership_id), Partnership)
    assert p is not None
    today = (as_of.date() if as_of else date.today())
    missing = [{"code": c, "field": f, "message": m} for c, f, m in missing_for_sign_off(a, p)]
    try:
        deadlines = [_deadline_view(d, today) for d in a.deadlines(p.rapid_review_starts_from)]
    except OverflowError:
        # Dates near year 9999 are accepted but their clocks fall past the calendar's end;
        # the activity must still be readable.
        deadlines = []
    return ActivityView(
        activity=a,
        deadlines=deadlines,
        sign_off=SignOffReadiness(ready=not missing, missing=missing),
        kinds_of_learning=list(DEFAULT_SOURCES[a.kind].kinds_of_learning),
        key_stakeholders=list(DEFAULT_SOURCES[a.kind].key_stakeholders),
    )
