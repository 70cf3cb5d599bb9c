#!/usr/bin/env bash
# A real single-node Apache Kafka 4.x broker for the tests and for local runs: KRaft mode,
# broker and controller in one JVM, clients on 127.0.0.1:9092, controller on 127.0.0.1:9093.
# The broker jars come from Maven Central through Maven (cached in ~/.m2); no Docker, no tarball.
#
#   bash scripts/kafka.sh fetch    resolve the broker's classpath with Maven
#   bash scripts/kafka.sh start    fetch, write config, format storage (once), start, wait until ready
#   bash scripts/kafka.sh stop     SIGTERM to the recorded pid only, SIGKILL after KAFKA_STOP_TIMEOUT
#   bash scripts/kafka.sh status   exit 0 if the broker answers a metadata request
#   bash scripts/kafka.sh logs [N] last N lines of the broker's log
#   bash scripts/kafka.sh clean    stop, then delete data, logs and config (keeps the Maven cache)
#
# Everything it writes is under .kafka-ci/ at the repository root (git-ignored). `start` is
# idempotent: a broker this script started is reused, and if 127.0.0.1:9092 already answers it
# leaves that alone. It never signals anything but the pid it recorded, and never touches the
# shared services (Redis, RabbitMQ, NATS).
#
# Environment: KAFKA_VERSION, LOG4J_VERSION, SLF4J_VERSION (see scripts/kafka/pom.xml),
# KAFKA_START_TIMEOUT (s, 180), KAFKA_STOP_TIMEOUT (s, 60), KAFKA_HEAP_OPTS (-Xms256m -Xmx768m),
# KAFKA_JAVA_HOME or JAVA_HOME (Java 17+), KAFKA_CLUSTER_ID, KAFKA_MVN_ARGS (extra Maven arguments).
# A second instance (a test that restarts its own broker) sets all three of: KAFKA_HOME_DIR (its
# config, data, logs and pid instead of .kafka-ci/), KAFKA_PORT (9092) and KAFKA_CONTROLLER_PORT
# (9093). The resolved classpath stays in KAFKA_MAVEN_DIR (.kafka-ci/maven), shared by every instance.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SRC="$ROOT/scripts/kafka"
DIR="${KAFKA_HOME_DIR:-$ROOT/.kafka-ci}"
MAVEN_DIR="${KAFKA_MAVEN_DIR:-$ROOT/.kafka-ci/maven}"
CONF="$DIR/config"
DATA="$DIR/data"
LOGS="$DIR/logs"
PIDFILE="$DIR/kafka.pid"
LOCKFILE="$DIR/kafka.lock"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
[[ "$PORT" =~ ^[0-9]+$ && "$CONTROLLER_PORT" =~ ^[0-9]+$ && "$PORT" != "$CONTROLLER_PORT" ]] ||
  { printf '[kafka] ERROR: KAFKA_PORT (%s) and KAFKA_CONTROLLER_PORT (%s) must be two different port numbers\n' "$PORT" "$CONTROLLER_PORT" >&2; exit 1; }

# Keep LOG4J_VERSION / SLF4J_VERSION equal to what the chosen Kafka release is built with
# (versions.log4j2 / versions.slf4j in its gradle/dependencies.gradle): 2.24.3 / 1.7.36 for 4.1.x.
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION="${LOG4J_VERSION:-2.24.3}"
SLF4J_VERSION="${SLF4J_VERSION:-1.7.36}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
# The defaults of Kafka's bin/kafka-run-class.sh.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"

log() { printf '[kafka] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# One start/stop/clean at a time. The broker must not inherit fd 9 (it would hold the lock).
take_lock() {
  mkdir -p "$DIR"
  exec 9>"$LOCKFILE"
  if command -v flock >/dev/null; then
    flock -w 300 9 || die "another kafka.sh holds $LOCKFILE"
  fi
}

# ------------------------------------------------------------------------------------ java
pick_java() {
  local home="${KAFKA_JAVA_HOME:-${JAVA_HOME:-}}" major
  if [[ -n "$home" ]]; then JAVA="$home/bin/java"; else JAVA="$(command -v java || true)"; fi
  [[ -n "$JAVA" && -x "$JAVA" ]] || die "no java found (install a JDK 17+, or set KAFKA_JAVA_HOME)"
  major="$("$JAVA" -version 2>&1 | sed -E -n 's/.* version "([0-9]+).*/\1/p' | head -n1)"
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot read the version of $JAVA"
  ((major >= 17)) || die "Kafka 4.x needs Java 17+, $JAVA is Java $major"
}

# ----------------------------------------------------------------------------------- maven
# The classpath file is keyed by the POM and the versions, so editing either re-resolves.
classpath_file() {
  local key
  key="$( { cat "$SRC/pom.xml"; echo "$KAFKA_VERSION $LOG4J_VERSION $SLF4J_VERSION"; } | sha256sum | cut -c1-16)"
  echo "$MAVEN_DIR/classpath-$KAFKA_VERSION-$key.txt"
}

classpath_ok() { # file
  local jar
  [[ -s "$1" ]] || return 1
  while IFS= read -r -d ':' jar; do [[ -f "$jar" ]] || return 1; done < <(tr -d '\n' <"$1"; printf ':')
  grep -q "kafka_2.13-$KAFKA_VERSION.jar" "$1" && grep -q "log4j-slf4j-impl-$LOG4J_VERSION.jar" "$1"
}

cmd_fetch() {
  CPFILE="$(classpath_file)"
  if classpath_ok "$CPFILE"; then log "classpath cached: ${CPFILE#"$ROOT"/}"; return 0; fi
  command -v mvn >/dev/null || die "mvn not found (Maven 3.6+ is needed to fetch the broker)"
  mkdir -p "$MAVEN_DIR"
  cp "$SRC/pom.xml" "$MAVEN_DIR/pom.xml"
  log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION (+ log4j $LOG4J_VERSION binding) with Maven ..."
  local -a extra=()
  [[ -n "${KAFKA_MVN_ARGS:-}" ]] && read -r -a extra <<<"$KAFKA_MVN_ARGS"
  local attempt started=$SECONDS
  # (Debian's Maven 3.8 prints ANSI resets even with -B; sed drops them. pipefail keeps mvn's status.)
  for attempt in 1 2; do
    if mvn -B -q -Dstyle.color=never ${extra[@]+"${extra[@]}"} -f "$MAVEN_DIR/pom.xml" dependency:build-classpath \
      -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" -Dslf4j.version="$SLF4J_VERSION" \
      -Dmdep.outputFile="$CPFILE.tmp" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
      break
    fi
    ((attempt == 2)) && die "maven could not resolve the broker (see above)"
    log "maven failed, retrying once"
    sleep 5
  done
  mv -f "$CPFILE.tmp" "$CPFILE"
  classpath_ok "$CPFILE" || die "maven did not produce a usable classpath in $CPFILE"
  log "classpath: $(tr ':' '\n' <"$CPFILE" | grep -c .) jars, resolved in $((SECONDS - started))s"
}

# ---------------------------------------------------------------------------------- config
write_config() {
  mkdir -p "$CONF" "$DATA" "$LOGS"
  sed -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
    -e "s|@DATA_DIR@|$DATA|g" "$SRC/server.properties" >"$CONF/server.properties.tmp"
  mv -f "$CONF/server.properties.tmp" "$CONF/server.properties"
  cp "$SRC/log4j2.properties" "$CONF/log4j2.properties"
  cp "$SRC/tools-log4j2.properties" "$CONF/tools-log4j2.properties"
}

storage_tool() {
  "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$CONF/tools-log4j2.properties" \
    -cp "$(cat "$CPFILE")" kafka.tools.StorageTool "$@"
}

format_storage() {
  if [[ -f "$DATA/meta.properties" ]]; then
    log "storage already formatted (${DATA#"$ROOT"/})"
    return 0
  fi
  local cluster_id="${KAFKA_CLUSTER_ID:-}"
  [[ -n "$cluster_id" ]] || cluster_id="$(storage_tool random-uuid | tail -n1)"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "bad cluster id from the storage tool: '$cluster_id'"
  log "formatting storage (cluster id $cluster_id, standalone KRaft quorum)"
  storage_tool format --standalone -t "$cluster_id" -c "$CONF/server.properties" >&2
  [[ -f "$DATA/meta.properties" ]] || die "the storage tool did not write $DATA/meta.properties"
}

# --------------------------------------------------------------------------------- process
recorded_pid() { [[ -s "$PIDFILE" ]] && tr -dc '0-9' <"$PIDFILE"; }

# True if $1 is a live broker started by this script (checked by its command line, so a
# recycled pid of an unrelated process never counts).
is_ours() {
  local pid="${1:-}" cmdline
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *" kafka.Kafka $CONF/server.properties"* ]]
}

our_pid() {
  local pid
  pid="$(recorded_pid || true)"
  is_ours "$pid" && echo "$pid"
}

# Waits until the broker answers a metadata request and has a group coordinator (kafkajs admin:
# connect, listTopics, describeGroups).
# $1 = seconds, $2 = pid that must stay alive (optional). Prints the topic count when ready.
probe() {
  local seconds="$1" pid="${2:-0}"
  if [[ ! -d "$ROOT/node_modules/kafkajs" ]] || ! command -v node >/dev/null; then
    log "kafkajs is not installed (run npm ci): falling back to a TCP check of $HOST:$PORT"
    local deadline=$((SECONDS + seconds))
    until port_open "$PORT"; do
      ((pid == 0)) || kill -0 "$pid" 2>/dev/null || return 2
      ((SECONDS < deadline)) || return 1
      sleep 1
    done
    echo "port open"
    return 0
  fi
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  PROBE_ROOT="$ROOT" PROBE_BROKER="$HOST:$PORT" PROBE_SECONDS="$seconds" PROBE_PID="$pid" node -e '
    const { Kafka, logLevel } = require(require.resolve("kafkajs", { paths: [process.env.PROBE_ROOT] }));
    const broker = process.env.PROBE_BROKER;
    const pid = Number(process.env.PROBE_PID);
    const deadline = Date.now() + Number(process.env.PROBE_SECONDS) * 1000;
    const alive = () => { if (!pid) return true; try { process.kill(pid, 0); return true; } catch { return false; } };
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      let last = "no attempt";
      for (;;) {
        if (!alive()) { console.error(`broker process ${pid} exited`); process.exit(2); }
        const admin = new Kafka({
          clientId: "orderly-kafka-probe", brokers: [broker], logLevel: logLevel.NOTHING,
          connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 },
        }).admin();
        try {
          await admin.connect();
          const topics = await admin.listTopics();
          // FindCoordinator: creates __consumer_offsets on a new broker, so groups work at once.
          await admin.describeGroups(["orderly-kafka-probe"]);
          await admin.disconnect();
          console.log(`${topics.length} topics`);
          process.exit(0);
        } catch (e) {
          last = e && e.message ? e.message : String(e);
          await admin.disconnect().catch(() => {});
        }
        if (Date.now() + 1000 > deadline) { console.error(`no metadata answer from ${broker}: ${last}`); process.exit(1); }
        await sleep(1000);
      }
    })();
  '
}

tail_logs() {
  local n="${1:-60}" f
  for f in "$LOGS/kafka.out" "$LOGS/server.log"; do
    if [[ -s "$f" ]]; then
      log "--- last $n lines of ${f#"$ROOT"/}"
      tail -n "$n" "$f" >&2
    fi
  done
  return 0
}

wait_ready() { # pid
  local pid="$1" started=$SECONDS info
  log "waiting up to ${KAFKA_START_TIMEOUT}s for $HOST:$PORT to answer a metadata request ..."
  if info="$(probe "$KAFKA_START_TIMEOUT" "$pid")"; then
    log "Kafka $KAFKA_VERSION ready on $HOST:$PORT (pid $pid, $info, waited $((SECONDS - started))s)"
    return 0
  fi
  if kill -0 "$pid" 2>/dev/null; then
    log "Kafka (pid $pid) did not answer within ${KAFKA_START_TIMEOUT}s; it is left running (see: bash scripts/kafka.sh logs)"
  else
    log "Kafka (pid $pid) exited during startup"
    rm -f "$PIDFILE"
  fi
  tail_logs 80
  return 1
}

launch() {
  local -a heap perf
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a perf <<<"$KAFKA_JVM_PERFORMANCE_OPTS"
  [[ -f "$LOGS/kafka.out" ]] && mv -f "$LOGS/kafka.out" "$LOGS/kafka.out.prev"
  # A marker, so that the tail printed on a failed start shows where this start begins.
  printf '===== kafka.sh start at %s =====\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" >>"$LOGS/server.log"
  rm -f "$PIDFILE"
  local -a detach=()
  command -v setsid >/dev/null && detach=(setsid)
  # The shell writes its own pid, then execs the JVM: the pid file holds the broker's pid
  # whether or not setsid had to fork. The new session keeps it out of the caller's
  # process group, so the caller ending does not take the broker down.
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner shell
  ${detach[@]+"${detach[@]}"} nohup bash -c 'echo "$$" >"$0"; exec "$@"' "$PIDFILE" \
    "$JAVA" "${heap[@]}" "${perf[@]}" \
    -XX:ErrorFile="$LOGS/hs_err_pid%p.log" \
    -Xlog:gc*:file="$LOGS/gc.log":time,tags:filecount=2,filesize=10M \
    -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$CONF/log4j2.properties" \
    -cp "$(cat "$CPFILE")" kafka.Kafka "$CONF/server.properties" \
    </dev/null >"$LOGS/kafka.out" 2>&1 9>&- &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$PIDFILE" ]] && break
    sleep 0.1
  done
  [[ -s "$PIDFILE" ]] || die "the broker did not start (no pid written)"
}

cmd_start() {
  take_lock
  local pid
  if pid="$(our_pid)"; then
    log "already running (pid $pid)"
    wait_ready "$pid"
    return
  fi
  if [[ -e "$PIDFILE" ]]; then
    log "removing stale pid file (pid $(recorded_pid || true) is not a broker of ours)"
    rm -f "$PIDFILE"
  fi
  if port_open "$PORT"; then
    log "$HOST:$PORT already answers (not a broker this script recorded): leaving it as it is"
    return 0
  fi
  port_open "$CONTROLLER_PORT" && die "$HOST:$CONTROLLER_PORT (controller) is taken by another process"
  pick_java
  cmd_fetch
  write_config
  format_storage
  log "starting Kafka $KAFKA_VERSION ($KAFKA_HEAP_OPTS) with $JAVA"
  launch
  wait_ready "$(recorded_pid)"
}

cmd_stop() {
  take_lock
  local pid
  if ! pid="$(our_pid)"; then
    if [[ -e "$PIDFILE" ]]; then
      log "not running (removing stale pid file)"
      rm -f "$PIDFILE"
    else
      log "not running"
    fi
    port_open "$PORT" && log "note: $HOST:$PORT answers, but not from a broker this script started; left alone"
    return 0
  fi
  log "stopping pid $pid (SIGTERM, controlled shutdown)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after ${KAFKA_STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_status() {
  local pid info
  if pid="$(our_pid)"; then
    if info="$(probe 5 "$pid" 2>/dev/null)"; then
      echo "kafka: running (pid $pid), $HOST:$PORT answers ($info)"
      return 0
    fi
    echo "kafka: running (pid $pid), $HOST:$PORT does not answer yet"
    return 1
  fi
  if port_open "$PORT"; then
    echo "kafka: $HOST:$PORT answers, but not from a broker this script started"
    return 0
  fi
  echo "kafka: stopped"
  return 3
}

cmd_clean() {
  cmd_stop
  log "deleting ${DATA#"$ROOT"/}, ${LOGS#"$ROOT"/}, ${CONF#"$ROOT"/} (the Maven cache stays)"
  rm -rf "$DATA" "$LOGS" "$CONF"
}

case "${1:-}" in
  fetch) pick_java; cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  status) cmd_status ;;
  logs) tail_logs "${2:-100}" ;;
  clean) cmd_clean ;;
  *)
    echo "usage: $0 {fetch|start|stop|restart|status|logs [N]|clean}" >&2
    exit 2
    ;;
esac
