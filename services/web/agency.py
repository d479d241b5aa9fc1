"""The agency safeguarding lead's pages: the inbox of learning routed to the agency, each item with
its acknowledgement and cascade, and the agency's own actions with progress, completion and the
assurance recorded on them.

Nothing of another agency is reachable: the inbox is the agency's own ledger rows, an action is
shown only to the agency that owns it, and any other id answers 404 (not 403, so a page never
says that something exists). Commands run as the API runs them (agency_forms.run_command).

"New" in the inbox means arrived since the person's previous visit. A visit is a signed-in
session: every look at the inbox records what it showed, per person (adapters/page_visits.py, so
it holds on any device), and a session compares with the visit its first look found, so items
stay marked while the person works through them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from adapters.kafka_settings import delivery_db
from adapters.page_visits import PageVisits
from domain.activity import CascadeMethod
from domain.errors import DomainError
from projections.snapshot import snapshot
from projections.views.list_queries import ActionFilters
from services.api.routers.feeds import opened_entries, with_ledger
from services.application import lists
from services.application.auth.principals import Principal, Role
from services.application.lists import ListQuery
from services.web import agency_reads as reads
from services.web.agency_forms import check_payload, form_key, new_form_key, refusal, run_command, typed_date
from services.web.forms import FormErrors, typed_values
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Lead = Annotated[Principal, Depends(require_person(Role.AGENCY))]

SINCE = "inbox_since"
"""The session's previous visit: {"position": int | None, "at": ISO time | None}."""
FLASH = "agency_flash"
WRITTEN = "agency_written"
"""The log position of the person's last command: the actions list waits for its views to hold it."""
ACTIONS_PAGE = 50
CASCADE_METHODS = [(m.value, m.value.replace("_", " ").capitalize()) for m in CascadeMethod]


def _agency(lead: Principal) -> str:
    assert lead.agency_id is not None  # make_principal requires one of an agency
    return lead.agency_id


def _today() -> date:
    return datetime.now(UTC).date()


def _since(request: Request, lead: Principal, newest: int) -> dict[str, Any]:
    """The visit this session compares with: the person's previous one, as the session's first look
    at the inbox found it. Every look records the visit, so the next sign-in compares with it."""
    visits = PageVisits(delivery_db(request.app.state.settings))
    try:
        previous = visits.record(lead.partnership_id, lead.subject, "inbox", newest, datetime.now(UTC))
    finally:
        visits.close()
    kept = request.session.get(SINCE)
    if isinstance(kept, dict):
        return kept
    since: dict[str, Any] = {"position": None, "at": None}
    if previous is not None:
        since = {"position": previous.position, "at": previous.at.isoformat()}
    request.session[SINCE] = since
    return since


def _flash(request: Request) -> str | None:
    said = request.session.pop(FLASH, None)
    return said if isinstance(said, str) else None


def _done(request: Request, href: str, said: str, position: int | None) -> Response:
    request.session[FLASH] = said
    if position is not None:
        request.session[WRITTEN] = position
    return RedirectResponse(href, status_code=303)


# --- the inbox ------------------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(
    request: Request, lead: Lead, before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    pid, agency = lead.partnership_id, _agency(lead)
    store = request.app.state.store
    entries = await run_in_threadpool(
        with_ledger, request,
        lambda ledger: opened_entries(store, ledger.newest(pid, agency, before, 0, reads.INBOX_PAGE + 1)),
    )
    newest = entries[0].envelope.position if entries and before is None else 0
    since = await run_in_threadpool(_since, request, lead, newest)
    store = request.app.state.store
    page = await run_in_threadpool(reads.inbox, store, entries, agency, since["position"])
    name = await run_in_threadpool(reads.agency_name, store, pid, agency)
    return render(
        request, "agency/inbox.html", inbox=page, agency_name=name, current_page="inbox", flash=_flash(request),
        since_at=datetime.fromisoformat(since["at"]) if since["at"] else None, before=before,
    )


async def _item(request: Request, lead: Lead, event_id: UUID) -> reads.InboxItem:
    pid, agency = lead.partnership_id, _agency(lead)
    entry = await run_in_threadpool(with_ledger, request, lambda ledger: ledger.entry(pid, agency, str(event_id)))
    if entry is None:
        raise HTTPException(404)
    (entry,) = opened_entries(request.app.state.store, [entry])
    since = request.session.get(SINCE)
    seen = since.get("position") if isinstance(since, dict) else None
    return await run_in_threadpool(reads.item_of, request.app.state.store, entry, agency, seen)


def _item_page(request: Request, item: reads.InboxItem, errors: FormErrors | None = None) -> Response:
    errors = errors or FormErrors()
    return render(
        request, "agency/item.html", 400 if errors else 200, item=item, errors=errors, methods=CASCADE_METHODS,
        flash=_flash(request), current_page="inbox", today=_today(), new_key=new_form_key(),
    )


@router.get("/inbox/{event_id}", response_class=HTMLResponse)
async def inbox_item(request: Request, lead: Lead, event_id: UUID) -> Response:
    return _item_page(request, await _item(request, lead, event_id))


@router.post("/inbox/{event_id}/acknowledgement", response_class=HTMLResponse)
async def acknowledge(request: Request, lead: Lead, event_id: UUID) -> Response:
    item = await _item(request, lead, event_id)
    if item.source is None:
        raise HTTPException(404)
    form = await request.form()
    typed: dict[str, Any] = typed_values(form.multi_items())
    methods = [m for m in form.getlist("cascaded_by") if isinstance(m, str)]
    typed["cascaded_by"] = methods
    errors = FormErrors(typed=typed)
    on = typed_date("acknowledged_on", "the date the learning was cascaded", typed, errors)
    if errors:
        return _item_page(request, item, errors)
    payload = {
        "agency_id": _agency(lead), "acknowledged_on": on.isoformat() if on else None, "cascaded_by": methods,
        "notes": typed.get("notes", "").strip() or None,
    }
    try:
        outcome = await run_in_threadpool(run_command, request, lead, "acknowledge_learning", item.source.activity_id,
                                          payload, form_key(typed))
    except (DomainError, ValidationError) as exc:
        return _item_page(request, item, refusal(exc, typed))
    return _done(request, f"/inbox/{event_id}", "Acknowledged: the partnership can see how you cascaded this learning.",
                 outcome.position)


# --- the agency's actions ----------------------------------------------------------------------------


@router.get("/actions", response_class=HTMLResponse)
async def actions(
    request: Request, lead: Lead,
    cursor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,600}$")] = None,
) -> Response:
    projector = request.app.state.projector
    written = request.session.get(WRITTEN)
    # The list is the tracker view's: it waits (a little) for what was recorded before the request,
    # and for the person's own last command a little longer; still behind, the page says so.
    await run_in_threadpool(projector.wait_for, projector.head(), 1.0)
    if isinstance(written, int):
        await run_in_threadpool(projector.wait_for, written, 5.0)

    def read() -> tuple[lists.ListPage, int, int]:
        with snapshot(projector.db) as cur:
            # The application's list holds an agency to its own actions, as the API's does.
            page = lists.actions(cur, lead, ListQuery(ActionFilters(), "due_on", cursor, ACTIONS_PAGE), _today())
        return page, projector.position(), projector.head()

    page, position, head = await run_in_threadpool(read)
    rows = [{**row, "rag_words": reads.RAG_WORDS[row["rag"]], "rag_tag": reads.RAG_TAGS[row["rag"]],
             "due": date.fromisoformat(row["due_on"]).strftime("%-d\u00a0%b\u00a0%Y")}  # kept on one line
            for row in page.items]
    name = await run_in_threadpool(reads.agency_name, request.app.state.store, lead.partnership_id, _agency(lead))
    return render(
        request, "agency/actions.html", rows=rows, next_cursor=page.next, first_page=cursor is None,
        agency_name=name, current_page="actions", lag=max(0, head - position), today=_today(), flash=_flash(request),
    )


async def _action(request: Request, lead: Lead, action_id: UUID) -> reads.ActionPage:
    found = await run_in_threadpool(
        reads.own_action, request.app.state.store, lead.partnership_id, _agency(lead), action_id, _today(),
    )
    if found is None:
        raise HTTPException(404)
    return found


def _action_page(request: Request, found: reads.ActionPage, errors: FormErrors | None = None,
                 form: str | None = None, status: int = 200) -> Response:
    shown = errors if errors is not None else FormErrors()
    return render(
        request, "agency/action.html", 400 if errors else status, found=found, a=found.action, errors=shown,
        progress_errors=shown if form == "progress" else FormErrors(),
        completion_errors=shown if form == "completion" else FormErrors(),
        today=_today(), flash=_flash(request), current_page="actions", new_key=new_form_key(),
    )


@router.get("/actions/{action_id}", response_class=HTMLResponse)
async def action(request: Request, lead: Lead, action_id: UUID) -> Response:
    return _action_page(request, await _action(request, lead, action_id))


@router.post("/actions/{action_id}/progress", response_class=HTMLResponse)
async def report_progress(request: Request, lead: Lead, action_id: UUID) -> Response:
    found = await _action(request, lead, action_id)
    typed = typed_values((await request.form()).multi_items())
    errors = FormErrors(typed=typed)
    on = typed_date("noted_on", "the date of this update", typed, errors)
    if errors:
        return _action_page(request, found, errors, "progress")
    payload: dict[str, Any] = {"noted_on": on.isoformat() if on else None, "note": typed.get("note", "")}
    if typed.get("on_track") in ("true", "false"):
        payload["on_track"] = typed["on_track"] == "true"
    try:
        outcome = await run_in_threadpool(run_command, request, lead, "note_progress", action_id, payload,
                                          form_key(typed))
    except (DomainError, ValidationError) as exc:
        return _action_page(request, found, refusal(exc, typed), "progress")
    return _done(request, f"/actions/{action_id}", "Progress reported.", outcome.position)


def _completion_payload(typed: dict[str, str], on: date | None) -> dict[str, Any]:
    evidence = {"description": typed.get("evidence_description", "")}
    if typed.get("evidence_reference", "").strip():
        evidence["reference"] = typed["evidence_reference"].strip()
    return {"completed_on": on.isoformat() if on else None, "evidence": [evidence]}


@router.post("/actions/{action_id}/completion", response_class=HTMLResponse)
async def complete(request: Request, lead: Lead, action_id: UUID) -> Response:
    """First the answers are checked and shown back (completing cannot be undone by the agency);
    confirmed, the command runs."""
    found = await _action(request, lead, action_id)
    typed = typed_values((await request.form()).multi_items())
    errors = FormErrors(typed=typed)
    on = typed_date("completed_on", "the date the action was completed", typed, errors)
    if errors:
        return _action_page(request, found, errors, "completion")
    payload = _completion_payload(typed, on)
    try:
        check_payload("complete_action", payload)
    except ValidationError as exc:
        return _action_page(request, found, refusal(exc, typed), "completion")
    if typed.get("confirmed") == "change":
        return _action_page(request, found, FormErrors(typed=typed), "completion")
    if typed.get("confirmed") != "yes":
        return render(request, "agency/check_completion.html", found=found, a=found.action, typed=typed,
                      completed_on=on, current_page="actions")
    try:
        outcome = await run_in_threadpool(run_command, request, lead, "complete_action", action_id, payload,
                                          form_key(typed))
    except (DomainError, ValidationError) as exc:
        return _action_page(request, found, refusal(exc, typed), "completion")
    return _done(request, f"/actions/{action_id}", "Action completed: the business unit will assure its impact.",
                 outcome.position)
