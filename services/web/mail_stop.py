"""The one link in every mail: /mail/stop/{token} asks, and its button stops that person's mail.

The token (adapters/mail.py, one per person) is the only credential: no sign-in. Opening
the link changes nothing (mail scanners open links); the button records `MailStopped`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from adapters.kafka_settings import delivery_db
from adapters.mail import MailStore
from services.application.mail import People
from services.web.templating import render

router = APIRouter()


def _people(request: Request) -> People:
    state = request.app.state
    if getattr(state, "mail_people", None) is None:
        state.mail_people = People(state.store, MailStore(delivery_db(state.settings)))
    people: People = state.mail_people
    return people


def _unknown(request: Request) -> Response:
    return render(
        request, "error.html", 404, title="This link does not work",
        message="It may have been copied wrongly, or the person it was for has been removed.",
        code="unknown_stop_link", field="token",
    )


@router.get("/mail/stop/{token}", response_class=HTMLResponse)
async def ask(request: Request, token: str) -> Response:
    if await run_in_threadpool(_people(request).mail.person_of_token, token) is None:
        return _unknown(request)
    return render(request, "mail_stop.html", token=token, stopped=False)


@router.post("/mail/stop/{token}", response_class=HTMLResponse)
async def stop(request: Request, token: str) -> Response:
    if not await run_in_threadpool(_people(request).stop_by_link, token):
        return _unknown(request)
    return render(request, "mail_stop.html", token=token, stopped=True)
