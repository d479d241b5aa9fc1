"""The README's API tour is docs/tour.sh, run verbatim against a real `lif serve --demo`.

The server is a subprocess on a free port over a fresh SQLite file, so the tour meets the
demo as a new user does: its meeting calendar relative to today, the framework's date rules,
the principal `admin:jo` its token carries. A second test keeps the README's copy of the
script's commands identical to the script.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOUR = REPO / "docs" / "tour.sh"
README = REPO / "README.md"
BEGINS = "# --- the tour begins ---"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _lif() -> str:
    return str(Path(sys.executable).with_name("lif"))


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A `lif serve --demo` on a fresh SQLite file; yields its URL and the environment that sees its key."""
    env = {**os.environ, "LIF_SQLITE_PATH": str(tmp_path / "lif.sqlite"), "LIF_PERSISTENCE": "sqlite"}
    env.pop("LIF_SECRET_KEY", None)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([_lif(), "serve", "--demo", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "lif serve --demo did not answer /health in 300 s"
            time.sleep(0.3)
        yield url, env
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_tour_runs_verbatim_against_a_fresh_demo(demo_server: tuple[str, dict[str, str]]) -> None:
    assert shutil.which("curl"), "the tour (docs/tour.sh) sends its requests with curl; install curl"
    url, env = demo_server
    run = subprocess.run(
        ["bash", str(TOUR)], env={**env, "LIF_TOUR_URL": url, "LIF": _lif()},
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    # The activity it opened is the one every later request names: no request went to /activities//.
    opened = re.search(r'^< \{"id": "([0-9a-f-]{36})", "version": 1, "status": "opened"', out, re.M)
    assert opened, out[:2000]
    aid = opened.group(1)
    assert "/activities//" not in out
    assert f"> POST /v1/partnerships/st-helens/activities/{aid}/start" in out
    for expected in ('"code": "findings_required"', '"code": "version_conflict"', '"expected_version": ',
                     '"code": "not_a_meeting_date"', '"chairs_action": true', '"status": "signed_off"',
                     '"cascaded_by": ["team_briefing", "newsletter"]', '"code": "date_out_of_order"'):
        assert expected in out, expected
    # Each request is shown before its answer, the 409 version conflict's included.
    conflict = out.index('"code": "version_conflict"')
    request_before = out[:conflict].rsplit("\n> POST ", 1)[1]
    assert f"/activities/{aid}/report" in request_before and '"expected_version":' in request_before
    # The ingest batch applied its valid item and rejected the other by its index.
    assert re.search(r'"applied": \[\{"index": 0, .*"rejected": \[\{"index": 1, "code": "date_out_of_order"', out)
    # The audit trail by principal finds the tour's own writes under admin:jo.
    audit = out.split("> GET /v1/partnerships/st-helens/audit?principal=admin:jo\n", 1)[1].split("\n> ", 1)[0]
    assert audit.startswith("< 200\n")
    for topic in ("lif.activity.opened", "lif.activity.finding_recorded", "lif.decision.recorded",
                  "lif.activity.signed_off", "lif.activity.learning_acknowledged"):
        assert f" {topic} by admin:jo: " in audit, topic


def test_the_tour_stops_at_the_first_unexpected_answer(tmp_path: Path) -> None:
    """Nothing answers on this port: the tour fails rather than printing a tour that did not happen."""
    env = {**os.environ, "LIF_SQLITE_PATH": str(tmp_path / "lif.sqlite"), "LIF": _lif(),
           "LIF_TOUR_URL": f"http://127.0.0.1:{_free_port()}"}
    run = subprocess.run(["bash", str(TOUR)], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "< 201" not in run.stdout


def test_the_readme_shows_the_tour_script_as_it_is() -> None:
    """The README's tour block is the script's commands from `# --- the tour begins ---` on, literally."""
    script = TOUR.read_text()
    commands = script[script.index(BEGINS):].strip()
    section = README.read_text().split("## A short tour of the API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert any(block.strip() == commands for block in blocks), "README's tour block differs from docs/tour.sh"


def test_the_tour_has_help() -> None:
    run = subprocess.run(["bash", str(TOUR), "--help"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0
    assert "LIF_TOUR_URL" in run.stdout
