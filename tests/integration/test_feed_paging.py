"""Feeds readers follow (issue 10): newest first, RFC 5005 paging and archives in Atom,
`next_url` in the JSON Feed, a correct `updated`, text content with the JSON linked,
titles that say what happened to what.

Seen: an agency's Atom and JSON feeds gave the oldest 100 entries of thousands, with no
`next`/`self` links and no `next_url`; the feed's `<updated>` was stale; Atom content held
raw JSON (RFC 4287 §4.1.3.3 forbids it); titles such as "activity signed off" did not say
what was signed off.
"""

from __future__ import annotations

import json
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import feedparser
import jsonschema

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from domain import commands as cmd
from domain.activity import FindingCategory
from domain.aggregate import Context
from domain.decision import DecisionSubject
from domain.framework import ARLF, SourceKind, Theme
from domain.recommendation import DecisionOutcome
from services.api.routers.feeds import ARCHIVE_SIZE
from services.api.schemas.feeds import FeedEntry
from services.application.service import LearningService

PID = "wirral"
POLICE = "merseyside-police"
FEED = f"/v1/partnerships/{PID}/agencies/{POLICE}"
FINDINGS = 2 * ARCHIVE_SIZE + 37
SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "jsonfeed-1.1.schema.json").read_text())




def _do(service: LearningService, command: cmd.Command, target: UUID | None = None) -> dict[str, Any]:
    return service.execute(Context(partnership_id=PID, principal="tester"), command, target).body


def many_findings(client: TestClient, n: int = FINDINGS) -> tuple[UUID, list[str]]:
    """An audit with n findings the police receive: the audit and the findings' event ids, oldest first."""
    service: LearningService = client.app.state.service  # type: ignore[attr-defined]
    _do(service, cmd.RegisterPartnership(partnership_id=PID, display_name="Wirral"))
    _do(service, cmd.Subscribe(agency_id=POLICE, everything=True))
    audit = UUID(_do(service, cmd.OpenActivity(
        kind=SourceKind.THEMATIC_AUDIT, title="Neglect audit", opened_on=date(2026, 1, 5), scope="Ten cases",
    ))["id"])
    _do(service, cmd.StartActivity(), audit)
    add_findings(client, audit, n)
    return audit, [str(e.event_id) for e in service.store.events_of(audit)][2:]


def add_findings(client: TestClient, audit: UUID, n: int) -> None:
    service: LearningService = client.app.state.service  # type: ignore[attr-defined]
    for i in range(n):
        _do(service, cmd.RecordFinding(
            category=FindingCategory.AREA_FOR_IMPROVEMENT, summary=f"Plans drifted ({i})", themes=(Theme.NEGLECT,),
            recorded_on=date(2026, 2, 1),
        ), audit)


def parse(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(r.text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def links(parsed: Any) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in parsed.feed.get("links", [])}


def entry_ids(parsed: Any) -> list[str]:
    return [e.id.removeprefix("urn:uuid:") for e in parsed.entries]


def test_atom_next_links_lead_a_reader_through_every_entry_newest_first(client: TestClient) -> None:
    _, findings = many_findings(client)
    seen: list[str] = []
    url: str | None = f"{FEED}/feed.atom?limit=40"
    pages = 0
    while url:
        parsed = parse(client, url)
        pages += 1
        assert links(parsed)["self"].endswith(url.removeprefix("http://testserver"))
        seen += entry_ids(parsed)
        url = links(parsed).get("next")
    assert seen == findings[::-1]  # every entry once, newest first
    assert pages >= FINDINGS // 40

    first = parse(client, f"{FEED}/feed.atom")
    newest = first.entries[0]
    assert first.feed.updated == newest.updated  # the newest entry's time, not a stale one
    assert newest.title == "Finding recorded in Thematic Audit: Neglect audit"
    # Content is text; the JSON is one link away.
    assert newest.content[0]["type"] == "text/plain"
    assert newest.content[0]["value"].startswith("Finding recorded in Thematic Audit: Neglect audit. Plans drifted (")
    assert "Sent to you because: subscribed:everything." in newest.content[0]["value"]
    (alternate,) = [link for link in newest.links if link["type"] == "application/json"]
    entry = client.get(alternate["href"])
    assert entry.status_code == 200, entry.text
    assert entry.json()["envelope"]["event_id"] == findings[-1]
    assert entry.json()["rule"] == "subscribed:everything"


def test_atom_archives_are_stable_and_with_the_subscription_document_hold_everything(client: TestClient) -> None:
    audit, findings = many_findings(client)
    current = parse(client, f"{FEED}/feed.atom?limit=10")
    assert len(current.entries) == FINDINGS % ARCHIVE_SIZE  # at least what no full archive page holds yet
    seen = entry_ids(current)
    archives: dict[str, list[str]] = {}
    url = links(current).get("prev-archive")
    while url:
        parsed = parse(client, url)
        assert "http://purl.org/syndication/history/1.0" in parsed.namespaces.values()
        assert links(parsed)["current"].endswith(f"{FEED}/feed.atom")
        archives[url] = entry_ids(parsed)
        assert len(archives[url]) == ARCHIVE_SIZE
        seen += archives[url]
        url = links(parsed).get("prev-archive")
    assert len(archives) == FINDINGS // ARCHIVE_SIZE
    assert seen == findings[::-1]
    oldest = parse(client, f"{FEED}/feed/archive/0.atom")
    assert "prev-archive" not in links(oldest)
    assert links(oldest)["next-archive"].endswith(f"{FEED}/feed/archive/1.atom")

    # More learning: the archive pages keep their entries; a new one fills.
    add_findings(client, audit, ARCHIVE_SIZE)
    for archive_url, ids in archives.items():
        assert entry_ids(parse(client, archive_url)) == ids
    assert "next-archive" in links(parse(client, f"{FEED}/feed/archive/{FINDINGS // ARCHIVE_SIZE - 1}.atom"))
    r = client.get(f"{FEED}/feed/archive/{FINDINGS // ARCHIVE_SIZE + 1}.atom")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_archive")


def test_json_feed_pages_by_next_url_and_validates(client: TestClient) -> None:
    _, findings = many_findings(client)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    seen: list[str] = []
    url: str | None = f"{FEED}/feed.json?limit=60"
    while url:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/feed+json")
        body = r.json()
        errors = [e.message for e in validator.iter_errors(body)]
        assert errors == []
        seen += [item["id"] for item in body["items"]]
        url = body.get("next_url")
    assert seen == findings[::-1]
    first = client.get(f"{FEED}/feed.json").json()
    assert first["_lif"]["next_after"] == first["items"][0]["_lif"]["position"]
    assert client.get(f"{FEED}/feed.json", params={"after": first["_lif"]["next_after"]}).json()["items"] == []
    # Each item's url answers the entry as documented: its envelope, and the rule that delivered it.
    entry = FeedEntry.model_validate(client.get(first["items"][0]["url"]).json())
    assert (str(entry.envelope.event_id), entry.rule) == (first["items"][0]["id"], first["items"][0]["_lif"]["rule"])
    # The schema is strict enough to fail: the feed had an item with JSON but no content.
    bad = {**first, "items": [{"id": "x", "_lif": {}}]}
    assert list(validator.iter_errors(bad))


def test_titles_say_what_happened_to_what(client: TestClient) -> None:
    service: LearningService = client.app.state.service  # type: ignore[attr-defined]
    audit, _ = many_findings(client, 1)
    _do(service, cmd.ReportActivity(report_summary="Plans drift", reported_on=date(2026, 3, 2)), audit)
    _do(service, cmd.ScheduleMeeting(forum_id=ARLF, meets_on=date(2026, 3, 10)))  # decided at its meeting
    _do(service, cmd.RecordDecision(
        forum_id=ARLF, meeting_on=date(2026, 3, 10), subject=DecisionSubject.ACTIVITY_SIGN_OFF,
        subject_id=audit, outcome=DecisionOutcome.ACCEPT, decided_by=("Chair",), rationale="Sound.",
    ))
    parsed = parse(client, f"{FEED}/feed.atom")
    titles = [e.title for e in parsed.entries]
    assert titles[0] == "Neglect audit signed off by the Audit, Review and Learning Forum"
    assert datetime.fromisoformat(parsed.feed.updated) == datetime.fromisoformat(parsed.entries[0].updated)
