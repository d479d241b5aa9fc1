"""Mail over SMTP to a real local server (aiosmtpd): once per event and person, saying why, with
one link that stops it; a server down delays mail and loses none; digests; erasure. On SQLite
and on PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.kafka_settings import delivery_db
from adapters.mail import MailStore, Outgoing, Pending, SmtpTransport
from adapters.outbox import Tracking
from adapters.settings import MailSettings, Settings
from adapters.sql import ViewDb
from domain.aggregate import Context
from domain.framework import ARLF
from services.application.mail import MailSender, People
from tests.fixtures.smtp import SmtpServer
from tests.integration.clock_world import LATE, World
from tests.integration.view_scenario import COUNCIL, PID, POLICE

POLICE_LEAD, COUNCIL_LEAD, FORUM_MEMBER = "lead@police.example", "lead@council.example", "chair@arlf.example"


class Post:
    """The mail side of the world: people, and senders as restarted processes have them."""

    def __init__(self, world: World, server: SmtpServer) -> None:
        self.world = world
        self.server = server
        self.db = delivery_db(world.settings)
        self.store = MailStore(self.db)
        self.people = People(world.store, self.store)
        self.settings = MailSettings(
            smtp_host=server.box.host, smtp_port=server.box.port, public_url="https://lif.example", timeout=5,
            backoff_seconds=60,
        )
        self.ahead = timedelta(0)
        """How far the senders' clock is ahead of the real one (the events carry real timestamps)."""
        self.trackings: list[Tracking] = []

    def sender(self) -> MailSender:
        tracking = Tracking(self.db, "mail-test")
        self.trackings.append(tracking)
        return MailSender(
            self.world.store, MailStore(self.db), tracking, SmtpTransport(self.settings), self.settings,
            now=lambda: datetime.now(UTC) + self.ahead,
        )

    def close(self) -> None:
        for tracking in self.trackings:
            tracking.close()
        self.store.close()


@pytest.fixture
def post(settings: Settings, smtp_server: SmtpServer) -> Iterator[Post]:
    world = World(settings)
    p = Post(world, smtp_server)
    yield p
    p.close()
    world.close()


def admin() -> Context:
    return Context(partnership_id=PID, principal="admin:jo", rationale="Asked to be removed from the mailing.")


def body(message: EmailMessage) -> str:
    return str(message.get_content())


def stop_links(message: EmailMessage) -> list[str]:
    return re.findall(r"https://lif\.example/mail/stop/\S+", body(message))


def test_each_person_is_mailed_once_per_event_saying_why_with_one_stop_link(post: Post) -> None:
    post.people.add(admin(), name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE)
    post.people.add(admin(), name="Sam Lead", email=COUNCIL_LEAD, agency_id=COUNCIL)
    post.people.add(admin(), name="Alex Chair", email=FORUM_MEMBER, forum_ids=(ARLF,))
    post.world.clock().tick(LATE)  # overdue, and escalated to ARLF and to the Executive
    assert post.sender().run_once() == 4
    police = post.server.box.to(POLICE_LEAD)
    assert sorted(m["Subject"].split(":")[0].split(", ")[-1] for m in police) == [
        "Action of merseyside-police overdue",
        "escalated to the agenda of audit-review-learning-forum", "escalated to the agenda of executive",
    ]
    for message in police:
        assert f"You receive this because you are a contact of {POLICE}, which owns this action." in body(message)
        (link,) = stop_links(message)
        assert str(message["List-Unsubscribe"]).strip() == f"<{link}>"
    (chair,) = post.server.box.to(FORUM_MEMBER)
    assert f"you are a member of {ARLF}, to which it was escalated" in body(chair)
    assert post.server.box.to(COUNCIL_LEAD) == []

    # Again, and again after a restart: nothing more is sent.
    assert post.sender().run_once() == 0
    post.world.clock().tick(LATE)
    assert post.sender().run_once() == 0
    assert len(post.server.box.received) == 4


def test_a_server_down_delays_mail_and_loses_none(post: Post) -> None:
    post.people.add(admin(), name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE)
    post.world.clock().tick(LATE)
    post.server.stop()
    sender = post.sender()
    assert sender.run_once() == 0
    rows = post.store.rows(PID)
    assert [(status, attempts) for _, _, status, attempts in rows] == [("pending", 1)] * 3
    post.server.start()
    assert sender.send_due() == 0  # put off: the first retry is a minute later
    post.ahead += timedelta(seconds=61)
    post.server.box.refuse = True  # the server answers, but refuses: 451
    assert sender.send_due() == 0
    assert {attempts for _, _, _, attempts in post.store.rows(PID)} == {2}
    post.server.box.refuse = False
    post.ahead += timedelta(seconds=121)  # the second retry waits twice as long
    assert post.sender().run_once() == 3  # a new process takes over where the ledger says
    assert len(post.server.box.to(POLICE_LEAD)) == 3
    assert [status for _, _, status, _ in post.store.rows(PID)] == ["sent"] * 3


def test_a_digest_is_one_mail_at_its_time(post: Post) -> None:
    post.people.add(admin(), name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE, digest="daily")
    post.world.clock().tick(LATE)
    assert post.sender().run_once() == 0  # not before the next 07:00
    post.ahead += timedelta(days=1, hours=8)
    assert post.sender().run_once() == 3
    (digest,) = post.server.box.to(POLICE_LEAD)
    assert digest["Subject"] == "Your daily digest: 3 reminder(s)"
    assert body(digest).count("You receive this because") == 3 and len(stop_links(digest)) == 1


def test_the_link_stops_the_mail_and_erasure_deletes_the_address(post: Post) -> None:
    lead = post.people.add(admin(), name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE)
    chair = post.people.add(admin(), name="Alex Chair", email=FORUM_MEMBER, forum_ids=(ARLF,))
    post.world.clock().tick(LATE)
    post.server.stop()
    post.sender().run_once()  # queued, not sent
    token = post.store.contact(lead.id).stop_token  # type: ignore[union-attr]
    assert post.people.stop_by_link(token) and post.people.stop_by_link(token)  # a second click: nothing more
    assert post.people.get(PID, lead.id).stopped
    post.people.erase(admin(), chair.id)
    post.server.start()
    post.ahead += timedelta(hours=1)
    assert post.sender().run_once() == 0
    assert post.server.box.received == []
    assert {status for _, _, status, _ in post.store.rows(PID)} == {"dropped"}
    with post.store.transaction() as cur:
        cur.execute("SELECT name, email FROM mail_people WHERE person_id = ?", (str(chair.id),))
        assert cur.fetchone() == (None, None)
    assert not post.people.stop_by_link("no-such-token")


class Killed(BaseException):
    """The sender's process dying: nothing after it runs, as with SIGKILL."""


class DiesAfterAccepting(SmtpTransport):
    """Dies as soon as the server has accepted the `nth` mail, before the sender hears so."""

    def __init__(self, settings: MailSettings, nth: int) -> None:
        super().__init__(settings)
        self.nth = nth

    def send(self, mails: Any, *handing: Any) -> Iterator[tuple[Outgoing, Exception | None]]:
        for count, (mail, error) in enumerate(super().send(mails, *handing), start=1):
            if count == self.nth:
                raise Killed
            yield mail, error


def test_a_sender_killed_after_the_server_accepted_a_mail_sends_that_one_again_and_no_other(post: Post) -> None:
    """Seen: accepted mails were marked sent fifty at a time, so a sender killed after the second
    one sent both again on restart; and nothing said which mails had been in doubt."""
    post.people.add(admin(), name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE)
    post.world.clock().tick(LATE)  # three mails to Pat
    dying = post.sender()
    dying.transport = DiesAfterAccepting(post.settings, nth=2)
    with pytest.raises(Killed):
        dying.run_once()
    accepted = [str(m["Message-ID"]) for m in post.server.box.received]
    assert len(accepted) == 2
    assert post.sender().run_once() == 2  # the one in doubt, and the one never handed over
    counts = Counter(str(m["Message-ID"]) for m in post.server.box.received)
    assert counts == Counter({accepted[0]: 1, accepted[1]: 2, **{m: 1 for m in counts if m not in accepted}})
    assert len(counts) == 3
    with post.store.transaction() as cur:
        cur.execute("SELECT message_id, resent, status FROM mail_ledger ORDER BY message_id")
        assert sorted(cur.fetchall()) == sorted((m, int(m == accepted[1]), "sent") for m in counts)


def test_one_pass_at_a_time_so_two_senders_never_send_a_mail_twice(post: Post) -> None:
    post.people.add(admin(), name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE)
    post.world.clock().tick(LATE)
    first, second = post.sender(), post.sender()
    first.follow()
    with first.mail.sender_lock() as alone:
        assert alone
        assert second.run_once() == 0  # another pass is under way: this one waits for its next turn
    assert second.run_once() == 3
    assert first.run_once() == 0
    assert len(post.server.box.received) == 3


def test_a_ledger_made_before_the_window_of_doubt_gains_its_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    db = ViewDb("sqlite", str(tmp_path / "before.sqlite"))
    conn = db.connect()
    with db.transaction(conn) as cur:
        cur.execute(
            "CREATE TABLE mail_ledger (event_id TEXT NOT NULL, person_id TEXT NOT NULL, partnership_id TEXT NOT NULL,"
            " position BIGINT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, reason TEXT NOT NULL,"
            " due_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'pending',"
            " last_error TEXT, sent_at TEXT, PRIMARY KEY (event_id, person_id))"
        )
        cur.execute(
            "INSERT INTO mail_ledger (event_id, person_id, partnership_id, position, subject, body, reason, due_at)"
            " VALUES ('e1', ?, ?, 1, 's', 'b', 'r', '2025-01-01T00:00:00+00:00')", (str(PERSON), PID),
        )
    conn.close()
    store = MailStore(db)
    try:
        expected = Pending("e1", PERSON, "s", "b", "r", 0, about="", message_id=None)
        assert store.due(datetime.now(UTC)) == {PERSON: [expected]}
        assert store.recover_in_doubt() == []
    finally:
        store.close()


PERSON = UUID("00000000-0000-4000-8000-000000000001")
