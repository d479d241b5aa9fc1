"""People the partnership mails, and why each mail goes to whom: partnership data.

A person is a contact of an agency (its lead, an action's owner's team) and/or a member of
forums, with their choice of one mail per event or a daily or weekly digest, and whether
they stopped the mail (one link in every mail does it). Their name and address are personal
data: they are not in these events at all, but in the mail directory beside the ledger
(adapters/mail.py), where erasing the person deletes them; `PersonErased` records that it
was done, by whom and why.

`mail_reasons` is the one rule of who is mailed about a time-derived event or an issued
newsletter, and the sentence each mail says it was sent for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.aggregate import AggregateEvent, AggregateState, Change, Context, base_fields, change
from domain.errors import InvalidInput, RuleViolation
from domain.events import DomainEvent
from domain.newsletter import NewsletterIssued
from domain.newsletter_state import AUDIENCE_WORDS
from domain.partnership import Partnership
from domain.time_events import (
    AcknowledgementOutstanding,
    ActionDueSoon,
    ActionEscalated,
    ActionOverdue,
    DeadlineApproaching,
    DeadlineBreached,
    PapersDue,
)

Digest = Literal["each", "daily", "weekly"]
"""One mail per event, or one a day, or one a week, with everything since."""


class Person(AggregateState):
    agency_id: str | None
    forum_ids: tuple[str, ...]
    digest: Digest
    stopped: bool = False
    erased: bool = False


class PersonAdded(AggregateEvent[Person]):
    TOPIC = "lif.person.added"
    SUMMARY = "Person added to the partnership's mail: agency {agency_id}, forums {forum_ids}, digest {digest}"
    agency_id: str | None
    forum_ids: tuple[str, ...]
    digest: Digest

    def apply(self, state: Person | None) -> Person:
        return Person(**base_fields(self), agency_id=self.agency_id, forum_ids=self.forum_ids, digest=self.digest)


class MailDigestChosen(AggregateEvent[Person]):
    TOPIC = "lif.person.mail_digest_chosen"
    SUMMARY = "Mail chosen as: {digest}"
    digest: Digest

    def apply(self, state: Person | None) -> Person:
        assert state is not None
        return state.model_copy(update={"digest": self.digest, "stopped": False})


class MailStopped(AggregateEvent[Person]):
    TOPIC = "lif.person.mail_stopped"
    SUMMARY = "Mail stopped ({how})"
    how: Literal["link", "request"]

    def apply(self, state: Person | None) -> Person:
        assert state is not None
        return state.model_copy(update={"stopped": True})


class PersonErased(AggregateEvent[Person]):
    TOPIC = "lif.person.erased"
    SUMMARY = "Person's name and address erased"

    def apply(self, state: Person | None) -> Person:
        assert state is not None
        return state.model_copy(update={"erased": True, "stopped": True})


def add_person(
    p: Partnership, ctx: Context, person_id: UUID, *, agency_id: str | None, forum_ids: tuple[str, ...], digest: Digest,
) -> Change[Person]:
    if agency_id is None and not forum_ids:
        raise InvalidInput(
            "person_without_reason", "A person is mailed as an agency's contact or a forum's member: name one.",
            "agency_id",
        )
    if agency_id is not None:
        p.agency(agency_id)
    for i, forum_id in enumerate(forum_ids):
        p.forum(forum_id, f"forum_ids[{i}]")
    c: Change[Person] = Change(None, person_id)
    return c.trigger(PersonAdded, ctx, agency_id=agency_id, forum_ids=tuple(dict.fromkeys(forum_ids)), digest=digest)


def _live(person: Person) -> None:
    if person.erased:
        raise RuleViolation("person_erased", "This person has been erased.", "person_id")


def choose_digest(person: Person, ctx: Context, *, digest: Digest) -> Change[Person]:
    _live(person)
    return change(person).trigger(MailDigestChosen, ctx, digest=digest)


def stop_mail(person: Person, ctx: Context, *, how: Literal["link", "request"]) -> Change[Person] | None:
    """None when it is stopped already: a second click of the link records nothing."""
    if person.stopped:
        return None
    return change(person).trigger(MailStopped, ctx, how=how)


def erase_person(person: Person, ctx: Context) -> Change[Person]:
    _live(person)
    if not (ctx.rationale or "").strip():
        raise InvalidInput("rationale_required", "Say why the person is erased (rationale).", "rationale")
    return change(person).trigger(PersonErased, ctx)


# --- who is mailed, and why ------------------------------------------------------------------


class Addressee(BaseModel):
    """What the rule needs of a person (no name, no address)."""

    model_config = ConfigDict(frozen=True)

    person_id: UUID
    agency_id: str | None
    forum_ids: tuple[str, ...]


def mail_reasons(event: DomainEvent, people: Iterable[Addressee]) -> dict[UUID, str]:
    """The people a time-derived event or an issued newsletter is mailed to, each with the sentence that says why."""
    if isinstance(event, NewsletterIssued):
        # Its audience was decided when it was issued: the event names the agencies.
        audience, words = set(event.agencies), AUDIENCE_WORDS[event.audience]
        return {
            person.person_id: f"You receive this because you are a contact of {person.agency_id}, which is in "
            f"this newsletter's audience ({words})."
            for person in people if person.agency_id in audience
        }
    agency: str | None = None
    forum: str | None = None
    as_agency = as_forum = ""
    if isinstance(event, ActionDueSoon | ActionOverdue | ActionEscalated):
        agency = event.owner_agency_id
        as_agency = f"you are a contact of {agency}, which owns this action"
        if isinstance(event, ActionEscalated):
            forum, as_forum = event.forum_id, f"you are a member of {event.forum_id}, to which it was escalated"
    elif isinstance(event, AcknowledgementOutstanding):
        agency = event.agency_id
        as_agency = f"you are a contact of {agency}, which is expected to acknowledge this learning"
    elif isinstance(event, PapersDue):
        forum, as_forum = event.forum_id, f"you are a member of {event.forum_id}"
    elif isinstance(event, DeadlineApproaching | DeadlineBreached) and event.forum_id is not None:
        forum, as_forum = event.forum_id, f"you are a member of {event.forum_id}, which signs this activity off"
    chosen: dict[UUID, str] = {}
    for person in people:
        if agency is not None and person.agency_id == agency:
            chosen[person.person_id] = f"You receive this because {as_agency}."
        elif forum is not None and forum in person.forum_ids:
            chosen[person.person_id] = f"You receive this because {as_forum}."
    return chosen
