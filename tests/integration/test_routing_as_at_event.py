"""Routing as at the event (issue 10), on the embedded path: who receives a learning event is
decided by the subscriptions in force at its position in the log, whenever delivery runs.

Seen: with delivery stopped, a neglect finding was recorded while the police subscribed to
neglect; the police then cancelled and the council subscribed; when delivery came back the
police never got the finding and the council did. (The Kafka path: test_kafka_routing.py.)
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from uuid import UUID

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.kafka_settings import delivery_db
from adapters.ledger import Ledger
from adapters.outbox import Tracking
from adapters.sealed_text import open_in_text
from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import FindingCategory
from domain.aggregate import Context
from domain.framework import SourceKind, Theme
from domain.partnership import partnership_uuid
from services.api.schemas.feeds import DeliveryExplanation
from services.application.service import LearningService
from services.workers.feeds import EmbeddedFeeds

POLICE, COUNCIL = "merseyside-police", "st-helens-council"
PID = "wirral"



class World:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.service = LearningService(store)

    def do(self, command: cmd.Command, target: UUID | None = None) -> dict[str, object]:
        return self.service.execute(Context(partnership_id=PID, principal="tester"), command, target).body

    def finding(self, activity: UUID, theme: Theme = Theme.NEGLECT) -> str:
        self.do(cmd.RecordFinding(
            category=FindingCategory.AREA_FOR_IMPROVEMENT, summary="Plans drifted", themes=(theme,),
            recorded_on=date(2026, 2, 1),
        ), activity)
        return str(list(self.store.events_of(activity))[-1].event_id)


def seen(world: World) -> tuple[UUID, str]:
    """The issue's sequence, written while nothing delivers: the activity and the finding's event."""
    world.do(cmd.RegisterPartnership(partnership_id=PID, display_name="Wirral"))
    world.do(cmd.Subscribe(agency_id=POLICE, themes=(Theme.NEGLECT,)))
    activity = UUID(str(world.do(cmd.OpenActivity(
        kind=SourceKind.THEMATIC_AUDIT, title="Neglect audit", opened_on=date(2026, 1, 5), scope="Ten cases",
    ))["id"]))
    finding = world.finding(activity)
    world.do(cmd.Unsubscribe(agency_id=POLICE))
    world.do(cmd.Subscribe(agency_id=COUNCIL, themes=(Theme.NEGLECT,)))
    return activity, finding


def test_a_late_delivery_goes_to_the_subscribers_at_the_event_not_to_those_of_now(
    settings: Settings, tmp_path: Path
) -> None:
    store = EventStore.from_settings(settings)
    world = World(store)
    activity, finding = seen(world)
    db = delivery_db(settings)
    ledger = Ledger(db)
    feeds = EmbeddedFeeds(store, ledger, Tracking(db, "late"))
    feeds.run_until_caught_up()  # delivery comes back only now
    assert ledger.deliveries(PID, finding) == [(POLICE, "subscribed:theme=neglect", False)]
    # The other direction: what is recorded now goes to the council, not to the police.
    later = world.finding(activity)
    feeds.run_until_caught_up()
    assert ledger.deliveries(PID, later) == [(COUNCIL, "subscribed:theme=neglect", False)]
    kept = [e.title for e in ledger.newest(PID, POLICE, None, 0, 10)]
    assert "Neglect audit" not in str(kept), "the activity's title is kept sealed"
    titles = [open_in_text(title, store.text_keys) for title in kept]
    assert titles == ["Finding recorded in Thematic Audit: Neglect audit"]

    # A replay from the start, into a new ledger, decides the same, rule for rule.
    replay_db = ViewDb("sqlite", str(tmp_path / "replay.sqlite"))
    replayed = Ledger(replay_db)
    EmbeddedFeeds(store, replayed, Tracking(replay_db, "replay")).run_until_caught_up()
    every = [(e, a) for e, a, _ in ledger.rows(PID)]
    assert [(e, a) for e, a, _ in replayed.rows(PID)] == every
    for event_id, _ in every:
        assert replayed.deliveries(PID, event_id) == ledger.deliveries(PID, event_id)
    # And the same follower run again over the whole log (lost position) adds and changes nothing.
    EmbeddedFeeds(store, ledger, Tracking(db, "late-again")).run_until_caught_up()
    assert [(e, a) for e, a, _ in ledger.rows(PID)] == every
    replayed.close()
    ledger.close()
    store.close()



def test_a_scrutineer_asks_why_an_agency_did_or_did_not_receive_an_event(client: TestClient) -> None:
    world = World(client.app.state.store)  # type: ignore[attr-defined]
    _, finding = seen(world)
    url = f"/v1/partnerships/{PID}/deliveries/{finding}/explain"
    body = client.get(url).json()
    assert body["title"] == "Finding recorded in Thematic Audit: Neglect audit"
    assert body["routed_on"]["themes"] == ["neglect"]
    assert body["deliveries"] == [{"agency_id": POLICE, "rule": "subscribed:theme=neglect", "sent": False}]
    assert "agency" not in DeliveryExplanation.model_validate(body).model_fields_set  # as documented

    asked = client.get(url, params={"agency": POLICE}).json()
    police = DeliveryExplanation.model_validate(asked).model_dump(mode="json")["agency"]
    assert (police["received"], police["rule"]) == (True, "subscribed:theme=neglect")
    assert police["subscription_at_event"]["themes"] == ["neglect"]
    council = client.get(url, params={"agency": COUNCIL}).json()["agency"]
    assert (council["received"], council["rule"], council["subscription_at_event"]) == (False, None, None)
    assert council["reason"].startswith(f"{COUNCIL} had no subscription at log position ")

    r = client.get(url, params={"agency": "nobody-here"})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_agency")
    registered = next(iter(world.store.events_of(partnership_uuid(PID))))
    r = client.get(f"/v1/partnerships/{PID}/deliveries/{registered.event_id}/explain")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_delivery")


def test_a_ledger_made_before_rules_and_titles_gets_the_columns(settings: Settings) -> None:
    db = delivery_db(settings)
    conn = db.connect()
    with db.transaction(conn) as cur:  # the ledger's shape before issue 10
        cur.execute(
            "CREATE TABLE delivery_ledger (event_id TEXT NOT NULL, agency_id TEXT NOT NULL,"
            " partnership_id TEXT NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, envelope TEXT NOT NULL,"
            " recorded_at TEXT NOT NULL,"
            " sent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (event_id, agency_id))"
        )
        cur.execute(
            "INSERT INTO delivery_ledger (event_id, agency_id, partnership_id, position, type, envelope, recorded_at)"
            " VALUES ('e-old', 'a', 'p', 1, 't', '{}', 'then')"
        )
    conn.close()
    store = EventStore.from_settings(settings)
    _, finding = seen(World(store))
    ledger = Ledger(db)
    EmbeddedFeeds(store, ledger, Tracking(db, "after-upgrade")).run_until_caught_up()
    assert ledger.deliveries(PID, finding) == [(POLICE, "subscribed:theme=neglect", False)]
    assert ledger.deliveries("p", "e-old") == [("a", "", False)]  # an old row keeps going, its rule unknown
    ledger.close()
    store.close()
