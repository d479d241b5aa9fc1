"""The development sign-in exists under `lif serve --demo` only: the app `lif serve` would
serve (uvicorn.run is replaced to hand it over) answers 404 without --demo."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from services.cli import main


def _served_app(monkeypatch: pytest.MonkeyPatch, *args: str) -> FastAPI:
    served: list[FastAPI] = []

    def run(app: FastAPI, **_: Any) -> None:
        served.append(app)

    monkeypatch.setattr(uvicorn, "run", run)
    assert main(["serve", "--port", "0", *args]) == 0
    (app,) = served
    return app


def test_without_demo_there_is_no_development_sign_in(sqlite_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(_served_app(monkeypatch), follow_redirects=False) as client:
        assert client.get("/sign-in/dev").status_code == 404
        assert client.post("/sign-in/dev", data={"person": "0"}).status_code == 404
        start = client.get("/sign-in")
        assert start.status_code == 200 and "/sign-in/dev" not in start.text


def test_under_demo_one_picks_a_demo_person_on_a_page_marked_demo_only(
    sqlite_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(_served_app(monkeypatch, "--demo"), follow_redirects=False) as client:
        assert 'href="/sign-in/dev"' in client.get("/sign-in").text
        page = client.get("/sign-in/dev")
        assert page.status_code == 200 and "Development sign-in, demo only" in page.text
        people = dict(re.findall(r'value="(\d+)"[^>]*>\s*<label for="person-\d+"[^>]*>([^<]+)</label>', page.text))
        assert {"Business unit (admin)", "Independent scrutineer"} <= set(people.values())
        police = next(i for i, name in people.items() if name == "Safeguarding lead, Merseyside Police")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        assert client.post("/sign-in/dev", data={"person": police}).status_code == 403  # no token
        signed_in = client.post("/sign-in/dev", data={"person": police, "csrf_token": token.group(1)})
        assert signed_in.status_code == 303
        assert "You are signed in as Safeguarding lead, Merseyside Police (agency, merseyside-police)" in (
            client.get("/sign-in").text
        )
        # Signing in starts a new session, with a token of its own.
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in/dev").text)
        assert token is not None
        assert client.post("/sign-in/dev", data={"person": "999", "csrf_token": token.group(1)}).status_code == 422
