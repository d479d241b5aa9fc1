"""The forums' decisions the business unit records from an activity's page: the sign-off of a
reported activity (checked on its own page first), a decision on a recommendation, and on a
rapid review's recommendation whether to commission a practice review. Each is `record_decision`,
its subject fixed by the page it is asked from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.activity import Activity
from domain.commands import RecordDecision
from domain.decision import DecisionSubject
from domain.partnership import Partnership
from services.application.auth.principals import Principal, Role
from services.web import bizunit_forms as bf
from services.web.bizunit_activities import (
    activity_href,
    checked_step,
    form_page,
    load_record,
    partnership_of,
    recommendation_of,
)
from services.web.command_forms import FormField, Submitted, submit, words
from services.web.session import require_person

router = APIRouter()

Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]


# --- sign-off: a forum's decision on the activity ------------------------------------------------


def _sign_off_typed(a: Activity, p: Partnership) -> dict[str, Any]:
    routing = p.routing.get(a.kind)
    return {"forum_id": routing.sign_off_forum if routing else "", "outcome": "accept"}


@router.get("/activities/{activity_id}/sign-off", response_class=HTMLResponse)
def sign_off_form(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    p = partnership_of(request, admin)
    return form_page(request, bf.decision_fields(p), heading=bf.SIGN_OFF.button, caption=a.title,
                 action=f"{activity_href(a.id)}/sign-off", back=activity_href(a.id), submit_text="Continue",
                 typed=_sign_off_typed(a, p), intro=_meetings_intro(a, p))


def _meetings_intro(a: Activity, p: Partnership) -> list[str]:
    routing = p.routing.get(a.kind)
    if routing is None or routing.sign_off_forum not in p.forums:
        return []
    forum = p.forums[routing.sign_off_forum]
    upcoming = [d for d in forum.meetings if a.reported_on is None or d >= a.reported_on][:4]
    days = ", ".join(d.strftime("%-d %B %Y") for d in upcoming) or "none scheduled"
    return [f"A {a.kind_title} is signed off by {forum.name}. Its meetings since the report: {days}."]


@router.post("/activities/{activity_id}/sign-off", response_class=HTMLResponse)
async def sign_off(request: Request, admin: Admin, activity_id: UUID) -> Response:
    a: Activity = load_record(request, admin, Activity, activity_id)
    p = partnership_of(request, admin)
    fixed = {"subject": DecisionSubject.ACTIVITY_SIGN_OFF.value, "subject_id": str(a.id)}
    return await checked_step(request, admin, bf.SIGN_OFF, bf.decision_fields(p), RecordDecision, a,
                          f"{activity_href(a.id)}/sign-off", fixed, None)


def _decision_fields(a: Activity, p: Partnership, sign_off_forum_only: bool = False) -> tuple[FormField, ...]:
    routing = p.routing.get(a.kind)
    if routing is None:
        return bf.decision_fields(p)
    return bf.decision_fields(p, [routing.sign_off_forum] if sign_off_forum_only else
                              list(routing.points_of_dissemination))


@dataclass(frozen=True)
class DecisionOn:
    """A forum's decision the business unit records: on what, where it is asked and where it goes after."""

    heading: str
    intro: list[str]
    subject: DecisionSubject
    subject_id: UUID
    action: str
    back: str
    after: str


async def _decision(request: Request, admin: Principal, on: DecisionOn, fields: Sequence[FormField],
                    post: bool) -> Response:
    submitted: Submitted | None = None
    if post:
        fixed = {"subject": on.subject.value, "subject_id": str(on.subject_id)}
        submitted, outcome = await submit(request, admin, RecordDecision, fields, None, fixed)
        if outcome is not None:
            return RedirectResponse(on.after, status_code=303)
    return form_page(request, fields, heading=on.heading, intro=on.intro, submitted=submitted, action=on.action,
                 back=on.back, submit_text="Record the decision",
                 typed={"forum_id": fields[0].choices[0].value} if fields[0].choices else {})


def _on_recommendation(request: Request, admin: Principal, recommendation_id: UUID) -> tuple[DecisionOn, Activity]:
    r, a = recommendation_of(request, admin, recommendation_id)
    return DecisionOn(
        "Record the forum's decision on the recommendation", [f"The recommendation: {r.text}"],
        DecisionSubject.RECOMMENDATION, r.id, f"/recommendations/{r.id}/decision", activity_href(a.id),
        f"{activity_href(a.id)}#recommendations",
    ), a


@router.get("/recommendations/{recommendation_id}/decision", response_class=HTMLResponse)
async def decision_form(request: Request, admin: Admin, recommendation_id: UUID) -> Response:
    on, a = _on_recommendation(request, admin, recommendation_id)
    return await _decision(request, admin, on, _decision_fields(a, partnership_of(request, admin)), post=False)


@router.post("/recommendations/{recommendation_id}/decision", response_class=HTMLResponse)
async def record_decision(request: Request, admin: Admin, recommendation_id: UUID) -> Response:
    on, a = _on_recommendation(request, admin, recommendation_id)
    return await _decision(request, admin, on, _decision_fields(a, partnership_of(request, admin)), post=True)


def _on_commissioning(request: Request, admin: Principal, activity_id: UUID) -> tuple[DecisionOn, Activity]:
    a: Activity = load_record(request, admin, Activity, activity_id)
    said = a.rapid_review_recommendation
    intro = [f"The rapid review recommends {words(said.recommends).lower()}: {said.reasons}"] if said else []
    return DecisionOn(
        "Record the decision on commissioning a practice review", intro,
        DecisionSubject.PRACTICE_REVIEW_COMMISSIONING, a.id, f"{activity_href(a.id)}/commissioning",
        activity_href(a.id), activity_href(a.id),
    ), a


@router.get("/activities/{activity_id}/commissioning", response_class=HTMLResponse)
async def commissioning_form(request: Request, admin: Admin, activity_id: UUID) -> Response:
    on, a = _on_commissioning(request, admin, activity_id)
    fields = _decision_fields(a, partnership_of(request, admin), sign_off_forum_only=True)
    return await _decision(request, admin, on, fields, post=False)


@router.post("/activities/{activity_id}/commissioning", response_class=HTMLResponse)
async def commission(request: Request, admin: Admin, activity_id: UUID) -> Response:
    on, a = _on_commissioning(request, admin, activity_id)
    fields = _decision_fields(a, partnership_of(request, admin), sign_off_forum_only=True)
    return await _decision(request, admin, on, fields, post=True)
