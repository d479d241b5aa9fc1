"""Tamper-evident history: each stored event is chained by hash to its predecessor.

The chained recorders (adapters/chain_recorders.py) write, in the same transaction
as each insert, one row per event into `<events table>_chain(notification_id, hash)`
where

    hash = sha256(prev_hash || notification_id || originator_id || originator_version
                  || topic || state)

`prev_hash` is the hash of the previous event in the log (32 zero bytes for the
first). Variable-length fields are length-prefixed so that no two different events
can serialise to the same bytes. `verify` recomputes the chain from the events table
and names the first position at which the log and its chain disagree: an altered
row, a deleted row, or two rows whose contents were swapped.

What a hash chain kept in the same database cannot show by itself: someone able to
rewrite both tables can recompute every hash after the point they changed, and the
newest events can be removed together with their chain rows. Anchors close that gap:
each verification reports the head as `POSITION:HASH`; kept outside the database (the
scrutineer's report, a ticket), an anchor given back to `verify` must still be in the
chain, with the same hash, or the history was rewritten or cut short.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, runtime_checkable
from uuid import UUID

GENESIS = bytes(32)
"""The predecessor hash of the first event in a log."""


def canonical_originator_id(originator_id: UUID | str) -> bytes:
    """The originator id as hashed: a UUID (or a string that is one) as 32 hex digits.

    Recorders hand UUIDs back as UUID objects or as text depending on the column
    type, so the hash must not depend on which form it was given.
    """
    if isinstance(originator_id, UUID):
        return originator_id.hex.encode()
    try:
        return UUID(originator_id).hex.encode()
    except ValueError:
        return originator_id.encode()


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def link_hash(
    prev: bytes,
    notification_id: int,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The chain hash of one event given its predecessor's hash."""
    h = hashlib.sha256()
    h.update(prev)
    h.update(notification_id.to_bytes(8, "big", signed=True))
    h.update(_field(canonical_originator_id(originator_id)))
    h.update(originator_version.to_bytes(8, "big", signed=True))
    h.update(_field(topic.encode()))
    h.update(_field(bytes(state)))
    return h.digest()


class _Row(Protocol):
    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


def chain_hashes(prev: bytes, ids: Sequence[int], rows: Sequence[_Row]) -> list[bytes]:
    """Hashes of consecutive events inserted after an event whose hash is `prev`."""
    hashes: list[bytes] = []
    for notification_id, row in zip(ids, rows, strict=True):
        prev = link_hash(prev, notification_id, row.originator_id, row.originator_version, row.topic, row.state)
        hashes.append(prev)
    return hashes


@runtime_checkable
class ChainedRecorder(Protocol):
    """What `verify` needs of a recorder: its notifications and its chain rows."""

    chain_table_name: str

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Any]: ...

    def select_chain(self, gt: int, lte: int | None, limit: int | None = None) -> Mapping[int, bytes]: ...

    def max_notification_id(self) -> int | None: ...


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_bad_position: int | None = None
    reason: str | None = None
    head_hash: str | None = None
    """Hex hash of the last event checked: publish it to detect a rewritten tail."""
    head_position: int | None = None

    @property
    def anchor(self) -> str | None:
        """`POSITION:HASH` of the head, to keep elsewhere and give back as an anchor."""
        return f"{self.head_position}:{self.head_hash}" if self.head_position and self.head_hash else None


ANCHOR_PATTERN = r"^[1-9][0-9]*:[0-9a-fA-F]{64}$"


class BadAnchor(ValueError):
    """An anchor that is not `POSITION:HASH` (a positive integer, 64 hex digits)."""


def parse_anchor(text: str) -> tuple[int, bytes]:
    position, _, digest = text.strip().partition(":")
    try:
        number = int(position)
        value = bytes.fromhex(digest)
    except ValueError:
        number, value = 0, b""
    if number < 1 or len(value) != 32:
        raise BadAnchor(f"anchor {text!r} is not POSITION:HASH (a position >= 1, a 64-digit hex hash)")
    return number, value


Progress = Callable[[int, int], None]
"""Called with (position reached, log head) after each page."""


def verify(
    store: Any,
    *,
    page_size: int = 1000,
    progress: Progress | None = None,
    anchors: Mapping[int, bytes] | None = None,
) -> VerifyReport:
    """Recompute the hash chain of `store`'s log (an EventStore, or a chained recorder).

    Walks the events table and the chain table together in notification order, so a
    deleted event shows at its own position (the chain still records it) and an
    altered or reordered event at the first position whose contents changed. Each of
    `anchors` (position -> hash, from earlier verifications) must be met on the way.
    """
    anchors = dict(anchors or {})
    recorder = getattr(store, "recorder", store)
    if not isinstance(recorder, ChainedRecorder):
        return VerifyReport(False, 0, None, f"the store's recorder ({type(recorder).__name__}) keeps no hash chain")
    head = recorder.max_notification_id() or 0
    prev = GENESIS
    checked = 0
    after = 0
    while True:
        events = recorder.select_notifications(start=after, limit=page_size, inclusive_of_start=False)
        upper = events[-1].id if events else None
        links = recorder.select_chain(gt=after, lte=upper)
        by_id = {e.id: e for e in events}
        for position in sorted(by_id.keys() | links.keys()):
            if anchors and min(anchors) < position:
                skipped = min(anchors)
                return VerifyReport(
                    False, checked, skipped,
                    "an anchor records this position, which the log and its chain no longer hold (removed)",
                )
            event, stored = by_id.get(position), links.get(position)
            if event is None:
                return VerifyReport(
                    False, checked, position, "the chain records an event here that the log no longer holds (deleted)"
                )
            if stored is None:
                return VerifyReport(
                    False, checked, position, "this event has no chain entry (inserted outside the store)"
                )
            expected = link_hash(
                prev, position, event.originator_id, event.originator_version, event.topic, event.state
            )
            if expected != bytes(stored):
                return VerifyReport(
                    False,
                    checked,
                    position,
                    "hash mismatch: the event was altered, moved, or its predecessor was removed",
                )
            prev = bytes(stored)
            anchored = anchors.pop(position, None)
            if anchored is not None and anchored != prev:
                return VerifyReport(
                    False, checked, position,
                    "the chain differs here from the anchor kept for this position (history rewritten)",
                )
            checked += 1
        if not events:
            break
        after = events[-1].id
        if progress is not None:
            progress(after, max(head, after))
    if anchors:
        missing = min(anchors)
        return VerifyReport(
            False, checked, missing,
            f"an anchor records position {missing}, but the log ends at {after} (newest events removed)",
        )
    return VerifyReport(True, checked, None, None, prev.hex() if checked else None, after or None)


def run_verify(
    store: Any,
    out: TextIO,
    err: TextIO,
    *,
    page_size: int = 1000,
    show_progress: bool = True,
    anchors: Mapping[int, bytes] | None = None,
) -> int:
    """`lif verify`: progress on `err`, the verdict on `out`; 0 if the chain holds, else 1."""
    from adapters.progress import ProgressBar

    bar = ProgressBar(err, label="verify") if show_progress else None
    report = verify(store, page_size=page_size, progress=bar, anchors=anchors)
    if bar is not None:
        bar.done()
    if report.ok:
        met = f"; {len(anchors)} anchor(s) met" if anchors else ""
        print(f"ok: {report.checked} events chained{met}; head hash {report.head_hash or '-'}", file=out)
        if report.anchor:
            print(f"anchor: {report.anchor}  (keep it elsewhere; `lif verify --anchor` checks it later)", file=out)
        return 0
    if report.first_bad_position is None:
        print(f"lif verify: cannot verify: {report.reason}", file=err)
        return 1
    print(
        f"TAMPERED at position {report.first_bad_position}: {report.reason} "
        f"({report.checked} events verified before it)",
        file=err,
    )
    return 1
