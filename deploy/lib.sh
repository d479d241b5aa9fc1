# Shared by deploy/kafka.sh, postgres.sh and oidc.sh: sourced, not run. Each script sets
# PROG and DIR (its state directory) before calling these.

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Serialise starts and stops on one state directory (fd 9; servers started later must not
# inherit it: start them with 9>&-). $1: seconds to wait for the lock.
lock_state_dir() {
    mkdir -p "$DIR"
    exec 9>"$DIR/.lock"
    if command -v flock >/dev/null 2>&1; then
        flock -w "$1" 9 || die "timed out waiting for the lock on $DIR"
    fi
}

# The pid in pid file $1 if that process runs and its command line contains $2 (a pid reused
# by another program is not ours); else nothing.
pid_running_as() {
    local pid cmdline
    [[ -f "$1" ]] || return 0
    pid="$(<"$1")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    if [[ -r "/proc/$pid/cmdline" ]]; then
        cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
        [[ "$cmdline" == *"$2"* ]] || return 0
    fi
    printf '%s\n' "$pid"
}

# SIGTERM pid $1, then SIGKILL after $2 seconds; $3 names it in the log. Returns once it is gone.
stop_pid_within() {
    local pid="$1" deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$3 did not stop within $2s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
}

# `status`: $1 is the pid or "yes" when running, empty when not; $2 says where it listens.
print_status() {
    if [[ -n "$1" ]]; then
        if [[ "$1" == yes ]]; then echo "running $2, state dir $DIR"; else echo "running (pid $1) $2, state dir $DIR"; fi
        return 0
    fi
    echo "not running (state dir $DIR)"
    return 3
}
