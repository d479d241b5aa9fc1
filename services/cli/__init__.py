"""The `lif` command."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(
    name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None] = lambda p: None
) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = (fn, configure, help_text)
        return fn

    return register


def _metrics_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--metrics-port", type=int, metavar="PORT",
        help="serve /health, /ready and /metrics on this port (default $LIF_METRICS_PORT; unset: not served; "
        "0: any free port, logged)",
    )


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--demo", action="store_true", help="load the demo partnership first if the store is empty")
    _scenario_arg(p)


def _scenario_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenario", type=Path, metavar="PATH",
        help="the demo scenario file to load (default: the packaged St Helens scenario)",
    )


@command(
    "serve", "serve the API and the web pages on the configured store (SQLite file by default)", _serve_args
)
def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.kafka_settings import KafkaSettings
    from adapters.observability import configure_logging, log_start, log_stop, settings_fields, stop_on_signals
    from adapters.settings import get_settings
    from services.api.app import create_app

    # uvicorn's own lines (start, access, errors) through the same JSON formatter.
    configure_logging("api", info=("uvicorn",))
    kafka = KafkaSettings()
    log_start("api", {
        **settings_fields(**{"": get_settings(), "kafka": kafka}), "host": args.host, "port": args.port,
        "demo": args.demo, "kafka.embedded_feeds_on": kafka.embedded_feeds_on(),
    })
    if args.scenario is not None and not args.demo:
        print("lif serve: --scenario needs --demo", file=sys.stderr)
        return 2
    demo_partnership: str | None = None
    if args.demo:
        from datetime import date

        from services.seeds.scenario import ScenarioError, default_scenario, load_scenario

        try:  # a bad scenario file is refused before the server starts
            demo_partnership = load_scenario(args.scenario or default_scenario(), date.today()).partnership_id
        except ScenarioError as e:
            print(f"lif serve --demo: {e}", file=sys.stderr)
            return 2
    from services.web.assets import ensure_assets

    # The pages' assets (npm ci) are installed before the server starts; without them it still serves.
    ensure_assets(get_settings(), lambda line: print(line, file=sys.stderr))
    app = create_app()
    if demo_partnership is not None:
        from services.seeds.demo import load_demo_if_empty
        from services.web.sign_in import install_dev_sign_in

        load_demo_if_empty(app, args.scenario)
        # The development sign-in exists only here: no setting or environment enables it.
        install_dev_sign_in(app, demo_partnership)
    # uvicorn stops on SIGTERM and SIGINT itself, after the requests in flight, then hands
    # the signal to the handler it found: ours (not the default, which would end the
    # process by the signal, exit status -15, before the stop line).
    from services.cli.background import clock_schedule, mail_schedule, retention_schedule

    schedule = retention_schedule(app)
    clock = clock_schedule(app)
    mail = mail_schedule(app)
    stopper = stop_on_signals()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=None)
    finally:
        for running in (schedule, clock, mail):
            if running is not None:
                running.stop()
        log_stop("api", stopper.signal_name)
    return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="load into a running API at this base URL instead of the local store")
    p.add_argument("--token", help="with --url: an admin token for st-helens (default: $LIF_TOKEN)")
    _scenario_arg(p)


@command("demo", "load a realistic demo partnership through the API's own commands", _demo_args)
def _demo(args: argparse.Namespace) -> int:
    from services.seeds.demo import run_demo

    return run_demo(args.url, args.token, args.scenario)


def _projections_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = sub.add_parser(
        "rebuild",
        help="drop the named projections (all by default) and replay the whole event log into them",
        description="Drop the named projections (all by default) and replay the whole event log into "
        "them, showing progress (percentage, events/s, ETA) on stderr. Safe to interrupt: run it again, "
        "or let `lif project` resume from where it stopped.",
    )
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="projection names (see `lif projections list`)")
    rebuild.add_argument("--batch-size", type=int, help="events per transaction (default 5000)")
    sub.add_parser(
        "list",
        help="show each projection's name and position against the log's head",
        description="Show each projection's name, the log position it has applied, and its lag.",
    )
    from services.cli.projections import configure

    configure(sub)


@command("projections", "rebuild or list the read-model projections; list or retry parked events", _projections_args)
def _projections(args: argparse.Namespace) -> int:
    from adapters.progress import ProgressBar
    from adapters.settings import get_settings
    from adapters.store import EventStore
    from projections.runtime import build_projector

    settings = get_settings()
    store = EventStore.from_settings(settings)
    batch: int | None = getattr(args, "batch_size", None)
    projector = (
        build_projector(settings, store, batch_size=batch, rebuild_batch_size=batch)
        if batch
        else build_projector(settings, store)
    )
    try:
        known = [view.name for view in projector.views]
        if args.action in ("parked", "retry"):
            from services.cli.projections import run

            return run(projector, args)
        if args.action == "list":
            positions, head = projector.positions(), projector.head()
            parked = [row.view for row in projector.parked()]
            print(f"{'NAME':<20} {'POSITION':>12} {'LAG':>12} {'PARKED':>8}   (head {head})")
            for name in known:
                position = positions.get(name, 0)
                print(f"{name:<20} {position:>12} {max(0, head - position):>12} {parked.count(name):>8}")
            return 0
        unknown = sorted(set(args.names) - set(known))
        if unknown:
            print(f"lif: no projection named {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr)
            return 2
        bar = ProgressBar(sys.stderr, label="rebuild " + (",".join(args.names) or "all"))
        started = time.monotonic()
        applied = projector.rebuild(args.names or None, progress=bar)
        bar.done()
        elapsed = time.monotonic() - started
        rate = applied / elapsed if elapsed > 0 else 0.0
        print(f"rebuilt {', '.join(args.names) or 'all'}: {applied} events in {elapsed:.1f} s ({rate:,.0f} events/s)")
        return 0
    finally:
        projector.close()
        store.close()


def _project_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--interval", type=float, default=0.2, help="seconds between polls of the log (default 0.2)")
    p.add_argument("--report-every", type=float, default=10.0, help="seconds between progress lines (default 10)")
    _metrics_arg(p)


@command(
    "project",
    "run the projector as its own process until SIGTERM or Ctrl-C (set LIF_PROJECTIONS_IN_PROCESS=false for the API)",
    _project_args,
)
def _project(args: argparse.Namespace) -> int:
    from services.workers.projector import serve

    return serve(interval=args.interval, report_every=args.report_every, metrics_port=args.metrics_port)


def _relay_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="publish what the log holds now, then exit")
    p.add_argument("--batch-size", type=int, default=200, help="events per acknowledged batch (default 200)")
    # services.workers.relay.IDLE_INTERVAL, not imported: the relay pulls in kafka-python, slow for --help.
    p.add_argument("--interval", type=float, default=0.02, help="seconds between polls when idle (default 0.02)")
    p.add_argument("--pause", type=float, default=0.0, help="seconds to wait between batches: a throttle")
    _metrics_arg(p)


@command(
    "relay",
    "publish every event of the log to Kafka (LIF_KAFKA_BOOTSTRAP, topic lif.events): at least once, restart-safe",
    _relay_args,
)
def _relay(args: argparse.Namespace) -> int:
    from services.workers.relay import serve

    return serve(
        once=args.once, batch_size=args.batch_size, interval=args.interval, pause=args.pause,
        metrics_port=args.metrics_port,
    )


def _worker_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--loglevel", default="info", help="log level of faust and Kafka's clients (default info)")
    _metrics_arg(p)


@command("worker", "run the Kafka consumers (faust): learning delivery to agency feeds, and lif.ingest", _worker_args)
def _worker(args: argparse.Namespace) -> int:
    from consumers.worker import main as worker_main

    return worker_main(args.loglevel, metrics_port=args.metrics_port)


def _feeds_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="deliver what the log holds now, then exit")


@command("feeds", "fill the agencies' feeds in-process, without Kafka (the embedded delivery path)", _feeds_args)
def _feeds(args: argparse.Namespace) -> int:
    from services.workers.feeds import serve

    return serve(once=args.once)


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


CLOCK_BESIDE_SERVE = """\
beside lif serve:
  On the embedded default (SQLite) `lif serve` runs the clock itself, on a thread, every
  LIF_CLOCK_INTERVAL seconds (LIF_CLOCK_IN_PROCESS=false turns it off); a `lif clock` beside it
  is safe but not needed. On PostgreSQL `lif serve` runs none: run `lif clock` as a process of its
  own with the API's store settings (LIF_PERSISTENCE, LIF_POSTGRES_DSN, LIF_POSTGRES_SCHEMA).
  Any number may run, and one killed at any point and started again records nothing twice.
  Mail follows from what it records: `lif mail send --help`.

examples:
  lif clock                            # until SIGTERM, a tick a minute
  lif clock --once --now 2027-02-01    # the demo, moved on to a day
"""


def _clock_args(p: argparse.ArgumentParser) -> None:
    p.epilog, p.formatter_class = CLOCK_BESIDE_SERVE, argparse.RawDescriptionHelpFormatter
    p.add_argument("--once", action="store_true", help="record what is due now, print it, then exit")
    p.add_argument(
        "--now", type=_day, metavar="DATE",
        help="judge what is due as on this day (YYYY-MM-DD), for a demo or a test; default: today in England",
    )
    p.add_argument("--interval", type=float, default=60.0, help="seconds between ticks (default 60)")


@command(
    "clock",
    "record, once each, the events time causes: actions due soon, overdue and escalated, statutory deadlines "
    "approaching and breached, acknowledgements outstanding, papers due",
    _clock_args,
)
def _clock(args: argparse.Namespace) -> int:
    from services.workers.clock import serve

    return serve(once=args.once, now=args.now, interval=args.interval)


def _mail_args(p: argparse.ArgumentParser) -> None:
    from services.cli.mail import configure

    configure(p)


@command("mail", "e-mail reminders over SMTP: send what is due; add people, choose their digest, erase them",
         _mail_args)
def _mail(args: argparse.Namespace) -> int:
    from services.cli.mail import run

    return run(args)


def _anchor(text: str) -> tuple[int, bytes]:
    from adapters.chain import BadAnchor, parse_anchor

    try:
        return parse_anchor(text)
    except BadAnchor as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--page-size", type=int, default=1000, help="events read per query (default 1000)")
    p.add_argument("--no-progress", action="store_true", help="do not draw the progress bar on stderr")
    p.add_argument(
        "--anchor", type=_anchor, action="append", default=[], metavar="POSITION:HASH",
        help="a head reported by an earlier verify (repeatable): the chain must still hold it, same hash",
    )


@command("verify", "recompute the event log's hash chain; exit 1 naming the first bad position", _verify_args)
def _verify(args: argparse.Namespace) -> int:
    from adapters.chain import run_verify
    from adapters.settings import get_settings
    from adapters.store import EventStore

    store = EventStore.from_settings(get_settings())
    try:
        return run_verify(
            store, sys.stdout, sys.stderr, page_size=args.page_size, show_progress=not args.no_progress,
            anchors=dict(args.anchor),
        )
    finally:
        store.close()


def _webhooks_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="attempt what is due now, then exit")
    _metrics_arg(p)


@command("webhooks", "POST agencies' feed entries to their webhooks: signed, retried, dead-lettered", _webhooks_args)
def _webhooks(args: argparse.Namespace) -> int:
    from services.workers.webhooks import serve

    return serve(once=args.once, metrics_port=args.metrics_port)


def _subjects_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    erase = sub.add_parser(
        "erase",
        help="destroy a data subject's key: their personal details read as [redacted] from now on",
        description="Record SubjectErased (principal, rationale) on each of the subject's case files, destroy "
        "the subject's key, and purge derived copies (erasure hooks). Safe to run again.",
    )
    erase.add_argument("ref", metavar="REF", help="the data subject's reference (DS-...)")
    erase.add_argument("--principal", required=True, help="who decides the erasure (recorded)")
    erase.add_argument("--rationale", required=True, help="why (recorded; must not name anyone)")
    due = sub.add_parser(
        "erase-due",
        help="erase every subject whose case files are past the retention schedule",
        description="Erase each subject all of whose case files were closed longer ago than the retention "
        "schedule of its partnership allows (set_retention_period; the seed's default otherwise); each "
        "erasure is an audited event.",
    )
    due.add_argument("--principal", required=True, help="who runs the schedule (recorded)")
    due.add_argument("--today", help="ISO date to evaluate the schedule at (default: today)")
    due.add_argument("--rationale", help="recorded rationale (default: names the retention rule)")
    due.add_argument("--dry-run", action="store_true", help="list the subjects due, erase nothing")
    sub.add_parser(
        "rewrap",
        help="wrap every subject key and free text's key under the current key-encryption key (after rotating)",
        description="Re-seal each live subject key, and each key free text is sealed under, under the first key "
        "of LIF_SUBJECT_KEK (or the ring file), and prove the old wrapped bytes gone from the store's files. "
        "Run it after putting a new key first in the ring; the old key may be removed from the ring once this "
        "has finished.",
    )
    new_kek = sub.add_parser(
        "new-kek",
        help="print a new key-encryption key entry (id:base64) for LIF_SUBJECT_KEK or the ring file",
        description="Print a fresh 32-byte key-encryption key as a ring entry. Put it first in the ring to make "
        "it current, then run `lif subjects rewrap`.",
    )
    new_kek.add_argument("id", metavar="ID", help="the new key's id (letters, digits, '-' or '_'), e.g. k2")


@command("subjects", "erase data subjects' personal data (crypto-shredding), on request or when due", _subjects_args)
def _subjects(args: argparse.Namespace) -> int:
    from adapters.settings import get_settings
    from adapters.store import EventStore
    from services.cli.subjects import run_subjects_cli

    if args.action == "new-kek":
        from adapters.subject_kek import new_entry

        print(new_entry(args.id))
        return 0
    settings = get_settings()
    store = EventStore.from_settings(settings)
    try:
        return run_subjects_cli(settings, store, args, sys.stdout, sys.stderr)
    finally:
        store.close()


def _token_args(p: argparse.ArgumentParser) -> None:
    from services.cli.auth import configure_token

    configure_token(p)


@command(
    "token", "issue or revoke signed bearer tokens (roles: admin, service, secretary, agency, scrutineer)", _token_args
)
def _token(args: argparse.Namespace) -> int:
    from adapters.settings import get_settings
    from services.cli.auth import run_token

    return run_token(args, get_settings())


def _apikey_args(p: argparse.ArgumentParser) -> None:
    from services.cli.auth import configure_apikey

    configure_apikey(p)


@command("apikey", "create or revoke API keys for emitting services (X-API-Key, service role)", _apikey_args)
def _apikey(args: argparse.Namespace) -> int:
    from adapters.settings import get_settings
    from services.cli.auth import run_apikey

    return run_apikey(args, get_settings())


def _events_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", choices=("markdown", "json"), default="markdown",
        help="markdown (the table in docs/events.md) or json (default markdown)",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")


@command(
    "events",
    "index of event classes: the views that read each one, the consumers that push it (docs/events.md)",
    _events_args,
)
def _events(args: argparse.Namespace) -> int:
    from services.cli.events import build_index, render

    text = render(build_index(), args.format)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lif",
        description="Learning and improvement backbone for a Safeguarding Children Partnership. "
        "Settings come from LIF_* environment variables (LIF_PERSISTENCE, LIF_SQLITE_PATH, "
        "LIF_POSTGRES_DSN, ...).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, configure, help_text) in sorted(_COMMANDS.items()):
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    return _COMMANDS[args.command][0](args)


if __name__ == "__main__":
    sys.exit(main())
