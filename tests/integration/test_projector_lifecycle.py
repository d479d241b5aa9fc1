"""Closing the projector and the app while others still use them.

CI once died of a segmentation fault: a test client's lifespan closed the projector's
SQLite connections while another server's projector thread was mid-statement on them.
These tests run the same races on purpose.
"""

from __future__ import annotations

import threading
import warnings

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.settings import Settings
from adapters.store import EventStore
from projections.projector import Projector, ProjectorClosed
from projections.runtime import BackgroundProjector, build_projector
from services.api.app import create_app
from tests.e2e.conftest import Api
from tests.fixtures.auth import AdminOfWhicheverPartnership
from tests.fixtures.services import postgres_dsn  # noqa: F401  (also provided by the root conftest)


def test_close_waits_for_readers_then_refuses_them(settings: Settings, store: EventStore) -> None:
    projector = build_projector(settings, store)
    stop = threading.Event()
    errors: list[BaseException] = []
    reads = [0]

    def read_until_closed() -> None:
        while not stop.is_set():
            try:
                projector.positions()
                projector.run_once()
                reads[0] += 1
            except ProjectorClosed:
                return
            except BaseException as e:  # anything else is the bug this test is for
                errors.append(e)
                return

    readers = [threading.Thread(target=read_until_closed) for _ in range(4)]
    for reader in readers:
        reader.start()
    while reads[0] < 50:
        threading.Event().wait(0.01)
    projector.close()
    for reader in readers:
        reader.join(10)
    stop.set()
    assert not errors
    assert not any(r.is_alive() for r in readers), "a reader kept running on a closed projector"
    with pytest.raises(ProjectorClosed):
        projector.positions()
    projector.close()  # twice is harmless


def test_background_loop_ends_when_its_projector_is_closed(settings: Settings, store: EventStore) -> None:
    projector: Projector = build_projector(settings, store)
    background = BackgroundProjector(projector, interval=0.01)
    background.start()
    projector.close()
    background.thread.join(5)
    assert not background.thread.is_alive()


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


def test_an_app_served_twice_closes_only_when_the_last_server_stops(app: FastAPI) -> None:
    first = TestClient(app)
    first.__enter__()
    with TestClient(app) as second:
        second.auth = AdminOfWhicheverPartnership(app)
        assert app.state.background is not None and app.state.background.thread.is_alive()
    # The second server stopped; the first still serves through the same projector and store.
    assert not app.state.projector.closed
    assert app.state.background.thread.is_alive()
    first.auth = AdminOfWhicheverPartnership(app)
    Api(first).register()
    head = app.state.projector.head()
    read = first.get("/v1/partnerships/st-helens/tracker", params={"min_position": head})
    assert read.status_code == 200, read.text
    assert read.json()["position"] >= head
    feed = first.get("/v1/partnerships/st-helens/agencies/merseyside-police/feed.json")
    assert feed.status_code == 200, feed.text
    assert app.state.lif_feeds is not None  # the feed routes' own connections
    first.__exit__(None, None, None)
    assert app.state.lif_feeds is None
    assert app.state.projector.closed
    assert not app.state.background.thread.is_alive()
