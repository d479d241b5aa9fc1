#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) without
# Docker: resolves Kafka's jars with Maven (cached in ~/.m2) and runs the
# broker straight from that classpath.  See --help.
set -euo pipefail

readonly PROG="${0##*/}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly POM="$HERE/kafka/pom.xml"
readonly READY_SRC="$HERE/kafka/KafkaReady.java"
# shellcheck source=deploy/lib.sh
source "$HERE/lib.sh"
readonly DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

readonly HOST="127.0.0.1"
readonly PORT="${LIF_KAFKA_PORT:-19092}"
readonly CONTROLLER_PORT="${LIF_KAFKA_CONTROLLER_PORT:-19093}"
readonly DIR="${LIF_KAFKA_DIR:-/tmp/lif-kafka-$PORT}"
readonly START_TIMEOUT="${LIF_KAFKA_START_TIMEOUT:-90}"
readonly STOP_TIMEOUT="${LIF_KAFKA_STOP_TIMEOUT:-30}"
readonly HEAP_OPTS="${LIF_KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
readonly NUM_PARTITIONS="${LIF_KAFKA_NUM_PARTITIONS:-3}"
readonly MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
    JAVA="${JAVA_HOME}/bin/java"
else
    JAVA="java"
fi
readonly JAVA

readonly PID_FILE="$DIR/kafka.pid"
readonly PROPS="$DIR/server.properties"
readonly LOG_DIR="$DIR/logs"
readonly LOG_FILE="$LOG_DIR/server.log"
readonly OUT_FILE="$DIR/kafka.out"
readonly DATA_DIR="$DIR/data"
readonly CP_FILE="$DIR/classpath"
readonly CP_KEY_FILE="$DIR/classpath.key"

usage() {
    cat <<EOF
Usage: $PROG <command>

Run a throwaway single-node Apache Kafka 4.x (KRaft mode, one process acting as
broker and controller) on $HOST, for development and tests. No Docker needed:
the jars are resolved with Maven (cached in ~/.m2) and run with java (17+).

Commands:
  start      resolve jars, format storage (first time only), start the broker in
             the background and wait until it answers; prints the bootstrap
             address on stdout. A no-op (still printing it) if already running.
  stop       stop the broker (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s). State is kept.
  status     print whether the broker runs; exit 0 if running, 3 if not.
  bootstrap  print the bootstrap address (host:port).
  dir        print the state directory.
  -h|--help  this help.

Environment:
  LIF_KAFKA_PORT             client (PLAINTEXT) port            [${PORT}]
  LIF_KAFKA_CONTROLLER_PORT  KRaft controller port              [${CONTROLLER_PORT}]
  LIF_KAFKA_DIR              state dir (data, logs, pid file)   [${DIR}]
  LIF_KAFKA_START_TIMEOUT    seconds to wait for readiness      [${START_TIMEOUT}]
  LIF_KAFKA_STOP_TIMEOUT     seconds to wait before SIGKILL     [${STOP_TIMEOUT}]
  LIF_KAFKA_HEAP_OPTS        JVM heap flags                     [${HEAP_OPTS}]
  LIF_KAFKA_NUM_PARTITIONS   partitions of auto-created topics  [${NUM_PARTITIONS}]
  JAVA_HOME, MVN             java / maven to use

Files in the state dir: server.properties, kafka.pid, logs/server.log (broker
log), kafka.out (JVM stdout/stderr), mvn.log, data/ (KRaft metadata + topics).
Remove the state dir (after 'stop') to start from scratch.
EOF
}

bootstrap() { printf '%s:%s\n' "$HOST" "$PORT"; }

# pid of our broker if it is running, else empty.
running_pid() { pid_running_as "$PID_FILE" "kafka.Kafka $PROPS"; }

require_tools() {
    command -v "$JAVA" >/dev/null 2>&1 \
        || die "java not found (need Java 17+; on Debian: apt-get install openjdk-17-jdk-headless)"
    local ver major
    ver="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    major="${ver%%.*}"
    [[ "$major" =~ ^[0-9]+$ ]] || die "cannot determine the Java version of '$JAVA'"
    (( major >= 17 )) || die "Kafka 4.x needs Java 17+, but '$JAVA' is Java $ver"
}

# Resolve the classpath once per pom version; reuse it while all jars exist.
resolve_classpath() {
    local key cp jar ok=1
    local -a jars
    key="$(sha256sum "$POM" | cut -d' ' -f1)"
    if [[ -s "$CP_FILE" && -f "$CP_KEY_FILE" && "$(<"$CP_KEY_FILE")" == "$key" ]]; then
        IFS=: read -r -a jars <<<"$(<"$CP_FILE")"
        for jar in "${jars[@]}"; do
            [[ -f "$jar" ]] || { ok=0; break; }
        done
        if (( ok )); then
            CLASSPATH_VALUE="$(<"$CP_FILE")"
            return
        fi
    fi
    command -v "$MVN" >/dev/null 2>&1 \
        || die "maven ('$MVN') not found; on Debian: apt-get install maven"
    local version
    version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"
    log "resolving kafka ${version} with mvn (first time can take a minute or two)…"
    local t0=$SECONDS
    if ! "$MVN" -B -q -f "$POM" -Dstyle.color=never \
            "$DEP_PLUGIN:build-classpath" \
            -Dmdep.includeScope=runtime \
            -Dmdep.outputFile="$CP_FILE.tmp" >"$DIR/mvn.log" 2>&1; then
        tail -n 40 "$DIR/mvn.log" >&2 || true
        die "maven could not resolve kafka (full output: $DIR/mvn.log)"
    fi
    cp="$(<"$CP_FILE.tmp")"
    [[ "$cp" == *kafka_2.13-* ]] || die "resolved classpath lacks kafka_2.13 (see $DIR/mvn.log)"
    mv "$CP_FILE.tmp" "$CP_FILE"
    printf '%s\n' "$key" >"$CP_KEY_FILE"
    log "resolved $(tr ':' '\n' <"$CP_FILE" | wc -l) jars in $((SECONDS - t0))s"
    CLASSPATH_VALUE="$cp"
}

write_config() {
    cat >"$PROPS" <<EOF
# Generated by $PROG on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# single node: every internal topic has one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=$NUM_PARTITIONS
delete.topic.enable=true
log.retention.hours=168
EOF

    # Broker logging (log4j2 via the slf4j binding from pom.xml).
    cat >"$DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $LOG_FILE
appender.file.filePattern = $LOG_DIR/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.network.name = kafka.network.RequestChannel\$
logger.network.level = warn
EOF

    # Logging for the short-lived helpers (storage format, readiness probe).
    cat >"$DIR/log4j2-tools.properties" <<EOF
status = error
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = error
rootLogger.appenderRef.err.ref = err
EOF
}

format_storage() {
    [[ -f "$DATA_DIR/meta.properties" ]] && return 0
    local cluster_id
    if [[ -s "$DIR/cluster.id" ]]; then
        cluster_id="$(<"$DIR/cluster.id")"
    else
        cluster_id="$("$JAVA" -Dlog4j2.configurationFile="file:$DIR/log4j2-tools.properties" \
            -cp "$CLASSPATH_VALUE" kafka.tools.StorageTool random-uuid)"
        printf '%s\n' "$cluster_id" >"$DIR/cluster.id"
    fi
    log "formatting storage (cluster id $cluster_id) in $DATA_DIR…"
    if ! "$JAVA" -Dlog4j2.configurationFile="file:$DIR/log4j2-tools.properties" \
            -cp "$CLASSPATH_VALUE" kafka.tools.StorageTool format \
            -t "$cluster_id" -c "$PROPS" >"$DIR/format.log" 2>&1; then
        cat "$DIR/format.log" >&2
        die "formatting KRaft storage failed"
    fi
}

show_log_tail() {
    local f
    for f in "$OUT_FILE" "$LOG_FILE"; do
        if [[ -s "$f" ]]; then
            printf -- '----- last lines of %s -----\n' "$f" >&2
            tail -n 40 "$f" >&2
        fi
    done
}

# Fallback readiness check when java cannot launch source files (JRE without
# jdk.compiler): port open + the broker's own "started" log line, which KRaft
# brokers only print once they are registered and unfenced.
wait_ready_by_log() {
    local pid="$1" deadline=$((SECONDS + $2))
    while (( SECONDS < deadline )); do
        kill -0 "$pid" 2>/dev/null || return 2
        if port_open "$HOST" "$PORT" && grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

wait_ready() {
    local pid="$1" timeout="$2" rc=0
    local modules
    modules="$("$JAVA" --list-modules 2>/dev/null || true)"
    if [[ "$modules" == *jdk.compiler@* ]]; then
        "$JAVA" -Dlog4j2.configurationFile="file:$DIR/log4j2-tools.properties" \
            -cp "$CLASSPATH_VALUE" "$READY_SRC" "$HOST:$PORT" "$timeout" "$pid" || rc=$?
        case "$rc" in
            0) return 0 ;;
            2) return 2 ;;
            3) return 1 ;;
            *) log "readiness probe failed to run (exit $rc); falling back to log check" ;;
        esac
    fi
    wait_ready_by_log "$pid" "$timeout"
}

cmd_start() {
    local pid
    lock_state_dir "$((START_TIMEOUT + 120))"
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        log "already running (pid $pid) on $HOST:$PORT"
        bootstrap
        return 0
    fi
    rm -f "$PID_FILE"
    if port_open "$HOST" "$PORT"; then
        die "port $PORT on $HOST is in use by another process (set LIF_KAFKA_PORT)"
    fi
    if port_open "$HOST" "$CONTROLLER_PORT"; then
        die "port $CONTROLLER_PORT on $HOST is in use by another process (set LIF_KAFKA_CONTROLLER_PORT)"
    fi

    require_tools
    mkdir -p "$LOG_DIR" "$DATA_DIR"
    resolve_classpath
    write_config
    format_storage

    # Test fixtures mark a broker they started; one started here is not theirs.
    rm -f "$DIR/.started-by-tests"
    log "starting broker (state in $DIR, log $LOG_FILE)…"
    local t0=$SECONDS
    # shellcheck disable=SC2086  # HEAP_OPTS is a list of flags
    nohup "$JAVA" $HEAP_OPTS \
        -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="file:$DIR/log4j2.properties" \
        -Dkafka.logs.dir="$LOG_DIR" \
        -cp "$CLASSPATH_VALUE" kafka.Kafka "$PROPS" \
        </dev/null >>"$OUT_FILE" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"

    log "waiting for broker (pid $pid, up to ${START_TIMEOUT}s)…"
    local rc=0
    wait_ready "$pid" "$START_TIMEOUT" || rc=$?
    case "$rc" in
        0)
            log "ready on $HOST:$PORT (broker start took $((SECONDS - t0))s)"
            bootstrap
            ;;
        2)
            show_log_tail
            rm -f "$PID_FILE"
            die "broker exited during startup (logs above; state dir $DIR)"
            ;;
        *)
            show_log_tail
            stop_pid "$pid"
            rm -f "$PID_FILE"
            die "broker not ready after ${START_TIMEOUT}s (logs above; state dir $DIR)"
            ;;
    esac
}

stop_pid() { stop_pid_within "$1" "$STOP_TIMEOUT" broker; }

cmd_stop() {
    local pid
    if [[ ! -d "$DIR" ]]; then
        log "not running (no state dir $DIR)"
        return 0
    fi
    lock_state_dir "$((START_TIMEOUT + 120))"
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    log "stopping broker (pid $pid)…"
    stop_pid "$pid"
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() { print_status "$(running_pid)" "on $HOST:$PORT"; }

main() {
    [[ $# -ge 1 ]] || { usage >&2; exit 64; }
    case "$1" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        bootstrap) bootstrap ;;
        dir) printf '%s\n' "$DIR" ;;
        -h|--help|help) usage ;;
        *) usage >&2; die "unknown command: $1" ;;
    esac
}

main "$@"
