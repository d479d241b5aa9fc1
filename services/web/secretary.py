"""The forum secretary's pages: the forum's meetings, a meeting's agenda (and its print view),
and a decision recorded from the agenda item itself.

A secretary sees only their own forum (principal.forum_id): the paths name no forum, and an
item outside the forum's scope (the API's own read checks) is not found. A decision goes
through the API's path: the policy's rule for `record_decision`, the command's payload, the
free-text screen and the domain's rules, first as a check (the question page refuses what the
command would, with its code, field and sentence), then for good once the answers are checked.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from domain.aggregate import Context
from domain.commands import DECLARATIONS, RecordDecision
from domain.dates import today_in_england
from domain.decision import DecisionSubject
from domain.errors import DomainError
from projections.agenda import render as agenda_words
from services.application.auth.policy import Request as ScopeRequest
from services.application.auth.policy import authorize, command_path
from services.application.auth.principals import Principal, Role
from services.application.dry_run import check_command
from services.application.service import LearningService
from services.web import forum as reads
from services.web.forms import FieldError, FormErrors, errors_from, read_date, typed_values
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Secretary = Annotated[Principal, Depends(require_person(Role.SECRETARY))]

FLASH = "forum_decision"
"""The session's note of the decision just recorded: the agenda shows it once, in a banner."""
ITEM_FIELDS = ("subject_id", "forum_id", "subject")
"""Refusals about the item itself (already decided, not this forum's): shown on the item."""
KEY_FIELD = "idempotency_key"


def _words() -> dict[str, Any]:
    return {
        "long_date": agenda_words.long_date, "kind_title": agenda_words.kind_title,
        "humanise": agenda_words.humanise, "clock_title": agenda_words.clock_title,
        "times": agenda_words.times, "section_note": agenda_words.section_note,
        "outcome_words": reads.outcome_words,
    }


def _meeting(request: Request, secretary: Principal, meeting_on: date) -> reads.ForumHome:
    home = reads.forum_home(request.app.state.store, secretary, today_in_england())
    if home is None or meeting_on not in home.forum.meetings:
        raise HTTPException(404)
    return home


@router.get("/forum", response_class=HTMLResponse)
async def forum(request: Request, secretary: Secretary) -> Response:
    home = await run_in_threadpool(reads.forum_home, request.app.state.store, secretary, today_in_england())
    if home is None:
        raise HTTPException(404)
    return render(request, "secretary/forum.html", home=home, current_page="forum", **_words())


@router.get("/forum/meetings/{meeting_on}", response_class=HTMLResponse)
async def agenda(request: Request, secretary: Secretary, meeting_on: date) -> Response:
    return await _agenda_page(request, secretary, meeting_on, "secretary/agenda.html")


@router.get("/forum/meetings/{meeting_on}/print", response_class=HTMLResponse)
async def agenda_print(request: Request, secretary: Secretary, meeting_on: date) -> Response:
    return await _agenda_page(request, secretary, meeting_on, "secretary/print.html")


async def _agenda_page(request: Request, secretary: Principal, meeting_on: date, template: str) -> Response:
    home = await run_in_threadpool(_meeting, request, secretary, meeting_on)
    flash = request.session.pop(FLASH, None) if template.endswith("agenda.html") else None
    position = flash.get("position") if isinstance(flash, dict) else None
    min_position = position if isinstance(position, int) else None

    def read() -> tuple[Any, list[dict[str, Any]], dict[str, str]]:
        a = reads.meeting_agenda(request, secretary, meeting_on, min_position)
        decided = reads.decisions_at(request, secretary, meeting_on, min_position)
        return a, decided, reads.subject_titles(request.app.state.store, decided)

    a, decided, titles = await run_in_threadpool(read)
    p = await run_in_threadpool(reads.partnership_of, request.app.state.store, secretary)
    agency_names = {agency_id: agency.name for agency_id, agency in (p.agencies.items() if p else ())}
    return render(
        request, template, home=home, agenda=a, decided=decided, titles=titles, flash=flash,
        decided_here={d["subject_id"]: d for d in decided}, agency_names=agency_names,
        sections=agenda_words.SECTIONS, current_page="forum", today=today_in_england(), **_words(),
    )


# --- recording a decision ----------------------------------------------------------------------


def _subject(request: Request, secretary: Principal, kind: DecisionSubject, subject_id: UUID) -> reads.Subject:
    store = request.app.state.store
    found = reads.subject_in_scope(store, secretary, kind, subject_id) if kind in reads.DECIDABLE else None
    if found is None:
        raise HTTPException(404)
    return found


def _base(meeting_on: date, kind: DecisionSubject, subject_id: UUID) -> str:
    return f"/forum/meetings/{meeting_on.isoformat()}/decide/{kind.value}/{subject_id}"


def _question(
    request: Request, home: reads.ForumHome, meeting_on: date, subject: reads.Subject,
    errors: FormErrors, status: int = 200,
) -> Response:
    return render(
        request, "secretary/decide.html", status, home=home, meeting_on=meeting_on, subject=subject,
        errors=errors, typed=errors.typed, action=_base(meeting_on, subject.kind, subject.subject_id),
        item_error=next((e for e in errors.errors if e.field in ITEM_FIELDS), None),
        current_page="forum", **_words(),
    )


@router.get("/forum/meetings/{meeting_on}/decide/{kind}/{subject_id}", response_class=HTMLResponse)
async def decision_form(
    request: Request, secretary: Secretary, meeting_on: date, kind: DecisionSubject, subject_id: UUID
) -> Response:
    home = await run_in_threadpool(_meeting, request, secretary, meeting_on)
    subject = await run_in_threadpool(_subject, request, secretary, kind, subject_id)
    typed = {"meeting_on-day": str(meeting_on.day), "meeting_on-month": str(meeting_on.month),
             "meeting_on-year": str(meeting_on.year)}
    return _question(request, home, meeting_on, subject, FormErrors(typed=typed))


def _command(
    secretary: Principal, subject: reads.Subject, form: dict[str, str]
) -> tuple[RecordDecision | None, FormErrors]:
    """The form's answers as the API's payload, or the refusal of its shape."""
    errors = FormErrors(typed=form)
    day = read_date("meeting_on", form, errors)
    if errors:
        return None, errors
    payload: dict[str, Any] = {
        "forum_id": secretary.forum_id, "subject": subject.kind.value, "subject_id": str(subject.subject_id),
        "decided_by": [line.strip() for line in form.get("decided_by", "").splitlines() if line.strip()],
        "rationale": form.get("rationale", ""),
    }
    if day is not None:
        payload["meeting_on"] = day.isoformat()
    if form.get("outcome"):
        payload["outcome"] = form["outcome"]
    try:
        return RecordDecision.model_validate(payload), errors
    except ValidationError as e:
        return None, _on_fields(errors_from(e, form))


def _on_fields(errors: FormErrors) -> FormErrors:
    """Each refusal on the form's field: `decided_by.0` is the names' box, a date's link goes to
    its day, the item's own refusals (already decided) to the item."""
    shown = FormErrors(typed=errors.typed)
    for e in errors.errors:
        name = (e.field or "").split(".")[0] or None
        target = "meeting_on-day" if name == "meeting_on" else "subject" if name in ITEM_FIELDS else e.target
        message = "Enter the date of the meeting." if (name, e.code) == ("meeting_on", "invalid_missing") else (
            "Choose accept, reject or defer." if (name, e.code) == ("outcome", "invalid_missing") else e.message)
        shown.add(FieldError(e.code, message, name, target))
    return shown


def _refusal(exc: DomainError | ValidationError, typed: dict[str, str]) -> tuple[FormErrors, int]:
    status = exc.status if isinstance(exc, DomainError) else 422
    return _on_fields(errors_from(exc, typed)), status


def _authorize(request: Request, secretary: Principal, command: RecordDecision) -> Context:
    """The API's policy for the command's route (the secretary's own forum), and the context."""
    scope = ScopeRequest(secretary, {"partnership_id": secretary.partnership_id}, {},
                         command.model_dump(mode="json"), request.app.state.store)
    authorize("POST", command_path(DECLARATIONS[RecordDecision.name]), scope)
    return Context(partnership_id=secretary.partnership_id, principal=secretary.subject)


def _judge(request: Request, secretary: Principal, command: RecordDecision) -> None:
    """The command as the API would judge it now, recording nothing."""
    service: LearningService = request.app.state.service
    check_command(service, _authorize(request, secretary, command), command)


@router.post("/forum/meetings/{meeting_on}/decide/{kind}/{subject_id}", response_class=HTMLResponse)
async def decision_answers(
    request: Request, secretary: Secretary, meeting_on: date, kind: DecisionSubject, subject_id: UUID
) -> Response:
    home = await run_in_threadpool(_meeting, request, secretary, meeting_on)
    subject = await run_in_threadpool(_subject, request, secretary, kind, subject_id)
    form = typed_values((await request.form()).items())
    command, errors = _command(secretary, subject, form)
    if command is None:
        return _question(request, home, meeting_on, subject, errors, 422)
    try:
        await run_in_threadpool(_judge, request, secretary, command)
    except DomainError as exc:
        found, status = _refusal(exc, form)
        return _question(request, home, meeting_on, subject, found, status)
    return render(
        request, "secretary/check.html", home=home, meeting_on=meeting_on, subject=subject, command=command,
        typed=form, key=form.get(KEY_FIELD) or secrets.token_urlsafe(16),
        action=_base(meeting_on, kind, subject_id) + "/confirm", current_page="forum", **_words(),
    )


@router.post("/forum/meetings/{meeting_on}/decide/{kind}/{subject_id}/confirm", response_class=HTMLResponse)
async def decision_confirmed(
    request: Request, secretary: Secretary, meeting_on: date, kind: DecisionSubject, subject_id: UUID
) -> Response:
    home = await run_in_threadpool(_meeting, request, secretary, meeting_on)
    subject = await run_in_threadpool(_subject, request, secretary, kind, subject_id)
    form = typed_values((await request.form()).items())
    command, errors = _command(secretary, subject, form)
    if "change" in form or command is None:
        return _question(request, home, meeting_on, subject, errors, 200 if command else 422)

    def record() -> Any:
        ctx = _authorize(request, secretary, command)
        service: LearningService = request.app.state.service
        key = form.get(KEY_FIELD) or None
        return service.execute(ctx, command, None, f"web-decision-{key}" if key else None)

    try:
        outcome = await run_in_threadpool(record)
    except DomainError as exc:
        found, status = _refusal(exc, form)
        return _question(request, home, meeting_on, subject, found, status)
    request.session[FLASH] = {
        "decision_id": outcome.body["id"], "position": outcome.position, "subject": kind.value,
        "subject_id": str(subject_id), "outcome": command.outcome.value, "title": subject.title[:200],
        "meeting_on": command.meeting_on.isoformat(),
    }
    back = command.meeting_on if command.meeting_on in home.forum.meetings else meeting_on
    return RedirectResponse(f"/forum/meetings/{back.isoformat()}#decisions", status_code=303)
