"""python -m bench [--quick] [--only NAME ...] [--json PATH]: run the benchmarks, print a table, write JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.backends import REPO, Backend, PostgresBackend, SQLiteBackend, postgres_dsn
from bench.core import BENCHMARKS, Options, Row
from bench.machine import describe, machine
from bench.registry import load_all

DEFAULT_JSON = REPO / "bench" / "results" / "latest.json"


def parser() -> argparse.ArgumentParser:
    load_all()
    listing = "\n".join(f"  {b.name:<12} {b.help}" for b in BENCHMARKS.values())
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of lif, each measured beside a baseline in the same run and reported "
        "as a ratio (machines are shared and noisy). Not tests: speed is reported, never asserted.",
        epilog=f"benchmarks:\n{listing}\n\nPostgreSQL: LIF_BENCH_POSTGRES_DSN, else deploy/postgres.sh "
        "(one fresh schema per store, dropped afterwards).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="tiny sizes (well under a minute): proves the harness works")
    p.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(BENCHMARKS), help="run only these")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="PATH", help=f"default {DEFAULT_JSON}")
    p.add_argument("--repeats", type=int, help="timed runs of each side (default 9, --quick 2); median reported")
    p.add_argument(
        "--postgres",
        choices=("auto", "require", "skip"),
        default="auto",
        help="auto: use PostgreSQL if available (--quick: only if already running); "
        "require: fail without it; skip: SQLite only",
    )
    return p


def fmt(x: float | None, ratio: bool = False) -> str:
    if x is None:
        return "-"
    if ratio:
        return f"{x:.2f}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}"  # small values are latencies (ms)


def table(rows: list[Row]) -> str:
    head = ("benchmark", "case", "backend", "value", "unit", "baseline", "baseline value", "ratio", "target", "met")
    body = [
        (
            r.benchmark,
            r.case,
            r.backend,
            fmt(r.value),
            r.unit,
            r.baseline,
            fmt(r.baseline_value),
            fmt(r.ratio, ratio=True),
            r.target,
            {True: "yes", False: "NO", None: ""}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=False)]
    right = {3, 6, 7}
    lines = []
    for cells in (head, *body):
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.benchmark}/{r.case}/{r.backend}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["notes:", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    m = machine()
    print(describe(m), flush=True)

    backends: list[Backend] = [SQLiteBackend()]
    skipped: dict[str, str] = {}
    dsn, source = postgres_dsn(args.postgres, args.quick)
    if dsn:
        backends.append(PostgresBackend(dsn))
        print(f"postgres: {source}", flush=True)
    elif args.postgres == "require":
        print(f"error: PostgreSQL required but unavailable: {source}", file=sys.stderr)
        return 2
    else:
        skipped["postgres"] = source
        print(f"postgres: skipped ({source})", flush=True)

    repeats = args.repeats or (2 if args.quick else 9)
    opts = Options(quick=args.quick, repeats=repeats, backends=tuple(backends), skipped_backends=skipped)
    rows: list[Row] = []
    failed: list[str] = []
    try:
        for name in args.only or list(BENCHMARKS):
            print(f"running {name} ...", flush=True)
            try:
                for row in BENCHMARKS[name].fn(opts):
                    rows.append(row)
                    print(f"  {row.case}/{row.backend}: {fmt(row.value)} {row.unit} (ratio {fmt(row.ratio, True)})",
                          flush=True)
            except Exception:
                failed.append(name)
                traceback.print_exc()
                rows.append(Row(benchmark=name, case="-", backend="-", unit="", value=None, note="FAILED, see stderr"))
    finally:
        for backend in backends:
            backend.close()

    elapsed = time.perf_counter() - started
    print()
    print(table(rows))
    print(f"\n{len(rows)} rows in {elapsed:.1f} s ({'quick' if args.quick else 'full'}, {repeats} repeats)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "started": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": ["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])],
                "quick": args.quick,
                "repeats": repeats,
                "seconds": round(elapsed, 1),
                "machine": m,
                "rows": [r.as_dict() for r in rows],
                "failed": failed,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
