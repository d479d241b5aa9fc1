"""Fixtures shared by every test layer: real PostgreSQL, Kafka and OpenID provider, started on demand."""

import gc
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.fixtures.oidc import oidc_issuer  # noqa: F401
from tests.fixtures.routes import share_route_builds
from tests.fixtures.services import kafka_bootstrap, postgres_dsn  # noqa: F401
from tests.fixtures.smtp import smtp_server  # noqa: F401

# Every app the tests create gets the included routes built once for the process (tests/fixtures/routes.py).
share_route_builds()

SESSION_TMP_PARENT = Path(os.environ.get("LIF_TEST_TMP_PARENT", "/dev/shm"))
"""Where the session's temporary directory goes: memory, where there is a /dev/shm. The tests'
SQLite files commit thousands of times, and a commit's fsync on disk was half an API test's
time; what they prove never depended on the disk (nothing here survives a power cut)."""


def _session_tmp() -> Path:
    """A directory of this session's own for everything temporary (tmp_path, the throwaway
    stores' key directory, the projections' and consumers' scratch directories, and those of
    the processes the tests start), removed when the session ends; one a killed session left
    is removed by the next."""
    parent = SESSION_TMP_PARENT if SESSION_TMP_PARENT.is_dir() and os.access(SESSION_TMP_PARENT, os.W_OK) else None
    parent = parent or Path(tempfile.gettempdir())
    for stale in parent.glob("lif-tests-*-*"):
        pid = stale.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"lif-tests-{os.getpid()}-", dir=parent))


_made: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    where = _session_tmp()
    _made.append(where)
    os.environ["TMPDIR"] = str(where)
    tempfile.tempdir = None  # re-read TMPDIR
    # The embedded default generates its subject key-encryption keys under the user's configuration
    # directory; the tests' throwaway stores keep theirs in a throwaway one.
    os.environ.setdefault("XDG_CONFIG_HOME", str(where / "config"))


def pytest_unconfigure(config: pytest.Config) -> None:
    for where in _made:
        shutil.rmtree(where, ignore_errors=True)


def pytest_runtest_logfinish() -> None:
    # The app's lifespan freezes every object then alive (gc.freeze, services/api/app.py), as a
    # server does once; with an app per test, each test's app and the garbage of earlier tests
    # would be frozen and never freed (gigabytes over the suite). Unfrozen after each test,
    # they are collected as usual.
    gc.unfreeze()
