"""Issue 12: free text that slipped through the screen is taken back by a redaction.

A finding's summary carries a child's nickname (the screen cannot know it); an admin redacts it
with a corrected text and a reason. Then the nickname is in no file of the SQLite store (raw
bytes, write-ahead log included), the event reads back with the corrected text, the hash chain
still verifies, and the redaction is on the audit trail with who, when and why.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from adapters.settings import Settings
from adapters.store import EventStore
from domain.activity_state import Activity, FindingRecorded
from domain.redaction import TextRedacted
from projections.runtime import views_sqlite_path
from tests.e2e.conftest import BOARD, MEETING_DAYS, Api, error_of, events

MARKER = "Bumblesnout"
SLIPPED = f"Known at nursery as {MARKER}; the father was not named in the referral."
CORRECTED = "Known at nursery by a nickname; the father was not named in the referral."
REASON = "The summary carried the child's nickname, which identifies her."


def _store_files(settings: Settings) -> list[Path]:
    store = Path(settings.sqlite_path)
    return [p for p in (store, Path(f"{store}-wal"), Path(f"{store}-journal")) if p.exists()]


def _holders(files: list[Path], text: str) -> list[str]:
    return [p.name for p in files if text.encode() in p.read_bytes()]


def _verify(api: Api) -> dict[str, object]:
    r = api.client.get("/v1/admin/verify")
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _finding_with_marker(api: Api, store: EventStore) -> tuple[str, int]:
    review, _ = api.reported_review()
    api.finding(review, summary=SLIPPED)
    (recorded,) = [e for e in events(store, review) if isinstance(e, FindingRecorded) and e.summary == SLIPPED]
    return review, recorded.originator_version


def _redact(api: Api, aggregate_id: str, version: int, field: str = "summary", expect: int = 200) -> dict[str, object]:
    body = {"aggregate_id": aggregate_id, "version": version, "field": field, "text": CORRECTED, "rationale": REASON}
    return api.post("/redactions", body, expect=expect)


def test_free_text_is_never_stored_in_the_clear(api: Api, store: EventStore, settings: Settings) -> None:
    _finding_with_marker(api, store)
    files = _store_files(settings)
    assert files and _holders(files, MARKER) == []
    assert _holders(files, "Rapid review: infant injury") == [], "titles are sealed too"


def test_a_redaction_replaces_the_text_everywhere_it_is_read_and_the_chain_still_verifies(
    api: Api, store: EventStore, settings: Settings
) -> None:
    review, version = _finding_with_marker(api, store)
    assert _verify(api)["ok"] is True
    answer = _redact(api, review, version)
    assert answer["type"] == "partnership"

    (recorded,) = [e for e in events(store, review) if e.originator_version == version]
    assert isinstance(recorded, FindingRecorded) and recorded.summary == CORRECTED
    fresh = EventStore.from_settings(settings)  # another process: nothing cached
    try:
        (again,) = [e for e in fresh.events_of(UUID(review)) if e.originator_version == version]
        assert isinstance(again, FindingRecorded) and again.summary == CORRECTED
        activity = fresh.load(UUID(review), Activity)
        assert activity is not None and CORRECTED in [f.summary for f in activity.findings.values()]
    finally:
        fresh.close()
    assert MARKER not in str(api.get(f"/activities/{review}"))

    files = _store_files(settings)
    assert _holders(files, MARKER) == []
    verified = _verify(api)
    assert verified["ok"] is True, verified

    redaction = [e for e in store.events_of(answer_id(answer)) if isinstance(e, TextRedacted)]
    assert [(e.aggregate_id, e.version, e.field, e.text, e.rationale, e.principal) for e in redaction] == [
        (UUID(review), version, "summary", CORRECTED, REASON, "admin:alice")
    ]


def answer_id(answer: dict[str, object]) -> UUID:
    return UUID(str(answer["id"]))


def test_a_corrected_text_can_be_redacted_again(api: Api, store: EventStore, settings: Settings) -> None:
    review, version = _finding_with_marker(api, store)
    partnership = _redact(api, review, version)
    body = {"aggregate_id": str(partnership["id"]), "version": partnership["version"], "field": "text",
            "text": "Known at nursery by another name.", "rationale": REASON}
    api.post("/redactions", body)
    (recorded,) = [e for e in events(store, review) if e.originator_version == version]
    assert isinstance(recorded, FindingRecorded) and recorded.summary == "Known at nursery by another name."
    assert _holders(_store_files(settings), "nickname") == []


def test_what_cannot_be_redacted_is_refused_with_the_field_named(api: Api, store: EventStore) -> None:
    review, version = _finding_with_marker(api, store)
    r = api.client.post(f"{api.base}/redactions", json={
        "aggregate_id": review, "version": version, "field": "category", "text": CORRECTED, "rationale": REASON})
    assert r.status_code == 422 and error_of(r)["field"] == "field", r.text
    r = api.client.post(f"{api.base}/redactions", json={
        "aggregate_id": review, "version": 999, "field": "summary", "text": CORRECTED, "rationale": REASON})
    assert r.status_code == 404 and error_of(r)["field"] == "version", r.text
    r = api.client.post(f"{api.base}/redactions", json={
        "aggregate_id": review, "version": version, "field": "summary", "text": CORRECTED})
    assert r.status_code == 422 and error_of(r)["field"] == "rationale", r.text
    (recorded,) = [e for e in events(store, review) if e.originator_version == version]
    assert isinstance(recorded, FindingRecorded) and recorded.summary == SLIPPED


def _views_files(settings: Settings) -> list[Path]:
    views = Path(views_sqlite_path(settings))
    return [p for p in (views, Path(f"{views}-wal"), Path(f"{views}-journal")) if p.exists()]


def test_every_view_that_held_the_text_is_corrected(api: Api, store: EventStore, settings: Settings) -> None:
    review, version = _finding_with_marker(api, store)
    titled = api.open_audit(title=f"Thematic audit: {MARKER} and neglect")
    action = api.agree_action(api.accepted_recommendation(), description=f"Ask the nursery about {MARKER}.")["id"]
    head = store.recorder.max_notification_id()
    seen = str(api.get("/audit", params={"min_position": head, "limit": 1000}))
    assert MARKER in seen, "the views held the text before"
    found = api.get("/search", params={"q": MARKER, "min_position": head})["items"]
    assert {hit["kind"] for hit in found} == {"activity", "finding", "action"}, "the index found the words before"

    _redact(api, review, version)
    _redact(api, titled["id"], 1, "title")
    _redact(api, action, 1, "description")
    head = store.recorder.max_notification_id()

    fresh = {"min_position": head}
    audit = api.get("/audit", params={**fresh, "limit": 1000})
    reads = [
        audit,
        api.get(f"/entities/{review}/history", params=fresh),
        api.get(f"/entities/{titled['id']}/history", params=fresh),
        api.get("/tracker", params=fresh),
        api.get("/deadlines", params=fresh),
        api.get(f"/activities/{titled['id']}"),
        api.get(f"/forums/{BOARD}/agenda", params={**fresh, "meeting_on": MEETING_DAYS[1]}),
        api.get("/activities", params=fresh),
        api.get("/recommendations", params=fresh),
        api.get("/actions", params=fresh),
    ]
    for read in reads:
        assert MARKER not in str(read), read
    assert api.get("/search", params={"q": MARKER, **fresh})["items"] == []
    assert [hit["id"] for hit in api.get("/search", params={"q": "nickname", **fresh})["items"]] != []
    assert CORRECTED in str(audit)
    redactions = [e for e in audit["items"] if e["topic"] == "lif.partnership.text_redacted"]
    assert [(e["principal"], e["rationale"]) for e in redactions] == [("admin:alice", REASON)] * 3
    assert all(e["occurred_at"] for e in redactions)
    assert _holders(_views_files(settings), MARKER) == []
    # The full-text index keeps its words folded to lower case.
    assert _holders(_views_files(settings), MARKER.lower()) == []
    assert _holders(_store_files(settings), MARKER) == []


def test_a_redaction_of_who_decided_corrects_the_decisions_list(
    api: Api, store: EventStore, settings: Settings
) -> None:
    pr, finding = api.reported_review()
    recommendation = api.recommend(pr, finding)["id"]
    decision = api.decide("recommendation", recommendation, decided_by=["Independent Chair", f"Aunt {MARKER}"])
    head = store.recorder.max_notification_id()
    assert f"Aunt {MARKER}" in str(api.get("/decisions", params={"min_position": head})), "the list held it before"

    _redact(api, decision["id"], 1, "decided_by.1")
    head = store.recorder.max_notification_id()
    listed = api.get("/decisions", params={"min_position": head})
    (row,) = [d for d in listed["items"] if d["decision_id"] == decision["id"]]
    assert row["decided_by"] == ["Independent Chair", CORRECTED]
    assert MARKER not in str(listed)
    assert _holders(_views_files(settings), MARKER) == []


def test_a_redaction_takes_back_the_copy_a_briefing_drafted_from_the_text_holds(
    api: Api, store: EventStore, settings: Settings
) -> None:
    review, version = _finding_with_marker(api, store)
    proposal = api.get(f"/activities/{review}/briefing/draft",
                       params={"min_position": store.recorder.max_notification_id()})
    (part,) = [name for name, text in proposal.items() if isinstance(text, str) and MARKER in text]
    api.post(f"/activities/{review}/briefing", {**proposal, "drafted_on": "2026-06-02"})

    _redact(api, review, version)
    briefing = api.get(f"/activities/{review}")["briefing"]
    assert MARKER not in str(briefing) and CORRECTED in briefing[part]
    head = store.recorder.max_notification_id()
    audit = api.get("/audit", params={"topic": "lif.partnership.text_redacted", "min_position": head})
    assert [(e["payload"]["aggregate_id"], e["payload"]["field"]) for e in audit["items"]] == [
        (review, "summary"), (review, part),
    ]
    assert _holders(_store_files(settings), MARKER) == []
    assert _holders(_views_files(settings), MARKER) == []
