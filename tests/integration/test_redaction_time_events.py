"""A redaction reaches what the clock said of an action or an activity (issue 12).

The clock's events (domain/time_events.py) name the action or activity that fell due and copy none
of its text: the audit trail, the agency's feed, the mail and the agenda show the description or
title from the action or activity itself, which a redaction corrects. Here an action's description
and a rapid review's title carry a nickname the screen cannot know (a marker unique to the run);
the clock finds the action overdue (escalated to its forum and the Executive) and the review's
deadlines approaching and breached; the mail sender queues their mails and the feeds deliver them.
Then both texts are redacted, and:

- the mails sent after the redaction say the corrected text, and none says the marker;
- the police's feed (opened, as it is shown), the audit trail and the clock's events as the store
  reads them hold no marker, and the police's inbox shows the overdue reminder with the corrected
  description, read from the action;
- the marker, in any letter case, is in no byte of the store's files (the events, text keys,
  delivery and mail ledgers, the views; write-ahead logs included), or on PostgreSQL in no row of
  the store's and the views' schemas.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from adapters.kafka_settings import delivery_db
from adapters.ledger import Ledger, opened_entry
from adapters.mail import MailStore, SmtpTransport
from adapters.outbox import Tracking
from adapters.settings import MailSettings, Settings
from adapters.store import EventStore
from domain.aggregate import Context
from domain.commands import RedactText
from domain.framework import ARLF, BOARD, EXECUTIVE
from projections.audit import AuditFilters, query_audit
from projections.projector import Projector
from projections.runtime import build_projector
from projections.snapshot import snapshot
from services.application.clock import Clock
from services.application.mail import MailSender, People
from services.application.service import LearningService
from services.web.agency_reads import item_of
from services.workers.clock import caught_up
from services.workers.feeds import EmbeddedFeeds
from tests.fixtures.smtp import SmtpServer
from tests.integration.clock_world import DUE, LATE, TIME_TOPICS, D
from tests.integration.raw_bytes import contains, files_under, postgres_rows
from tests.integration.view_scenario import PID, POLICE, Scenario

ADMIN = Context(partnership_id=PID, principal="admin:alice", rationale="It carried the child's nickname.")
POLICE_LEAD, MEMBER = "lead@police.example", "member@forums.example"


class Run:
    """A partnership whose action and rapid review carry the marker, its clock, feeds and mail."""

    def __init__(self, settings: Settings, smtp: SmtpServer) -> None:
        self.marker = f"Wumbleton{uuid4().hex[:8]}"
        self.settings = settings
        self.store = EventStore.from_settings(settings)
        self.projector: Projector = build_projector(settings, self.store)
        s = self.scenario = Scenario(self.store, self.projector.db)
        s.register()
        audit = s.open("thematic_audit", "Neglect audit", D(2025, 3, 3))
        s.start(audit)
        finding = s.finding(audit, "Core groups lapsed for six weeks.", ("neglect",), D(2025, 3, 3))
        recommendation = s.recommend(audit, (finding,), "Hold core groups every month.", D(2025, 3, 3))
        s.decide("recommendation", recommendation, ARLF, D(2025, 3, 3))
        self.review = s.open("rapid_review", f"Rapid review: {self.marker}", D(2025, 3, 4), aware_on=D(2025, 3, 4))
        self.action = s.action(recommendation, f"Ask the nursery about {self.marker}.", DUE)
        self.db = delivery_db(settings)
        self.ledger = Ledger(self.db)
        self.feeds = EmbeddedFeeds(self.store, self.ledger, Tracking(self.db, "feeds"))
        self.mail = MailStore(self.db)
        self.mail_settings = MailSettings(
            smtp_host=smtp.box.host, smtp_port=smtp.box.port, public_url="https://lif.example", timeout=5,
        )
        self.sender = MailSender(self.store, self.mail, Tracking(self.db, "mail"), SmtpTransport(self.mail_settings),
                                 self.mail_settings)
        people = People(self.store, self.mail)
        people.add(ADMIN, name="Pat Lead", email=POLICE_LEAD, agency_id=POLICE)
        people.add(ADMIN, name="Alex Member", email=MEMBER, forum_ids=(ARLF, BOARD, EXECUTIVE))

    def catch_up(self) -> None:
        caught_up(self.projector)
        self.feeds.run_until_caught_up()

    def redact(self, aggregate_id: UUID, field: str, text: str) -> None:
        LearningService(self.store).execute(ADMIN, RedactText(
            aggregate_id=aggregate_id, version=1, field=field, text=text, rationale=ADMIN.rationale))

    def close(self) -> None:
        self.sender.tracking.close()
        self.feeds.tracking.close()
        self.mail.close()
        self.ledger.close()
        self.scenario.close()
        self.projector.close()
        self.store.close()


@pytest.fixture
def run(settings: Settings, smtp_server: SmtpServer) -> Iterator[Run]:
    r = Run(settings, smtp_server)
    yield r
    r.close()


def test_a_redaction_reaches_what_the_clock_said_of_an_action_and_an_activity(
    run: Run, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    marker, store = run.marker, run.store
    Clock(store, run.projector.db, catch_up=lambda: caught_up(run.projector)).tick(LATE)
    recorded = {n.topic for n in store.recorder.select_notifications(1, 10_000, topics=TIME_TOPICS)}
    assert {"lif.time.action_overdue", "lif.time.action_escalated", "lif.time.deadline_breached"} <= recorded
    run.catch_up()
    assert run.sender.follow() > 0  # the mails are queued before the redaction, sent after it
    feed = [opened_entry(e, store.text_keys) for e in run.ledger.newest(PID, POLICE, None, 0, 100)]
    assert any(marker in e.envelope.to_json().decode() for e in feed), "the feed showed the action before"

    action_text, title = "Ask the nursery about the child's nickname.", "Rapid review: a nursery child"
    run.redact(run.action, "description", action_text)
    run.redact(run.review, "title", title)
    run.redact(run.review, "scope", "Scope of the review.")  # the scenario writes the title into the scope too
    run.catch_up()
    assert run.sender.run_once() > 0

    police, member = smtp_server.box.to(POLICE_LEAD), smtp_server.box.to(MEMBER)
    mails = [(str(m["Subject"]), str(m.get_content())) for m in police + member]
    assert mails and not [m for m in mails if marker in m[0] + m[1]]
    assert any(f"The action: {action_text}" in body for _, body in mails if "overdue" in body)
    assert any(f"The activity: {title}" in body for _, body in mails if "Statutory deadline" in body)

    feed = [opened_entry(e, store.text_keys) for e in run.ledger.newest(PID, POLICE, None, 0, 100)]
    assert [e.envelope.type for e in feed if marker in e.envelope.to_json().decode() + e.title] == []
    # The agency's inbox shows a reminder with its action's description, as the action has it now.
    overdue = next(e for e in feed if e.envelope.type == "lif.time.action_overdue")
    item = item_of(store, overdue, POLICE, None)
    assert (item.said, item.action_id) == (action_text, str(run.action))
    with snapshot(run.projector.db) as cur:
        audit, _ = query_audit(cur, PID, AuditFilters(), limit=10_000)
    assert [r["topic"] for r in audit if marker in json.dumps(r)] == []
    head = store.recorder.max_notification_id() or 0
    clock_said = [store.mapper.to_domain_event(n) for n in store.recorder.select_notifications(1, head,
                                                                                                topics=TIME_TOPICS)]
    assert clock_said and not [e for e in clock_said if marker in e.model_dump_json()]

    settings = run.settings
    if settings.persistence == "postgres":
        schema = str(settings.postgres_schema)
        kept = postgres_rows(settings.postgres_dsn, [schema, f"{schema}_views"])
    else:
        kept = files_under(tmp_path)
    assert kept
    assert sorted(where for where, data in kept.items() if contains(data, marker)) == []
