"""A reminder mailed to 5,000 people, from the event to the SMTP server's acceptance.

One `ActionOverdue` is recorded for an action of an agency with 5,000 contacts; the
figure is mails/s of `MailSender.run_once` until every one is accepted: reading the log,
the rule of who is mailed (domain/people.py), a ledger row per person, building each mail
(why, and its stop link), sending it, and marking its row sent. Baseline: a bare
`smtplib` loop sending the same messages (built beforehand, untimed) over one connection
to the same server: an aiosmtpd process that accepts and discards (Sink), so neither side
shares a process with the server. Target: the ledger costs at most half the rate.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from bench.core import Options, Row, benchmark, paired, stopwatch

NAME = "mail"
TARGET = 0.5
AGENCY = "merseyside-police"


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                smtp.noop()
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the SMTP server did not start")


@benchmark(NAME, "mails/s of one reminder to 5,000 people through the mail ledger vs a bare smtplib loop")
def run(opts: Options) -> Iterator[Row]:
    from adapters.kafka_settings import delivery_db
    from adapters.mail import MailStore, SmtpTransport, compose
    from adapters.outbox import Tracking
    from adapters.settings import MailSettings
    from adapters.store import EventStore
    from domain import commands as cmd
    from domain.aggregate import Context
    from domain.time_events import ActionOverdue, time_event
    from services.application.mail import MailSender, People
    from services.application.service import LearningService

    people_count = opts.scale(5000, 50)
    backend = opts.backends[0]  # the embedded default: the mail ledger lives beside its store
    settings = backend.fresh("mail")
    port = _port()
    server = _server(port)
    store = EventStore.from_settings(settings)
    db = delivery_db(settings)
    mail = MailStore(db)
    try:
        ctx = Context(partnership_id="bench", principal="admin:bench")
        LearningService(store).execute(ctx, cmd.RegisterPartnership(partnership_id="bench", display_name="Bench"))
        people = People(store, mail)
        with stopwatch() as elapsed:
            for i in range(people_count):
                people.add(ctx, name=f"Person {i}", email=f"person{i}@agency.example", agency_id=AGENCY)
        added = elapsed()
        mail_settings = MailSettings(smtp_host="127.0.0.1", smtp_port=port, public_url="https://lif.example")
        sender = MailSender(store, MailStore(db), Tracking(db, "bench-mail"), SmtpTransport(mail_settings),
                            mail_settings, now=lambda: datetime.now(UTC) + timedelta(minutes=1))
        sender.run_once()  # folds the people in

        def through_ledger() -> tuple[int, float]:
            event = time_event(
                ActionOverdue, "bench", action_id=uuid4(), activity_id=uuid4(), recommendation_id=uuid4(),
                owner_agency_id=AGENCY, due_on=date(2025, 3, 14),
                as_of=date(2025, 4, 1),
            )
            store.save(event)
            with stopwatch() as took:
                sent = sender.run_once()
            assert sent == people_count, (sent, people_count)
            return sent, took()

        contacts = mail.contacts(mail.contacts_of("bench"))
        stop = "https://lif.example/mail/stop/0123456789abcdef0123456789abcdef"
        same = [
            compose(mail_settings.sender, c.name, c.email, "Action of merseyside-police overdue: due on 2025-03-14",
                    "Action of merseyside-police overdue: it was due on 2025-03-14: Audit core groups monthly.\n\n"
                    "You receive this because you are a contact of merseyside-police, which owns this action.\n\n"
                    f"To stop these e-mails, open this link: {stop}\n",
                    {"Message-ID": f"<{uuid4()}.{c.person_id}@lif>", "List-Unsubscribe": f"<{stop}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
            for c in contacts.values()
        ]

        def bare() -> tuple[int, float]:
            """The same messages, built beforehand: only the sending is timed."""
            with stopwatch() as took, smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                for outgoing in same:
                    smtp.sendmail(outgoing.sender, [outgoing.recipient], outgoing.data)
            return len(same), took()

        result = paired(through_ledger, bare, opts.repeats)
        row = result.row(
            NAME, f"reminder to {people_count:,}", backend.name, "bare smtplib loop",
            target=f">= {TARGET}", note=f"mails/s from the event to acceptance; adding the people took {added:.1f} s",
        )
        row.unit = "mails/s"
        row.met = row.ratio is not None and row.ratio >= TARGET
        yield row
    finally:
        mail.close()
        store.close()
        server.terminate()
        server.wait(10)


