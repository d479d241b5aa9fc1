"""`lif mail`: send the mail, and keep the people it goes to (add, digest, stop, erase)."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from uuid import UUID

from domain.aggregate import Context
from domain.errors import DomainError

SEND_BESIDE_SERVE = """\
beside lif serve:
  On the embedded default (SQLite) `lif serve` sends mail itself, on a thread, every
  LIF_MAIL_INTERVAL seconds (LIF_MAIL_IN_PROCESS=false turns it off, to run `lif mail send`
  instead). On PostgreSQL `lif serve` sends none: run `lif mail send` as a process of its own with
  the API's store settings (LIF_PERSISTENCE, LIF_POSTGRES_DSN, LIF_POSTGRES_SCHEMA), beside
  `lif clock`. The SMTP server: LIF_MAIL_SMTP_HOST, _SMTP_PORT, _TLS (none, starttls, ssl),
  _USERNAME, _PASSWORD, _SENDER; LIF_MAIL_PUBLIC_URL starts each mail's stop link.
  Any number may run: one pass at a time sends. Killed at any point, it loses no mail; the one
  mail it may have been handing to the server is sent again, with the same Message-ID (a mail
  client shows it once), and counted in the ledger's `resent`.
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.epilog, p.formatter_class = SEND_BESIDE_SERVE, argparse.RawDescriptionHelpFormatter
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    send = sub.add_parser(
        "send", help="send what is due to the SMTP server (LIF_MAIL_*), until stopped",
        description="Follow the log into the mail ledger and send what is due, once per event and person, "
        "retrying with backoff while the server refuses or is down.",
        epilog=SEND_BESIDE_SERVE, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("--once", action="store_true", help="send what is due now, then exit")
    send.add_argument("--interval", type=float, default=5.0, help="seconds between passes (default 5)")
    add = sub.add_parser(
        "add-person", help="add a person the partnership mails (as an agency's contact and/or a forum's member)",
        description="Their name and address go to the mail directory (erasable), the rest is recorded as events.",
    )
    add.add_argument("--partnership", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--agency", help="the agency they are a contact of")
    add.add_argument("--forum", action="append", default=[], help="a forum they are a member of (repeatable)")
    add.add_argument("--digest", choices=("each", "daily", "weekly"), default="each",
                     help="one mail per event (default), or a daily or weekly digest")
    for name, text in (("digest", "choose one mail per event or a digest"), ("erase", "erase a person")):
        one = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        one.add_argument("--partnership", required=True)
        one.add_argument("person_id", type=UUID, metavar="PERSON_ID")
        if name == "digest":
            one.add_argument("choice", choices=("each", "daily", "weekly"))
        else:
            one.add_argument("--principal", required=True, help="who decides the erasure (recorded)")
            one.add_argument("--rationale", required=True, help="why (recorded; must not name anyone)")
    for parser in (add, *(sub.choices[n] for n in ("digest",))):
        parser.add_argument("--principal", default="admin:cli", help="who records it (default admin:cli)")


def run(args: argparse.Namespace) -> int:
    if args.action == "send":
        from services.workers.mailer import serve

        return serve(once=args.once, interval=args.interval)
    from adapters.kafka_settings import delivery_db
    from adapters.mail import MailStore
    from adapters.settings import get_settings
    from adapters.store import EventStore
    from services.application.mail import People

    settings = get_settings()
    store = EventStore.from_settings(settings)
    mail = MailStore(delivery_db(settings))
    people = People(store, mail)
    ctx = Context(partnership_id=args.partnership, principal=args.principal, rationale=getattr(args, "rationale", None))
    try:
        person: Any
        if args.action == "add-person":
            person = people.add(ctx, name=args.name, email=args.email, agency_id=args.agency,
                                forum_ids=tuple(args.forum), digest=args.digest)
        elif args.action == "digest":
            person = people.choose_digest(ctx, args.person_id, args.choice)
        else:
            person = people.erase(ctx, args.person_id)
        print(person.id)
        return 0
    except DomainError as e:
        print(f"lif mail {args.action}: {e.code} ({e.field}): {e.message}", file=sys.stderr)
        return 1
    finally:
        mail.close()
        store.close()
