"""The web pages' third-party assets: installed by npm from package-lock.json, never copied in.

GOV.UK Frontend (styles, fonts, images, its JavaScript) and Swagger UI (so /docs works with no
internet) live in a `node_modules` folder: by default the one `npm ci` makes beside pyproject.toml,
or `LIF_WEB_ASSETS_DIR`. `lif serve` installs them when they are missing (`ensure_assets`).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from adapters.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]
"""Where package.json and package-lock.json are, in a checkout (an editable install)."""

GOVUK = Path("govuk-frontend/dist/govuk")
SWAGGER = Path("swagger-ui-dist")

GOVUK_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
"""Served under /static/govuk/; the CSS finds its fonts and images under /assets/."""
SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
"""Served under /static/swagger/ (not the package's index.html, whose script is inline)."""


def modules_dir(settings: Settings) -> Path:
    return Path(settings.web_assets_dir) if settings.web_assets_dir else PROJECT / "node_modules"


def missing(settings: Settings) -> list[Path]:
    """The files the pages need that are not there."""
    root = modules_dir(settings)
    wanted = [GOVUK / name for name in GOVUK_FILES] + [GOVUK / "assets" / "manifest.json"]
    wanted += [SWAGGER / name for name in SWAGGER_FILES]
    return [root / path for path in wanted if not (root / path).is_file()]


def ensure_assets(settings: Settings, say: Callable[[str], None] = print) -> bool:
    """Installs the assets with `npm ci` when any is missing and this is a checkout; True when
    they are all there afterwards. Without them the API still serves; the pages lose their styles."""
    if not missing(settings):
        return True
    lock = PROJECT / "package-lock.json"
    npm = shutil.which("npm")
    if settings.web_assets_dir or not lock.is_file() or npm is None:
        why = "npm is not installed" if npm is None and lock.is_file() else f"no package-lock.json in {PROJECT}"
        if settings.web_assets_dir:
            why = f"LIF_WEB_ASSETS_DIR={settings.web_assets_dir} lacks them"
        say(f"web pages' assets missing ({why}): pages will be unstyled and /docs blank; run `npm ci` in {PROJECT}")
        return False
    say(f"installing the web pages' assets (GOV.UK Frontend, Swagger UI): npm ci in {PROJECT}…")
    done = subprocess.run(
        [npm, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=PROJECT, check=False,
    )
    if done.returncode != 0 or missing(settings):
        say(f"npm ci failed (exit {done.returncode}): pages will be unstyled and /docs blank")
        return False
    say("web pages' assets installed")
    return True
