#!/usr/bin/env bash
# Throwaway local PostgreSQL cluster for development and tests, without
# Docker.  See --help.
set -euo pipefail

readonly PROG="${0##*/}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
# shellcheck source=deploy/lib.sh
source "$HERE/lib.sh"
readonly HOST="127.0.0.1"
readonly PORT="${LIF_PG_PORT:-55432}"
readonly DIR="${LIF_PG_DIR:-/tmp/lif-pg-$PORT}"
readonly DATA="$DIR/data"
readonly LOG_FILE="$DIR/postgres.log"
readonly START_TIMEOUT="${LIF_PG_START_TIMEOUT:-60}"
readonly DB_USER="lif"
readonly DB_PASSWORD="lif"
readonly DB_NAME="lif"
readonly RUN_AS="${LIF_PG_OS_USER:-postgres}"

usage() {
    cat <<EOF
Usage: $PROG <command>

Run a throwaway PostgreSQL cluster on $HOST:$PORT with database '$DB_NAME',
user '$DB_USER' (password '$DB_PASSWORD', superuser; local connections use trust auth).
If no PostgreSQL server is installed, Debian's 'postgresql' package is
installed with apt-get (root only). When run as root the server runs as the
'$RUN_AS' OS user.

Commands:
  start      create the cluster (first time only), start it and wait until it
             accepts connections; prints the DSN. A no-op (still printing the
             DSN) if it already runs.
  stop       stop it (pg_ctl stop -m fast). Data is kept.
  status     print whether it runs; exit 0 if running, 3 if not.
  dsn        print the DSN: postgresql://$DB_USER:$DB_PASSWORD@$HOST:$PORT/$DB_NAME
  dir        print the state directory.
  -h|--help  this help.

Environment:
  LIF_PG_PORT           TCP port                             [$PORT]
  LIF_PG_DIR            state dir (data/, postgres.log, socket) [$DIR]
  LIF_PG_BIN            dir holding initdb/pg_ctl/psql       [newest /usr/lib/postgresql/*/bin]
  LIF_PG_START_TIMEOUT  seconds to wait for startup          [$START_TIMEOUT]
  LIF_PG_OS_USER        OS user running the server as root   [$RUN_AS]

The cluster is tuned for tests, not durability (fsync=off, synchronous_commit=off):
a clean stop keeps the data, a machine crash may lose it. Remove the state
dir (after 'stop') to start from scratch.
EOF
}

dsn() { printf 'postgresql://%s:%s@%s:%s/%s\n' "$DB_USER" "$DB_PASSWORD" "$HOST" "$PORT" "$DB_NAME"; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

find_bin_dir() {
    local d best=""
    if [[ -n "${LIF_PG_BIN:-}" ]]; then
        [[ -x "$LIF_PG_BIN/initdb" ]] || die "LIF_PG_BIN=$LIF_PG_BIN has no initdb"
        printf '%s\n' "$LIF_PG_BIN"
        return 0
    fi
    # Debian/Ubuntu layout; pick the newest major version.
    best="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
        | sort -V | tail -n 1 || true)"
    if [[ -n "$best" ]]; then
        dirname "$best"
        return 0
    fi
    # Other layouts: initdb on PATH.
    if d="$(command -v initdb 2>/dev/null)"; then
        dirname "$d"
        return 0
    fi
    return 0
}

install_postgres() {
    is_root || die "no PostgreSQL server found and not root; install it (Debian: apt-get install postgresql) or set LIF_PG_BIN"
    command -v apt-get >/dev/null 2>&1 || die "no PostgreSQL server found and no apt-get; install PostgreSQL or set LIF_PG_BIN"
    log "no PostgreSQL server binaries found; installing Debian's postgresql package (one-time, ~1 min)…"
    mkdir -p "$DIR"
    if ! apt-get update >"$DIR/apt.log" 2>&1; then
        tail -n 20 "$DIR/apt.log" >&2
        die "apt-get update failed (full output: $DIR/apt.log)"
    fi
    # The package's postinst may try (and, without an init system, fail) to
    # start its default cluster; we only need the binaries.
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
            >>"$DIR/apt.log" 2>&1; then
        tail -n 20 "$DIR/apt.log" >&2
        [[ -n "$(find_bin_dir)" ]] || die "apt-get install postgresql failed (full output: $DIR/apt.log)"
        log "apt-get reported errors but the server binaries are present; continuing"
    fi
}

# Run a command as the server's OS user (root cannot run postgres).
as_owner() {
    if is_root; then
        # cd /: the caller's cwd may be unreadable for that user (e.g. /root).
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$RUN_AS" -- "$@")
        else
            local q
            printf -v q '%q ' "$@"
            (cd / && su -s /bin/sh "$RUN_AS" -c "$q")
        fi
    else
        "$@"
    fi
}

BIN=""
setup_bin() {
    BIN="$(find_bin_dir)"
    if [[ -z "$BIN" ]]; then
        install_postgres
        BIN="$(find_bin_dir)"
        [[ -n "$BIN" ]] || die "PostgreSQL server binaries still not found after installing"
    fi
    if is_root && ! id -u "$RUN_AS" >/dev/null 2>&1; then
        die "OS user '$RUN_AS' does not exist (the postgresql package creates 'postgres'; or set LIF_PG_OS_USER)"
    fi
}

is_running() {
    [[ -f "$DATA/PG_VERSION" ]] || return 1
    as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

psql_admin() {
    # trust auth on 127.0.0.1: no password needed for the bootstrap superuser.
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d postgres "$@"
}

init_cluster() {
    [[ -f "$DATA/PG_VERSION" ]] && return 0
    log "creating cluster in $DATA ($("$BIN/postgres" --version))…"
    mkdir -p "$DATA"
    chmod 700 "$DATA"
    if is_root; then chown -R "$RUN_AS:" "$DIR"; fi
    if ! as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C \
            >"$DIR/initdb.log" 2>&1; then
        cat "$DIR/initdb.log" >&2
        die "initdb failed"
    fi
    # Everything else is (re)written on each start in postgresql.lif.conf.
    printf "\ninclude_if_exists = 'postgresql.lif.conf'\n" >>"$DATA/postgresql.conf"
}

write_config() {
    # Written as the owner so the server can read it.
    as_owner tee "$DATA/postgresql.lif.conf" >/dev/null <<EOF
# Generated by $PROG on every start; edits are overwritten.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 200
# throwaway test cluster: speed over durability
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
}

ensure_database() {
    local exists
    exists="$(psql_admin -tAc "select 1 from pg_roles where rolname = '$DB_USER'")"
    if [[ "$exists" != "1" ]]; then
        log "creating role $DB_USER…"
        psql_admin -c "create role $DB_USER login superuser password '$DB_PASSWORD'"
    fi
    exists="$(psql_admin -tAc "select 1 from pg_database where datname = '$DB_NAME'")"
    if [[ "$exists" != "1" ]]; then
        log "creating database $DB_NAME…"
        psql_admin -c "create database $DB_NAME owner $DB_USER"
    fi
}

lock_dir() { lock_state_dir "$((START_TIMEOUT + 300))"; }

cmd_start() {
    setup_bin
    lock_dir
    if is_running; then
        log "already running on $HOST:$PORT"
        dsn
        return 0
    fi
    if port_open "$HOST" "$PORT"; then
        die "port $PORT on $HOST is in use by another process (set LIF_PG_PORT)"
    fi
    init_cluster
    if is_root; then chown -R "$RUN_AS:" "$DIR"; fi
    write_config
    # Test fixtures mark a server they started; one started here is not theirs.
    rm -f "$DIR/.started-by-tests"
    log "starting postgres on $HOST:$PORT (log $LOG_FILE)…"
    local t0=$SECONDS
    # 9>&-: the server must not inherit (and so hold) our lock.
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG_FILE" -w -t "$START_TIMEOUT" start \
            >"$DIR/pg_ctl.log" 2>&1 9>&-; then
        cat "$DIR/pg_ctl.log" >&2
        [[ -s "$LOG_FILE" ]] && { printf -- '----- last lines of %s -----\n' "$LOG_FILE" >&2; tail -n 40 "$LOG_FILE" >&2; }
        die "postgres did not start (state dir $DIR)"
    fi
    ensure_database
    log "ready on $HOST:$PORT (took $((SECONDS - t0))s)"
    dsn
}

cmd_stop() {
    BIN="$(find_bin_dir)"
    if [[ -z "$BIN" || ! -f "$DATA/PG_VERSION" ]]; then
        log "not running (no cluster in $DATA)"
        return 0
    fi
    lock_dir
    if ! is_running; then
        log "not running"
        return 0
    fi
    log "stopping postgres on $HOST:$PORT…"
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >"$DIR/pg_ctl.log" 2>&1 9>&-; then
        cat "$DIR/pg_ctl.log" >&2
        die "pg_ctl stop failed"
    fi
    log "stopped"
}

cmd_status() {
    BIN="$(find_bin_dir)"
    local up=""
    if [[ -n "$BIN" ]] && is_running; then up=yes; fi
    print_status "$up" "on $HOST:$PORT"
}

main() {
    [[ $# -ge 1 ]] || { usage >&2; exit 64; }
    case "$1" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        dsn) dsn ;;
        dir) printf '%s\n' "$DIR" ;;
        -h|--help|help) usage ;;
        *) usage >&2; die "unknown command: $1" ;;
    esac
}

main "$@"
