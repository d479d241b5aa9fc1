"""The `lif` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None] = lambda p: None) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = (fn, configure, help_text)
        return fn

    return register


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--demo", action="store_true", help="load the demo partnership first if the store is empty")


@command("serve", "serve the API on the configured store (SQLite file by default)", _serve_args)
def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from services.api.app import create_app

    app = create_app()
    if args.demo:
        from services.demo import load_demo_if_empty

        load_demo_if_empty(app)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="load into a running API at this base URL instead of the local store")


@command("demo", "load a realistic demo partnership through the API's own commands", _demo_args)
def _demo(args: argparse.Namespace) -> int:
    from services.demo import run_demo

    return run_demo(args.url)


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
