"""E-mail to people: the partnership's people and their choices, and the mail sender.

`People` adds a person (their name and address to the directory, adapters/mail.py; the
rest as events, domain/people.py), records their digest choice, stops their mail by the
link in every mail, and erases them. `MailSender` follows the log: it folds people's events
into the directory, and for each time-derived event (and each issued newsletter) puts one ledger row per person
`domain.people.mail_reasons` names (once: the row's key is the event and the person); then
it sends what is due, each person's digest as one mail, and marks each row sent once the
server accepted it. A row keeps no free text: the event names its action or activity, whose
description or title is read from the store as the mail is composed, so a redaction made before
the mail goes reaches it (a mail already sent cannot be taken back, as a webhook's request cannot).
A refusal, or a server that is down, puts the row off with backoff:
mail is delayed, never lost. A crash between the server's acceptance and the mark sends
those mails again on restart (at most `MARK_EVERY`): each has the same Message-ID, so a mail client
shows it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError, RecordConflictError

from adapters.documents.text import render_text
from adapters.mail import Contact, MailStore, Outgoing, Pending, SmtpTransport, compose
from adapters.outbox import Tracking, decode
from adapters.settings import MailSettings
from adapters.sql import Cursor
from adapters.store import EventStore
from domain.action import Action
from domain.activity import Activity
from domain.aggregate import Change, Context
from domain.errors import NotFound, RuleViolation
from domain.newsletter import NewsletterIssued
from domain.partnership import Partnership, partnership_uuid
from domain.people import (
    Addressee,
    Digest,
    MailDigestChosen,
    MailStopped,
    Person,
    PersonAdded,
    PersonErased,
    add_person,
    choose_digest,
    erase_person,
    mail_reasons,
    stop_mail,
)
from domain.time_events import TimeEvent
from projections.audit import summarize
from services.application.products.newsletters import build_newsletter, newsletter_document

Now = Callable[[], datetime]
MARK_EVERY = 50
"""Accepted mails marked sent per transaction (a commit per mail cost most of the sender's time)."""
DIGEST_HOUR = time(7, 0, tzinfo=UTC)
"""Digests go at 07:00 UTC: the day's (or, on Mondays, the week's) reminders before work."""
NEWSLETTER_SUBJECT = "Newsletter: "
"""How a newsletter's ledger rows are told from reminders': each goes at once, as a mail of its
own, whatever digest its reader chose (a newsletter is a digest already)."""


def _now() -> datetime:
    return datetime.now(UTC)


class People:
    def __init__(self, store: EventStore, mail: MailStore) -> None:
        self.store = store
        self.mail = mail

    def _save(self, change: Change[Person]) -> Person:
        try:
            self.store.save(*change.events)
        except (IntegrityError, RecordConflictError):
            raise RuleViolation(
                "concurrent_write", "Another command changed the same person at the same time; retry.", "person_id"
            ) from None
        return change.result

    def get(self, partnership_id: str, person_id: UUID) -> Person:
        person = self.store.load(person_id, Person)
        if person is None or person.partnership_id != partnership_id:
            raise NotFound("unknown_person", f"No person {person_id} in partnership {partnership_id!r}.", "person_id")
        return person

    def add(
        self, ctx: Context, *, name: str, email: str, agency_id: str | None = None,
        forum_ids: tuple[str, ...] = (), digest: Digest = "each",
    ) -> Person:
        partnership = self.store.load(partnership_uuid(ctx.partnership_id), Partnership)
        if partnership is None:
            raise NotFound("unknown_partnership", f"No partnership {ctx.partnership_id!r}.", "partnership_id")
        change = add_person(partnership, ctx, uuid4(), agency_id=agency_id, forum_ids=forum_ids, digest=digest)
        # The address first: an event without it mails no one; an address without its event is never read.
        self.mail.put_contact(change.aggregate_id, ctx.partnership_id, name, email)
        return self._save(change)

    def choose_digest(self, ctx: Context, person_id: UUID, digest: Digest) -> Person:
        return self._save(choose_digest(self.get(ctx.partnership_id, person_id), ctx, digest=digest))

    def stop_by_link(self, token: str) -> bool:
        """The link in a mail: stops that person's mail (once); False for a token no one holds."""
        found = self.mail.person_of_token(token)
        if found is None:
            return False
        person_id, partnership_id = found
        person = self.get(partnership_id, person_id)
        change = stop_mail(person, Context(partnership_id=partnership_id, principal=f"person:{person_id}"), how="link")
        if change is not None:
            self._save(change)
        return True

    def erase(self, ctx: Context, person_id: UUID) -> Person:
        """The event says it was done; the name and address are deleted from the directory."""
        person = self._save(erase_person(self.get(ctx.partnership_id, person_id), ctx))
        self.mail.erase_contact(person_id)
        return person


def _about(event: TimeEvent) -> str:
    """What a time-derived event is about, as the mail ledger names it (no text of it)."""
    action_id = getattr(event, "action_id", None)
    if action_id is not None:
        return f"action:{action_id}"
    activity_id = getattr(event, "activity_id", None)
    return f"activity:{activity_id}" if activity_id is not None else ""


def _digest_at(recorded: datetime, digest: str) -> datetime:
    """When a mail of this event goes: at once, or at the next digest after it was recorded."""
    if digest == "each":
        return recorded
    day = recorded.astimezone(UTC).date() + timedelta(days=1)
    if digest == "weekly":
        day += timedelta(days=(7 - day.weekday()) % 7)  # the next Monday
    return datetime.combine(day, DIGEST_HOUR)


class MailSender:
    def __init__(
        self, store: EventStore, mail: MailStore, tracking: Tracking, transport: SmtpTransport,
        settings: MailSettings, now: Now = _now, batch_size: int = 500,
    ) -> None:
        self.store = store
        self.mail = mail
        self.tracking = tracking
        self.transport = transport
        self.settings = settings
        self.now = now
        self.batch_size = batch_size

    # --- from the log to the ledger ---------------------------------------------------------

    def follow(self) -> int:
        """Folds the next batch of the log into the directory and the ledger; returns positions covered."""
        start = self.tracking.position()
        notifications = self.store.recorder.select_notifications(start=start + 1, limit=self.batch_size)
        if not notifications:
            return 0
        with self.mail.transaction() as cur:
            for n in notifications:
                event = decode(self.store, n)
                if isinstance(event, PersonAdded):
                    self.mail.fold_person(cur, event.originator_id, event.partnership_id, agency_id=event.agency_id,
                                          forum_ids=event.forum_ids, digest=event.digest, stopped=0)
                elif isinstance(event, MailDigestChosen):
                    self.mail.fold_person(
                        cur, event.originator_id, event.partnership_id, digest=event.digest, stopped=0
                    )
                elif isinstance(event, MailStopped | PersonErased):
                    self.mail.fold_person(cur, event.originator_id, event.partnership_id, stopped=1)
                elif isinstance(event, TimeEvent):
                    self._enqueue(cur, event, int(n.id))
                elif isinstance(event, NewsletterIssued):
                    self._enqueue_newsletter(cur, event, int(n.id))
        self.tracking.advance(notifications[-1].id)
        return int(notifications[-1].id) - start

    def _enqueue(self, cur: Cursor, event: TimeEvent, position: int) -> None:
        people = self.mail.addressees(cur, event.partnership_id)
        digests = {p: d for p, _, _, d in people}
        reasons = mail_reasons(event, [Addressee(person_id=p, agency_id=a, forum_ids=f) for p, a, f, _ in people])
        subject = summarize(event.TOPIC, event.model_dump(mode="json"))
        self.mail.enqueue(cur, [
            (str(event.event_id), person, event.partnership_id, position, subject, subject, reason,
             _digest_at(event.timestamp, digests[person]))
            for person, reason in reasons.items()
        ], about=_about(event))

    def _enqueue_newsletter(self, cur: Cursor, event: NewsletterIssued, position: int) -> None:
        """One row per person of the audience's agencies; the body is the newsletter as it was issued."""
        people = self.mail.addressees(cur, event.partnership_id)
        reasons = mail_reasons(event, [Addressee(person_id=p, agency_id=a, forum_ids=f) for p, a, f, _ in people])
        if not reasons:
            return
        # No free text in the row (a redaction could not reach it there): the newsletter is read
        # from the log as it was issued when the mail is composed, its title included.
        partnership = self.store.load(partnership_uuid(event.partnership_id), Partnership)
        name = partnership.name if partnership else event.partnership_id
        subject = f"{NEWSLETTER_SUBJECT}{name}, issued {event.issued_on.day} {event.issued_on:%B %Y}"
        about = f"newsletter:{event.partnership_id}/{event.newsletter_id}@{event.timestamp.isoformat()}"
        self.mail.enqueue(cur, [
            (str(event.event_id), person, event.partnership_id, position, subject, "", reason, event.timestamp)
            for person, reason in reasons.items()
        ], about=about)

    # --- from the ledger to the server ------------------------------------------------------

    def _described(self, about: str, said: dict[str, str]) -> str:
        """The line that says what a mail is about, in the words the store holds now (`said`: those
        already read for this pass of the sender)."""
        if about not in said:
            kind, _, aggregate_id = about.partition(":")
            text = None
            if kind == "action":
                action = self.store.load(UUID(aggregate_id), Action)
                text = f"The action: {action.description}" if action else None
            elif kind == "activity":
                activity = self.store.load(UUID(aggregate_id), Activity)
                text = f"The activity: {activity.title}" if activity else None
            elif kind == "newsletter":
                which, _, issued_at = aggregate_id.partition("@")
                pid, _, newsletter_id = which.rpartition("/")
                content = build_newsletter(self.store, pid, UUID(newsletter_id), datetime.fromisoformat(issued_at))
                text = render_text(newsletter_document(content))
            said[about] = text or ""
        return said[about]

    def _message(self, contact: Contact, items: list[Pending], said: dict[str, str]) -> Outgoing:
        link = f"{self.settings.public_url.rstrip('/')}/mail/stop/{contact.stop_token}"
        person_id, digest = contact.person_id, contact.digest
        if len(items) == 1 and (digest == "each" or items[0].subject.startswith(NEWSLETTER_SUBJECT)):
            (item,) = items
            subject = item.subject if len(item.subject) <= 150 else item.subject[:149] + "…"
            message_id = f"<{item.event_id}.{person_id}@lif>"
            about = self._described(item.about, said) if item.about else ""
            lines = [*([item.body] if item.body else []), *([about] if about else []), "", item.reason]
        else:
            subject = f"Your {digest} digest: {len(items)} reminder(s)"
            message_id = f"<digest.{items[0].event_id}.{len(items)}.{person_id}@lif>"
            lines = []
            for item in items:
                about = self._described(item.about, said) if item.about else ""
                lines.append(f"- {item.body}" + (f"\n  {about}" if about else "") + f"\n  {item.reason}")
        lines += ["", f"To stop these e-mails, open this link: {link}"]
        headers = {
            "Message-ID": message_id, "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return compose(self.settings.sender, contact.name, contact.email, subject, "\n".join(lines) + "\n", headers)

    def send_due(self) -> int:
        """Sends what is due now; returns how many ledger rows were sent. Rows are marked sent in
        chunks of `MARK_EVERY` accepted mails: a crash in between sends at most that many again."""
        now = self.now()
        due = self.mail.due(now)
        contacts = self.mail.contacts(list(due))
        said: dict[str, str] = {}
        batch: list[tuple[Outgoing, UUID, list[Pending]]] = []
        for person_id, items in due.items():
            contact = contacts.get(person_id)
            if contact is None:  # stopped or erased since: nothing goes
                self.mail.dropped(person_id, [i.event_id for i in items], "mail stopped or person erased")
                continue
            alone = [i for i in items if contact.digest == "each" or i.subject.startswith(NEWSLETTER_SUBJECT)]
            rest = [i for i in items if i not in alone]
            groups = [[i] for i in alone] + ([rest] if rest else [])
            batch.extend((self._message(contact, group, said), person_id, group) for group in groups)
        if not batch:
            return 0
        by_message = {id(m): (person, group) for m, person, group in batch}
        accepted: list[tuple[UUID, str]] = []
        sent = 0
        for message, error in self.transport.send([m for m, _, _ in batch]):
            person, group = by_message[id(message)]
            ids = [i.event_id for i in group]
            if error is None:
                accepted.extend((person, e) for e in ids)
                if len(accepted) >= MARK_EVERY:
                    sent += self._mark(accepted)
                continue
            tries = max(i.attempts for i in group) + 1
            wait = min(self.settings.backoff_seconds * 2 ** (tries - 1), self.settings.backoff_max_seconds)
            self.mail.failed(person, ids, f"{type(error).__name__}: {error}", self.now() + timedelta(seconds=wait))
        return sent + self._mark(accepted)

    def _mark(self, accepted: list[tuple[UUID, str]]) -> int:
        count = len(accepted)
        if accepted:
            self.mail.sent(accepted, self.now())
            accepted.clear()
        return count

    def run_once(self) -> int:
        """Follows the log to its head, then sends until nothing due is left (or the server refuses)."""
        while self.follow():
            pass
        total = 0
        while sent := self.send_due():
            total += sent
        return total
