"""An agency's feed entries as Atom (RFC 4287, paged and archived per RFC 5005) or JSON Feed 1.1.

Entries come newest first. Each says in its title what happened to what (the
title the delivery stored with its ledger row, from the routing facts as at the
event), in its content, as text, what was recorded and why the agency got it,
and links to its envelope as JSON (RFC 4287 forbids raw JSON in content).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from adapters.ledger import Entry

HISTORY_NS = "http://purl.org/syndication/history/1.0"
EPOCH = "1970-01-01T00:00:00+00:00"
_TEXT_FIELDS = ("summary", "text", "description", "report_summary", "impact_statement")


@dataclass(frozen=True)
class FeedMeta:
    feed_id: str
    title: str
    author: str
    links: dict[str, str]
    """rel -> href: self, next, current, prev-archive, next-archive, as they apply."""
    archive: bool = False


def entry_text(entry: Entry) -> str:
    """What was recorded, in words, and why the agency received it."""
    p = entry.envelope.payload
    said = next((str(p[f]) for f in _TEXT_FIELDS if p.get(f)), "")
    parts = [entry.title + ("." if said else "")]
    if said:
        parts.append(said if said.endswith((".", "!", "?")) else said + ".")
    if themes := p.get("themes"):
        parts.append("Themes: " + ", ".join(str(t).replace("_", " ") for t in themes) + ".")
    if entry.rule:
        parts.append(f"Sent to you because: {entry.rule}.")
    return " ".join(parts)


def updated(entries: Sequence[Entry]) -> str:
    """The newest entry's time (entries newest first): when the feed last changed."""
    return max(e.envelope.occurred_at for e in entries).isoformat() if entries else EPOCH


def atom(meta: FeedMeta, entries: Sequence[Entry], entry_url: Callable[[Entry], str]) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="{HISTORY_NS}">',
        f"<id>{escape(meta.feed_id)}</id>",
        f"<title>{escape(meta.title)}</title>",
        f"<updated>{updated(entries)}</updated>",
        f"<author><name>{escape(meta.author)}</name></author>",
    ]
    if meta.archive:
        parts.append("<fh:archive/>")
    parts += [f"<link rel={quoteattr(rel)} href={quoteattr(href)}/>" for rel, href in meta.links.items()]
    for e in entries:
        parts += [
            "<entry>",
            f"<id>urn:uuid:{e.envelope.event_id}</id>",
            f"<title>{escape(e.title)}</title>",
            f"<updated>{e.envelope.occurred_at.isoformat()}</updated>",
            f"<author><name>{escape(e.envelope.principal)}</name></author>",
            f"<category term={quoteattr(e.envelope.type)}/>",
            f'<link rel="alternate" type="application/json" href={quoteattr(entry_url(e))}/>',
            f'<content type="text">{escape(entry_text(e))}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts)


def json_feed(
    meta: FeedMeta, entries: Sequence[Entry], entry_url: Callable[[Entry], str], extension: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "feed_url": meta.links.get("current", meta.links["self"]),
        "authors": [{"name": meta.author}],
        "items": [
            {
                "id": str(e.envelope.event_id),
                "url": entry_url(e),
                "title": e.title,
                "content_text": entry_text(e),
                "date_published": e.envelope.occurred_at.isoformat(),
                "tags": [e.envelope.type],
                "_lif": {**e.envelope.model_dump(mode="json"), "rule": e.rule},
            }
            for e in entries
        ],
        "_lif": extension,
    }
    if "next" in meta.links:
        body["next_url"] = meta.links["next"]
    return body
