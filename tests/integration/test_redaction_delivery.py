"""A redaction reaches the agencies that received the text it corrects, and their feeds show the
correction (issue 12): on each real store, through the embedded delivery path (the Kafka worker
routes with the same ledger; tests/integration/test_redaction_raw_bytes.py runs it for real).
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from adapters.kafka_settings import delivery_db
from adapters.ledger import CORRECTS_RULE, CORRECTS_TITLE, Ledger, opened_entry
from adapters.outbox import Tracking
from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain.aggregate import Context
from domain.commands import RedactText
from domain.partnership import partnership_uuid
from domain.redaction import TextRedacted
from services.application.service import LearningService
from services.workers.feeds import EmbeddedFeeds
from tests.integration.test_routing_as_at_event import COUNCIL, PID, POLICE, World, seen

ADMIN = Context(partnership_id=PID, principal="admin:alice")


def _version(store: EventStore, aggregate: UUID, event_id: str) -> int:
    return next(e.originator_version for e in store.events_of(aggregate) if str(e.event_id) == event_id)


def _redact(store: EventStore, aggregate: UUID, version: int, text: str) -> str:
    LearningService(store).execute(ADMIN, RedactText(
        aggregate_id=aggregate, version=version, field="summary", text=text,
        rationale="The summary named the child's school."))
    (redaction, *_) = [e for e in reversed(list(store.events_of(partnership_uuid(PID))))
                       if isinstance(e, TextRedacted)]
    return str(redaction.event_id)


def test_a_redaction_goes_to_the_agencies_that_received_what_it_corrects(settings: Settings, tmp_path: Path) -> None:
    store = EventStore.from_settings(settings)
    world = World(store)
    activity, finding = seen(world)  # the police received the finding; then only the council subscribes
    db = delivery_db(settings)
    ledger = Ledger(db)
    feeds = EmbeddedFeeds(store, ledger, Tracking(db, "redactions"))
    try:
        feeds.run_until_caught_up()
        assert ledger.recipients(finding) == {POLICE}

        # Redacted after the finding was delivered: the police are sent the correction, no one else.
        corrected = "Plans were not kept up to date."
        redaction = _redact(store, activity, _version(store, activity, finding), corrected)
        feeds.run_until_caught_up()
        assert ledger.deliveries(PID, redaction) == [(POLICE, CORRECTS_RULE, False)]
        kept = ledger.entry(PID, POLICE, finding)
        assert kept is not None and "Plans drifted" not in kept.envelope.to_json().decode(), "kept sealed"
        shown = opened_entry(kept, store.text_keys)
        assert shown.envelope.payload["summary"] == corrected
        note = ledger.entry(PID, POLICE, redaction)
        assert note is not None and note.title == CORRECTS_TITLE
        assert opened_entry(note, store.text_keys).envelope.payload["text"] == corrected

        # Routed in the same batch as the event it corrects: it follows that event's routing.
        later = world.finding(activity)
        again = _redact(store, activity, _version(store, activity, later), "Plans were reviewed late.")
        feeds.run_until_caught_up()
        assert ledger.recipients(later) == {COUNCIL}
        assert ledger.deliveries(PID, again) == [(COUNCIL, CORRECTS_RULE, False)]

        # A replay from the start, into a new ledger, decides the same.
        replay_db = ViewDb("sqlite", str(tmp_path / "replay.sqlite"))
        replayed = Ledger(replay_db)
        EmbeddedFeeds(store, replayed, Tracking(replay_db, "replay")).run_until_caught_up()
        assert [(e, a) for e, a, _ in replayed.rows(PID)] == [(e, a) for e, a, _ in ledger.rows(PID)]
        replayed.close()
    finally:
        ledger.close()
        store.close()
