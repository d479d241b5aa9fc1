"""The demo partnership, loaded through the API's own HTTP commands.

The partnership is data: a scenario file (services/seeds/scenarios/st-helens.toml by
default, another with --scenario; services/seeds/scenario.py reads it). Every step goes
through the public POST routes, so the demo meets the same validation and rules
a real client does. Every POST carries an Idempotency-Key derived from the step's
key, and every entity has an id derived from its name, so a re-run after a crash
resumes where it stopped without duplicating anything. Dates are relative to the
day the demo was first loaded, so "overdue" stays overdue and a resumed run sends
identical bodies.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

import httpx
from fastapi import FastAPI

from services.seeds.scenario import Scenario, ScenarioError, Step, default_scenario, load_scenario


def build_steps(today: date, scenario: Path | None = None) -> list[Step]:
    """Every command of the scenario (the St Helens demo by default), in order, dated from `today`."""
    return load_scenario(scenario or default_scenario(), today).steps


# --- running the steps ------------------------------------------------------


class DemoError(Exception):
    """A step the API refused: the demo stops there (a re-run resumes)."""


@dataclass
class _Run:
    applied: int = 0
    replayed: int = 0


def admin_headers(app: FastAPI, scenario: Scenario | None = None) -> dict[str, str]:
    """A short-lived admin token for the scenario's partnership, minted with the app's own key."""
    from services.application.auth.principals import Role, make_principal
    from services.application.auth.tokens import issue

    s = scenario or load_scenario(default_scenario(), date.today())
    principal = make_principal(Role.ADMIN, s.partnership_id, s.principal)
    return {"Authorization": f"Bearer {issue(app.state.signing_key, principal, timedelta(hours=1))}"}


def _headers(step: Step | None = None) -> dict[str, str]:
    # Who acts comes from the client's token (admin:lif-demo): the same on every run,
    # so a resumed load replays the first run's idempotency keys.
    headers: dict[str, str] = {}
    if step is not None:
        headers["Idempotency-Key"] = step.idempotency_key
    return headers


def _paced(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Sends, waiting out the API's rate limit (429 + Retry-After) when it answers so."""
    for _ in range(100):
        response = send()
        if response.status_code != 429:
            return response
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 10.0))
    return response


def _get(client: httpx.Client, path: str) -> dict[str, Any] | None:
    response = _paced(lambda: client.get(path, headers=_headers()))
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise DemoError(f"GET {path} answered {response.status_code}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _post(client: httpx.Client, step: Step) -> httpx.Response:
    return _paced(lambda: client.post(step.path, json=step.body, headers=_headers(step)))


def _refusal(step: Step, response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        reason = f"{error['code']} ({error.get('field')}): {error['message']}"
    except (ValueError, KeyError, TypeError):
        reason = response.text
    return f"step {step.key!r} refused with {response.status_code}: {reason}"


def _is_loaded(client: httpx.Client, scenario: Scenario) -> bool:
    """True once the scenario's `loaded_when` activity field (set by its last step) is recorded."""
    check = scenario.loaded_when
    view = _get(client, f"{scenario.base_path}/activities/{check.activity_id}")
    return view is not None and view.get(check.field) is not None


def _run_steps(client: httpx.Client, steps: list[Step], err: TextIO) -> _Run:
    run = _Run()
    width = len(str(len(steps)))
    for i, step in enumerate(steps, start=1):
        print(f"  [{i:>{width}}/{len(steps)}] {step.label}…", file=err)
        response = _post(client, step)
        if not response.is_success:
            raise DemoError(_refusal(step, response))
        if response.headers.get("Idempotent-Replayed") == "true":
            run.replayed += 1
        else:
            run.applied += 1
    return run


def _load(client: httpx.Client, path: Path, out: TextIO, err: TextIO) -> int:
    """Loads (or resumes loading) a scenario; prints progress to `err`, the summary to `out`."""
    scenario = load_scenario(path, date.today())
    pid = scenario.partnership_id
    existing = _get(client, scenario.base_path)
    if existing is not None:
        # A resumed run uses the first run's dates, so every body matches its stored answer.
        today = datetime.fromisoformat(existing["created_on"]).astimezone().date()
        scenario = load_scenario(path, today)
    else:
        today = date.today()
    steps = scenario.steps
    if existing is not None:
        if _is_loaded(client, scenario):
            print(f"Partnership {pid!r} already exists with the demo loaded; "
                  "nothing added.", file=out)
            _summarise(client, scenario, out)
            return 0
        first = _post(client, steps[0])
        if first.status_code == 409:
            print(f"Partnership {pid!r} already exists and was not created by the "
                  "demo; nothing loaded.", file=out)
            return 0
        if not first.is_success:
            raise DemoError(_refusal(steps[0], first))
        print(f"Partnership {pid!r} exists but the demo was interrupted; resuming.",
              file=err)
    print(f"Loading demo partnership {pid!r} ({len(steps)} commands, dates relative "
          f"to {today.isoformat()})", file=err)
    run = _run_steps(client, steps, err)
    print(f"Loaded {scenario.display_name} ({pid}): {run.applied} commands applied"
          + (f", {run.replayed} already applied before" if run.replayed else "") + ".", file=out)
    _summarise(client, scenario, out)
    return 0


def _summarise(client: httpx.Client, scenario: Scenario, out: TextIO) -> None:
    """Counts read back through the API, so the summary shows what was stored."""
    created: dict[str, list[UUID]] = {}
    base = scenario.base_path
    for step in scenario.steps:
        if step.creates:
            created.setdefault(step.creates[0], []).append(step.creates[1])

    def fetch(kind: str, collection: str) -> list[dict[str, Any]]:
        found = (_get(client, f"{base}/{collection}/{i}") for i in created.get(kind, []))
        return [f for f in found if f is not None]

    p = _get(client, base)
    assert p is not None
    today = date.today()
    meetings = [date.fromisoformat(d) for f in p["forums"].values() for d in f["meetings"]]
    activities = fetch("activity", "activities")
    findings = [f for a in activities for f in a["findings"].values()]
    recommendations = fetch("recommendation", "recommendations")
    actions = fetch("action", "actions")
    decisions = fetch("decision", "decisions")

    def counts(values: list[str]) -> str:
        return ", ".join(
            f"{k.replace('_', ' ')} {n}" for k, n in sorted(Counter(values).items())
        )

    lines = [
        f"{p['name']} ({scenario.partnership_id})",
        f"  agencies: {len(p['agencies'])}  forums: {len(p['forums'])}  meetings: {len(meetings)} "
        f"({sum(d < today for d in meetings)} past, {sum(d >= today for d in meetings)} upcoming)",
        f"  activities: {len(activities)} ({counts([a['status'] for a in activities])})",
    ]
    by_kind = Counter(a["kind"] for a in activities)
    lines += [f"    {kind}: {n}" for kind, n in sorted(by_kind.items())]
    lines += [
        f"  findings: {len(findings)} ({counts([f['category'] for f in findings])})",
        f"  recommendations: {len(recommendations)} "
        f"({counts([r['status'] for r in recommendations])})",
        f"  actions: {len(actions)}",
    ]
    by_state = Counter(_action_state(a, today) for a in actions)
    lines += [f"    {state}: {by_state[state]}" for state in _ACTION_STATES if by_state[state]]
    lines += [
        f"  decisions: {len(decisions)} ({counts([d['outcome'] for d in decisions])}; "
        f"{sum(d['subject'] == 'activity_sign_off' for d in decisions)} on sign-off)",
    ]
    print("\n".join(lines), file=out)


_ACTION_STATES = (
    "open, on track", "open, reported off track", "open, overdue", "open, reopened",
    "completed, awaiting assurance", "assured",
)


def _action_state(action: dict[str, Any], today: date) -> str:
    """One label per action, most telling first."""
    if action["status"] == "assured":
        return "assured"
    if action["status"] == "completed":
        return "completed, awaiting assurance"
    if date.fromisoformat(action["due_on"]) < today:
        return "open, overdue"
    if action["reopened"]:
        return "open, reopened"
    progress = action["progress"]
    if progress and not progress[-1]["on_track"]:
        return "open, reported off track"
    return "open, on track"


@contextmanager
def _in_process(scenario: Path, app: FastAPI | None = None) -> Iterator[httpx.Client]:
    # Starlette's TestClient warns that it will move to `httpx2`; the demo is not a test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    head = load_scenario(scenario, date.today())
    if app is not None:
        # No `with`: the app's lifespan (which closes the store) belongs to its server.
        yield TestClient(app, headers=admin_headers(app, head))
        return
    from services.api.app import create_app

    app = create_app()
    with TestClient(app, headers=admin_headers(app, head)) as client:
        yield client


def run_demo(url: str | None, token: str | None = None, scenario: Path | None = None) -> int:
    """Loads the scenario (the St Helens demo by default) into the API at `url` (with an admin
    `token` for its partnership, or $LIF_TOKEN), or in-process into the configured store
    (minting its own token)."""
    path = scenario or default_scenario()
    try:
        head = load_scenario(path, date.today())
        if url:
            token = token or os.environ.get("LIF_TOKEN")
            if not token:
                pid = head.partnership_id
                print(
                    f"lif demo --url needs an admin token for {pid!r}: --token or LIF_TOKEN "
                    f"(`lif token create --role admin --partnership {pid} --subject {head.principal}`).",
                    file=sys.stderr,
                )
                return 2
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url.rstrip("/"), timeout=30.0, headers=headers) as client:
                return _load(client, path, sys.stdout, sys.stderr)
        with _in_process(path) as client:
            return _load(client, path, sys.stdout, sys.stderr)
    except ScenarioError as e:
        print(f"demo not loaded: {e}", file=sys.stderr)
        return 2
    except (DemoError, httpx.HTTPError) as e:
        print(f"demo stopped: {e}; re-run `lif demo` to resume.", file=sys.stderr)
        return 1


def load_demo_if_empty(app: FastAPI, scenario: Path | None = None) -> None:
    """Loads the scenario into `app`'s store unless its partnership is already loaded (for
    `serve --demo`). A load that was interrupted is resumed; a partnership of the same id
    registered by anyone else is left alone. A bad scenario file raises ScenarioError.
    """
    path = scenario or default_scenario()
    head = load_scenario(path, date.today())
    with _in_process(path, app) as client:
        if _get(client, head.base_path) is not None and _is_loaded(client, head):
            return
        _load(client, path, sys.stderr, sys.stderr)
