"""After a redaction the text it took back is in no byte lif keeps (issue 12, "done when").

The whole pipeline runs as real processes (as in test_erasure_raw_bytes.py): `lif serve`, `lif
relay` to a real Kafka, `lif worker`, and `lif webhooks` to a receiver. A finding's summary carries
a nickname the screen cannot know (a marker unique to the run); it reaches the views, the police's
feeds, webhook and Kafka feed topic, and `lif.events`. An admin redacts it. Then:

- the police's webhook receiver is sent the redaction (the agencies that received the original
  get the correction), and the police's Atom and JSON feeds show the corrected text (they open
  the text kept sealed in the delivery ledger, so the destroyed key corrects them);
- the marker, in any letter case, is in no file under the run's directory (the store and its
  -wal/-shm, the views database, the worker's directory, the logs), on no topic of the run
  (`lif.events`, the feed topics), in no feed or audit page served; on PostgreSQL, in no row of
  the store's and the views' schemas, and in no data file of the store's tables (the views' old
  row versions stay in their files until VACUUM, as docs/security.md says, and the WAL until
  recycled).

The webhook request sent before the redaction held the original: what left lif for an agency's
server cannot be taken back, only followed by the correction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.raw_bytes import (
    contains,
    files_under,
    postgres_files,
    postgres_rows,
    topic_records,
    topics_named,
)
from tests.integration.test_erasure_raw_bytes import POLICE, Pipeline, receiver, wait_until
from tests.integration.test_operations import Lif
from tests.integration.test_operations import procs as procs  # the processes, stopped after the test

pytestmark = pytest.mark.kafka
__all__ = ["receiver"]  # a fixture


def _json_bodies(received: list[bytes]) -> list[dict[str, Any]]:
    """The JSON bodies of the webhook requests (each kept as its headers, then its body)."""
    return [json.loads(raw[raw.index(b"\n\n{") + 2:]) for raw in received if b"\n\n{" in raw]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_a_redaction_the_text_is_in_no_byte_lif_keeps(
    backend: str, tmp_path: Path, kafka_bootstrap: str, procs: list[Lif],
    receiver: tuple[str, list[bytes]], request: pytest.FixtureRequest,
) -> None:
    dsn = str(request.getfixturevalue("postgres_dsn")) if backend == "postgres" else "postgresql://unused"
    run = Pipeline(backend, tmp_path, kafka_bootstrap, dsn, procs)
    marker, canary = f"Wumbleton{run.run}", run.canary
    corrected = f"Known at nursery by a nickname ({canary})."
    run.start()

    run.send("/v1/partnerships", {"partnership_id": run.pid, "display_name": "Redaction partnership"}, 201)
    run.send("/subscriptions", {"agency_id": POLICE, "everything": True})
    run.send("/webhooks", {"agency_id": POLICE, "webhook_url": receiver[0]})
    activity = run.send("/activities", {"kind": "thematic_audit", "title": f"Audit of neglect {canary}",
                                        "opened_on": run.today, "scope": "Ten cases of neglect."}, 201)["id"]
    run.send(f"/activities/{activity}/start", {})
    recorded = run.send(f"/activities/{activity}/findings", {
        "category": "area_for_improvement", "recorded_on": run.today, "themes": ["neglect"],
        "summary": f"Known at nursery as {marker} ({canary})."})

    def police_feed() -> str:
        return run.http.get(f"/agencies/{POLICE}/feed.json").text

    # The original went everywhere first: the feed (opened from the ledger), the webhook, the topic.
    wait_until(lambda: marker in police_feed(), "the finding on the police's feed")
    wait_until(lambda: any(marker.encode() in b for b in receiver[1]), "the finding on the police's webhook")
    wait_until(lambda: any(b"finding_recorded" in r for r in topic_records(run.bootstrap, run.events_topic)),
               "the finding relayed to Kafka")
    assert not any(contains(r, marker) for r in topic_records(run.bootstrap, run.events_topic)), "sealed on Kafka"

    run.send("/redactions", {"aggregate_id": activity, "version": recorded["version"], "field": "summary",
                             "text": corrected, "rationale": "The summary carried the child's nickname."})

    # The agency that received the original is sent the correction, and its feeds show it.
    redacted = wait_until(
        lambda: [b for b in _json_bodies(receiver[1]) if b["type"] == "lif.partnership.text_redacted"],
        "the redaction on the police's webhook",
    )
    assert [(b["payload"]["aggregate_id"], b["payload"]["field"], b["payload"]["text"]) for b in redacted] == [
        (activity, "summary", corrected)
    ]
    wait_until(lambda: "text_redacted" in police_feed(), "the redaction on the police's feed")
    feed = police_feed()
    assert marker not in feed and corrected in feed
    wait_until(lambda: any(b"text_redacted" in r for r in topic_records(run.bootstrap, run.police_topic)),
               "the redaction on the police's feed topic")
    wait_until(lambda: run.http.get("/audit", params={"topic": "lif.partnership.text_redacted"}).json()["count"] == 1,
               "the redaction in the audit view")
    # (Not searched for the marker here: the access log would keep the query.)
    wait_until(lambda: run.http.get("/search", params={"q": "nickname"}).json()["items"], "the index corrected")

    served = run.served([activity], [])
    on_disk = {f"{path} (while running)": data for path, data in files_under(run.tmp).items()}
    for proc in run.procs:
        proc.terminate()
    on_disk |= files_under(run.tmp)
    if backend == "postgres":
        # Live rows of both schemas; the files of the store's own tables (events, chain, text keys, ledger).
        on_disk |= postgres_rows(run.dsn, [run.schema, f"{run.schema}_views"])
        on_disk |= {p: data for p, data in postgres_files(run.dsn, [run.schema], run.wal_from).items()
                    if "/pg_wal/" not in p}
    kafka = {t: b"\n".join(topic_records(run.bootstrap, t)) for t in topics_named(run.bootstrap, run.run)}
    everything = on_disk | kafka | served
    # The searches can find: the corrected text (with the canary) is in the views and what is served.
    for where in ("views" if backend == "sqlite" else "_views.", "/audit", f"{POLICE} feed.atom"):
        assert any(contains(data, canary) for p, data in everything.items() if where in p), where
    assert set(kafka) >= {run.events_topic, run.police_topic}
    leaks = sorted(where for where, data in everything.items() if contains(data, marker))
    assert leaks == []
