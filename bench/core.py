"""The harness: a registry of benchmarks, paired measurement and result rows.

Machines running these are shared and noisy, so no figure stands alone: each
is measured beside its baseline in the same run, alternating the two (A B, then
B A, ...) so that drift hits both, and reported as the median of several
repeats together with the median of the paired ratios.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from bench.backends import Backend


@dataclass(frozen=True)
class Options:
    """What a benchmark may read from the command line."""

    quick: bool
    repeats: int
    backends: tuple[Backend, ...]
    skipped_backends: dict[str, str] = field(default_factory=dict)
    """Backends that could not be used, with the reason (shown as skipped rows)."""

    def scale(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass
class Row:
    """One figure beside its baseline."""

    benchmark: str
    case: str
    backend: str
    unit: str
    value: float | None
    baseline: str = ""
    baseline_value: float | None = None
    ratio: float | None = None
    """Median of the paired ratios value/baseline (higher is better)."""
    target: str = ""
    met: bool | None = None
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Run(Protocol):
    """One timed run: does a fixed amount of work, returns (items done, seconds)."""

    def __call__(self) -> tuple[int, float]: ...


@dataclass(frozen=True)
class Paired:
    """Rates (items/s) of a subject and its baseline, measured alternately."""

    subject: list[float]
    baseline: list[float]

    @property
    def ratios(self) -> list[float]:
        return [s / b for s, b in zip(self.subject, self.baseline, strict=True) if b > 0]

    def row(self, benchmark: str, case: str, backend: str, baseline: str, **extra: Any) -> Row:
        return Row(
            benchmark=benchmark,
            case=case,
            backend=backend,
            unit="events/s",
            value=statistics.median(self.subject),
            baseline=baseline,
            baseline_value=statistics.median(self.baseline),
            ratio=statistics.median(self.ratios) if self.ratios else None,
            samples=[round(s, 1) for s in self.subject],
            baseline_samples=[round(b, 1) for b in self.baseline],
            **extra,
        )


def paired(subject: Run, baseline: Run, repeats: int, warmup: bool = True) -> Paired:
    """Runs subject and baseline `repeats` times each, alternating which goes first."""
    if warmup:  # imports, prepared statements, caches: not what we measure
        subject()
        baseline()
    s_rates: list[float] = []
    b_rates: list[float] = []
    for i in range(repeats):
        order = ((subject, s_rates), (baseline, b_rates))
        for run, rates in order if i % 2 == 0 else reversed(order):
            items, seconds = run()
            rates.append(items / seconds if seconds > 0 else 0.0)
    return Paired(s_rates, b_rates)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """`with stopwatch() as elapsed:` ... `elapsed()` seconds since entry (frozen at exit)."""
    start = time.perf_counter()
    end: float | None = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


BenchFn = Callable[[Options], Iterator[Row]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    fn: BenchFn


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str, help: str) -> Callable[[BenchFn], BenchFn]:
    """Registers a benchmark: a generator of rows, given the options."""

    def register(fn: BenchFn) -> BenchFn:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = Benchmark(name, help, fn)
        return fn

    return register


def skipped(benchmark: str, case: str, backend: str, reason: str) -> Row:
    return Row(benchmark=benchmark, case=case, backend=backend, unit="", value=None, note=f"skipped: {reason}")
