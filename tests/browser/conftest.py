"""Browser tests: Debian's Chromium driven by Playwright, against a real `lif serve --demo`.

The server is a subprocess (uvicorn) on a free port over a fresh SQLite file with the demo
loaded, as a person meets it. Chromium is /usr/bin/chromium (Playwright's own browser download
cannot work here; deploy/test.sh installs Debian's); axe-core comes from node_modules (npm ci).
Either missing fails the tests, naming what to install: nothing here is skipped.

A person is signed in by the session cookie, signed with the server's own key (read from the
key file beside its SQLite store, as the server made it): the sign-in pages are tested apart.
`LIF_SCREENSHOTS=<dir>` keeps a full-page screenshot of each page checked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.fixtures.web import COOKIE, session_cookie

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    url: str
    signing_key: bytes

    def cookie(self, **who: Any) -> dict[str, Any]:
        """The session cookie of a signed-in person, for a browser context."""
        return {"name": COOKIE, "value": session_cookie(self.signing_key, **who), "url": self.url}


@contextmanager
def demo_server(where: Path, env: dict[str, str], key_file: Path) -> Iterator[Server]:
    """`lif serve --demo` with `env` on a free port, until it answers /health; its session key is
    read from `key_file` (where the server made or was told to keep it). Every browser server starts here."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = where / "serve.log"
    lif = str(Path(sys.executable).with_name("lif"))
    with log_path.open("wb") as log:
        process = subprocess.Popen([lif, "serve", "--demo", "--port", str(port)], env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 300
            while True:
                assert process.poll() is None, log_path.read_text()[-3000:]
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "lif serve --demo did not answer /health in 300 s"
                time.sleep(0.3)
            yield Server(url, bytes.fromhex(key_file.read_text().strip()))
        finally:
            process.terminate()
            process.wait(timeout=30)


def sqlite_demo_env(where: Path) -> dict[str, str]:
    """The environment of a demo server on a fresh SQLite file in `where` (its key beside it)."""
    env = {**os.environ, "LIF_SQLITE_PATH": str(where / "lif.sqlite"), "LIF_PERSISTENCE": "sqlite",
           "XDG_CONFIG_HOME": str(where / "config")}
    for name in ("LIF_SECRET_KEY", "LIF_SECRET_KEY_FILE", "LIF_TLS", "LIF_WEB_ASSETS_DIR"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`lif serve --demo` on a fresh SQLite file and a free port."""
    where = tmp_path_factory.mktemp("browser-server")
    with demo_server(where, sqlite_demo_env(where), where / "lif.sqlite.secret") as server:
        yield server


# Package scope: Playwright's sync API keeps an event loop running on the main thread while it
# is open, and tests after this package call asyncio.run(), which refuses to start inside one.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's Chromium (`apt-get install -y chromium`; deploy/test.sh does)"
    )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` in {REPO} (deploy/test.sh does)"
    return AXE.read_text()


def _offline(context: BrowserContext, server: Server) -> list[str]:
    """Every request goes to the server under test, or nowhere: the pages must need no internet."""
    asked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(server.url):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return asked


@contextmanager
def offline_context(browser: Browser, server: Server, **options: Any) -> Iterator[BrowserContext]:
    """A context with nobody signed in, offline but for the server; closed after, and nothing
    asked of anywhere else."""
    context = browser.new_context(base_url=server.url, **options)
    context.add_init_script(CSP_PROBE)
    outside = _offline(context, server)
    yield context
    context.close()
    assert not outside, f"pages asked for something outside lif: {outside}"


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    with offline_context(browser, server) as context:
        yield context


def signed_in(context: BrowserContext, server: Server, **who: Any) -> Page:
    context.add_cookies([server.cookie(**who)])  # type: ignore[list-item]
    return context.new_page()


def check_page(page: Page, axe_source: str, name: str) -> None:
    """No axe-core violation (WCAG 2.2 A and AA, and best practice), no CSP violation; a screenshot
    when LIF_SCREENSHOTS names a folder."""
    # After a form's redirect the stylesheet may still be loading; axe on an unstyled page finds
    # links smaller than the Design System makes them (target-size), seen under load.
    page.wait_for_load_state("load")
    page.evaluate(axe_source)  # through the DevTools protocol: the page's CSP rightly refuses inline script
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"{name}: accessibility violations: {violations}"
    assert page.evaluate("window.__cspViolations") == [], f"{name}: Content-Security-Policy violations"
    folder = os.environ.get("LIF_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
