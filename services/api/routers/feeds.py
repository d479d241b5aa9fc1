"""Each agency's learning feed, as JSON Feed 1.1 or Atom, read from the delivery ledger.

The ledger is filled by the Kafka worker (`lif worker`) or, with no Kafka, by
the embedded path; while embedded feeds are on (LIF_KAFKA_EMBEDDED_FEEDS; by default
only when LIF_KAFKA_BOOTSTRAP is unset), a read first lets the embedded path catch up
with the log, so a feed is current on every read.

Feeds are newest first. `feed.atom` and `feed.json` give the newest entries
with a `next` link (`next_url`) to older ones (`?before=<position>`); Atom also
links (RFC 5005) to stable archive pages of ARCHIVE_SIZE entries, numbered from
the oldest (`feed/archive/<n>.atom`), each linking to its neighbours.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from adapters.envelope import Envelope
from adapters.kafka_settings import KafkaSettings, delivery_db
from adapters.ledger import Entry, Ledger, opened, opened_entry
from adapters.outbox import Tracking
from adapters.settings import Settings
from adapters.store import EventStore
from adapters.text_keys import TextKeys
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from domain.values import Position
from services.api import feed_render
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES
from services.api.schemas.feeds import FeedEntry
from services.workers.feeds import EmbeddedFeeds

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/agencies/{agency_id}", tags=["feeds"])
AgencyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Agency id (slug).")]
MAX_POSITION = 2**63 - 1
After = Annotated[
    Position, Query(ge=0, le=MAX_POSITION, description="Only entries after this log position (the newest one you saw).")
]
Before = Annotated[
    Position | None, Query(ge=1, le=MAX_POSITION, description="Only entries before this log position (older pages).")
]
Limit = Annotated[Position, Query(ge=1, le=500)]
ARCHIVE_SIZE = 100
"""Entries per Atom archive page: fixed, so a full page's URL always holds the same entries."""
_LOCK = threading.Lock()
T = TypeVar("T")


class _Feeds:
    def __init__(self, request: Request) -> None:
        settings: Settings = request.app.state.settings
        db = delivery_db(settings)
        self.ledger = Ledger(db)
        self.filler = (
            EmbeddedFeeds(request.app.state.store, self.ledger, Tracking(db, "embedded-feeds"))
            if KafkaSettings().embedded_feeds_on()
            else None
        )

    def close(self) -> None:
        with _LOCK:
            if self.filler is not None:
                self.filler.tracking.close()
            self.ledger.close()


def close_feeds(app_state: Any) -> None:
    """At the app's shutdown: the connections the feed routes opened, if any."""
    feeds: _Feeds | None = getattr(app_state, "lif_feeds", None)
    if feeds is not None:
        feeds.close()
        app_state.lif_feeds = None


def with_ledger(request: Request, read: Callable[[Ledger], T]) -> T:
    """Runs a read on the app's ledger, once the embedded path (if on) caught up with the log.

    One connection per app, used by one request at a time."""
    with _LOCK:
        feeds: _Feeds | None = getattr(request.app.state, "lif_feeds", None)
        if feeds is None:
            feeds = request.app.state.lif_feeds = _Feeds(request)
        if feeds.filler is not None:
            feeds.filler.run_until_caught_up()
        return read(feeds.ledger)


def _agency(store: EventStore, partnership_id: str, agency_id: str) -> None:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    partnership.agency(agency_id)


def opened_entries(store: EventStore, entries: list[Entry]) -> list[Entry]:
    """Ledger entries as shown to a person: their sealed text opened (or its redacted correction)."""
    keys = _keys(store)
    return [opened_entry(e, keys) for e in entries]


def _keys(store: EventStore) -> TextKeys:
    """The key store the entries' text is opened through (it is kept sealed: adapters/envelope.py),
    without the keys a redaction destroyed, in this process or another (one indexed read)."""
    store.text_keys.forget_destroyed()
    return store.text_keys


def _entries(
    request: Request, store: EventStore, partnership_id: str, agency_id: str, after: int, limit: int
) -> list[Envelope]:
    """Oldest first, after a position (the SSE stream)."""
    _agency(store, partnership_id, agency_id)
    found = with_ledger(request, lambda ledger: ledger.feed(partnership_id, agency_id, after, limit))
    keys = _keys(store)
    return [opened(e, keys) for e in found]


class _Page:
    """The newest entries before a position, the links around them, the archive count."""

    def __init__(
        self, request: Request, partnership_id: str, agency_id: str, before: int | None, after: int, limit: int
    ) -> None:
        def read(ledger: Ledger) -> tuple[list[Entry], int, int]:
            count = ledger.count(partnership_id, agency_id)
            archives = count // ARCHIVE_SIZE
            # The first page holds at least every entry not yet in a full archive page,
            # so the subscription document and the archives between them hold them all.
            wanted = max(limit, count - archives * ARCHIVE_SIZE) if before is None and not after else limit
            return ledger.newest(partnership_id, agency_id, before, after, wanted + 1), archives, wanted

        rows, self.archives, wanted = with_ledger(request, read)
        keys = _keys(request.app.state.store)
        self.entries = [opened_entry(e, keys) for e in rows[:wanted]]
        more = len(rows) > wanted
        self.links = {"self": str(request.url)}
        if more:
            self.links["next"] = str(request.url.include_query_params(before=self.entries[-1].envelope.position))
        self.links["current"] = str(request.url.remove_query_params(["before", "after"]))
        if self.archives:
            self.links["prev-archive"] = _archive_url(request, partnership_id, agency_id, self.archives - 1)


def _archive_url(request: Request, partnership_id: str, agency_id: str, page: int) -> str:
    return str(request.url_for("atom_archive", partnership_id=partnership_id, agency_id=agency_id, page=page))


def _entry_url(request: Request, partnership_id: str, agency_id: str) -> Callable[[Entry], str]:
    def url(e: Entry) -> str:
        return str(request.url_for(
            "feed_entry", partnership_id=partnership_id, agency_id=agency_id, event_id=str(e.envelope.event_id)
        ))
    return url


def _meta(partnership_id: str, agency_id: str, links: dict[str, str], archive: bool = False) -> feed_render.FeedMeta:
    return feed_render.FeedMeta(
        feed_id=f"urn:lif:feed:{partnership_id}:{agency_id}",
        title=f"Learning for {agency_id} ({partnership_id})",
        author=f"{partnership_id} safeguarding children partnership",
        links=links,
        archive=archive,
    )


@router.get(
    "/feed.json",
    responses={**READ_RESPONSES, 200: {"content": {"application/feed+json": {}}}},
    summary="The agency's learning as a JSON Feed 1.1, newest first",
)
def json_feed(
    request: Request, partnership_id: PartnershipId, agency_id: AgencyId, store: StoreDep,
    before: Before = None, after: After = 0, limit: Limit = 100,
) -> JSONResponse:
    """`next_url` leads to older entries; `_lif.next_after` is the newest position seen
    (poll with `?after=<next_after>` for what is new)."""
    _agency(store, partnership_id, agency_id)
    page = _Page(request, partnership_id, agency_id, before, after, limit)
    newest = page.entries[0].envelope.position if page.entries else after
    body = feed_render.json_feed(
        _meta(partnership_id, agency_id, page.links), page.entries, _entry_url(request, partnership_id, agency_id),
        {"next_after": max(newest, after)},
    )
    return JSONResponse(body, media_type="application/feed+json")


@router.get(
    "/feed.atom",
    responses={**READ_RESPONSES, 200: {"content": {"application/atom+xml": {}}}},
    summary="The agency's learning as an Atom feed, newest first (RFC 5005 paging and archives)",
)
def atom_feed(
    request: Request, partnership_id: PartnershipId, agency_id: AgencyId, store: StoreDep,
    before: Before = None, after: After = 0, limit: Limit = 100,
) -> Response:
    _agency(store, partnership_id, agency_id)
    page = _Page(request, partnership_id, agency_id, before, after, limit)
    xml = feed_render.atom(
        _meta(partnership_id, agency_id, page.links), page.entries, _entry_url(request, partnership_id, agency_id)
    )
    return Response(xml, media_type="application/atom+xml")


@router.get(
    "/feed/archive/{page}.atom",
    name="atom_archive",
    responses={**READ_RESPONSES, 200: {"content": {"application/atom+xml": {}}}},
    summary="One archive page of the agency's Atom feed (RFC 5005): a fixed set of entries",
)
def atom_archive(
    request: Request, partnership_id: PartnershipId, agency_id: AgencyId, store: StoreDep,
    page: Annotated[Position, Path(ge=0, le=10**9, description="Archive page, 0 the oldest.")],
) -> Response:
    _agency(store, partnership_id, agency_id)

    def read(ledger: Ledger) -> tuple[list[Entry], int]:
        return ledger.archive(partnership_id, agency_id, page, ARCHIVE_SIZE), ledger.count(partnership_id, agency_id)

    entries, count = with_ledger(request, read)
    keys = _keys(store)
    entries = [opened_entry(e, keys) for e in entries]
    if page >= count // ARCHIVE_SIZE:
        raise NotFound("unknown_archive", f"Archive page {page} is not full yet (or beyond the feed).", "page")
    current = str(request.url_for("atom_feed", partnership_id=partnership_id, agency_id=agency_id))
    links = {"self": _archive_url(request, partnership_id, agency_id, page), "current": current}
    if page > 0:
        links["prev-archive"] = _archive_url(request, partnership_id, agency_id, page - 1)
    if page + 1 < count // ARCHIVE_SIZE:
        links["next-archive"] = _archive_url(request, partnership_id, agency_id, page + 1)
    xml = feed_render.atom(
        _meta(partnership_id, agency_id, links, archive=True), entries[::-1],
        _entry_url(request, partnership_id, agency_id),
    )
    return Response(xml, media_type="application/atom+xml")


@router.get(
    "/entries/{event_id}",
    name="feed_entry",
    response_model=FeedEntry,
    responses=READ_RESPONSES,
    summary="One entry of the agency's feed: the event's envelope, with the rule that delivered it",
)
def feed_entry(
    request: Request, partnership_id: PartnershipId, agency_id: AgencyId, event_id: UUID, store: StoreDep,
) -> JSONResponse:
    _agency(store, partnership_id, agency_id)
    found = with_ledger(request, lambda ledger: ledger.entry(partnership_id, agency_id, str(event_id)))
    if found is None:
        raise NotFound("unknown_entry", f"Event {event_id} is not on {agency_id}'s feed.", "event_id")
    found = opened_entry(found, _keys(store))
    return JSONResponse({
        "title": found.title, "rule": found.rule, "envelope": found.envelope.model_dump(mode="json"),
    })
@router.get(
    "/feed.sse",
    responses={**READ_RESPONSES, 200: {"content": {"text/event-stream": {}}}},
    summary="The agency's learning as it happens (Server-Sent Events)",
    response_class=StreamingResponse,
)
async def sse_feed(
    request: Request,
    partnership_id: PartnershipId,
    agency_id: AgencyId,
    store: StoreDep,
    last_event_id: Annotated[str | None, Header(pattern=r"^[0-9]{1,18}$")] = None,
    after: After = 0,
    max_seconds: Annotated[float, Query(ge=0, le=3600, description="Close after this long; clients reconnect.")] = 300,
) -> StreamingResponse:
    """Each entry is an SSE event whose id is its log position: a reconnecting
    client sends it back as Last-Event-ID and resumes after it."""
    start = int(last_event_id) if last_event_id else after
    # Refuse unknown partnerships/agencies with a proper error before streaming.
    await run_in_threadpool(_entries, request, store, partnership_id, agency_id, start, 1)

    async def events() -> AsyncIterator[bytes]:
        position = start
        deadline = time.monotonic() + max_seconds
        yield b"retry: 2000\n\n"
        while True:
            for e in await run_in_threadpool(_entries, request, store, partnership_id, agency_id, position, 100):
                position = e.position
                yield f"id: {e.position}\nevent: {e.type}\ndata: {e.model_dump_json()}\n\n".encode()
            if time.monotonic() >= deadline or await request.is_disconnected():
                return
            await asyncio.sleep(1.0)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
