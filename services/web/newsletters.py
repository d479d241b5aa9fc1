"""The business unit's newsletters: the list, drafting one, its page (the newsletter as it will
read, with its PDF and Word), writing the editor's introduction, approving it and issuing it.

Each form is a declared command (domain/commands/newsletter.py) run through the command table as
the API runs it (services/web/command_forms.py). Issuing sends it to agencies' feeds and by mail,
so it is checked on its own page first ("check your answers"). The contents are read as the API
reads them (services/application/products/newsletters.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.documents import Bullets, Document, Heading, Paragraph, Table
from adapters.documents.pdf import render_pdf
from adapters.documents.word import render_docx
from domain.commands import ApproveNewsletter, DraftNewsletter, EditNewsletter, IssueNewsletter
from domain.errors import DomainError, NotFound
from domain.newsletter import audience_agencies, newsletter_of
from domain.newsletter_state import AUDIENCE_WORDS, Audience, Newsletter, NewsletterStatus
from services.api.files import DOCX, PDF
from services.application.auth.principals import Principal, Role
from services.application.products.common import agency_name, long_date
from services.application.products.newsletters import NewsletterContent, build_newsletter, newsletter_document
from services.web.bizunit_activities import form_page, partnership_of
from services.web.command_forms import Choice, FormField, Submitted, describe, read_command, refusal, run
from services.web.session import require_person
from services.web.templating import render

router = APIRouter()

Admin = Annotated[Principal, Depends(require_person(Role.ADMIN))]
Reader = Annotated[Principal, Depends(require_person(Role.ADMIN, Role.AGENCY))]
"""The business unit, or an agency lead reading a newsletter issued to their agency."""
STATUS_TAGS = {"drafted": "yellow", "approved": "blue", "issued": "green"}
HOME = "/newsletters"


def _href(newsletter_id: UUID) -> str:
    return f"{HOME}/{newsletter_id}"


def _today(*names: str) -> dict[str, str]:
    day = date.today()
    return {f"{n}-{part}": str(v) for n in names for part, v in (("day", day.day), ("month", day.month),
                                                                ("year", day.year))}


def _newsletter(request: Request, admin: Principal, newsletter_id: UUID) -> Newsletter:
    return newsletter_of(partnership_of(request, admin), newsletter_id)


# --- the list --------------------------------------------------------------------------------


@router.get(HOME, response_class=HTMLResponse)
def newsletter_list(request: Request, admin: Admin) -> Response:
    p = partnership_of(request, admin)
    return render(
        request, "newsletter/list.html", newsletters=list(reversed(p.newsletters)), status_tags=STATUS_TAGS,
        audience_words=AUDIENCE_WORDS, long_date=long_date, current_page="newsletters",
    )


# --- drafting one ----------------------------------------------------------------------------


def _draft_fields() -> tuple[FormField, ...]:
    audiences = [Choice(a.value, AUDIENCE_WORDS[a].capitalize(),
                        "Every agency of the partnership" if a is Audience.ALL else None) for a in Audience]
    return describe(
        DraftNewsletter, ("title", "audience", "period_from", "period_to", "drafted_on"),
        labels={"title": "Title", "audience": "Who it is for", "period_from": "From",
                "period_to": "To", "drafted_on": "Date drafted"},
        hints={"title": "For example, Learning newsletter: summer 2026",
               "audience": "It is sent to the agencies of this audience, and by e-mail to their people.",
               "period_from": "The first day of the learning it covers.",
               "period_to": "The last day: it is issued on or after this day."},
        choices={"audience": audiences},
    )


@router.get(f"{HOME}/new", response_class=HTMLResponse)
def draft_form(request: Request, admin: Admin) -> Response:
    p = partnership_of(request, admin)
    return form_page(request, _draft_fields(), heading="Draft a newsletter", caption=p.name,
                     action=f"{HOME}/new", back=HOME,
                     submit_text="Draft the newsletter",
                     typed={"audience": Audience.ALL.value, **_today("drafted_on")}, current_page="newsletters",
                     intro=["Its contents are read from the partnership's records for the period: the findings by "
                            "theme, the reviews and audits signed off, the 7-minute briefings and the reports "
                            "published. You write its title and, next, the editor's introduction."])


@router.post(f"{HOME}/new", response_class=HTMLResponse)
async def draft(request: Request, admin: Admin) -> Response:
    fields, newsletter_id = _draft_fields(), uuid4()
    submitted = read_command(DraftNewsletter, fields, await request.form(), {"newsletter_id": str(newsletter_id)})
    if submitted.command is not None:
        try:
            await run(request, admin, submitted.command)
        except DomainError as exc:
            submitted = Submitted(submitted.typed, refusal(exc, fields, submitted.typed))
        else:
            return RedirectResponse(_href(newsletter_id), status_code=303)
    return form_page(request, fields, heading="Draft a newsletter", action=f"{HOME}/new", back=HOME,
                     submitted=submitted, submit_text="Draft the newsletter", current_page="newsletters")


# --- its page ----------------------------------------------------------------------------------


def _blocks(doc: Document) -> list[dict[str, Any]]:
    """The document's blocks for the page's template (which draws each in the Design System's style)."""
    shown: list[dict[str, Any]] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            shown.append({"kind": "heading", "text": block.text, "level": block.level})
        elif isinstance(block, Paragraph):
            shown.append({"kind": "paragraph", "text": block.text, "emphasis": block.emphasis})
        elif isinstance(block, Bullets):
            shown.append({"kind": "bullets", "items": block.items})
        elif isinstance(block, Table):
            shown.append({"kind": "table", "header": block.header,
                          "rows": [[c.text for c in row] for row in block.rows]})
    return shown


def _content(request: Request, admin: Principal, newsletter_id: UUID) -> NewsletterContent:
    return build_newsletter(request.app.state.store, admin.partnership_id, newsletter_id, datetime.now(UTC))


@router.get(f"{HOME}/{{newsletter_id}}", response_class=HTMLResponse)
async def newsletter_page(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    n = _newsletter(request, admin, newsletter_id)
    content = await run_in_threadpool(_content, request, admin, newsletter_id)
    doc = newsletter_document(content)
    return render(
        request, "newsletter/page.html", n=n, content=content, doc=doc, blocks=_blocks(doc)[1:],
        status_tags=STATUS_TAGS, long_date=long_date, href=_href(n.newsletter_id), current_page="newsletters",
    )


def _readable(request: Request, person: Principal, newsletter_id: UUID) -> Newsletter:
    """The newsletter, for the business unit; for an agency, only once issued to it (else unknown to it)."""
    n = _newsletter(request, person, newsletter_id)
    if person.role is Role.AGENCY and person.agency_id not in n.agencies:
        raise NotFound("unknown_newsletter", f"No newsletter {newsletter_id} was issued to your agency.",
                       "newsletter_id")
    return n


@router.get(f"{HOME}/{{newsletter_id}}/read", response_class=HTMLResponse)
async def newsletter_read(request: Request, reader: Reader, newsletter_id: UUID) -> Response:
    """The issued newsletter as its readers have it (an agency's inbox links here)."""
    n = _readable(request, reader, newsletter_id)
    content = await run_in_threadpool(_content, request, reader, newsletter_id)
    doc = newsletter_document(content)
    return render(
        request, "newsletter/page.html", n=n, content=content, doc=doc, blocks=_blocks(doc)[1:], reader=True,
        status_tags=STATUS_TAGS, long_date=long_date, href=_href(n.newsletter_id), current_page="inbox",
    )


@router.get(f"{HOME}/{{newsletter_id}}/newsletter.pdf")
async def newsletter_pdf(request: Request, reader: Reader, newsletter_id: UUID) -> Response:
    _readable(request, reader, newsletter_id)
    content = await run_in_threadpool(_content, request, reader, newsletter_id)
    return Response(render_pdf(newsletter_document(content)), media_type=PDF,
                    headers={"Content-Disposition": f'attachment; filename="newsletter-{newsletter_id}.pdf"'})


@router.get(f"{HOME}/{{newsletter_id}}/newsletter.docx")
async def newsletter_docx(request: Request, reader: Reader, newsletter_id: UUID) -> Response:
    _readable(request, reader, newsletter_id)
    content = await run_in_threadpool(_content, request, reader, newsletter_id)
    return Response(render_docx(newsletter_document(content)), media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="newsletter-{newsletter_id}.docx"'})


# --- editing, approving ----------------------------------------------------------------------


def _edit_fields() -> tuple[FormField, ...]:
    return describe(
        EditNewsletter, ("title", "introduction", "edited_on"),
        labels={"title": "Title", "introduction": "Editor's introduction", "edited_on": "Date edited"},
        hints={"introduction": "What this issue is about and why it matters, in a few short paragraphs (a blank "
                               "line between them). At most 3,000 characters."},
        required=("introduction",),
    )


def _approve_fields() -> tuple[FormField, ...]:
    return describe(ApproveNewsletter, ("approved_by", "approved_on"),
                    labels={"approved_by": "Approved by", "approved_on": "Date approved"},
                    hints={"approved_by": "The name and role of the person who approved the text."})


async def _step(
    request: Request, admin: Principal, n: Newsletter, command: type[Any], fields: Sequence[FormField], *,
    heading: str, slug: str, submit_text: str, typed: dict[str, Any], post: bool, intro: Sequence[str] = (),
) -> Response:
    action, back = f"{_href(n.newsletter_id)}/{slug}", _href(n.newsletter_id)
    submitted: Submitted | None = None
    if post:
        submitted = read_command(command, fields, await request.form(), {"newsletter_id": str(n.newsletter_id)})
        if submitted.command is not None:
            try:
                await run(request, admin, submitted.command)
            except DomainError as exc:
                submitted = Submitted(submitted.typed, refusal(exc, fields, submitted.typed))
            else:
                return RedirectResponse(back, status_code=303)
    return form_page(request, fields, heading=heading, caption=n.title, action=action, back=back,
                     submitted=submitted, submit_text=submit_text, typed=typed, intro=intro,
                     current_page="newsletters")


def _edit(request: Request, admin: Principal, newsletter_id: UUID, post: bool) -> Any:
    n = _newsletter(request, admin, newsletter_id)
    intro = ["Approval is of the text: changing it after approval takes the newsletter back to a draft."] \
        if n.status is NewsletterStatus.APPROVED else []
    return _step(request, admin, n, EditNewsletter, _edit_fields(), heading="Edit the newsletter", slug="edit",
                 submit_text="Save", typed={"title": n.title, "introduction": n.introduction, **_today("edited_on")},
                 post=post, intro=intro)


@router.get(f"{HOME}/{{newsletter_id}}/edit", response_class=HTMLResponse)
async def edit_form(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    response: Response = await _edit(request, admin, newsletter_id, post=False)
    return response


@router.post(f"{HOME}/{{newsletter_id}}/edit", response_class=HTMLResponse)
async def edit(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    response: Response = await _edit(request, admin, newsletter_id, post=True)
    return response


def _approve(request: Request, admin: Principal, newsletter_id: UUID, post: bool) -> Any:
    n = _newsletter(request, admin, newsletter_id)
    return _step(request, admin, n, ApproveNewsletter, _approve_fields(), heading="Approve the newsletter",
                 slug="approve", submit_text="Approve the newsletter", typed=_today("approved_on"), post=post,
                 intro=["Approve the text as it reads on the newsletter's page. It is not sent until it is issued."])


@router.get(f"{HOME}/{{newsletter_id}}/approve", response_class=HTMLResponse)
async def approve_form(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    response: Response = await _approve(request, admin, newsletter_id, post=False)
    return response


@router.post(f"{HOME}/{{newsletter_id}}/approve", response_class=HTMLResponse)
async def approve(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    response: Response = await _approve(request, admin, newsletter_id, post=True)
    return response


# --- issuing it, checked first ---------------------------------------------------------------


def _issue_fields() -> tuple[FormField, ...]:
    return describe(IssueNewsletter, ("issued_on",), labels={"issued_on": "Date of issue"},
                    hints={"issued_on": "On or after the last day of the period it covers."})


def _issue_page(request: Request, n: Newsletter, submitted: Submitted | None = None) -> Response:
    return form_page(request, _issue_fields(), heading="Issue the newsletter", caption=n.title,
                     action=f"{_href(n.newsletter_id)}/issue", back=_href(n.newsletter_id), submitted=submitted,
                     submit_text="Continue", typed=_today("issued_on"), current_page="newsletters",
                     intro=["Issuing it puts it in the learning feed of each agency of its audience and sends it "
                            "by e-mail to their people, once each. You check your answers next."])


@router.get(f"{HOME}/{{newsletter_id}}/issue", response_class=HTMLResponse)
def issue_form(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    return _issue_page(request, _newsletter(request, admin, newsletter_id))


@router.post(f"{HOME}/{{newsletter_id}}/issue", response_class=HTMLResponse)
async def issue(request: Request, admin: Admin, newsletter_id: UUID) -> Response:
    p = partnership_of(request, admin)
    n, fields = newsletter_of(p, newsletter_id), _issue_fields()
    form = await request.form()
    submitted = read_command(IssueNewsletter, fields, form, {"newsletter_id": str(newsletter_id)})
    if submitted.command is None or form.get("change") == "yes":
        return _issue_page(request, n, submitted if submitted.command is None else Submitted(submitted.typed))
    if form.get("confirmed") != "yes":
        assert isinstance(submitted.command, IssueNewsletter)
        agencies = ", ".join(agency_name(p, a) for a in audience_agencies(p, n.audience))
        return render(
            request, "bizunit/check.html", heading="Issue the newsletter", caption=n.title,
            verb="issue the newsletter", action=f"{_href(n.newsletter_id)}/issue", back=_href(n.newsletter_id),
            fields=fields, typed=submitted.typed, confirm_text="Issue the newsletter", current_page="newsletters",
            answers=[("Newsletter", n.title), ("Covers", f"{long_date(n.period_from)} to {long_date(n.period_to)}"),
                     ("Who it is for", AUDIENCE_WORDS[n.audience].capitalize()), ("Agencies", agencies),
                     ("Approved by", f"{n.approved_by or 'Not approved'}"),
                     ("Date of issue", long_date(submitted.command.issued_on))],
            warning="Once issued, it goes to these agencies' feeds and to their people by e-mail, and it cannot "
                    "be changed.",
        )
    try:
        await run(request, admin, submitted.command)
    except DomainError as exc:
        return _issue_page(request, n, Submitted(submitted.typed, refusal(exc, fields, submitted.typed)))
    return RedirectResponse(_href(newsletter_id), status_code=303)
