#!/usr/bin/env bash
# deploy/local/stack.sh - a real Apache Kafka and a real ClickHouse server, run natively on this
# machine (no Docker), bound to 127.0.0.1 only, with all state under ${SOC_STACK_HOME:-<repo>/.stack}.
#
#   up            install/fetch what is missing, start both, wait until both are healthy (idempotent)
#   down          stop both (SIGTERM, then SIGKILL after $STOP_TIMEOUT s); harmless if nothing runs
#   status        show whether each is running and healthy; exit 0 only if both are healthy
#   env           print KAFKA_BROKERS=... and CLICKHOUSE_URL=... (eval-able / .env format)
#   kafka-start   start only the Kafka broker (and wait until healthy)
#   kafka-stop    stop only the Kafka broker (for fault-injection tests)
#   clickhouse-start  start only the ClickHouse server (and wait until healthy)
#   clickhouse-stop   stop only the ClickHouse server (for fault-injection tests)
#   kafka-run-class CLASS [ARGS...]   run a Kafka CLI class from the fetched jars, e.g.
#                 org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   clean         down, then delete Kafka and ClickHouse data (keeps the fetched jars)
#
# Kafka: KRaft mode, one process that is both broker and controller. Its jars come from Maven
#   Central through deploy/local/kafka/pom.xml (mvn dependency:copy-dependencies), cached in
#   .stack/kafka/libs with a stamp file so the fetch happens once per version.
# ClickHouse: the Debian package (clickhouse-server, clickhouse-client), installed with apt-get if
#   missing, run as a plain background process with a generated config (never via systemd).
#
# Variables (defaults):  SOC_STACK_HOME (<repo>/.stack)  KAFKA_VERSION (4.1.1)  KAFKA_PORT (9092)
#   KAFKA_CONTROLLER_PORT (9093)  KAFKA_HEAP_OPTS (-Xms256m -Xmx512m)  CLICKHOUSE_HTTP_PORT (8123)
#   CLICKHOUSE_TCP_PORT (9000)  STACK_TIMEOUT (90, seconds to wait for health)
#   STOP_TIMEOUT (30, seconds to wait for a clean stop)  MVN_ARGS (extra arguments for mvn)
# Use the same port variables for up/status/env as the services were started with.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"

STACK_HOME="$(realpath -m "${SOC_STACK_HOME:-$REPO/.stack}")"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-8123}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9000}"
STACK_TIMEOUT="${STACK_TIMEOUT:-90}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"
MVN_ARGS="${MVN_ARGS:-}"

KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
KAFKA_HOME="$STACK_HOME/kafka"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_LOGS="$KAFKA_HOME/logs"
KAFKA_CONF="$KAFKA_HOME/config/server.properties"   # also the marker that identifies our process
KAFKA_LOG4J="$KAFKA_HOME/config/log4j2.properties"
KAFKA_TOOLS_LOG4J="$KAFKA_HOME/config/tools-log4j2.properties"
KAFKA_ADMIN_CONF="$KAFKA_HOME/config/admin.properties"
KAFKA_PID_FILE="$KAFKA_HOME/kafka.pid"
KAFKA_OUT="$KAFKA_LOGS/kafka.out"                    # JVM stdout/stderr
KAFKA_SERVER_LOG="$KAFKA_LOGS/server.log"            # log4j2 output

CH_HOME="$STACK_HOME/clickhouse"
CH_CONF="$CH_HOME/config/config.xml"                 # also the marker that identifies our process
CH_USERS="$CH_HOME/config/users.xml"
CH_LOGS="$CH_HOME/logs"
CH_PID_FILE="$CH_HOME/clickhouse.pid"
CH_OUT="$CH_LOGS/stdout.log"

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
log()  { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# tail_log FILE [N]: print the last lines of a log file to stderr, if it exists.
tail_log() {
  local f=$1 n=${2:-40}
  if [[ -s $f ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2
    printf -- '-----\n' >&2
  fi
}

# check_port_var VALUE NAME: VALUE must be a TCP port number.
check_port_var() {
  if ! [[ $1 =~ ^[0-9]{1,5}$ ]] || ((10#$1 < 1 || 10#$1 > 65535)); then
    die "$2=$1 is not a valid TCP port"
  fi
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_listener_pids PORT: pids of processes listening on PORT (any address). Needs ss (iproute2);
# prints nothing when ss is missing or cannot see the owner.
port_listener_pids() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true
}

# port_in_use PORT: something is listening on PORT (on any address, which also blocks 127.0.0.1).
port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
  else
    port_open "$1"
  fi
}

# cmdline_of PID: the process command line with NULs turned into spaces.
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# is_ours PID MARKER: PID is alive and its command line mentions MARKER (our config file path).
# Guards against stale pid files whose pid was reused, and against another checkout's stack.
is_ours() {
  local pid=$1 marker=$2
  [[ -n $pid && $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  [[ $(cmdline_of "$pid") == *"$marker"* ]]
}

# running_pid PIDFILE MARKER: print the pid if the process in PIDFILE is ours and alive.
running_pid() {
  local pid=""
  [[ -f $1 ]] && pid=$(<"$1")
  if is_ours "$pid" "$2"; then echo "$pid"; fi
}

kafka_pid()      { running_pid "$KAFKA_PID_FILE" "$KAFKA_CONF"; }
clickhouse_pid() { running_pid "$CH_PID_FILE" "$CH_CONF"; }

# ensure_port_free PORT VARNAME PIDFILE MARKER: fail with a clear message when PORT is taken by
# something that is not this stack's process. If the listener *is* ours (pid file lost), adopt it.
ensure_port_free() {
  local port=$1 var=$2 pidfile=$3 marker=$4 pid
  port_in_use "$port" || return 0
  for pid in $(port_listener_pids "$port"); do
    if is_ours "$pid" "$marker"; then
      mkdir -p "$(dirname "$pidfile")"
      echo "$pid" >"$pidfile"
      return 0
    fi
  done
  local who=()
  for pid in $(port_listener_pids "$port"); do
    who+=("pid $pid: $(cmdline_of "$pid" | sed 's/ *$//' | cut -c1-120)")
  done
  ((${#who[@]})) || who=("owner unknown")
  die "port $port is already in use by a process that is not this stack's [$(IFS=';'; echo "${who[*]}")]. Stop it, or pick another port: $var=<free port> $0 ${CMD:-up}"
}

# spawn PIDFILE LOGFILE CMD...: start CMD detached (own session, so Ctrl-C or closing the
# terminal does not kill it), stdout+stderr appended to LOGFILE, its pid written to PIDFILE.
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ are for the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 &
  local tries=50
  while ((tries-- > 0)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start: $*"
}

# stop_pid NAME PID: SIGTERM, wait up to STOP_TIMEOUT seconds, then SIGKILL.
stop_pid() {
  local name=$1 pid=$2 waited=0
  log "stopping $name (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= STOP_TIMEOUT * 10)); then
      warn "$name did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "$name stopped"
}

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "root is needed for: $* (run as root, or install it yourself)"
  fi
}

# ---------------------------------------------------------------------------------------------
# prerequisites
# ---------------------------------------------------------------------------------------------
require_java() {
  command -v java >/dev/null 2>&1 || die "Java 17+ is required: apt-get install openjdk-17-jre-headless"
  local v major
  v=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  major=${v%%[.-]*}
  [[ $major == 1 ]] && major=$(echo "$v" | cut -d. -f2)
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Java 17+ is required (found '${v:-unknown}'): apt-get install openjdk-17-jre-headless"
  fi
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 || die "Maven is required to fetch the Kafka jars: apt-get install maven"
}

require_tools() {
  local t
  for t in setsid curl realpath timeout; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' is required: apt-get install $(
      case $t in curl) echo curl ;; setsid) echo util-linux ;; *) echo coreutils ;; esac)"
  done
  command -v ss >/dev/null 2>&1 || warn "'ss' not found (apt-get install iproute2): port owners cannot be named"
}

check_ports() {
  check_port_var "$KAFKA_PORT" KAFKA_PORT
  check_port_var "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT
  check_port_var "$CLICKHOUSE_HTTP_PORT" CLICKHOUSE_HTTP_PORT
  check_port_var "$CLICKHOUSE_TCP_PORT" CLICKHOUSE_TCP_PORT
  local dup
  dup=$(printf '%s\n' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$CLICKHOUSE_HTTP_PORT" "$CLICKHOUSE_TCP_PORT" | sort | uniq -d)
  [[ -z $dup ]] || die "port $dup is used twice in KAFKA_PORT/KAFKA_CONTROLLER_PORT/CLICKHOUSE_HTTP_PORT/CLICKHOUSE_TCP_PORT"
}

# ---------------------------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------------------------
kafka_stamp_value() {
  echo "kafka_2.13 $KAFKA_VERSION pom-sha256:$(sha256sum "$KAFKA_POM" | cut -c1-16)"
}

# ensure_kafka_libs: copy the Kafka runtime classpath into $KAFKA_LIBS unless the stamp says it is
# already there for this version (and this pom).
ensure_kafka_libs() {
  local stamp="$KAFKA_LIBS/.stamp" want
  want=$(kafka_stamp_value)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    return 0
  fi
  if [[ -n $(kafka_pid) ]]; then
    warn "Kafka is running with other jars than KAFKA_VERSION=$KAFKA_VERSION; run '$0 kafka-stop' then '$0 kafka-start' to switch"
    return 0
  fi
  require_mvn
  mkdir -p "$KAFKA_HOME"
  local tmp="$KAFKA_HOME/libs.tmp" mvnlog="$KAFKA_HOME/mvn.log" t0=$SECONDS
  rm -rf "$tmp"
  log "fetching Apache Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIBS (once per version) ..."
  # shellcheck disable=SC2086 # MVN_ARGS is a list of extra arguments
  if ! mvn -q -B -Dstyle.color=never $MVN_ARGS -f "$KAFKA_POM" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
    # First real error line(s), without Maven's colour escapes.
    sed 's/\x1b\[[0-9;]*m//g' "$mvnlog" | grep -m3 -E '^\[ERROR\] .+' >&2 || tail_log "$mvnlog"
    rm -rf "$tmp"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full log: $mvnlog). Try another KAFKA_VERSION."
  fi
  [[ -n $(ls "$tmp"/kafka_2.13-*.jar 2>/dev/null) ]] || die "Maven ran but no kafka_2.13 jar landed in $tmp"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  echo "$want" >"$stamp"
  log "Kafka jars ready ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars, $((SECONDS - t0))s)"
}

# kafka_tool CLASS ARGS...: run a Kafka CLI class with a small, fast-starting JVM.
# TOOL_TIMEOUT (seconds, 0 = none) bounds it.
kafka_tool() {
  timeout "${TOOL_TIMEOUT:-0}" java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$KAFKA_TOOLS_LOG4J" -cp "$KAFKA_LIBS/*" "$@"
}

write_kafka_config() {
  mkdir -p "$(dirname "$KAFKA_CONF")" "$KAFKA_DATA" "$KAFKA_LOGS"
  cat >"$KAFKA_CONF" <<EOF
# Generated by deploy/local/stack.sh on every start; edit the script, not this file.
# Single-node KRaft: this process is both the broker and the (only) controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=${KAFKA_DATA}
num.partitions=6
default.replication.factor=1
auto.create.topics.enable=true
delete.topic.enable=true

# Single node: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=12
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Sized for a 2-core dev machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=33554432
log.retention.hours=24
log.segment.bytes=268435456
EOF

  cat >"$KAFKA_LOG4J" <<EOF
# Generated by deploy/local/stack.sh. Broker logging (log4j2 via slf4j).
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = ${KAFKA_SERVER_LOG}
appender.file.filePattern = ${KAFKA_SERVER_LOG}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.zk.name = org.apache.zookeeper
logger.zk.level = WARN
EOF

  cat >"$KAFKA_TOOLS_LOG4J" <<'EOF'
# Generated by deploy/local/stack.sh. CLI tools: warnings and errors only, to stderr.
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF

  cat >"$KAFKA_ADMIN_CONF" <<'EOF'
# Generated by deploy/local/stack.sh. Client settings for the health check (fail fast).
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

# format_kafka_storage: one-time KRaft storage format with a cluster id kept in kafka/cluster.id.
format_kafka_storage() {
  if [[ -f $KAFKA_DATA/meta.properties ]]; then
    local formatted_by=""
    [[ -f $KAFKA_DATA/.formatted-by ]] && formatted_by=$(<"$KAFKA_DATA/.formatted-by")
    if [[ -n $formatted_by && $formatted_by != "$KAFKA_VERSION" ]]; then
      warn "Kafka data was formatted by Kafka $formatted_by, now starting $KAFKA_VERSION; if the broker fails, run '$0 clean'"
    fi
    return 0
  fi
  local cid_file="$KAFKA_HOME/cluster.id" cid="" storage_class out
  if [[ ! -s $cid_file ]]; then
    # Same shape as `kafka-storage random-uuid`: 16 random bytes, base64url, no padding (22
    # chars); Kafka also avoids a leading '-' so the id is never mistaken for a CLI flag.
    while [[ -z $cid || $cid == -* ]]; do
      cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    echo "$cid" >"$cid_file"
  fi
  cid=$(<"$cid_file")
  # kafka.tools.StorageTool (Scala, kafka_2.13) in 3.x/4.x; fall back to a Java port if a later
  # version moves it.
  for storage_class in kafka.tools.StorageTool org.apache.kafka.tools.StorageTool; do
    if out=$(kafka_tool "$storage_class" format -t "$cid" -c "$KAFKA_CONF" --ignore-formatted 2>&1); then
      echo "$KAFKA_VERSION" >"$KAFKA_DATA/.formatted-by"
      log "formatted Kafka storage (cluster id $cid): $(echo "$out" | tail -n1)"
      return 0
    fi
    [[ $out == *"Could not find or load main class"* ]] || break
  done
  echo "$out" >&2
  die "formatting the Kafka storage in $KAFKA_DATA failed"
}

start_kafka() {
  local pid
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    log "Kafka already running (pid $pid)"
    return 0
  fi
  write_kafka_config
  format_kafka_storage
  log "starting Kafka $KAFKA_VERSION (KRaft, broker 127.0.0.1:$KAFKA_PORT, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT) ..."
  printf '\n===== %s starting kafka %s =====\n' "$(date -u +%FT%TZ)" "$KAFKA_VERSION" >>"$KAFKA_OUT"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
  spawn "$KAFKA_PID_FILE" "$KAFKA_OUT" \
    java $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dkafka.logs.dir="$KAFKA_LOGS" -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF"
  log "Kafka pid $(<"$KAFKA_PID_FILE"), logs: $KAFKA_SERVER_LOG"
}

# kafka_healthy: the broker port accepts connections AND a metadata request (list topics) works.
kafka_healthy() {
  port_open "$KAFKA_PORT" || return 1
  [[ -d $KAFKA_LIBS ]] || return 1
  TOOL_TIMEOUT=20 kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
    --command-config "$KAFKA_ADMIN_CONF" --list >/dev/null 2>&1
}

stop_kafka() {
  local pid
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    stop_pid Kafka "$pid"
  else
    log "Kafka is not running"
  fi
  rm -f "$KAFKA_PID_FILE"
}

# ---------------------------------------------------------------------------------------------
# ClickHouse
# ---------------------------------------------------------------------------------------------
CH_SERVER_CMD=()

# find_clickhouse: fill CH_SERVER_CMD with the server command; return 1 if not installed.
find_clickhouse() {
  if command -v clickhouse-server >/dev/null 2>&1; then
    CH_SERVER_CMD=("$(command -v clickhouse-server)")
  elif [[ -x /usr/sbin/clickhouse-server ]]; then # /usr/sbin is not on a normal user's PATH
    CH_SERVER_CMD=(/usr/sbin/clickhouse-server)
  elif command -v clickhouse >/dev/null 2>&1; then # upstream single-binary packaging
    CH_SERVER_CMD=("$(command -v clickhouse)" server)
  else
    return 1
  fi
  command -v clickhouse-client >/dev/null 2>&1 || [[ -x /usr/bin/clickhouse-client ]] ||
    command -v clickhouse >/dev/null 2>&1
}

ensure_clickhouse() {
  find_clickhouse && return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "ClickHouse is not installed and apt-get is not available: install clickhouse-server and clickhouse-client"
  mkdir -p "$STACK_HOME"
  local aptlog="$STACK_HOME/apt-install.log" t0=$SECONDS
  log "installing Debian packages clickhouse-server + clickhouse-client with apt-get (one time) ..."
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$aptlog" 2>&1 ||
    ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clickhouse-server clickhouse-client >>"$aptlog" 2>&1; then
    tail_log "$aptlog"
    die "apt-get could not install clickhouse-server/clickhouse-client (full log: $aptlog)"
  fi
  find_clickhouse || die "clickhouse-server was installed but its binary was not found"
  log "ClickHouse installed ($((SECONDS - t0))s)"
}

write_clickhouse_config() {
  mkdir -p "$(dirname "$CH_CONF")" "$CH_LOGS" "$CH_HOME/data" "$CH_HOME/tmp" "$CH_HOME/user_files" "$CH_HOME/format_schemas"
  cat >"$CH_CONF" <<EOF
<?xml version="1.0"?>
<!-- Generated by deploy/local/stack.sh on every start; edit the script, not this file.
     Structure follows /etc/clickhouse-server/config.xml of the Debian package (18.16); the root
     element <yandex> is also accepted by newer servers. -->
<yandex>
    <logger>
        <level>information</level>
        <log>${CH_LOGS}/clickhouse-server.log</log>
        <errorlog>${CH_LOGS}/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>

    <!-- Loopback only. No interserver_http_port: the replication port stays closed. -->
    <listen_host>127.0.0.1</listen_host>
    <http_port>${CLICKHOUSE_HTTP_PORT}</http_port>
    <tcp_port>${CLICKHOUSE_TCP_PORT}</tcp_port>

    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>536870912</mark_cache_size>

    <!-- All state under the stack folder (paths need the trailing slash). -->
    <path>${CH_HOME}/data/</path>
    <tmp_path>${CH_HOME}/tmp/</tmp_path>
    <user_files_path>${CH_HOME}/user_files/</user_files_path>
    <format_schema_path>${CH_HOME}/format_schemas/</format_schema_path>

    <users_config>${CH_USERS}</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <umask>022</umask>
    <mlock_executable>false</mlock_executable>

    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>

    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>7500</flush_interval_milliseconds>
    </query_log>

    <dictionaries_config>*_dictionary.xml</dictionaries_config>
</yandex>
EOF

  cat >"$CH_USERS" <<'EOF'
<?xml version="1.0"?>
<!-- Generated by deploy/local/stack.sh. User "default", no password, from localhost only. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>

    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>

    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

start_clickhouse() {
  local pid
  pid=$(clickhouse_pid)
  if [[ -n $pid ]]; then
    log "ClickHouse already running (pid $pid)"
    return 0
  fi
  find_clickhouse || die "ClickHouse is not installed (run '$0 up')"
  write_clickhouse_config
  log "starting ClickHouse (http 127.0.0.1:$CLICKHOUSE_HTTP_PORT, native tcp 127.0.0.1:$CLICKHOUSE_TCP_PORT) ..."
  printf '\n===== %s starting clickhouse =====\n' "$(date -u +%FT%TZ)" >>"$CH_OUT"
  # Runs as the invoking user (root is accepted by this server version); all paths are ours.
  spawn "$CH_PID_FILE" "$CH_OUT" "${CH_SERVER_CMD[@]}" --config-file="$CH_CONF"
  log "ClickHouse pid $(<"$CH_PID_FILE"), logs: $CH_LOGS/"
}

clickhouse_healthy() {
  [[ $(curl -s --max-time 3 "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping" 2>/dev/null) == "Ok." ]]
}

clickhouse_version() {
  curl -s --max-time 3 "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/?query=SELECT%20version()" 2>/dev/null || true
}

stop_clickhouse() {
  local pid
  pid=$(clickhouse_pid)
  if [[ -n $pid ]]; then
    stop_pid ClickHouse "$pid"
  else
    log "ClickHouse is not running"
  fi
  rm -f "$CH_PID_FILE"
}

# ---------------------------------------------------------------------------------------------
# waiting
# ---------------------------------------------------------------------------------------------

# wait_healthy SERVICE...: poll until every named service (kafka, clickhouse) is healthy; on
# timeout or early exit of a process, print the log tail and fail.
wait_healthy() {
  local want=("$@") deadline=$((SECONDS + STACK_TIMEOUT)) t0=$SECONDS s pending
  declare -A ok=()
  while :; do
    pending=0
    for s in "${want[@]}"; do
      [[ -n ${ok[$s]:-} ]] && continue
      case $s in
        kafka)
          if kafka_healthy; then
            ok[$s]=1
            log "Kafka is healthy on 127.0.0.1:$KAFKA_PORT ($((SECONDS - t0))s)"
          elif [[ -z $(kafka_pid) ]]; then
            tail_log "$KAFKA_SERVER_LOG"
            tail_log "$KAFKA_OUT" 20
            die "Kafka exited during startup (logs above; $KAFKA_LOGS/)"
          else
            pending=1
          fi
          ;;
        clickhouse)
          if clickhouse_healthy; then
            ok[$s]=1
            log "ClickHouse is healthy on http://127.0.0.1:$CLICKHOUSE_HTTP_PORT ($((SECONDS - t0))s)"
          elif [[ -z $(clickhouse_pid) ]]; then
            tail_log "$CH_LOGS/clickhouse-server.err.log"
            tail_log "$CH_OUT" 20
            die "ClickHouse exited during startup (logs above; $CH_LOGS/)"
          else
            pending=1
          fi
          ;;
      esac
    done
    ((pending)) || return 0
    if ((SECONDS >= deadline)); then
      for s in "${want[@]}"; do
        [[ -n ${ok[$s]:-} ]] && continue
        case $s in
          kafka) tail_log "$KAFKA_SERVER_LOG" ;;
          clickhouse) tail_log "$CH_LOGS/clickhouse-server.err.log"; tail_log "$CH_LOGS/clickhouse-server.log" 20 ;;
        esac
        warn "$s did not become healthy within ${STACK_TIMEOUT}s (still running; '$0 down' stops it)"
      done
      die "timed out waiting for: $(for s in "${want[@]}"; do [[ -n ${ok[$s]:-} ]] || printf '%s ' "$s"; done)"
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
print_env() {
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "CLICKHOUSE_URL=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
}

cmd_up() {
  check_ports
  require_tools
  require_java
  mkdir -p "$STACK_HOME"
  local kpid cpid
  kpid=$(kafka_pid)
  cpid=$(clickhouse_pid)
  if [[ -n $kpid && -n $cpid ]] && kafka_healthy && clickhouse_healthy; then
    log "already up: Kafka (pid $kpid) on 127.0.0.1:$KAFKA_PORT, ClickHouse (pid $cpid) on http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
    print_env
    return 0
  fi
  # Refuse early, before installing or starting anything, if a port belongs to someone else.
  if [[ -z $kpid ]]; then
    ensure_port_free "$KAFKA_PORT" KAFKA_PORT "$KAFKA_PID_FILE" "$KAFKA_CONF"
    ensure_port_free "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT "$KAFKA_PID_FILE" "$KAFKA_CONF"
  fi
  if [[ -z $cpid ]]; then
    ensure_port_free "$CLICKHOUSE_HTTP_PORT" CLICKHOUSE_HTTP_PORT "$CH_PID_FILE" "$CH_CONF"
    ensure_port_free "$CLICKHOUSE_TCP_PORT" CLICKHOUSE_TCP_PORT "$CH_PID_FILE" "$CH_CONF"
  fi
  ensure_clickhouse
  ensure_kafka_libs
  start_kafka
  start_clickhouse
  wait_healthy clickhouse kafka
  log "stack is up (state in $STACK_HOME)"
  print_env
}

cmd_down() {
  stop_kafka
  stop_clickhouse
}

cmd_status() {
  local rc=0 pid v
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    local extra=""
    port_in_use "$KAFKA_PORT" && extra=" (but port $KAFKA_PORT is in use by something else)"
    echo "kafka:      not running$extra"
    rc=1
  elif kafka_healthy; then
    v="?"
    [[ -f $KAFKA_LIBS/.stamp ]] && v=$(cut -d' ' -f2 <"$KAFKA_LIBS/.stamp")
    echo "kafka:      running (pid $pid), healthy - broker 127.0.0.1:$KAFKA_PORT, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, Kafka $v"
  else
    echo "kafka:      running (pid $pid), NOT healthy on 127.0.0.1:$KAFKA_PORT - see $KAFKA_SERVER_LOG"
    rc=1
  fi
  pid=$(clickhouse_pid)
  if [[ -z $pid ]]; then
    local extra=""
    port_in_use "$CLICKHOUSE_HTTP_PORT" && extra=" (but port $CLICKHOUSE_HTTP_PORT is in use by something else)"
    echo "clickhouse: not running$extra"
    rc=1
  elif clickhouse_healthy; then
    echo "clickhouse: running (pid $pid), healthy - http://127.0.0.1:$CLICKHOUSE_HTTP_PORT, native 127.0.0.1:$CLICKHOUSE_TCP_PORT, ClickHouse $(clickhouse_version)"
  else
    echo "clickhouse: running (pid $pid), NOT healthy on http://127.0.0.1:$CLICKHOUSE_HTTP_PORT - see $CH_LOGS/"
    rc=1
  fi
  return "$rc"
}

cmd_kafka_start() {
  check_ports
  require_tools
  require_java
  if [[ -z $(kafka_pid) ]]; then
    ensure_port_free "$KAFKA_PORT" KAFKA_PORT "$KAFKA_PID_FILE" "$KAFKA_CONF"
    ensure_port_free "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT "$KAFKA_PID_FILE" "$KAFKA_CONF"
  fi
  ensure_kafka_libs
  start_kafka
  wait_healthy kafka
}

cmd_clickhouse_start() {
  check_ports
  require_tools
  if [[ -z $(clickhouse_pid) ]]; then
    ensure_port_free "$CLICKHOUSE_HTTP_PORT" CLICKHOUSE_HTTP_PORT "$CH_PID_FILE" "$CH_CONF"
    ensure_port_free "$CLICKHOUSE_TCP_PORT" CLICKHOUSE_TCP_PORT "$CH_PID_FILE" "$CH_CONF"
  fi
  start_clickhouse
  wait_healthy clickhouse
}

cmd_kafka_run_class() {
  (($# >= 1)) || die "usage: $0 kafka-run-class CLASS [ARGS...]"
  require_java
  [[ -f $KAFKA_LIBS/.stamp ]] || die "Kafka jars are not fetched yet (run '$0 up')"
  [[ -f $KAFKA_TOOLS_LOG4J ]] || write_kafka_config
  kafka_tool "$@"
}

cmd_clean() {
  cmd_down
  log "deleting Kafka and ClickHouse data under $STACK_HOME (jars kept)"
  rm -rf "$KAFKA_DATA" "$KAFKA_HOME/cluster.id" "$KAFKA_LOGS" \
    "$CH_HOME/data" "$CH_HOME/tmp" "$CH_HOME/logs" "$CH_HOME/user_files" "$CH_HOME/format_schemas"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

CMD="${1:-}"
[[ $# -gt 0 ]] && shift
case "$CMD" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  kafka-start) cmd_kafka_start ;;
  kafka-stop) stop_kafka ;;
  clickhouse-start) cmd_clickhouse_start ;;
  clickhouse-stop) stop_clickhouse ;;
  kafka-run-class) cmd_kafka_run_class "$@" ;;
  clean) cmd_clean ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
