"""The forum secretary's pages for one meeting's record, the whole cycle: draft the agenda from the
generated items, add and order items, check and publish it (frozen from then), record attendance,
minutes, decisions and the action log, then at the next meeting approve the last one's minutes and
follow its matters arising. Every page works without JavaScript: each change is a form.

Paths are under the forum's meeting (`/forum/meetings/<day>/record`); the forum is the
secretary's own. Commands run as the API runs them (services/web/meeting_forms.py).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from domain.commands import (
    AddAgendaItem,
    ApproveMinutes,
    Command,
    CompleteMeetingAction,
    DraftAgenda,
    LogMeetingAction,
    PublishAgenda,
    RecordAttendance,
    RecordMinutes,
    RemoveAgendaItem,
    ReorderAgenda,
)
from domain.dates import today_in_england
from domain.errors import DomainError
from domain.meeting_state import AgendaItem, ItemOrigin, Purpose
from projections.agenda.render import long_date
from services.application.auth.principals import Principal, Role
from services.application.meeting_items import compare
from services.application.meetings import MeetingRecord
from services.web import meeting_forms as mf
from services.web.command_forms import FormField, Submitted, read_command, refusal, words
from services.web.forms import FormErrors
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Secretary = Annotated[Principal, Depends(require_person(Role.SECRETARY))]
FLASH = "meeting_flash"


def _path(meets_on: date, rest: str = "") -> str:
    return f"/forum/meetings/{meets_on.isoformat()}/record{rest}"


def _common(record: MeetingRecord) -> dict[str, Any]:
    return {"record": record, "long_date": long_date, "words": words, "base": _path(record.meets_on),
            "current_page": "forum"}


async def _page(request: Request, secretary: Principal, meets_on: date, errors: FormErrors | None = None,
                status: int = 200) -> Response:
    """The meeting's page; on a refused button, with the refusal in the error summary."""
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    live = diff = None
    if record.status == "not_drafted":
        live = await run_in_threadpool(mf.live_items, request, secretary, meets_on)
    elif record.status == "published":
        items = await run_in_threadpool(mf.live_items, request, secretary, meets_on)
        diff = compare(_as_items(record), items)
    flash = request.session.pop(FLASH, None)
    typed = errors.typed if errors else {}
    return render(request, "meeting/record.html", status, **_common(record), live=live, diff=diff, flash=flash,
                  errors=errors, typed=typed, draft_fields=mf.DRAFT_FIELDS)


def _as_items(record: MeetingRecord) -> list[AgendaItem]:
    """The record's items as the comparison takes them."""
    return [AgendaItem(item_id=i.item_id, origin=ItemOrigin(i.origin), section=i.section, title=i.title,
                       detail=i.detail, purpose=Purpose(i.purpose)) for i in record.items]


def _done(request: Request, meets_on: date, message: str, anchor: str = "") -> Response:
    request.session[FLASH] = message
    return RedirectResponse(_path(meets_on) + anchor, status_code=303)


@router.get("/forum/meetings/{meets_on}/record", response_class=HTMLResponse)
async def meeting_page(request: Request, secretary: Secretary, meets_on: date) -> Response:
    return await _page(request, secretary, meets_on)


async def _button(request: Request, secretary: Principal, meets_on: date, command: Command, target: date | None,
                  message: str, anchor: str = "") -> Response:
    """A button's command on this meeting (or an earlier one's, `target`): done, or the page with its refusal."""
    try:
        await mf.run(request, secretary, command, mf.meeting_id(secretary, target or meets_on))
    except DomainError as exc:
        return await _page(request, secretary, meets_on, refusal(exc, (), {}), exc.status)
    return _done(request, meets_on, message, anchor)


# --- the agenda: draft, items, order, publication ----------------------------------------------


@router.post("/forum/meetings/{meets_on}/record/draft", response_class=HTMLResponse)
async def draft(request: Request, secretary: Secretary, meets_on: date) -> Response:
    mf.record_of(request, secretary, meets_on)
    live = await run_in_threadpool(mf.live_items, request, secretary, meets_on)
    fixed = {"forum_id": secretary.forum_id, "meets_on": meets_on.isoformat(),
             "drafted_on": today_in_england().isoformat(), "generated": [g.model_dump(mode="json") for g in live]}
    submitted = read_command(DraftAgenda, mf.DRAFT_FIELDS, await request.form(), fixed)
    if submitted.command is None:
        return await _page(request, secretary, meets_on, submitted.errors, 422)
    try:
        await mf.run(request, secretary, submitted.command, None)
    except DomainError as exc:
        return await _page(request, secretary, meets_on, refusal(exc, mf.DRAFT_FIELDS, submitted.typed), exc.status)
    return _done(request, meets_on, "Agenda drafted from the generated items", "#agenda")


async def _form(request: Request, record: MeetingRecord, heading: str, fields: tuple[FormField, ...], action: str,
                submitted: Submitted | None = None, status: int = 200, intro: list[str] | None = None,
                typed: dict[str, Any] | None = None) -> Response:
    return render(
        request, "bizunit/form.html", status, heading=heading, caption=f"{record.forum_name}, meeting on "
        f"{long_date(record.meets_on)}", fields=fields, action=action, back=_path(record.meets_on),
        errors=submitted.errors if submitted else None, typed=submitted.typed if submitted else (typed or {}),
        intro=intro, submit_text="Save", current_page="forum",
    )


async def _submit(request: Request, secretary: Principal, meets_on: date, command: type[Command],
                  fields: tuple[FormField, ...], heading: str, action: str, message: str, anchor: str,
                  fixed: dict[str, Any] | None = None) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    submitted = read_command(command, fields, await request.form(), fixed)
    if submitted.command is not None:
        try:
            await mf.run(request, secretary, submitted.command, mf.meeting_id(secretary, meets_on))
            return _done(request, meets_on, message, anchor)
        except DomainError as exc:
            submitted.errors = refusal(exc, fields, submitted.typed)
            return await _form(request, record, heading, fields, action, submitted, exc.status)
    return await _form(request, record, heading, fields, action, submitted, 422)


ADD_HEADING = "Add an item to the agenda"


@router.get("/forum/meetings/{meets_on}/record/items/new", response_class=HTMLResponse)
async def item_form(request: Request, secretary: Secretary, meets_on: date) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    return await _form(request, record, ADD_HEADING, mf.ITEM_FIELDS, _path(meets_on, "/items/new"),
                       intro=["The item goes last; move it where it belongs on the meeting's page."])


@router.post("/forum/meetings/{meets_on}/record/items/new", response_class=HTMLResponse)
async def item_added(request: Request, secretary: Secretary, meets_on: date) -> Response:
    return await _submit(request, secretary, meets_on, AddAgendaItem, mf.ITEM_FIELDS, ADD_HEADING,
                         _path(meets_on, "/items/new"), "Item added to the agenda", "#agenda")


@router.post("/forum/meetings/{meets_on}/record/move", response_class=HTMLResponse)
async def move(request: Request, secretary: Secretary, meets_on: date, item_id: Annotated[str, Form()],
               direction: Annotated[str, Form()]) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    order = [i.item_id for i in record.items]
    if item_id not in order or direction not in ("up", "down"):
        raise HTTPException(404)
    at = order.index(item_id)
    to = max(0, at - 1) if direction == "up" else min(len(order) - 1, at + 1)
    order[at], order[to] = order[to], order[at]
    return await _button(request, secretary, meets_on, ReorderAgenda(order=tuple(order)), None,
                         f"Item moved {direction}", f"#item-{item_id.replace(':', '-')}")


@router.post("/forum/meetings/{meets_on}/record/remove", response_class=HTMLResponse)
async def remove(request: Request, secretary: Secretary, meets_on: date, item_id: Annotated[str, Form()]) -> Response:
    return await _button(request, secretary, meets_on, RemoveAgendaItem(item_id=item_id), None,
                         "Item removed from the agenda", "#agenda")


@router.get("/forum/meetings/{meets_on}/record/publish", response_class=HTMLResponse)
async def publish_check(request: Request, secretary: Secretary, meets_on: date) -> Response:
    """Check your answers: the agenda as it will be frozen, and what the records say differently today."""
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    if record.status != "drafted":
        return RedirectResponse(_path(meets_on), status_code=303)
    live = await run_in_threadpool(mf.live_items, request, secretary, meets_on)
    return render(request, "meeting/publish.html", **_common(record), diff=compare(_as_items(record), live))


@router.post("/forum/meetings/{meets_on}/record/publish", response_class=HTMLResponse)
async def publish(request: Request, secretary: Secretary, meets_on: date) -> Response:
    command = PublishAgenda(published_on=today_in_england())
    return await _button(request, secretary, meets_on, command, None, "Agenda published: it is now frozen",
                         "#agenda")


# --- the meeting: attendance, minutes, actions, approval ---------------------------------------

ATTENDANCE_HEADING = "Attendance, apologies and declarations of interest"


@router.get("/forum/meetings/{meets_on}/record/attendance", response_class=HTMLResponse)
async def attendance_form(request: Request, secretary: Secretary, meets_on: date) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    typed = {"present": "\n".join(record.present), "apologies": "\n".join(record.apologies),
             "declarations": "\n".join(f"{d.person}: {d.interest}" for d in record.declarations)}
    return await _form(request, record, ATTENDANCE_HEADING, mf.ATTENDANCE_FIELDS, _path(meets_on, "/attendance"),
                       typed=typed)


@router.post("/forum/meetings/{meets_on}/record/attendance", response_class=HTMLResponse)
async def attendance(request: Request, secretary: Secretary, meets_on: date) -> Response:
    form = await request.form()
    declared = form.get("declarations")
    fixed = {"declarations": mf.declarations_of(declared if isinstance(declared, str) else "")}
    return await _submit(request, secretary, meets_on, RecordAttendance, mf.ATTENDANCE_FIELDS, ATTENDANCE_HEADING,
                         _path(meets_on, "/attendance"), "Attendance recorded", "#attendance", fixed)


def _item(record: MeetingRecord, item_id: str) -> Any:
    item = next((i for i in record.items if i.item_id == item_id), None)
    if item is None:
        raise HTTPException(404)
    return item


@router.get("/forum/meetings/{meets_on}/record/minutes/{item_id}", response_class=HTMLResponse)
async def minutes_form(request: Request, secretary: Secretary, meets_on: date, item_id: str) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    item = _item(record, item_id)
    typed = {"minutes": item.minutes or "", "decision": item.decision or ""}
    return await _form(request, record, f"Minutes of item {item.number}: {item.title}", mf.MINUTES_FIELDS,
                       _path(meets_on, f"/minutes/{item_id}"), typed=typed)


@router.post("/forum/meetings/{meets_on}/record/minutes/{item_id}", response_class=HTMLResponse)
async def minutes(request: Request, secretary: Secretary, meets_on: date, item_id: str) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    item = _item(record, item_id)
    return await _submit(request, secretary, meets_on, RecordMinutes, mf.MINUTES_FIELDS,
                         f"Minutes of item {item.number}: {item.title}", _path(meets_on, f"/minutes/{item_id}"),
                         f"Minutes of item {item.number} recorded", f"#item-{item_id.replace(':', '-')}",
                         {"item_id": item_id})


ACTION_HEADING = "Add an action to the meeting's action log"


@router.get("/forum/meetings/{meets_on}/record/actions/new", response_class=HTMLResponse)
async def action_form(request: Request, secretary: Secretary, meets_on: date) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    fields = mf.action_fields(record, await run_in_threadpool(mf.agency_names, request, secretary))
    return await _form(request, record, ACTION_HEADING, fields, _path(meets_on, "/actions/new"))


@router.post("/forum/meetings/{meets_on}/record/actions/new", response_class=HTMLResponse)
async def action_added(request: Request, secretary: Secretary, meets_on: date) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    fields = mf.action_fields(record, await run_in_threadpool(mf.agency_names, request, secretary))
    return await _submit(request, secretary, meets_on, LogMeetingAction, fields, ACTION_HEADING,
                         _path(meets_on, "/actions/new"), "Action added to the log", "#actions")


@router.post("/forum/meetings/{meets_on}/record/actions/done", response_class=HTMLResponse)
async def action_done(request: Request, secretary: Secretary, meets_on: date, number: Annotated[int, Form()],
                      logged_at: Annotated[date, Form()]) -> Response:
    """An action of this meeting's log, or of an earlier one's (a matter arising), marked done today."""
    command = CompleteMeetingAction(number=number, done_on=today_in_england())
    return await _button(request, secretary, meets_on, command, logged_at, f"Action {number} marked done",
                         "#actions" if logged_at == meets_on else "#matters-arising")


@router.post("/forum/meetings/{meets_on}/record/approve-minutes", response_class=HTMLResponse)
async def approve(request: Request, secretary: Secretary, meets_on: date) -> Response:
    record = await run_in_threadpool(mf.record_of, request, secretary, meets_on)
    if record.previous_minutes is None:
        raise HTTPException(404)
    return await _button(request, secretary, meets_on, ApproveMinutes(approved_on=meets_on),
                         record.previous_minutes.meets_on, "Minutes of the last meeting approved", "#last-minutes")
