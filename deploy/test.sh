#!/usr/bin/env bash
# Installs the project into .venv and runs lint, types and the whole test suite.
# The test fixtures start PostgreSQL, Kafka and the OpenID provider themselves when none
# is given (LIF_TEST_POSTGRES_DSN, LIF_TEST_KAFKA_BOOTSTRAP, LIF_TEST_OIDC_ISSUER).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: deploy/test.sh [pytest args...]  (installs .venv, npm packages and chromium if missing; runs ruff, mypy, pytest)"
  exit 0
fi
PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "== creating .venv" >&2
  "$PY" -m venv .venv
fi
echo "== installing lif with its dev dependencies" >&2
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
  echo "== installing node and npm (Debian's) for the web assets and the test OpenID provider" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
command -v npm >/dev/null 2>&1 || { echo "deploy/test.sh: npm is missing (install Node.js 18 or later with npm)" >&2; exit 1; }
# The web pages' assets and the browser tests' axe-core come from npm (package-lock.json);
# the browser tests drive Debian's Chromium. A missing one fails the tests; here it is installed.
echo "== npm ci (GOV.UK Frontend, Swagger UI, axe-core)" >&2
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "deploy/test.sh: /usr/bin/chromium is missing; as root: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "== apt-get install chromium (for the browser tests)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [[ -z "${LIF_TEST_OIDC_ISSUER:-}" ]]; then
  echo "== the test OpenID provider (npm ci in deploy/oidc, when its lock file changed)" >&2
  bash deploy/oidc.sh install
fi
echo "== ruff" >&2
.venv/bin/ruff check .
echo "== mypy" >&2
.venv/bin/mypy
echo "== benchmark harness, quick mode (proves it runs; asserts nothing about speed)" >&2
.venv/bin/python -m bench --quick --postgres skip --json "${TMPDIR:-/tmp}/lif-bench-quick.json"
echo "== pytest" >&2
exec .venv/bin/pytest "$@"
