"""After an erasure no trace of the subject is left in any byte lif keeps (issue 12, "done when").

A fresh store with the whole pipeline running as real processes: `lif serve` (the API over
HTTP, the projector inside it), `lif relay` to a real Kafka, `lif worker` (agencies' feeds and
the ingest topic), and `lif webhooks` to a receiver. A case file holds a made-up child's name,
date of birth and address, unique to the run (tests/integration/raw_bytes.py); a second case
file names the same child; the address is corrected; the details are read; findings and a
recommendation go to agencies; free text naming the child is refused over HTTP, in an HTTP
batch and on the Kafka ingest topic; the case files close. `lif subjects erase` then erases
the child. Then the raw bytes are searched for every detail in every written form:

- every file under the run's directory: the store and its -wal/-shm, the views database, the
  signing-key file (SQLite), the faust worker's directory, every process's log;
- every agency's feed as served (Atom and JSON), the audit trail, the entity histories;
- every message (key, value, headers) on every topic of the run: events, feeds, dead letters;
- every webhook request received;
- on PostgreSQL, every row of the store's and the views' schemas, and, after a checkpoint, the
  data files of their tables, TOAST tables and indexes, and the WAL written during the test.

The subject's key is looked for as well, as the key-encryption key wraps it for the store and
unwrapped (bytes, hex, base64): it is what turns the details' ciphertext, still in the store
and on every copy of it, back into the details.

So that a search that finds nothing means something, a canary (text that names no one, in the
activity's title and the finding) is found in each of these (sealed, as ciphertext, in the store
and on the topics, where free text is kept sealed), and the child's name is found on
the ingest topic, which holds what a sender wrote as they wrote it: lif never writes it, so it
is not among lif's bytes (docs/security.md says how its retention bounds it).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from kafka import KafkaProducer

from adapters.settings import Settings
from adapters.store import EventStore
from adapters.subject_keys import subject_keys_for
from domain.dates import today_in_england
from domain.framework import DEFAULT_AGENCIES
from services.application.auth.apikeys import create_api_key
from services.application.auth.principals import Role, make_principal
from services.application.auth.tokens import issue, signing_key
from tests.integration.raw_bytes import (
    Markers,
    contains,
    files_under,
    forms,
    found_in,
    postgres_files,
    postgres_rows,
    postgres_wal_position,
    secret_forms,
    topic_records,
    topics_named,
)
from tests.integration.test_operations import REPO, Lif, free_port
from tests.integration.test_operations import procs as procs  # the processes, stopped after the test

pytestmark = pytest.mark.kafka
POLICE, COUNCIL = "merseyside-police", "st-helens-council"
WAIT = 90.0
WHY = {"reason": "Preparing the audit panel"}


class Receiver(BaseHTTPRequestHandler):
    """An agency's webhook endpoint: keeps every request's headers and body."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(str(self.headers).encode() + body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("AgencyEndpoint", (Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/lif", received
    server.shutdown()


class Pipeline:
    """One run: its directory, its processes (as `lif` runs them), its topics and schema, and
    an admin's HTTP client on its partnership."""

    def __init__(self, backend: str, tmp: Path, bootstrap: str, dsn: str, procs: list[Lif]) -> None:
        self.backend, self.tmp, self.bootstrap, self.dsn, self.procs = backend, tmp, bootstrap, dsn, procs
        self.run = uuid.uuid4().hex[:10]
        self.pid, self.canary, self.schema = f"raw-{self.run}", f"canary{self.run}", f"t_raw_{self.run}"
        self.events_topic, self.ingest_topic = f"lif.events.{self.pid}", f"lif.ingest.{self.pid}"
        self.dlq_topic, self.police_topic = f"lif.ingest.dlq.{self.pid}", f"lif.feed.{self.run}.{self.pid}.{POLICE}"
        (tmp / "store").mkdir()
        (tmp / "logs").mkdir()
        self.env = {
            **os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1",
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "LIF_PERSISTENCE": backend, "LIF_SQLITE_PATH": str(tmp / "store" / "lif.sqlite"),
            "LIF_POSTGRES_DSN": dsn, "LIF_POSTGRES_SCHEMA": self.schema,
            "LIF_SUBJECT_KEK": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "LIF_WEBHOOK_SECRET": uuid.uuid4().hex, "LIF_WEBHOOK_BACKOFF_SECONDS": "0.2",
            "LIF_KAFKA_BOOTSTRAP": bootstrap, "LIF_KAFKA_EVENTS_TOPIC": self.events_topic,
            "LIF_KAFKA_INGEST_TOPIC": self.ingest_topic, "LIF_KAFKA_DLQ_TOPIC": self.dlq_topic,
            "LIF_KAFKA_FEED_PREFIX": f"lif.feed.{self.run}", "LIF_KAFKA_APP_ID": f"lif-consumers-{self.pid}",
            "LIF_KAFKA_DATADIR": str(tmp / "store" / "faust"),
        }
        if backend == "postgres":  # a server store has no directory to keep a generated signing key in
            self.env["LIF_SECRET_KEY"] = "raw-bytes-" + uuid.uuid4().hex * 2
        self.settings = Settings(
            persistence=backend, sqlite_path=self.env["LIF_SQLITE_PATH"],  # type: ignore[arg-type]
            postgres_dsn=dsn, postgres_schema=self.schema, secret_key=self.env.get("LIF_SECRET_KEY"),
            subject_kek=self.env["LIF_SUBJECT_KEK"],
        )
        self.wal_from = postgres_wal_position(dsn) if backend == "postgres" else ""
        self.today = today_in_england().isoformat()

    def start(self) -> None:
        port = free_port()
        api = Lif(["serve", "--port", str(port)], self.env, self.tmp / "logs" / "api.log")
        self.procs.append(api)
        for name in ("relay", "worker", "webhooks"):
            args = ["worker", "--loglevel", "warning"] if name == "worker" else [name]
            self.procs.append(Lif([*args, "--metrics-port", "0"], self.env, self.tmp / "logs" / f"{name}.log"))
        self.base = f"http://127.0.0.1:{port}"
        api.wait_ready(self.base)
        # The worker creates the ingest and dead-letter topics and joins its group before it is
        # ready: a message sent to the ingest topic earlier may land before anything reads it.
        for proc in self.procs[-3:]:
            proc.wait_ready(f"http://127.0.0.1:{proc.metrics_port()}")
        principal = make_principal(Role.ADMIN, self.pid, "dpo")
        token = issue(signing_key(self.settings), principal, timedelta(hours=1))
        self.http = httpx.Client(
            base_url=f"{self.base}/v1/partnerships/{self.pid}", headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """`path` under the partnership, or from the root if it starts with /v1/."""
        url = f"{self.base}{path}" if path.startswith("/v1/") else path
        return self.http.post(url, json=body)

    def send(self, path: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        r = self.post(path, body)
        assert r.status_code == expect, (path, r.status_code, r.text)
        return dict(r.json())

    def ingest_by_kafka(self, item: dict[str, Any]) -> None:
        store = EventStore.from_settings(self.settings)
        try:
            key = create_api_key(store, self.pid, "case-system", issued_by="admin:dpo").key
        finally:
            store.close()
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        producer.send(self.ingest_topic, key=self.pid.encode(), value=json.dumps(item).encode(),
                      headers=[("x-api-key", key.encode())])
        producer.flush()
        producer.close()

    def subject_key(self, ref: str) -> tuple[bytes, bytes]:
        """The subject's key, and as the store keeps it (wrapped under the key-encryption key)."""
        keys = subject_keys_for(self.settings)
        try:
            key = keys.get(ref)
        finally:
            keys.close()
        assert key is not None
        if self.backend == "sqlite":
            with closing(sqlite3.connect(self.settings.sqlite_path)) as conn:
                row = conn.execute("SELECT key FROM subject_keys WHERE subject_ref = ?", (ref,)).fetchone()
        else:
            with psycopg.connect(self.dsn) as pg:
                row = pg.execute(f"SELECT key FROM {self.schema}.subject_keys WHERE subject_ref = %s", (ref,)
                                 ).fetchone()
        assert row is not None
        return key, bytes(row[0])

    def erase(self, ref: str) -> str:
        """`lif subjects erase`, as a person runs it, while every process runs."""
        erased = subprocess.run(
            [sys.executable, "-m", "services.cli", "subjects", "erase", ref, "--principal", "dpo@raw",
             "--rationale", "Erasure on the subject's request, ticket 2026/117"],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=120,
        )
        assert erased.returncode == 0, erased.stdout + erased.stderr
        return erased.stdout

    def served(self, entities: list[str], case_files: list[str]) -> dict[str, bytes]:
        """The audit trail (every page), every agency's feeds, the entities' histories."""
        served: dict[str, bytes] = {}
        cursor: str | None = None
        while True:
            page = self.http.get("/audit", params={"limit": 1000, **({"cursor": cursor} if cursor else {})})
            served[f"/audit?cursor={cursor}"] = page.content
            cursor = page.json()["next"]
            if cursor is None:
                break
        for agency in (a.agency_id for a in DEFAULT_AGENCIES):
            for kind in ("atom", "json"):
                served[f"{agency} feed.{kind}"] = self.http.get(f"/agencies/{agency}/feed.{kind}").content
        for entity in entities:
            served[f"history of {entity}"] = self.http.get(f"/entities/{entity}/history").content
        for case_file in case_files:
            served[f"case file {case_file}"] = self.http.get(f"/casefiles/{case_file}/history", params=WHY).content
        return served

    def tails(self) -> str:
        return "\n".join(proc.tail() for proc in self.procs)

    def kept(self) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """Every file under the run's directory as the running processes keep it (the SQLite
        -wal and -shm among them), then as they leave it once stopped, with PostgreSQL's rows and
        files; and every topic of the run."""
        running = {f"{path} (while running)": data for path, data in files_under(self.tmp).items()}
        for proc in self.procs:
            proc.terminate()
        on_disk = running | files_under(self.tmp)
        if self.backend == "postgres":
            schemas = [self.schema, f"{self.schema}_views"]
            on_disk |= postgres_rows(self.dsn, schemas) | postgres_files(self.dsn, schemas, self.wal_from)
        topics = topics_named(self.bootstrap, self.run)
        return on_disk, {t: b"\n".join(topic_records(self.bootstrap, t)) for t in topics}


def wait_until(check: Any, what: str, timeout: float = WAIT, run: Pipeline | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() >= deadline:
            pytest.fail(f"not within {timeout}s: {what}\n{run.tails() if run else ''}")
        time.sleep(0.3)
    return result


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_erasure_no_detail_of_the_subject_is_in_any_byte_lif_keeps(
    backend: str, tmp_path: Path, kafka_bootstrap: str, procs: list[Lif],
    receiver: tuple[str, list[bytes]], request: pytest.FixtureRequest,
) -> None:
    dsn = str(request.getfixturevalue("postgres_dsn")) if backend == "postgres" else "postgresql://unused"
    run = Pipeline(backend, tmp_path, kafka_bootstrap, dsn, procs)
    markers, today, canary = Markers.new(), run.today, run.canary
    run.start()

    # -- the partnership, an agency's subscription and webhook
    run.send("/v1/partnerships", {"partnership_id": run.pid, "display_name": "Raw bytes partnership"}, 201)
    run.send("/subscriptions", {"agency_id": POLICE, "everything": True})
    run.send("/webhooks", {"agency_id": POLICE, "webhook_url": receiver[0]})

    # -- the child's case files, a correction, reads of the details
    child = {"name": markers.name, "date_of_birth": markers.date_of_birth.isoformat(), "address": markers.address}
    audit_file = run.send("/casefiles", {
        **child, "role": "child", "case_reference": f"SHSCP-{run.run[:4].upper()}-1",
        "source_kind": "thematic_audit", "rationale": "Sampled for the audit"}, 201)
    ref = audit_file["subject_ref"]
    review_file = run.send("/casefiles", {
        **child, "role": "child", "case_reference": f"SHSCP-{run.run[4:8].upper()}-2",
        "source_kind": "rapid_review", "subject_ref": ref}, 201)
    files = [audit_file["id"], review_file["id"]]
    run.send(f"/casefiles/{files[0]}/personal-details", {**child, "address": markers.moved_to,
                                                         "rationale": "Family moved"})
    read = run.http.get(f"/casefiles/{files[0]}", params=WHY).json()["personal_details"]
    assert (read["name"], read["address"]) == (markers.name, markers.moved_to)  # held, sealed, readable
    assert markers.address in run.http.get(f"/casefiles/{files[0]}/history", params=WHY).text

    # -- learning around the case, which reaches agencies' feeds, webhooks and Kafka
    activity = run.send("/activities", {"kind": "thematic_audit", "title": f"Audit of neglect {canary}",
                                        "opened_on": today, "scope": "Ten cases of neglect."}, 201)["id"]
    run.send(f"/activities/{activity}/start", {})
    finding = str(uuid.uuid4())
    run.send(f"/activities/{activity}/findings", {
        "finding_id": finding, "category": "area_for_improvement", "recorded_on": today, "themes": ["neglect"],
        "summary": f"Plans drifted in four of ten cases ({canary}).", "agencies_concerned": [COUNCIL]})
    run.send(f"/activities/{activity}/recommendations", {"finding_ids": [finding], "made_on": today,
             "text": "Review every child's plan monthly.", "addressed_to": [COUNCIL, POLICE]}, 201)

    # -- free text naming the child: refused over HTTP, in a batch, and on the ingest topic
    audit = {"kind": "thematic_audit", "title": "Audit", "opened_on": today, "scope": "One case."}
    for named in ({"title": f"Audit of {markers.first_name}'s care"},
                  {"scope": f"Visits to {markers.moved_to.splitlines()[0]}"},
                  {"scope": f"Seen on {markers.date_of_birth:%d %B %Y}"}):
        r = run.post("/activities", {**audit, **named})
        assert r.status_code == 422 and r.json()["error"]["code"].startswith("text_contains_known_"), r.text
    r = run.post(f"/casefiles/{files[1]}/close", {"closed_on": today, "rationale": f"{markers.surname} left"})
    assert r.status_code == 422, r.text
    heard = {"partnership_id": run.pid, "command": "record_finding", "target_id": activity, "payload": {
        "category": "good_practice", "recorded_on": today, "themes": ["neglect"], "summary": f"{markers.name} spoke."}}
    batch = run.post("/v1/ingest", {"items": [heard]})
    assert batch.status_code == 200 and batch.json()["rejected"][0]["code"] == "text_contains_known_name"
    run.ingest_by_kafka(heard)
    for case_file in files:
        run.send(f"/casefiles/{case_file}/close", {"closed_on": today})
    subject_key, subject_key_stored = run.subject_key(ref)

    assert "key destroyed" in run.erase(ref)
    assert run.http.get(f"/casefiles/{files[0]}", params=WHY).json()["personal_details"] == "[redacted]"

    # -- every process has carried everything, the erasure included
    wait_until(lambda: topic_records(run.bootstrap, run.dlq_topic), "the refused ingest message's dead letter", run=run)
    wait_until(lambda: any(b"subject_erased" in r for r in topic_records(run.bootstrap, run.events_topic)),
               "the erasure relayed to Kafka", run=run)
    wait_until(lambda: any(canary in e["content_text"] for e in run.http.get(f"/agencies/{POLICE}/feed.json").json()[
        "items"]), "the finding on the police's feed", run=run)
    wait_until(lambda: any(canary.encode() in b for b in receiver[1]), "the finding on the police's webhook", run=run)
    wait_until(lambda: run.http.get("/audit", params={"topic": "lif.case_file.subject_erased"}).json()["count"] == 2,
               "both erasure events in the audit view", run=run)

    served = run.served([*files, activity], files) | {"webhooks": b"\n".join(receiver[1])}
    on_disk, kafka = run.kept()
    sent = kafka.pop(run.ingest_topic)

    # The searches can find: the canary is in each kind of source, the name on the ingest topic.
    assert contains(sent, markers.name)
    assert set(kafka) >= {run.dlq_topic, run.events_topic, run.police_topic}
    everything = on_disk | kafka | served
    # Free text leaves the store sealed (docs/security.md): the canary is there as ciphertext only.
    sealed = {
        "the store": [p for p in on_disk if "lif.sqlite" in p or p.startswith(f"{run.schema}.")],
        "the events topic": [run.events_topic], "the police's feed topic": [run.police_topic],
    }
    for where, paths in sealed.items():
        assert any(b'{"sealed":"' in everything[p] for p in paths), f"no sealed text in {where}: {paths}"
        assert not any(contains(everything[p], canary) for p in paths), f"the canary is clear in {where}"
    sources = {
        "the views": [p for p in on_disk if "views" in p],
        "the police's Atom feed": [f"{POLICE} feed.atom"], "the police's JSON feed": [f"{POLICE} feed.json"],
        "the audit trail": ["/audit?cursor=None"], "the webhooks": ["webhooks"],
    }
    if backend == "postgres":
        sources["the table files"] = [p for p in on_disk if "/base/" in p]
        sources["the WAL"] = [p for p in on_disk if "/pg_wal/" in p]
    for where, paths in sources.items():
        assert any(contains(everything[p], canary) for p in paths), f"the canary is not in {where}: {paths}"

    details = forms(markers)
    keys_too = [*details, *secret_forms("the subject's key", subject_key),
                *secret_forms("the subject's key as stored (wrapped)", subject_key_stored)]
    leaks = {
        # PostgreSQL's WAL keeps the wrapped key it inserted until the segment is recycled, as
        # docs/security.md says (bounded by max_wal_size, wal_keep_size and archiving): the
        # details themselves were never written in clear, there or anywhere.
        where: found for where, data in everything.items()
        if (found := found_in(data, details if "/pg_wal/" in where else keys_too))
    }
    assert leaks == {}
