"""Answers of the costly projection reads, kept while the view they come from stands still.

A view's rows are a function of the log up to its tracking position (a rebuild
gives the same tables as following the log), so an answer built from a snapshot
at position P is the answer for every later read that finds the view still at P.
Agendas are read far more often than they change (each agency, the secretary,
the printer), and one of hundreds of items costs tens of milliseconds to build.

The key holds everything else the answer depends on: the partnership, the
effective filters after the caller's role narrowed them, the date the answer
is computed for. `Cache-Control: no-cache` on a request builds afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from fastapi import Request

T = TypeVar("T")

MAX_ENTRIES = 128


class ReadCache(Generic[T]):
    """A bounded least-recently-used map, safe across request threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], T], *, fresh: bool = False) -> T:
        if self.max_entries and not fresh:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return self._entries[key]
        value = build()  # outside the lock: two misses of one key both build, neither waits
        if self.max_entries:
            with self._lock:
                self.misses += 1
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def read_cache(request: Request) -> ReadCache[object]:
    cache: ReadCache[object] = request.app.state.read_cache
    return cache


def wants_fresh(request: Request) -> bool:
    return "no-cache" in request.headers.get("cache-control", "").lower()
