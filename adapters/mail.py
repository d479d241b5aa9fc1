"""Mail: the SMTP transport, the directory of people's addresses and the ledger (settings: `MailSettings`).

The directory (`mail_people`) is the one place a person's name and address are kept: not
in the event log, so erasing the person deletes them for good. It also keeps what the mail
follower folded from the person's events (agency, forums, digest, stopped) and the token of
the one link in every mail that stops it. The ledger (`mail_ledger`) has one row per event
and person, with no free text: what the mail is `about` (an action or an activity) is named, and
its description or title is read when the mail is sent, so a redaction before then corrects it
(services/application/mail.py). A mail is sent once per row, its attempts counted and the next one put off with
backoff while the server refuses or is down; nothing is lost, only delayed. Both live in the
delivery database beside the feed ledger (adapters/kafka_settings.py `delivery_db`).
"""

from __future__ import annotations

import base64
import json
import secrets
import smtplib
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import formataddr
from typing import Any
from uuid import UUID

from adapters.mail_lock import sender_lock
from adapters.settings import MailSettings
from adapters.sql import Cursor, ViewDb


@dataclass(frozen=True)
class Outgoing:
    """A mail ready for the server: envelope sender and recipient, and the message's bytes."""

    sender: str
    recipient: str
    data: bytes
    message_id: str = ""


def _header(value: str) -> str:
    """One header's value on the wire: on one line, RFC 2047-encoded when it is not ASCII, folded when long."""
    flat = " ".join(value.split())  # a value never carries a line break of its own into the headers
    if flat.isascii() and len(flat) <= 76:
        return flat
    return Header(flat, "utf-8" if not flat.isascii() else "us-ascii").encode(linesep="\r\n")


def compose(sender: str, name: str, address: str, subject: str, body: str, headers: dict[str, str]) -> Outgoing:
    """A plain-text mail (UTF-8, base64), written out directly: the `email` package's generator
    (folding every header) cost three quarters of the sender's time at 5,000 mails."""
    lines = [
        f"From: {sender}",
        f"To: {formataddr((' '.join(name.split()), address), charset='utf-8')}",
        f"Subject: {_header(subject)}",
        *(f"{key}: {_header(value)}" for key, value in headers.items()),
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(body.encode()).decode("ascii").replace("\n", "\r\n"),
    ]
    return Outgoing(sender, address, "\r\n".join(lines).encode("ascii"), headers.get("Message-ID", ""))


class SmtpTransport:
    """Hands mails to the SMTP server; an `OSError` or an `smtplib.SMTPException` means not sent."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(
        self, mails: Sequence[Outgoing], handing: Callable[[Outgoing], None] = lambda mail: None,
    ) -> Iterator[tuple[Outgoing, Exception | None]]:
        """Each mail with None once the server accepted it, or the error that refused it. A connection
        that fails (the server down) refuses this mail and those after it. `handing` is called just
        before each mail goes to the server (the caller records that it may be sent from then on)."""
        s = self.settings
        try:
            smtp: smtplib.SMTP
            if s.tls == "ssl":
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
        except (OSError, smtplib.SMTPException) as down:
            for mail in mails:
                yield mail, down
            return
        with smtp:
            try:
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password.get_secret_value() if s.password else "")
            except (OSError, smtplib.SMTPException) as refused:
                for mail in mails:
                    yield mail, refused
                return
            for i, mail in enumerate(mails):
                handing(mail)
                try:
                    smtp.sendmail(mail.sender, [mail.recipient], mail.data)
                except (OSError, smtplib.SMTPException) as error:
                    yield mail, error
                    if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
                        for rest in mails[i + 1 :]:
                            yield rest, error
                        return
                else:
                    yield mail, None


@dataclass(frozen=True)
class Contact:
    person_id: UUID
    partnership_id: str
    name: str
    email: str
    digest: str
    stop_token: str


@dataclass(frozen=True)
class Pending:
    event_id: str
    person_id: UUID
    subject: str
    body: str
    reason: str
    attempts: int
    about: str = ""
    """What the mail is about ("action:<id>", "activity:<id>"), its text read when it is sent."""
    message_id: str | None = None
    """Set once the row's mail was first handed to the server: a resend keeps it, and its group."""


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS mail_people (person_id TEXT PRIMARY KEY, partnership_id TEXT NOT NULL,"
    " name TEXT, email TEXT, stop_token TEXT NOT NULL UNIQUE, agency_id TEXT, forum_ids TEXT NOT NULL DEFAULT '[]',"
    " digest TEXT NOT NULL DEFAULT 'each', stopped INTEGER NOT NULL DEFAULT 0, known INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS mail_ledger (event_id TEXT NOT NULL, person_id TEXT NOT NULL,"
    " partnership_id TEXT NOT NULL, position BIGINT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
    " reason TEXT NOT NULL, due_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, sent_at TEXT, message_id TEXT,"
    " resent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (event_id, person_id))",
    "CREATE INDEX IF NOT EXISTS mail_ledger_due ON mail_ledger (status, due_at)",
)
_ADDED_COLUMNS = (
    ("about", "TEXT NOT NULL DEFAULT ''"), ("message_id", "TEXT"), ("resent", "INTEGER NOT NULL DEFAULT 0"),
)
"""Columns a ledger made before them lacks (added when the store opens it)."""
_LEDGER_COLUMNS = "event_id, person_id, subject, body, reason, attempts, message_id, about"


class MailStore:
    """The directory and the ledger, in the delivery database."""

    def __init__(self, db: ViewDb) -> None:
        self.db = db
        self._conn: Any = db.connect()
        with db.transaction(self._conn) as cur:
            for statement in _SCHEMA:
                cur.execute(statement)
            cur.execute("SELECT * FROM mail_ledger WHERE 1 = 0")
            have = {column[0] for column in cur.description}
            for column, kind in _ADDED_COLUMNS:
                if column not in have:
                    cur.execute(f"ALTER TABLE mail_ledger ADD COLUMN {column} {kind}")

    def _tx(self) -> Any:
        return self.db.transaction(self._conn)

    # --- the directory ----------------------------------------------------------------------

    def put_contact(self, person_id: UUID, partnership_id: str, name: str, email: str) -> str:
        """Keeps the person's name and address; returns the token of their stop link."""
        token = secrets.token_urlsafe(24)
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO mail_people (person_id, partnership_id, name, email, stop_token) VALUES (?, ?, ?, ?, ?)",
                (str(person_id), partnership_id, name, email, token),
            )
        return token

    def fold_person(
        self, cur: Cursor, person_id: UUID, partnership_id: str, **facts: Any,
    ) -> None:
        """What the person's events say (agency, forums, digest, stopped), as the follower reaches them."""
        if "forum_ids" in facts:
            facts["forum_ids"] = json.dumps(list(facts["forum_ids"]))
        cur.execute(
            "INSERT INTO mail_people (person_id, partnership_id, stop_token) VALUES (?, ?, ?)"
            " ON CONFLICT (person_id) DO NOTHING", (str(person_id), partnership_id, secrets.token_urlsafe(24)),
        )
        assignments = ", ".join(f"{column} = ?" for column in facts)
        cur.execute(
            f"UPDATE mail_people SET {assignments}, known = 1 WHERE person_id = ?", (*facts.values(), str(person_id))
        )

    def erase_contact(self, person_id: UUID) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE mail_people SET name = NULL, email = NULL, stopped = 1 WHERE person_id = ?",
                        (str(person_id),))
            cur.execute(
                "UPDATE mail_ledger SET status = 'dropped', body = '', subject = '', last_error = 'person erased'"
                " WHERE person_id = ? AND status IN ('pending', 'sending')", (str(person_id),),
            )

    def contact(self, person_id: UUID) -> Contact | None:
        with self._tx() as cur:
            cur.execute(
                "SELECT person_id, partnership_id, name, email, digest, stop_token FROM mail_people"
                " WHERE person_id = ? AND email IS NOT NULL AND stopped = 0", (str(person_id),),
            )
            row = cur.fetchone()
        return None if row is None else Contact(UUID(row[0]), row[1], row[2], row[3], row[4], row[5])

    def contacts(self, person_ids: Sequence[UUID]) -> dict[UUID, Contact]:
        """Those of these people still mailed, read at once (in chunks SQLite's parameters allow)."""
        found: dict[UUID, Contact] = {}
        ids = [str(p) for p in person_ids]
        with self._tx() as cur:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cur.execute(
                    "SELECT person_id, partnership_id, name, email, digest, stop_token FROM mail_people"
                    f" WHERE email IS NOT NULL AND stopped = 0 AND person_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                for row in cur.fetchall():
                    found[UUID(row[0])] = Contact(UUID(row[0]), row[1], row[2], row[3], row[4], row[5])
        return found

    def contacts_of(self, partnership_id: str) -> list[UUID]:
        """The partnership's people still mailed."""
        with self._tx() as cur:
            cur.execute(
                "SELECT person_id FROM mail_people WHERE partnership_id = ? AND email IS NOT NULL AND stopped = 0"
                " ORDER BY person_id", (partnership_id,),
            )
            return [UUID(row[0]) for row in cur.fetchall()]

    def person_of_token(self, token: str) -> tuple[UUID, str] | None:
        with self._tx() as cur:
            cur.execute("SELECT person_id, partnership_id FROM mail_people WHERE stop_token = ?", (token,))
            row = cur.fetchone()
        return None if row is None else (UUID(row[0]), str(row[1]))

    def addressees(self, cur: Cursor, partnership_id: str) -> list[tuple[UUID, str | None, tuple[str, ...], str]]:
        """(person, agency, forums, digest) of the partnership's people still mailed, as folded so far."""
        cur.execute(
            "SELECT person_id, agency_id, forum_ids, digest FROM mail_people"
            " WHERE partnership_id = ? AND known = 1 AND stopped = 0", (partnership_id,),
        )
        return [(UUID(p), a, tuple(json.loads(f)), d) for p, a, f, d in cur.fetchall()]

    # --- the ledger -------------------------------------------------------------------------

    def enqueue(
        self, cur: Cursor, rows: Sequence[tuple[str, UUID, str, int, str, str, str, datetime]], about: str = "",
    ) -> None:
        """(event id, person, partnership, position, subject, body, reason, due at), each row about
        `about`: once each, whatever repeats."""
        if not rows:
            return
        cur.executemany(
            "INSERT INTO mail_ledger (event_id, person_id, partnership_id, position, subject, body, reason, due_at,"
            " about) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, person_id) DO NOTHING",
            [(event_id, str(person_id), pid, position, subject, body, reason, due_at.isoformat(), about)
             for event_id, person_id, pid, position, subject, body, reason, due_at in rows],
        )

    def due(self, now: datetime, limit: int = 500) -> dict[UUID, list[Pending]]:
        """Pending mails whose time has come, by person, in log order; a mail already handed to the
        server once comes back whole (all the rows of its Message-ID), so a resend is the same mail."""
        with self._tx() as cur:
            cur.execute(
                f"SELECT {_LEDGER_COLUMNS} FROM mail_ledger"
                " WHERE status = 'pending' AND due_at <= ? ORDER BY position, person_id LIMIT ?",
                (now.isoformat(), limit),
            )
            rows = cur.fetchall()
            seen = {(str(r[0]), str(r[1])) for r in rows}
            handed = sorted({str(r[6]) for r in rows if r[6] is not None})
            for start in range(0, len(handed), 500):
                chunk = handed[start : start + 500]
                cur.execute(
                    f"SELECT {_LEDGER_COLUMNS} FROM mail_ledger WHERE status = 'pending'"
                    f" AND message_id IN ({', '.join('?' * len(chunk))}) ORDER BY position, person_id", chunk,
                )
                rows += [r for r in cur.fetchall() if (str(r[0]), str(r[1])) not in seen]
        found: dict[UUID, list[Pending]] = {}
        for event_id, person_id, subject, body, reason, attempts, message_id, about in rows:
            found.setdefault(UUID(person_id), []).append(Pending(
                str(event_id), UUID(person_id), subject, body, reason, int(attempts), about=str(about or ""),
                message_id=message_id,
            ))
        return found

    def hand_over(
        self, *, sent: Sequence[tuple[UUID, str]] = (), at: datetime,
        sending: Sequence[tuple[UUID, str]] = (), message_id: str | None = None,
    ) -> None:
        """In one transaction: the last accepted mail's (person, event id) rows marked sent, and the
        rows of the mail about to be handed to the server marked `sending` under its Message-ID."""
        with self._tx() as cur:
            if sent:
                cur.executemany(
                    "UPDATE mail_ledger SET status = 'sent', sent_at = ?, last_error = NULL"
                    " WHERE event_id = ? AND person_id = ? AND status IN ('pending', 'sending')",
                    [(at.isoformat(), e, str(person_id)) for person_id, e in sent],
                )
            if sending:
                cur.executemany(
                    "UPDATE mail_ledger SET status = 'sending', message_id = ?"
                    " WHERE event_id = ? AND person_id = ? AND status = 'pending'",
                    [(message_id, e, str(person_id)) for person_id, e in sending],
                )

    def recover_in_doubt(self) -> list[str]:
        """Rows a sender left `sending` (it died, or its pass failed, after handing their mail to the
        server and before recording the answer) back to pending, each counted as resent; returns
        their Message-IDs. Only a sender holding `sender_lock` may call it: no other is mid-pass."""
        with self._tx() as cur:
            cur.execute("SELECT DISTINCT message_id FROM mail_ledger WHERE status = 'sending'")
            doubted = sorted(str(row[0]) for row in cur.fetchall())
            if doubted:
                cur.execute(
                    "UPDATE mail_ledger SET status = 'pending', resent = resent + 1,"
                    " last_error = 'in doubt: the sender stopped before the server answered; sent again'"
                    " WHERE status = 'sending'"
                )
        return doubted

    def failed(self, person_id: UUID, event_ids: Sequence[str], error: str, retry_at: datetime) -> None:
        with self._tx() as cur:
            cur.executemany(
                "UPDATE mail_ledger SET status = 'pending', attempts = attempts + 1, last_error = ?, due_at = ?"
                " WHERE event_id = ? AND person_id = ? AND status IN ('pending', 'sending')",
                [(error[:500], retry_at.isoformat(), e, str(person_id)) for e in event_ids],
            )

    def dropped(self, person_id: UUID, event_ids: Sequence[str], why: str) -> None:
        with self._tx() as cur:
            cur.executemany(
                "UPDATE mail_ledger SET status = 'dropped', last_error = ? WHERE event_id = ? AND person_id = ?",
                [(why, e, str(person_id)) for e in event_ids],
            )

    def rows(self, partnership_id: str) -> list[tuple[str, UUID, str, int]]:
        """(event id, person, status, attempts) of the partnership's ledger, in log order."""
        with self._tx() as cur:
            cur.execute(
                "SELECT event_id, person_id, status, attempts FROM mail_ledger WHERE partnership_id = ?"
                " ORDER BY position, person_id", (partnership_id,),
            )
            return [(str(e), UUID(p), str(s), int(a)) for e, p, s, a in cur.fetchall()]

    def transaction(self) -> Any:
        return self._tx()

    def sender_lock(self) -> Any:
        """A context manager: True while this sender's pass is the only one (adapters/mail_lock.py)."""
        return sender_lock(self.db, self._conn)

    def close(self) -> None:
        self._conn.close()
