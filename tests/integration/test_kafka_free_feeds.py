"""Agencies' feeds with no Kafka at all: subscriptions over HTTP, the embedded delivery path.

The embedded path fills the same delivery ledger as the Kafka worker, with the
same domain.routing.route; the Kafka path is tested in test_kafka_delivery.py.
"""

from __future__ import annotations

import json
import socket
import threading
import warnings
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from uuid import UUID

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.kafka_settings import delivery_db
from adapters.ledger import Ledger
from adapters.outbox import Tracking
from adapters.settings import Settings
from adapters.store import EventStore
from domain import commands as cmd
from domain.activity import FindingCategory
from domain.aggregate import Context
from domain.decision import DecisionSubject
from domain.framework import ARLF, SourceKind, Theme
from domain.recommendation import DecisionOutcome
from services.application.service import LearningService
from services.workers.feeds import EmbeddedFeeds
from services.workers.webhooks import WebhookDispatcher, WebhookSettings, agency_key, signature

P = "/v1/partnerships/wirral"
POLICE, COUNCIL, SCHOOLS, CVS = "merseyside-police", "st-helens-council", "st-helens-schools", "st-helens-cvs"




def post(client: TestClient, path: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    r = client.post(path, json=body)
    assert r.status_code == expect, r.text
    data: dict[str, Any] = r.json()
    return data


def learning(client: TestClient) -> tuple[str, str]:
    """A partnership with subscriptions, one finding and one recommendation: their ids."""
    post(client, "/v1/partnerships", {"partnership_id": "wirral", "display_name": "Wirral"}, 201)
    post(client, f"{P}/subscriptions", {"agency_id": POLICE, "themes": ["neglect"]})
    post(client, f"{P}/subscriptions", {"agency_id": COUNCIL, "source_kinds": ["rapid_review"]})
    post(client, f"{P}/subscriptions", {"agency_id": CVS, "everything": True})
    post(client, f"{P}/subscriptions/cancel", {"agency_id": CVS})
    audit = post(
        client, f"{P}/activities",
        {"kind": "thematic_audit", "title": "Neglect audit", "opened_on": "2026-02-02", "scope": "Ten cases."}, 201,
    )["id"]
    finding = {
        "category": "area_for_improvement", "summary": "Plans drifted", "themes": ["neglect"],
        "recorded_on": "2026-02-10",
    }
    state = post(client, f"{P}/activities/{audit}/findings", finding)
    finding_id = next(iter(state["findings"]))
    rec = post(
        client, f"{P}/activities/{audit}/recommendations",
        {"finding_ids": [finding_id], "text": "Review plans monthly", "addressed_to": [SCHOOLS],
         "made_on": "2026-02-11"},
        201,
    )
    return audit, rec["id"]


def feed(client: TestClient, agency: str, **params: Any) -> dict[str, Any]:
    r = client.get(f"{P}/agencies/{agency}/feed.json", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/feed+json")
    data: dict[str, Any] = r.json()
    return data


def test_subscriptions_are_partnership_state_and_refuse_bad_input(client: TestClient) -> None:
    learning(client)
    state = client.get(P).json()
    assert set(state["subscriptions"]) == {POLICE, COUNCIL}
    assert state["subscriptions"][POLICE]["themes"] == ["neglect"]
    r = client.post(f"{P}/subscriptions", json={"agency_id": POLICE})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "empty_subscription")
    r = client.post(f"{P}/subscriptions", json={"agency_id": "nobody-here", "everything": True})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_agency")
    r = client.post(f"{P}/subscriptions/cancel", json={"agency_id": CVS})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "no_subscription")


def test_feeds_hold_exactly_what_routing_chose_without_kafka(client: TestClient) -> None:
    learning(client)
    police = feed(client, POLICE)
    # Newest first; titles say what happened to what.
    assert [i["_lif"]["type"] for i in police["items"]] == ["lif.recommendation.made", "lif.activity.finding_recorded"]
    assert [i["title"] for i in police["items"]] == [
        "Recommendation made in Thematic Audit: Neglect audit", "Finding recorded in Thematic Audit: Neglect audit",
    ]
    assert [i["_lif"]["rule"] for i in police["items"]] == ["subscribed:theme=neglect"] * 2
    assert [i["_lif"]["type"] for i in feed(client, SCHOOLS)["items"]] == ["lif.recommendation.made"]
    assert feed(client, COUNCIL)["items"] == []  # subscribed to rapid reviews; this is an audit
    assert feed(client, CVS)["items"] == []  # cancelled

    # Paging by log position: nothing after the last entry.
    assert feed(client, POLICE, after=police["_lif"]["next_after"])["items"] == []
    atom = client.get(f"{P}/agencies/{SCHOOLS}/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(atom.text).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.find("{http://www.w3.org/2005/Atom}title").text for e in entries] == [  # type: ignore[union-attr]
        "Recommendation made in Thematic Audit: Neglect audit"
    ]
    r = client.get(f"{P}/agencies/nobody-here/feed.json")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_agency")


def test_embedded_delivery_run_again_from_the_start_adds_nothing(client: TestClient, settings: Settings) -> None:
    learning(client)
    store = client.app.state.store  # type: ignore[attr-defined]
    db = delivery_db(settings)
    ledger = Ledger(db)
    first = EmbeddedFeeds(store, ledger, Tracking(db, "replay-1"))
    assert first.run_until_caught_up() > 0
    rows = ledger.rows("wirral")
    assert {(a, n) for _, a, n in rows} == {(POLICE, 0), (SCHOOLS, 0)}
    assert len(rows) == 3
    # A follower that lost its position replays the whole log: insert-if-absent keeps one row each.
    EmbeddedFeeds(store, ledger, Tracking(db, "replay-2")).run_until_caught_up()
    assert ledger.rows("wirral") == rows
    ledger.close()


class Receiver(BaseHTTPRequestHandler):
    """An agency's webhook endpoint: fails `failures` times, then accepts."""

    failures = 0
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        ok = len(type(self).received) > type(self).failures
        self.send_response(204 if ok else 503)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhooks_are_signed_retried_with_backoff_and_dead_lettered(client: TestClient, settings: Settings) -> None:
    learning(client)
    Receiver.failures, Receiver.received = 2, []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    post(client, f"{P}/webhooks", {"agency_id": SCHOOLS, "webhook_url": f"http://127.0.0.1:{server.server_port}/lif"})
    post(client, f"{P}/webhooks", {"agency_id": POLICE, "webhook_url": f"http://127.0.0.1:{closed_port}/x"})
    client.get(f"{P}/agencies/{SCHOOLS}/feed.json")  # the embedded path fills the ledger

    now = [1_000_000.0]
    hooks = WebhookSettings(secret="s3cret", max_attempts=3, backoff_seconds=10, timeout_seconds=2)
    store = client.app.state.store  # type: ignore[attr-defined]
    dispatcher = WebhookDispatcher(store, delivery_db(settings), hooks, clock=lambda: now[0])
    try:
        assert dispatcher.run_once() == 3  # schools: 1 recommendation; police: finding + recommendation
        assert dispatcher.run_once() == 0  # nothing due before the backoff has passed
        now[0] += 10
        assert dispatcher.run_once() == 3
        now[0] += 19
        assert dispatcher.run_once() == 0  # the second retry waits twice as long
        now[0] += 1
        assert dispatcher.run_once() == 3
        now[0] += 1000
        assert dispatcher.run_once() == 0  # delivered or dead: nothing more to do

        schools = dispatcher.statuses(SCHOOLS)
        assert [(s, a, e) for _, s, a, e in schools] == [("delivered", 3, None)]
        police = dispatcher.statuses(POLICE)
        assert [(s, a) for _, s, a, _ in police] == [("dead", 3), ("dead", 3)]
        assert all(e and "ConnectError" in e for *_, e in police)
        assert dispatcher.statuses(COUNCIL) == []
    finally:
        dispatcher.close()
        server.shutdown()

    assert len(Receiver.received) == 3
    headers, body = Receiver.received[-1]
    assert [h["x-lif-delivery-attempt"] for h, _ in Receiver.received] == ["1", "2", "3"]
    key = agency_key("s3cret", "wirral", SCHOOLS)
    assert headers["x-lif-signature"] == signature(key, headers["x-lif-timestamp"], body)
    other_key = agency_key("s3cret", "wirral", POLICE)
    assert headers["x-lif-signature"] != signature(other_key, headers["x-lif-timestamp"], body)
    assert json.loads(body)["type"] == "lif.recommendation.made"
    assert headers["x-lif-event-id"] == json.loads(body)["event_id"]


def test_an_admin_sees_the_dead_letters(client: TestClient, settings: Settings) -> None:
    assert client.get(f"{P}/webhooks/dead-letters").json()["items"] == []  # before any dispatcher ran
    learning(client)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    post(client, f"{P}/webhooks", {"agency_id": POLICE, "webhook_url": f"http://127.0.0.1:{closed_port}/x"})
    client.get(f"{P}/agencies/{POLICE}/feed.json")  # the embedded path fills the ledger
    hooks = WebhookSettings(secret="s3cret", max_attempts=1, timeout_seconds=2)
    store = client.app.state.store  # type: ignore[attr-defined]
    dispatcher = WebhookDispatcher(store, delivery_db(settings), hooks, clock=lambda: 1_000_000.0)
    try:
        assert dispatcher.run_once() == 2  # the finding and the recommendation, each dead at once
        feed = dispatcher.statuses(POLICE)
    finally:
        dispatcher.close()
    r = client.get(f"{P}/webhooks/dead-letters")
    assert r.status_code == 200, r.text
    dead = r.json()["items"]
    assert sorted(d["event_id"] for d in dead) == sorted(event_id for event_id, *_ in feed)
    for d in dead:
        assert (d["agency_id"], d["attempts"]) == (POLICE, 1)
        assert "ConnectError" in d["last_error"]
        assert datetime.fromisoformat(d["dead_lettered_at"]) == datetime.fromtimestamp(1_000_000, UTC)
    assert [d["position"] for d in dead] == sorted((d["position"] for d in dead), reverse=True)


def sse_events(text: str) -> list[dict[str, str]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        if "data" in fields:
            events.append(fields)
    return events


def test_server_sent_events_resume_after_the_last_event_id(client: TestClient) -> None:
    learning(client)
    r = client.get(f"{P}/agencies/{POLICE}/feed.sse", params={"max_seconds": 0})
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert [e["event"] for e in events] == ["lif.activity.finding_recorded", "lif.recommendation.made"]
    assert [json.loads(e["data"])["position"] for e in events] == [int(e["id"]) for e in events]
    resumed = client.get(
        f"{P}/agencies/{POLICE}/feed.sse", params={"max_seconds": 0}, headers={"Last-Event-ID": events[0]["id"]}
    )
    assert [e["id"] for e in sse_events(resumed.text)] == [events[1]["id"]]
    r = client.get(f"{P}/agencies/nobody-here/feed.sse", params={"max_seconds": 0})
    assert r.status_code == 404


def test_every_kind_of_learning_event_reaches_subscribers_addressees_and_owners(settings: Settings) -> None:
    """Through a whole audit: findings, sign-off, publication, recommendations and their decision, actions."""
    store = EventStore.from_settings(settings)
    service = LearningService(store)

    def do(command: cmd.Command, target: str | None = None) -> dict[str, Any]:
        ctx = Context(partnership_id="wirral", principal="alice")
        return service.execute(ctx, command, UUID(target) if target else None).body

    do(cmd.RegisterPartnership(partnership_id="wirral", display_name="Wirral"))
    for day in (date(2026, 3, 10), date(2026, 3, 20)):  # the forum decides at its meetings
        do(cmd.ScheduleMeeting(forum_id=ARLF, meets_on=day))
    do(cmd.Subscribe(agency_id=POLICE, source_kinds=(SourceKind.THEMATIC_AUDIT,)))
    do(cmd.Subscribe(agency_id=COUNCIL, themes=(Theme.NEGLECT,)))  # the audit's findings are about sleep
    audit = do(cmd.OpenActivity(kind=SourceKind.THEMATIC_AUDIT, title="Sleep", opened_on=date(2026, 2, 2), scope="All"))
    audit_id = audit["id"]
    do(cmd.StartActivity(), audit_id)
    state = do(
        cmd.RecordFinding(
            category=FindingCategory.GOOD_PRACTICE, summary="Advice given", themes=(Theme.SAFER_SLEEPING,),
            recorded_on=date(2026, 3, 1),
        ),
        audit_id,
    )
    do(cmd.ReportActivity(report_summary="Safer sleeping advice works", reported_on=date(2026, 3, 2)), audit_id)
    do(cmd.RecordDecision(
        forum_id=ARLF, meeting_on=date(2026, 3, 10), subject=DecisionSubject.ACTIVITY_SIGN_OFF,
        subject_id=UUID(audit_id), outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",), rationale="Sound.",
    ))
    rec = do(cmd.MakeRecommendation(
        finding_ids=(UUID(next(iter(state["findings"]))),), text="Keep advising", addressed_to=(SCHOOLS,),
        made_on=date(2026, 3, 11),
    ), audit_id)
    do(cmd.RecordDecision(
        forum_id=ARLF, meeting_on=date(2026, 3, 20), subject=DecisionSubject.RECOMMENDATION,
        subject_id=UUID(rec["id"]), outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",), rationale="Sound.",
    ))
    do(cmd.AgreeAction(owner_agency_id=CVS, description="Leaflets", due_on=date(2026, 6, 1)), rec["id"])
    do(cmd.PublishActivity(published_on=date(2026, 4, 1)), audit_id)

    db = delivery_db(settings)
    ledger = Ledger(db)
    EmbeddedFeeds(store, ledger, Tracking(db, "lifecycle")).run_until_caught_up()
    by_type: dict[str, set[str]] = {}
    for event_id, agency, _ in ledger.rows("wirral"):
        kind = ledger.feed("wirral", agency, 0, 100)
        by_type.setdefault(next(e.type for e in kind if str(e.event_id) == event_id), set()).add(agency)
    assert by_type == {
        "lif.activity.finding_recorded": {POLICE},
        "lif.activity.signed_off": {POLICE},
        "lif.recommendation.made": {POLICE, SCHOOLS},
        "lif.recommendation.decided": {POLICE, SCHOOLS},
        "lif.action.agreed": {CVS},  # restricted to its owner, whatever others subscribe to
        "lif.activity.published": {POLICE},
    }
    ledger.close()
    store.close()
