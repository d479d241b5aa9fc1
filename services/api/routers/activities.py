"""Learning activities, their findings and statutory clocks."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter

from domain.activity import Activity, missing_for_sign_off
from domain.clocks import Deadline
from domain.framework import DEFAULT_SOURCES
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.public import public_record
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsAtDay, AsOf, load_or_404
from services.api.schemas.activities import ActivityRead, DeadlineView, MissingForSignOff, SignOffReadiness
from services.application.as_at import AsAt

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/activities", tags=["activities"])

A = "/{activity_id}"


def _deadline_view(d: Deadline, today: date) -> DeadlineView:
    return DeadlineView(
        clock=d.clock.value, starts_on=d.starts_on, due_on=d.due_on, met_on=d.met_on,
        status=d.status(today), working_days_remaining=d.working_days_remaining(today),
    )


@router.get(A, response_model=ActivityRead, responses=READ_RESPONSES)
def get_activity(
    partnership_id: PartnershipId, activity_id: UUID, store: StoreDep, as_of: AsOf = None, as_at_day: AsAtDay = None
) -> ActivityRead:
    as_at = AsAt.of(as_of, as_at_day)
    a = load_or_404(store, partnership_id, activity_id, Activity, as_at=as_at)
    p = store.load(partnership_uuid(partnership_id), Partnership)
    assert p is not None
    today = as_at.day if as_at else date.today()
    missing = [MissingForSignOff(code=c, field=f, message=m) for c, f, m in missing_for_sign_off(a, p)]
    try:
        deadlines = [_deadline_view(d, today) for d in a.deadlines(p.rapid_review_starts_from)]
    except OverflowError:
        # Dates near year 9999 are accepted but their clocks fall past the calendar's end;
        # the activity must still be readable.
        deadlines = []
    return ActivityRead.model_validate(
        public_record(
            a, deadlines=deadlines, sign_off=SignOffReadiness(ready=not missing, missing=missing),
            kinds_of_learning=list(DEFAULT_SOURCES[a.kind].kinds_of_learning),
            key_stakeholders=list(DEFAULT_SOURCES[a.kind].key_stakeholders),
        )
    )
