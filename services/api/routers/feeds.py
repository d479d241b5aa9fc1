"""Each agency's learning feed, as JSON Feed 1.1 or Atom, read from the delivery ledger.

The ledger is filled by the Kafka worker (`lif worker`) or, with no Kafka, by
the embedded path; unless LIF_KAFKA_EMBEDDED_FEEDS=false, a read first lets
the embedded path catch up with the log, so a feed is current on every read.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from consumers.ledger import Ledger
from domain.errors import NotFound
from domain.partnership import Partnership, partnership_uuid
from domain.values import Position
from services.api.command_routes import ERROR_RESPONSES
from services.api.deps import PartnershipId, StoreDep
from services.envelope import Envelope
from services.feeds import EmbeddedFeeds
from services.kafka_settings import KafkaSettings, delivery_db
from services.relay import Tracking
from services.settings import Settings
from services.store import EventStore

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/agencies/{agency_id}", tags=["feeds"])
AgencyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Agency id (slug).")]
After = Annotated[
    Position, Query(ge=0, le=2**63 - 1, description="Only entries after this log position (the last one you saw).")
]
Limit = Annotated[Position, Query(ge=1, le=500)]
_LOCK = threading.Lock()


class _Feeds:
    def __init__(self, request: Request) -> None:
        settings: Settings = request.app.state.settings
        db = delivery_db(settings)
        self.ledger = Ledger(db)
        self.filler = (
            EmbeddedFeeds(request.app.state.store, self.ledger, Tracking(db, "embedded-feeds"))
            if KafkaSettings().embedded_feeds
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


def _entries(
    request: Request, store: EventStore, partnership_id: str, agency_id: str, after: int, limit: int
) -> list[Envelope]:
    partnership = store.load(partnership_uuid(partnership_id), Partnership)
    if partnership is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    partnership.agency(agency_id)
    # One connection per app, used by one request at a time.
    with _LOCK:
        feeds: _Feeds | None = getattr(request.app.state, "lif_feeds", None)
        if feeds is None:
            feeds = request.app.state.lif_feeds = _Feeds(request)
        if feeds.filler is not None:
            feeds.filler.run_until_caught_up()
        return feeds.ledger.feed(partnership_id, agency_id, after, limit)


def _title(e: Envelope) -> str:
    p = e.payload
    text = p.get("summary") or p.get("text") or p.get("description") or p.get("report_summary") or ""
    kind = e.type.removeprefix("lif.").replace(".", " ").replace("_", " ")
    return f"{kind}: {text}" if text else kind


@router.get(
    "/feed.json",
    responses={**ERROR_RESPONSES, 200: {"content": {"application/feed+json": {}}}},
    summary="The agency's learning as a JSON Feed 1.1",
)
def json_feed(
    request: Request, partnership_id: PartnershipId, agency_id: AgencyId, store: StoreDep,
    after: After = 0, limit: Limit = 100,
) -> JSONResponse:
    entries = _entries(request, store, partnership_id, agency_id, after, limit)
    items = [
        {
            "id": str(e.event_id),
            "title": _title(e),
            "content_text": _title(e),
            "date_published": e.occurred_at.isoformat(),
            "_lif": e.model_dump(mode="json"),
        }
        for e in entries
    ]
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Learning for {agency_id} ({partnership_id})",
        "feed_url": str(request.url),
        "items": items,
        "_lif": {"next_after": entries[-1].position if entries else after},
    }
    return JSONResponse(body, media_type="application/feed+json")


@router.get(
    "/feed.atom",
    responses={**ERROR_RESPONSES, 200: {"content": {"application/atom+xml": {}}}},
    summary="The agency's learning as an Atom feed",
)
def atom_feed(
    request: Request, partnership_id: PartnershipId, agency_id: AgencyId, store: StoreDep,
    after: After = 0, limit: Limit = 100,
) -> Response:
    entries = _entries(request, store, partnership_id, agency_id, after, limit)
    updated = entries[-1].occurred_at.isoformat() if entries else "1970-01-01T00:00:00+00:00"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<id>urn:lif:feed:{escape(partnership_id)}:{escape(agency_id)}</id>",
        f"<title>Learning for {escape(agency_id)} ({escape(partnership_id)})</title>",
        f"<updated>{updated}</updated>",
    ]
    for e in entries:
        parts += [
            "<entry>",
            f"<id>urn:uuid:{e.event_id}</id>",
            f"<title>{escape(_title(e))}</title>",
            f"<updated>{e.occurred_at.isoformat()}</updated>",
            f"<author><name>{escape(e.principal)}</name></author>",
            f'<category term="{escape(e.type)}"/>',
            f'<content type="application/json">{escape(e.model_dump_json())}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return Response("\n".join(parts), media_type="application/atom+xml")


@router.get(
    "/feed.sse",
    responses={**ERROR_RESPONSES, 200: {"content": {"text/event-stream": {}}}},
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
