"""The read cache keeps the most recently used answers, and nothing when sized 0."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.api.read_cache import ReadCache


def counting() -> tuple[list[str], Callable[[str], Callable[[], str]]]:
    built: list[str] = []

    def builder(key: str) -> Callable[[], str]:
        def build() -> str:
            built.append(key)
            return f"answer {key}"

        return build

    return built, builder


def test_keeps_the_most_recently_used_answers() -> None:
    cache: ReadCache[str] = ReadCache(max_entries=2)
    built, builder = counting()
    assert cache.get_or_build("a", builder("a")) == "answer a"
    cache.get_or_build("b", builder("b"))
    cache.get_or_build("a", builder("a"))  # a is now the most recent
    cache.get_or_build("c", builder("c"))  # evicts b, the least recent
    cache.get_or_build("a", builder("a"))
    cache.get_or_build("b", builder("b"))
    assert built == ["a", "b", "c", "b"]
    assert len(cache) == 2 and (cache.hits, cache.misses) == (2, 4)


def test_fresh_builds_again_and_keeps_the_new_answer() -> None:
    cache: ReadCache[str] = ReadCache(max_entries=4)
    built, builder = counting()
    cache.get_or_build("a", builder("a"))
    cache.get_or_build("a", builder("a"), fresh=True)
    cache.get_or_build("a", builder("a"))
    assert built == ["a", "a"] and cache.hits == 1


def test_size_zero_keeps_nothing() -> None:
    cache: ReadCache[str] = ReadCache(max_entries=0)
    built, builder = counting()
    for _ in range(3):
        cache.get_or_build("a", builder("a"))
    assert built == ["a", "a", "a"] and len(cache) == 0


def test_a_failed_build_is_not_kept() -> None:
    cache: ReadCache[str] = ReadCache(max_entries=4)

    def fail() -> str:
        raise LookupError("no such forum")

    for _ in range(2):
        with pytest.raises(LookupError):
            cache.get_or_build("x", fail)
    assert len(cache) == 0 and cache.misses == 0
