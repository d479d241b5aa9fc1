"""Rebuilding every view from the log vs merely reading that log.

Cases, on each backend:

- rebuild: `Projector.rebuild()` of all views (as `lif projections rebuild`)
  over a generated history (bench/history.py), against two baselines read from
  the same log in the same batches: the raw `store.recorder.select_notifications`
  rate, and that read plus `store.mapper.to_domain_event` (decoding). The three
  alternate (A B C, C B A, ...) after a warm-up of each.
- memory (full mode, SQLite): the peak RSS (VmHWM) of a subprocess rebuilding a
  history of a million events, beside the peak of a subprocess that only reads
  and decodes the same log; each subprocess also reports its rate.

The views' database is a file of its own beside the store (SQLite) or a schema
of its own (PostgreSQL), as in production.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from adapters.settings import Settings
from adapters.store import EventStore
from bench.backends import REPO, Backend
from bench.core import Options, Paired, Row, benchmark, skipped, stopwatch
from bench.history import generate_into, sqlite_copy, workdir

NAME = "projections"
RATE_TARGET = 20_000.0
RATIO_TARGET = 0.3
MEMORY_TARGET_MB = 500.0
MEMORY_EVENTS = 1_000_000
PER_PARTNERSHIP = 10_000


def read_log(store: EventStore, batch: int, decode: bool) -> int:
    """Reads the whole log in batches of `batch` (as the projector does), decoding if asked."""
    position, count = 0, 0
    recorder, mapper = store.recorder, store.mapper
    while True:
        notifications = recorder.select_notifications(start=position + 1, limit=batch)
        if not notifications:
            return count
        if decode:
            for n in notifications:
                with contextlib.suppress(LookupError):
                    mapper.to_domain_event(n)
        count += len(notifications)
        position = notifications[-1].id


class Subject:
    """A store with a history, its projector, and the runs measured on it."""

    def __init__(self, settings: Settings) -> None:
        from projections.runtime import build_projector

        self.store = EventStore.from_settings(settings)
        self.projector = build_projector(settings, self.store)
        self.batch = self.projector.rebuild_batch_size

    def rebuild(self) -> tuple[int, float]:
        with stopwatch() as elapsed:
            applied = self.projector.rebuild()
        return applied, elapsed()

    def read(self, decode: bool) -> tuple[int, float]:
        with stopwatch() as elapsed:
            count = read_log(self.store, self.batch, decode)
        return count, elapsed()

    def close(self) -> None:
        self.projector.close()
        self.store.close()


def alternate(
    subject: Callable[[], tuple[int, float]], baselines: list[Callable[[], tuple[int, float]]], repeats: int
) -> list[Paired]:
    """As `core.paired` with several baselines: one warm-up each, then A B C, C B A, ..."""
    runs = [subject, *baselines]
    for run in runs:
        run()
    rates: list[list[float]] = [[] for _ in runs]
    for i in range(repeats):
        order = list(range(len(runs)))
        for k in order if i % 2 == 0 else reversed(order):
            items, seconds = runs[k]()
            rates[k].append(items / seconds if seconds > 0 else 0.0)
    return [Paired(rates[0], b) for b in rates[1:]]


def _history(backend: Backend, size: int) -> Settings:
    if backend.name == "sqlite":
        return sqlite_copy(size, PER_PARTNERSHIP, workdir())
    settings = backend.fresh("projections")
    generate_into(settings, size, PER_PARTNERSHIP, label=f"{backend.name} ")
    return settings


@benchmark(NAME, "events/s of a full rebuild of every view vs reading (and decoding) the same log; peak RSS at 1M")
def run(opts: Options) -> Iterator[Row]:
    sizes = {"sqlite": opts.scale(100_000, 5_000), "postgres": opts.scale(20_000, 2_000)}
    repeats = min(opts.repeats, opts.scale(5, 2))
    for name, reason in opts.skipped_backends.items():
        yield skipped(NAME, "rebuild", name, reason)
    for backend in opts.backends:
        size = sizes.get(backend.name, sizes["postgres"])
        subject = Subject(_history(backend, size))
        try:
            events = subject.projector.head()
            raw, decoded = alternate(
                subject.rebuild, [partial(subject.read, False), partial(subject.read, True)], repeats
            )
        finally:
            subject.close()
        parts = -(-size // PER_PARTNERSHIP)
        what = f"{events:,} events of {parts} generated partnership(s), read in batches of {subject.batch}"
        targets = [f">= {RATIO_TARGET} x read"]
        if backend.name == "sqlite":
            targets.insert(0, f">= {RATE_TARGET:,.0f} events/s")
        row = raw.row(NAME, "rebuild vs read", backend.name, "select_notifications", target=", ".join(targets),
                      note=what)
        row.met = (row.ratio is not None and row.ratio >= RATIO_TARGET) and (
            backend.name != "sqlite" or (row.value is not None and row.value >= RATE_TARGET)
        )
        yield row
        yield decoded.row(NAME, "rebuild vs read+decode", backend.name, "select_notifications + decode", note=what)
    if opts.quick:
        yield skipped(NAME, f"memory, {MEMORY_EVENTS:,} events", "sqlite", "full mode only")
        return
    yield from memory_rows()


# --- peak memory, in subprocesses -------------------------------------------------


def memory_rows() -> Iterator[Row]:
    settings = sqlite_copy(MEMORY_EVENTS, PER_PARTNERSHIP, workdir())
    Path(settings.views_sqlite_path or "").unlink(missing_ok=True)  # a rebuild from nothing
    rebuilt = _measure_in_subprocess("rebuild", settings)
    read = _measure_in_subprocess("read", settings)
    what = f"{rebuilt['events']:,} events; VmHWM of a fresh interpreter"
    row = Row(
        benchmark=NAME,
        case=f"peak RSS, rebuild of {MEMORY_EVENTS // 1_000_000}M",
        backend="sqlite",
        unit="MB",
        value=rebuilt["peak_mb"],
        baseline="read+decode, same log",
        baseline_value=read["peak_mb"],
        ratio=rebuilt["peak_mb"] / read["peak_mb"] if read["peak_mb"] else None,
        target=f"< {MEMORY_TARGET_MB:.0f} MB",
        met=rebuilt["peak_mb"] < MEMORY_TARGET_MB,
        samples=[rebuilt["peak_mb"]],
        baseline_samples=[read["peak_mb"]],
        note=f"{what} (ratio: lower is better)",
    )
    yield row
    rate, base = rebuilt["events"] / rebuilt["seconds"], read["events"] / read["seconds"]
    yield Row(
        benchmark=NAME,
        case=f"rebuild of {MEMORY_EVENTS // 1_000_000}M (one run)",
        backend="sqlite",
        unit="events/s",
        value=rate,
        baseline="select_notifications + decode",
        baseline_value=base,
        ratio=rate / base if base else None,
        target=f">= {RATE_TARGET:,.0f} events/s",
        met=rate >= RATE_TARGET,
        samples=[round(rate, 1)],
        baseline_samples=[round(base, 1)],
        note=f"{what}; one run each, in the subprocesses above",
    )


def _measure_in_subprocess(mode: str, settings: Settings) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "LIF_PERSISTENCE": "sqlite",
        "LIF_SQLITE_PATH": settings.sqlite_path,
        "LIF_VIEWS_SQLITE_PATH": settings.views_sqlite_path or "",
        # The history's free text is sealed under keys the bench's ring wraps (bench/history.py).
        "LIF_SUBJECT_KEK": settings.subject_kek.get_secret_value() if settings.subject_kek else "",
    }
    print(f"  {mode} of {MEMORY_EVENTS:,} events in a subprocess ...", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.projections", mode],
        cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _peak_mb() -> float:
    """This process's RSS high-water mark (VmHWM), in MB (10^6 bytes)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def _child(mode: str) -> None:
    """In the subprocess: one rebuild (with a progress bar on stderr) or one read+decode of the log."""
    from adapters.progress import ProgressBar
    from adapters.settings import get_settings
    from projections.runtime import build_projector

    settings = get_settings()
    store = EventStore.from_settings(settings)
    projector = build_projector(settings, store)
    try:
        with stopwatch() as elapsed:
            if mode == "rebuild":
                bar = ProgressBar(sys.stderr, label="  rebuild", every=1.0)
                events = projector.rebuild(progress=bar)
                bar.done()
            else:
                events = read_log(store, projector.rebuild_batch_size, decode=True)
        print(json.dumps({"events": events, "seconds": elapsed(), "peak_mb": round(_peak_mb(), 1)}), flush=True)
    finally:
        projector.close()
        store.close()


if __name__ == "__main__":
    _child(sys.argv[1])
