"""Issue 14's "done when": on the demo partnership, with the clock moved forward (`lif clock --now`)
and the mail sender (`lif mail send`) each a real process killed with SIGKILL mid-run and started
again, every time-derived event is recorded once, the escalated actions are on their agendas, and
every mail reaches a real SMTP server (aiosmtpd) once. On SQLite and on PostgreSQL.

The one mail a sender may be handing to the server when it is killed is in doubt: SMTP cannot say
afterwards whether the server took it. The next pass sends it again with the same Message-ID and
the ledger counts it (`resent`), so a mail client shows it once (services/application/mail.py).
The mailbox therefore holds every expected Message-ID, each exactly once but for those the ledger
says it resent in doubt, and there is at most one of those per kill.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.kafka_settings import delivery_db
from adapters.mail import MailStore
from adapters.settings import Settings
from adapters.store import EventStore
from domain.aggregate import Context
from domain.people import Addressee, mail_reasons
from domain.time_events import (
    TIME_EVENTS,
    ActionDueSoon,
    ActionEscalated,
    ActionOverdue,
    DeadlineApproaching,
    DeadlineBreached,
    TimeEvent,
)
from projections.agenda.builder import build_agenda
from projections.agenda.query import agenda_facts
from projections.audit import AuditFilters, query_audit
from projections.runtime import build_projector
from projections.snapshot import snapshot
from services.api.app import create_app
from services.application.clock import Clock
from services.application.mail import People
from services.seeds import demo
from services.workers.clock import caught_up
from tests.fixtures.smtp import SmtpServer
from tests.integration.stores import sqlite_settings
from tests.integration.test_operations import REPO, Lif, free_port
from tests.integration.view_scenario import GENERATED

PID = "st-helens"
TODAY = date.today()  # the demo's dates are relative to the day it is loaded
D1 = TODAY + timedelta(days=14)  # actions due soon, one overdue, statutory deadlines approaching
D2 = TODAY + timedelta(days=60)  # more overdue, escalated to their forums and to the Executive
WAIT = 120.0
"""Seconds a process gets to reach each point (the machine's cores are shared)."""
TIME_TOPICS = [cls.TOPIC for cls in TIME_EVENTS]


def stored_time_events(store: EventStore) -> list[TimeEvent]:
    head = store.recorder.max_notification_id() or 0
    found = store.recorder.select_notifications(1, head, topics=TIME_TOPICS) if head else []
    events = [store.mapper.to_domain_event(n) for n in found]
    assert all(isinstance(e, TimeEvent) for e in events)
    return events  # type: ignore[return-value]


def process_env(settings: Settings, smtp: SmtpServer) -> dict[str, str]:
    """The settings of this test's store and SMTP server, as a process reads them."""
    env = {
        **os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1",
        "LIF_PERSISTENCE": settings.persistence, "LIF_SQLITE_PATH": settings.sqlite_path,
        "LIF_MAIL_SMTP_HOST": smtp.box.host, "LIF_MAIL_SMTP_PORT": str(smtp.box.port),
        "LIF_MAIL_PUBLIC_URL": "https://lif.example", "LIF_MAIL_BACKOFF_SECONDS": "1",
    }
    if settings.persistence == "postgres":
        assert settings.postgres_schema and settings.secret_key
        env |= {
            "LIF_POSTGRES_DSN": settings.postgres_dsn, "LIF_POSTGRES_SCHEMA": settings.postgres_schema,
            "LIF_SECRET_KEY": settings.secret_key,
        }
    return env


class Demo:
    """The demo partnership on one backend, its people, and the processes started on it."""

    def __init__(self, settings: Settings, smtp: SmtpServer, logs: Path) -> None:
        self.settings = settings
        self.smtp = smtp
        self.logs = logs
        self.env = process_env(settings, smtp)
        app = create_app(settings.model_copy(update={"projections_in_process": False, "rate_limit_per_minute": 0}))
        with TestClient(app):
            demo.load_demo_if_empty(app)
        self.store = EventStore.from_settings(settings)
        self.projector = build_projector(settings, self.store)
        self.mail = MailStore(delivery_db(settings))
        self.started: list[Lif] = []
        self.people = self._add_people()

    def _add_people(self) -> dict[UUID, tuple[Addressee, str]]:
        """A contact of every agency and a member of every forum, each mailed one mail per event."""
        from domain.partnership import Partnership, partnership_uuid

        partnership = self.store.load(partnership_uuid(PID), Partnership)
        assert partnership is not None
        people = People(self.store, self.mail)
        ctx = Context(partnership_id=PID, principal="admin:test")
        added: dict[UUID, tuple[Addressee, str]] = {}
        for agency in sorted(partnership.agencies):
            email = f"lead@{agency}.example"
            p = people.add(ctx, name=f"Lead of {agency}", email=email, agency_id=agency)
            added[p.id] = (Addressee(person_id=p.id, agency_id=agency, forum_ids=()), email)
        for forum in sorted(partnership.forums):
            email = f"member@{forum}.example"
            p = people.add(ctx, name=f"Member of {forum}", email=email, forum_ids=(forum,))
            added[p.id] = (Addressee(person_id=p.id, agency_id=None, forum_ids=(forum,)), email)
        return added

    def start(self, *args: str) -> Lif:
        name = "-".join(a.lstrip("-") for a in args[:2])
        proc = Lif(list(args), self.env, self.logs / f"{len(self.started):02d}-{name}.log")
        self.started.append(proc)
        return proc

    def due(self, day: date) -> set[UUID]:
        """What the clock should record by `day`, judged here on views of the test's own."""
        clock = Clock(self.store, self.projector.db, catch_up=lambda: caught_up(self.projector))
        clock.catch_up()
        return {e.originator_id for e in clock.due(day)}

    def ledger(self) -> list[tuple[str, UUID, str, int]]:
        return self.mail.rows(PID)

    def resent(self) -> dict[str, int]:
        """Message-ID -> times the ledger sent it again in doubt."""
        with self.mail.transaction() as cur:
            cur.execute("SELECT message_id, MAX(resent) FROM mail_ledger WHERE resent > 0 GROUP BY message_id")
            return {str(m): int(n) for m, n in cur.fetchall()}

    def received(self) -> int:
        with self.smtp.box.lock:
            return len(self.smtp.box.received)

    def close(self) -> None:
        for proc in self.started:
            proc.kill()
        self.mail.close()
        self.projector.close()
        self.store.close()


@pytest.fixture
def world(settings: Settings, smtp_server: SmtpServer, tmp_path: Path) -> Iterator[Demo]:
    w = Demo(settings, smtp_server, tmp_path)
    yield w
    w.close()


def wait_until(check: Callable[[], bool], *running: Lif, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        for proc in running:
            assert proc.running(), proc.tail()
        assert time.monotonic() < deadline, f"{what}: not within {WAIT}s\n" + "\n".join(p.tail() for p in running)
        time.sleep(0.01)


def killed(proc: Lif) -> None:
    assert proc.running(), proc.tail()
    proc.kill()  # SIGKILL: no handler, no finally, no commit


def test_clock_and_mail_sender_killed_and_restarted_mid_run_leave_each_event_and_mail_once(world: Demo) -> None:
    expected_d1, expected_d2 = world.due(D1), world.due(D2)
    expected = expected_d1 | expected_d2
    assert expected_d2 - expected_d1, "moving on to D2 must cause events of its own"
    world.smtp.box.delay = 0.05  # a slow server: the sender is caught with mails still to send
    stored = lambda: {e.originator_id for e in stored_time_events(world.store)}  # noqa: E731

    mailer = world.start("mail", "send", "--interval", "0.2")
    clock = world.start("clock", "--now", D1.isoformat(), "--interval", "0.5")
    wait_until(lambda: bool(stored() & expected_d1), clock, what="the first clock's first events")
    killed(clock)
    clock = world.start("clock", "--now", D1.isoformat(), "--interval", "0.5")

    wait_until(lambda: world.received() >= 2, mailer, what="the first mails")
    killed(mailer)
    assert {s for _, _, s, _ in world.ledger()} & {"pending", "sending"}, "killed with mail still to send"
    mailer = world.start("mail", "send", "--interval", "0.2")
    wait_until(lambda: stored() == expected_d1, clock, mailer, what="every event due by D1")

    killed(clock)  # moved on: a clock of D2, killed once it has recorded D2's first events
    clock = world.start("clock", "--now", D2.isoformat(), "--interval", "0.5")
    wait_until(lambda: bool(stored() - expected_d1), clock, what="D2's first events")
    killed(clock)
    clock = world.start("clock", "--now", D2.isoformat(), "--interval", "0.5")

    mailed = world.received()
    wait_until(lambda: world.received() >= mailed + 2, mailer, clock, what="D2's first mails")
    killed(mailer)
    mailer = world.start("mail", "send", "--interval", "0.2")
    kills_of_the_sender = 2

    events = stored_time_events(world.store)
    wait_until(lambda: stored() == expected, clock, mailer, what="every event due by D2")
    events = stored_time_events(world.store)
    wanted = {
        (str(e.event_id), person): e for e in events
        for person in mail_reasons(e, [a for a, _ in world.people.values()])
    }
    assert len(wanted) >= 20

    def all_sent() -> bool:
        rows = world.ledger()
        return {(e, p) for e, p, _, _ in rows} == set(wanted) and all(s == "sent" for _, _, s, _ in rows)

    wait_until(all_sent, clock, mailer, what="every mail sent")
    for proc in (clock, mailer):
        code, _ = proc.terminate(signal.SIGTERM)
        assert code == 0, proc.tail()

    # Each event once: in the log, and in the audit trail the projections keep.
    assert len(events) == len({e.originator_id for e in events}) == len(expected)
    kinds = Counter(type(e) for e in events)
    assert kinds[ActionDueSoon] + kinds[DeadlineApproaching] >= 1, kinds  # approaching
    assert kinds[ActionOverdue] + kinds[DeadlineBreached] >= 1, kinds  # overdue
    assert {e.level for e in events if isinstance(e, ActionEscalated)} == {"forum", "executive"}, kinds
    caught_up(world.projector)
    with snapshot(world.projector.db) as cur:
        audited = Counter(str(r["event_id"]) for r in every_audit_row(cur))
    assert audited == Counter(str(e.event_id) for e in events)

    # Each escalation on the agenda of the forum it names, once.
    for escalated in (e for e in events if isinstance(e, ActionEscalated)):
        with snapshot(world.projector.db) as cur:
            facts = agenda_facts(cur, PID, escalated.forum_id)
        agenda = build_agenda(facts, D2, GENERATED, world.projector.position())
        on_it = [(x.action_id, x.level) for x in agenda.actions_escalated]
        assert on_it.count((escalated.action_id, escalated.level)) == 1, (escalated.forum_id, on_it)

    # Each mail once by its Message-ID, to its person's address; a mail in doubt at a kill at most again.
    addresses = {person: email for person, (_, email) in world.people.items()}
    with world.smtp.box.lock:
        received = [(str(m["Message-ID"]).strip(), str(m["To"])) for m in world.smtp.box.received]
    counts = Counter(mid for mid, _ in received)
    want = {f"<{event_id}.{person}@lif>": addresses[person] for event_id, person in wanted}
    assert set(counts) == set(want)
    assert all(want[mid] in to for mid, to in received)
    resent = world.resent()
    assert sum(resent.values()) <= kills_of_the_sender, resent
    twice = {mid: n for mid, n in counts.items() if n > 1}
    assert all(n <= 1 + resent.get(mid, 0) for mid, n in twice.items()), (twice, resent)
    print(f"{len(want)} mails, {len(events)} events; in doubt at the kills: {resent}", file=sys.stderr)


def every_audit_row(cur: Any) -> Iterator[dict[str, Any]]:
    after: int | None = 0
    while after is not None:
        rows, after = query_audit(cur, PID, AuditFilters(principal="system:clock"), after=after, limit=100)
        yield from rows


def test_lif_serve_alone_records_what_fell_due_and_mails_it(smtp_server: SmtpServer, tmp_path: Path) -> None:
    """On the embedded default `lif serve` runs the clock and the mail sender on threads of its own:
    the demo, its people added, mails its reminders with no other process."""
    world = Demo(sqlite_settings(tmp_path), smtp_server, tmp_path)
    try:
        port = free_port()
        world.env |= {"LIF_CLOCK_INTERVAL": "0.5", "LIF_MAIL_INTERVAL": "0.2"}
        serve = world.start("serve", "--port", str(port))
        serve.wait_ready(f"http://127.0.0.1:{port}")
        wait_until(lambda: world.received() >= 1, serve, what="a reminder mailed by lif serve")
        events = {str(e.event_id): e for e in stored_time_events(world.store)}
        message = world.smtp.box.received[0]
        event_id, person = str(message["Message-ID"]).strip("<> ").removesuffix("@lif").split(".")
        assert event_id in events
        reasons = mail_reasons(events[event_id], [a for a, _ in world.people.values()])
        assert UUID(person) in reasons and reasons[UUID(person)] in message.get_content()
        assert world.people[UUID(person)][1] in str(message["To"])
        code, _ = serve.terminate(signal.SIGTERM)
        assert code == 0, serve.tail()
    finally:
        world.close()


@pytest.mark.parametrize(("persistence", "in_process", "runs"), [
    ("sqlite", "true", True), ("sqlite", "false", False), ("postgres", "true", False),
])
def test_lif_serve_sends_mail_itself_on_the_embedded_default_unless_told_not_to(
    persistence: str, in_process: str, runs: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Elsewhere (PostgreSQL), or with LIF_MAIL_IN_PROCESS=false, `lif mail send` runs beside it."""
    from types import SimpleNamespace

    from services.cli.background import mail_schedule

    monkeypatch.setenv("LIF_MAIL_IN_PROCESS", in_process)
    monkeypatch.setenv("LIF_MAIL_INTERVAL", "3600")
    settings = sqlite_settings(tmp_path).model_copy(update={"persistence": persistence})
    store = EventStore.from_settings(sqlite_settings(tmp_path))
    schedule = mail_schedule(SimpleNamespace(state=SimpleNamespace(settings=settings, store=store)))
    try:
        assert (schedule is not None) is runs
    finally:
        if schedule is not None:
            schedule.stop()
        store.close()
