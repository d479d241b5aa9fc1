#!/usr/bin/env bash
# Local OpenID Connect provider (node's certified `oidc-provider`, deploy/oidc/provider.js)
# for lif's sign-in tests and development: installed with `npm ci` from deploy/oidc's lock
# file, run in the background on 127.0.0.1. See --help.
set -euo pipefail

readonly PROG="${0##*/}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly APP="$HERE/oidc"

readonly HOST="127.0.0.1"
readonly PORT="${LIF_OIDC_PORT:-19480}"
readonly DIR="${LIF_OIDC_DIR:-/tmp/lif-oidc-$PORT}"
readonly START_TIMEOUT="${LIF_OIDC_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${LIF_OIDC_STOP_TIMEOUT:-10}"
readonly NODE="${NODE:-node}"
readonly NPM="${NPM:-npm}"

readonly PID_FILE="$DIR/oidc.pid"
readonly OUT_FILE="$DIR/oidc.out"

usage() {
    cat <<EOF
Usage: $PROG <command>

Run a throwaway OpenID Connect provider on $HOST for development and tests: node's
certified oidc-provider with a client for lif (authorization code + PKCE S256) and test
accounts whose claims give each of lif's roles (deploy/oidc/provider.js lists them).
Needs node 20.19+ and npm; 'npm ci' installs the pinned packages on first start.

Commands:
  start      install if needed, start in the background and wait until its discovery
             document answers; prints the issuer URL on stdout. A no-op (still
             printing it) if already running.
  stop       stop it (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s).
  status     print whether it runs; exit 0 if running, 3 if not.
  install    only install it (npm ci), if its lock file changed since the last install.
  issuer     print the issuer URL.
  dir        print the state directory.
  -h|--help  this help.

Environment:
  LIF_OIDC_PORT            port                                  [${PORT}]
  LIF_OIDC_DIR             state dir (pid file, output)          [${DIR}]
  LIF_OIDC_START_TIMEOUT   seconds to wait for readiness         [${START_TIMEOUT}]
  LIF_OIDC_CLIENT_ID, LIF_OIDC_CLIENT_SECRET, LIF_OIDC_PASSWORD  the client and
                           the test accounts' password (see provider.js)
  NODE, NPM                node / npm to use
EOF
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

issuer() { printf 'http://%s:%s\n' "$HOST" "$PORT"; }

running_pid() {
    local pid
    [[ -f "$PID_FILE" ]] || return 0
    pid="$(<"$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    # Guard against pid reuse: must be node running our provider script.
    if [[ -r "/proc/$pid/cmdline" ]]; then
        local cmdline
        cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
        [[ "$cmdline" == *"$APP/provider.js"* ]] || return 0
    fi
    printf '%s\n' "$pid"
}

port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

install() {
    mkdir -p "$DIR"
    command -v "$NODE" >/dev/null 2>&1 || die "node not found (need node 20.19+; on Debian: apt-get install nodejs npm)"
    command -v "$NPM" >/dev/null 2>&1 || die "npm not found (on Debian: apt-get install npm)"
    # Installed again whenever the lock file changed since the last install.
    local stamp="$APP/node_modules/.lif-lock.sha256" want
    want="$(sha256sum "$APP/package-lock.json" | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing oidc-provider with npm ci…"
    if ! (cd "$APP" && "$NPM" ci --no-audit --no-fund >"$DIR/npm.log" 2>&1); then
        tail -n 40 "$DIR/npm.log" >&2 || true
        die "npm ci failed in $APP (full output: $DIR/npm.log)"
    fi
    printf '%s\n' "$want" >"$stamp"
}

wait_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    while (( SECONDS < deadline )); do
        kill -0 "$pid" 2>/dev/null || return 2
        if port_open "$HOST" "$PORT" && grep -q 'oidc-provider listening' "$OUT_FILE" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

stop_pid() {
    local pid="$1" deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "provider did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

lock() {
    mkdir -p "$DIR"
    exec 9>"$DIR/.lock"
    if command -v flock >/dev/null 2>&1; then
        flock -w "$((START_TIMEOUT + 300))" 9 || die "timed out waiting for the lock on $DIR"
    fi
}

cmd_start() {
    local pid
    lock
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        log "already running (pid $pid) at $(issuer)"
        issuer
        return 0
    fi
    rm -f "$PID_FILE"
    port_open "$HOST" "$PORT" && die "port $PORT on $HOST is in use by another process (set LIF_OIDC_PORT)"
    install
    # Test fixtures mark a provider they started; one started here is not theirs.
    rm -f "$DIR/.started-by-tests"
    : >"$OUT_FILE"
    LIF_OIDC_PORT="$PORT" NODE_ENV=development nohup "$NODE" "$APP/provider.js" </dev/null >>"$OUT_FILE" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
    local rc=0
    wait_ready "$pid" || rc=$?
    if (( rc != 0 )); then
        tail -n 40 "$OUT_FILE" >&2 || true
        (( rc == 2 )) || stop_pid "$pid"
        rm -f "$PID_FILE"
        die "provider not ready (output above; state dir $DIR)"
    fi
    log "ready at $(issuer) (pid $pid)"
    issuer
}

cmd_stop() {
    local pid
    [[ -d "$DIR" ]] || { log "not running (no state dir $DIR)"; return 0; }
    lock
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    log "stopping provider (pid $pid)…"
    stop_pid "$pid"
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "running (pid $pid) at $(issuer), state dir $DIR"
        return 0
    fi
    echo "not running (state dir $DIR)"
    return 3
}

main() {
    [[ $# -ge 1 ]] || { usage >&2; exit 64; }
    case "$1" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        install) install ;;
        issuer) issuer ;;
        dir) printf '%s\n' "$DIR" ;;
        -h|--help|help) usage ;;
        *) usage >&2; die "unknown command: $1" ;;
    esac
}

main "$@"
