"""The partnership's newsletter: what was learned, signed off and published in a period, for an
audience (all agencies, or one sector's), drafted, edited, approved and issued.

Its contents (findings by theme, activities signed off, briefings and reports published) are
not typed by anyone: they are read from the log (services/application/products/newsletters.py),
as it stands for a draft and as it stood when the issue was recorded for an issued one, so an
issued newsletter reads the same for ever after. What a person writes is its title and the
editor's introduction. Approval is of that text: editing an approved newsletter takes it back
to a draft. Issuing it is learning: it goes to the feeds of the agencies in its audience and is
mailed to their people (domain/people.py `mail_reasons`), once each.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain.aggregate import AggregateEvent, Change, Context, change
from domain.dates import not_before
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from domain.framework import PARTNERSHIP_AGENCY
from domain.newsletter_state import AUDIENCE_WORDS, Audience, Newsletter, NewsletterStatus
from domain.partnership import Partnership
from domain.routing import LearningKind
from domain.values import FreeText

MAX_INTRODUCTION = 3_000
"""About half a page: an introduction, not an article."""
MAX_PERIOD_DAYS = 366


def _replace(p: Partnership, newsletter: Newsletter) -> Partnership:
    kept = tuple(n for n in p.newsletters if n.newsletter_id != newsletter.newsletter_id)
    return p.model_copy(update={"newsletters": (*kept, newsletter)})


def _of(p: Partnership, newsletter_id: UUID) -> Newsletter:
    found = next((n for n in p.newsletters if n.newsletter_id == newsletter_id), None)
    assert found is not None
    return found


class NewsletterDrafted(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.newsletter_drafted"
    SUMMARY = "Newsletter drafted on {drafted_on} for {audience}, {period_from} to {period_to}: {title}"
    newsletter_id: UUID
    title: FreeText
    period_from: date
    period_to: date
    audience: Audience
    drafted_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        return _replace(state, Newsletter(
            newsletter_id=self.newsletter_id, title=self.title, period_from=self.period_from,
            period_to=self.period_to, audience=self.audience, status=NewsletterStatus.DRAFTED,
            drafted_on=self.drafted_on,
        ))


class NewsletterEdited(AggregateEvent[Partnership]):
    """Only what changed (the title, the introduction); the rest stays as it was."""

    TOPIC = "lif.partnership.newsletter_edited"
    SUMMARY = "Newsletter edited on {edited_on}: {changed}"
    newsletter_id: UUID
    changed: tuple[str, ...]
    title: FreeText | None = None
    introduction: FreeText | None = None
    edited_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        new = {name: getattr(self, name) for name in self.changed}
        return _replace(state, _of(state, self.newsletter_id).model_copy(update={
            **new, "edited_on": self.edited_on, "status": NewsletterStatus.DRAFTED,
            "approved_by": None, "approved_on": None,
        }))


class NewsletterApproved(AggregateEvent[Partnership]):
    TOPIC = "lif.partnership.newsletter_approved"
    SUMMARY = "Newsletter approved by {approved_by} on {approved_on}"
    newsletter_id: UUID
    approved_by: FreeText
    approved_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        return _replace(state, _of(state, self.newsletter_id).model_copy(update={
            "status": NewsletterStatus.APPROVED, "approved_by": self.approved_by, "approved_on": self.approved_on,
        }))


class NewsletterIssued(AggregateEvent[Partnership]):
    """Carries what its readers see of it in a feed (the title) and whom it went to, as decided
    when it was issued: routing and mail read the event, not the audience's agencies now."""

    TOPIC = "lif.partnership.newsletter_issued"
    SUMMARY = "Newsletter issued on {issued_on} to {audience} ({agencies}): {title}"
    LEARNING = LearningKind.NEWSLETTER_ISSUED
    newsletter_id: UUID
    title: FreeText
    audience: Audience
    agencies: tuple[str, ...]
    period_from: date
    period_to: date
    issued_on: date

    def apply(self, state: Partnership | None) -> Partnership:
        assert state is not None
        return _replace(state, _of(state, self.newsletter_id).model_copy(update={
            "status": NewsletterStatus.ISSUED, "issued_on": self.issued_on, "issued_at": self.timestamp,
            "agencies": self.agencies,
        }))


# --- the rules ----------------------------------------------------------------------


def newsletter_of(p: Partnership, newsletter_id: UUID) -> Newsletter:
    found = next((n for n in p.newsletters if n.newsletter_id == newsletter_id), None)
    if found is None:
        raise NotFound("unknown_newsletter", f"No newsletter {newsletter_id} in partnership {p.partnership_id!r}.",
                       "newsletter_id")
    return found


def audience_agencies(p: Partnership, audience: Audience) -> tuple[str, ...]:
    """The agencies a newsletter for this audience goes to, as the partnership stands: every
    member agency, or those of the sector (never the partnership's own business unit's feed)."""
    return tuple(sorted(
        a.agency_id for a in p.agencies.values()
        if a.agency_id != PARTNERSHIP_AGENCY and (audience is Audience.ALL or a.sector.value == audience.value)
    ))


def _reaches_someone(p: Partnership, audience: Audience) -> tuple[str, ...]:
    agencies = audience_agencies(p, audience)
    if not agencies:
        raise RuleViolation(
            "audience_empty", f"No agency of the partnership is in the audience {AUDIENCE_WORDS[audience]!r}; "
            "choose another audience or add the agency first.", "audience",
        )
    return agencies


def _check_title(title: str) -> None:
    if not title.strip():
        raise InvalidInput("title_required", "Give the newsletter a title.", "title")


def _check_introduction(text: str) -> None:
    if len(text) > MAX_INTRODUCTION:
        raise InvalidInput(
            "introduction_too_long", f"The introduction runs to {len(text)} characters; keep it to "
            f"{MAX_INTRODUCTION} (about half a page).", "introduction",
        )


def draft_newsletter(
    p: Partnership, ctx: Context, *, title: str, period_from: date, period_to: date, audience: Audience,
    drafted_on: date, newsletter_id: UUID | None = None,
) -> Change[Partnership]:
    _check_title(title)
    if period_to < period_from:
        raise InvalidInput("invalid_period", "period_to must not be before period_from.", "period_to")
    if (period_to - period_from).days >= MAX_PERIOD_DAYS:
        raise InvalidInput("invalid_period", "A newsletter covers at most a year.", "period_from")
    not_before("drafted_on", drafted_on, period_from, "the start of its period")
    _reaches_someone(p, audience)
    chosen = newsletter_id or uuid4()
    if any(n.newsletter_id == chosen for n in p.newsletters):
        raise RuleViolation("newsletter_exists", f"The id {chosen} is already in use; choose another newsletter_id.",
                            "newsletter_id")
    return change(p).trigger(
        NewsletterDrafted, ctx, newsletter_id=chosen, title=title, period_from=period_from, period_to=period_to,
        audience=audience, drafted_on=drafted_on,
    )


def edit_newsletter(
    p: Partnership, ctx: Context, *, newsletter_id: UUID, edited_on: date, title: str | None = None,
    introduction: str | None = None,
) -> Change[Partnership]:
    n = newsletter_of(p, newsletter_id)
    if n.status is NewsletterStatus.ISSUED:
        raise DomainError("newsletter_issued", f"The newsletter was issued on {n.issued_on}; it is not edited after.",
                          "newsletter_id")
    if title is None and introduction is None:
        raise InvalidInput("part_required", "Give the title or the introduction to change.", "introduction")
    if title is not None:
        _check_title(title)
    if introduction is not None:
        _check_introduction(introduction)
    changed = {k: v for k, v in (("title", title), ("introduction", introduction))
               if v is not None and v != getattr(n, k)}
    if not changed:
        raise DomainError("nothing_changed", "The edit changes nothing in the newsletter.", "introduction")
    not_before("edited_on", edited_on, n.last_changed_on, "the newsletter's last change")
    return change(p).trigger(
        NewsletterEdited, ctx, newsletter_id=newsletter_id, changed=tuple(changed), **changed, edited_on=edited_on,
    )


def approve_newsletter(
    p: Partnership, ctx: Context, *, newsletter_id: UUID, approved_by: str, approved_on: date,
) -> Change[Partnership]:
    n = newsletter_of(p, newsletter_id)
    if n.status is not NewsletterStatus.DRAFTED:
        raise DomainError(f"newsletter_{n.status.value}",
                          f"The newsletter is {n.status.value} already; edit it to approve it again.", "newsletter_id")
    if not n.introduction.strip():
        raise RuleViolation("introduction_required",
                            "Write the editor's introduction before the newsletter is approved.", "introduction")
    not_before("approved_on", approved_on, n.last_changed_on, "the newsletter's last change")
    return change(p).trigger(
        NewsletterApproved, ctx, newsletter_id=newsletter_id, approved_by=approved_by, approved_on=approved_on,
    )


def issue_newsletter(p: Partnership, ctx: Context, *, newsletter_id: UUID, issued_on: date) -> Change[Partnership]:
    n = newsletter_of(p, newsletter_id)
    if n.status is not NewsletterStatus.APPROVED:
        code = "newsletter_issued" if n.status is NewsletterStatus.ISSUED else "newsletter_not_approved"
        raise DomainError(code, f"Only an approved newsletter is issued; this one is {n.status.value}.",
                          "newsletter_id")
    not_before("issued_on", issued_on, n.approved_on, "the newsletter's approved_on")
    not_before("issued_on", issued_on, n.period_to, "the end of its period")
    agencies = _reaches_someone(p, n.audience)
    return change(p).trigger(
        NewsletterIssued, ctx, newsletter_id=newsletter_id, title=n.title, audience=n.audience, agencies=agencies,
        period_from=n.period_from, period_to=n.period_to, issued_on=issued_on,
    )
