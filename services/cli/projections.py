"""`lif projections parked` and `lif projections retry`: what the projections parked, and applying it again.

On the server, so across every partnership (the admin routes show one partnership's).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from adapters.progress import ProgressBar
from projections.parking import Parked
from projections.projector import Projector


def configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parked = sub.add_parser(
        "parked",
        help="list the events a projection could not apply and parked (and those held behind them)",
        description="List parked events: view, position, partnership, topic, status (failed, or held behind "
        "a failed event of the same partnership in the same view), attempts, first and last attempt, error.",
    )
    parked.add_argument("--view", help="only this projection")
    parked.add_argument("--partnership", help="only this partnership")
    parked.add_argument("--json", action="store_true", help="one JSON array instead of a table")
    retry = sub.add_parser(
        "retry",
        help="apply parked events again, after a fix, in log order per view and partnership",
        description="Apply parked events again (after the view, or the data it trips on, is fixed): each "
        "view and partnership from its first parked event, in log order, through the events held behind "
        "it; a stream stops at an event that fails again, which stays parked. Progress on stderr.",
    )
    retry.add_argument("--view", help="only this projection")
    retry.add_argument("--position", type=int, help="only the streams that hold this position")
    retry.add_argument("--partnership", help="only this partnership")


def _table(rows: list[Parked], out: TextIO) -> None:
    print(f"{'VIEW':<10} {'POSITION':>9} {'PARTNERSHIP':<20} {'STATUS':<7} {'TRIES':>5} "
          f"{'FIRST ATTEMPT':<25} {'LAST ATTEMPT':<25} TOPIC / ERROR", file=out)
    for r in rows:
        print(f"{r.view:<10} {r.position:>9} {r.partnership_id:<20} {r.status:<7} {r.attempts:>5} "
              f"{r.first_attempt_at:<25} {r.last_attempt_at:<25} {r.topic}: {r.error}", file=out)
    print(f"{len(rows)} parked", file=out)


def run(projector: Projector, args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    known = {view.name for view in projector.views}
    if args.view is not None and args.view not in known:
        print(f"lif: no projection named {args.view} (known: {', '.join(sorted(known))})", file=err)
        return 2
    if args.action == "parked":
        rows = projector.parked(args.view, args.partnership)
        if args.json:
            json.dump([r.as_dict() for r in rows], out, indent=2)
            out.write("\n")
        else:
            _table(rows, out)
        return 0
    bar = ProgressBar(err, label="retry")
    result = projector.retry(args.view, args.position, args.partnership, progress=bar)
    bar.done()
    failed = [r for r in result.still_parked if r.status == "failed"]
    print(f"applied {result.applied} parked events; {len(result.still_parked)} still parked", file=out)
    for r in failed:
        print(f"still failing: {r.view} position {r.position} ({r.partnership_id}): {r.error}", file=out)
    return 1 if failed else 0
