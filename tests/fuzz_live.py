"""Fuzz a live server: `lif serve --demo` on a local port, schemathesis with every check.

    python -m tests.fuzz_live                      # 150 examples per operation, seed 519
    python -m tests.fuzz_live --max-examples 20 --seed 7 --port 8765

Starts the server in its own process over a fresh SQLite store (the demo partnership
loaded), issues an admin token for it with `lif token create`, runs `st run` with
`--checks all`, the seed, the example count and every phase (examples, coverage,
fuzzing, and the stateful run that follows the document's links), then prints the
figures: operations, test cases, checks passed and failed, duration and the command.
Exits with schemathesis's status (0: no failure).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

PARTNERSHIP = "st-helens"
# Fixed so generated requests get past "unknown partnership" into the routes, the SSE
# feed ends after one pass, and a read never waits 5 s for a position ahead of the log.
CONFIG = f"""
[parameters]
"path.partnership_id" = "{PARTNERSHIP}"
"query.max_seconds" = 0
"query.min_position" = 0

# `from` after `to` is refused (422 invalid_range): a rule across two parameters, which no
# OpenAPI schema can state (tests/e2e/test_fuzz.py allows exactly that answer).
[[operations]]
include-path = "/v1/partnerships/{{partnership_id}}/themes"
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _bin(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else (shutil.which(name) or name)


def _wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} before answering /health")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url}/health within {timeout:g} s")


def _figures(report: Path) -> dict[str, Any]:
    """Operations, test cases and checks from the NDJSON event stream `st run` writes."""
    operations: set[str] = set()
    cases = passed = failed = 0
    failures: dict[str, set[str]] = {}
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for kind, body in event.items():
            if kind != "ScenarioFinished":
                continue
            recorder = body.get("recorder") or {}
            label = recorder.get("label") or ""
            if label.split(" ")[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                operations.add(label)
            cases += len(recorder.get("cases") or {})
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if check.get("status") == "success":
                        passed += 1
                    elif check.get("status") == "failure":
                        failed += 1
                        failures.setdefault(check.get("name", "?"), set()).add(label)
    return {"operations": len(operations), "cases": cases, "passed": passed, "failed": failed, "failures": failures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz_live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=150, help="test cases per operation (default 150)")
    parser.add_argument("--seed", type=int, default=519, help="schemathesis's random seed (default 519)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--workers", default="2", help="schemathesis workers (default 2)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful", help="st run --phases")
    parser.add_argument("--keep", action="store_true", help="keep the store and reports directory")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="lif-fuzz-"))
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LIF_PERSISTENCE": "sqlite",
        "LIF_SQLITE_PATH": str(work / "lif.sqlite"),
        "LIF_RATE_LIMIT_PER_MINUTE": "0",  # one principal sends as fast as it can
    }
    env.pop("LIF_SECRET_KEY", None)  # the key generated beside the store signs the token
    log = (work / "server.log").open("wb")
    server = subprocess.Popen(
        [_bin("lif"), "serve", "--demo", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_healthy(url, server)
        token = subprocess.run(
            [_bin("lif"), "token", "create", "--role", "admin", "--partnership", PARTNERSHIP, "--subject", "fuzz"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        (work / "schemathesis.toml").write_text(CONFIG)
        report = work / "events.ndjson"
        command = [
            _bin("st"), "--config-file", str(work / "schemathesis.toml"), "run", f"{url}/openapi.json",
            "--checks", "all", "--seed", str(args.seed), "--max-examples", str(args.max_examples),
            "--phases", args.phases, "--workers", args.workers, "--generation-database", "none",
            "--report", "ndjson", "--report-ndjson-path", str(report),
            "-H", f"Authorization: Bearer {token}",
        ]
        shown = " ".join("'Authorization: Bearer <token>'" if c.startswith("Authorization") else c for c in command)
        started = time.monotonic()
        # In the work directory: st keeps its cache of crashes (.schemathesis/) where it runs.
        status = subprocess.run(command, env=env, cwd=work, check=False).returncode
        elapsed = time.monotonic() - started
        figures = _figures(report)
        print(f"\ncommand: {shown}")
        print(
            f"operations: {figures['operations']}  test cases: {figures['cases']}  "
            f"checks passed: {figures['passed']}  failed: {figures['failed']}  duration: {elapsed:.0f} s  "
            f"exit: {status}"
        )
        for check, labels in sorted(figures["failures"].items()):
            print(f"  failed {check}: {', '.join(sorted(labels))}")
        return status
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
