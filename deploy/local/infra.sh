#!/usr/bin/env bash
# Local infrastructure for Sluice development and tests: Postgres, Redis and Kafka (KRaft),
# installed from Debian packages / Maven Central when missing, run on 127.0.0.1 only,
# with all state under $SLUICE_DATA_DIR (default: <repo>/.local). See deploy/local/README.md.
#
#   infra.sh up     [postgres|redis|kafka ...]   install if missing, start, wait until healthy
#   infra.sh down   [postgres|redis|kafka ...]   stop cleanly
#   infra.sh status [postgres|redis|kafka ...]   up/down per service; exit 1 if any is down
#   infra.sh kill   [postgres|redis|kafka ...]   SIGKILL, as a crash would (fault injection); `up` starts it again
#   infra.sh env                                 print `export` lines (DATABASE_URL, REDIS_URL, KAFKA_BROKERS)
#   infra.sh psql [args]                         psql as sluice@sluice over TCP
#   infra.sh redis-cli [args]                    redis-cli against the local Redis
#   infra.sh kafka-topics [args]                 Kafka's TopicCommand with --bootstrap-server set
set -euo pipefail
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)

abs_path() { # absolute path, without requiring it to exist
  case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac
}

DATA_DIR=$(abs_path "${SLUICE_DATA_DIR:-$REPO_ROOT/.local}")
PG_PORT=${SLUICE_PG_PORT:-55432}
REDIS_PORT=${SLUICE_REDIS_PORT:-56379}
KAFKA_PORT=${SLUICE_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${SLUICE_KAFKA_CONTROLLER_PORT:-59093}
CACHE_DIR=$(abs_path "${SLUICE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}")
WAIT_TIMEOUT=${SLUICE_INFRA_TIMEOUT:-120}
CPU_SCHEDULING=${SLUICE_CPU_SCHEDULING:-batch}
LOG_DIR=$DATA_DIR/logs
ALL_SERVICES=(postgres redis kafka)

PG_USER=sluice
PG_PASSWORD=sluice
PG_DB=sluice

log() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $EUID -eq 0 ]]; }

# Is something accepting TCP connections on 127.0.0.1:$1?
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Does /proc/$1 exist and its comm or command line match the glob $2?
pid_matches() {
  local pid=$1 pattern=$2 comm cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -d /proc/$pid ]] || return 1
  grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && return 1 # zombie: exited, not yet reaped
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  # shellcheck disable=SC2053
  [[ $comm == $pattern || $cmdline == $pattern ]]
}

wait_pid_exit() { # pid timeout_s -> 0 if gone
  local pid=$1 deadline=$((SECONDS + $2))
  while [[ -d /proc/$pid ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Write $2 to file $1 only when the content differs (keeps mtimes and "changed" detection honest).
write_if_changed() {
  local file=$1 content=$2
  if [[ -f $file ]] && [[ "$(cat "$file")" == "$content" ]]; then
    return 1
  fi
  printf '%s\n' "$content" >"$file.tmp.$$"
  mv -f "$file.tmp.$$" "$file"
}

kill_crash() { # pid: SIGKILL it and its children at once (Postgres backends), as a crash of the host would
  local pid=$1 children
  children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL "$pid" $children 2>/dev/null || true
  wait_pid_exit "$pid" 10 || die "pid $pid is still alive after SIGKILL"
}

tail_log() { # file -> last lines, indented, to stderr
  [[ -f $1 ]] || return 0
  printf '[infra]   last lines of %s:\n' "$1" >&2
  tail -n 15 "$1" | sed 's/^/[infra]   | /' >&2
}

# ---------------------------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  local apt_log=$LOG_DIR/apt.log
  is_root || die "missing packages: $*. Install them (apt-get install --no-install-recommends $*) or rerun as root."
  command -v apt-get >/dev/null || die "missing packages: $* and apt-get is not available"
  mkdir -p "$LOG_DIR"
  if ((APT_UPDATED == 0)); then
    log "apt-get update (log: $apt_log)"
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$apt_log" 2>&1 \
      || { tail_log "$apt_log"; die "apt-get update failed, see $apt_log"; }
    APT_UPDATED=1
  fi
  log "apt-get install $* (log: $apt_log)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$apt_log" 2>&1 \
    || { tail_log "$apt_log"; die "apt-get install $* failed, see $apt_log"; }
}

pg_bin_dir() { # newest /usr/lib/postgresql/<version>/bin that has a server, by version
  local d found
  found=$(for d in /usr/lib/postgresql/*/bin; do
    if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then echo "$d"; fi
  done | sort -V | tail -n1)
  [[ -n $found ]] && echo "$found"
}

ensure_packages() { # services...
  local pkgs=() s
  for s in "$@"; do
    case $s in
      postgres) pg_bin_dir >/dev/null || pkgs+=(postgresql) ;;
      redis) { command -v redis-server && command -v redis-cli; } >/dev/null || pkgs+=(redis-server) ;;
      kafka)
        { command -v java && command -v javac; } >/dev/null || pkgs+=(default-jdk-headless)
        command -v mvn >/dev/null || pkgs+=(maven)
        ;;
    esac
  done
  if ((${#pkgs[@]})); then
    apt_install "${pkgs[@]}"
  fi
}

# ---------------------------------------------------------------------------------------------
# Postgres
# ---------------------------------------------------------------------------------------------
PG_BIN="" PG_DATA="" PG_LOG="" PG_SOCKET_DIR="" PG_NOTE=""

pg_resolve() {
  PG_BIN=$(pg_bin_dir || true)
  PG_DATA=$DATA_DIR/postgres
  PG_LOG=$LOG_DIR/postgres.log
  PG_NOTE=""
  if is_root && id postgres >/dev/null 2>&1; then
    # The server runs as the `postgres` OS user: it must be able to reach its data dir.
    local d=$DATA_DIR
    while [[ ! -e $d ]]; do d=$(dirname "$d"); done
    if ! (cd / && runuser -u postgres -- test -x "$d") 2>/dev/null; then
      local key
      key=$(printf '%s' "$DATA_DIR" | sha256sum | cut -c1-8)
      PG_DATA=/var/lib/sluice-local/$key/postgres
      PG_LOG=/var/lib/sluice-local/$key/postgres.log
      PG_NOTE="the postgres OS user cannot traverse $d, so the Postgres data dir is $PG_DATA (log: $PG_LOG)"
    fi
  fi
  PG_SOCKET_DIR=$PG_DATA
  if ((${#PG_SOCKET_DIR} + 16 > 100)); then # unix socket paths are limited to ~107 bytes
    PG_SOCKET_DIR=/tmp/sluice-pg-$(printf '%s' "$PG_DATA" | sha256sum | cut -c1-8)
  fi
}

as_pg() { # run a command as the postgres OS user when we are root
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

pg_pid() { # prints the postmaster pid when our cluster is running
  local f=$PG_DATA/postmaster.pid pid
  [[ -r $f ]] || return 1
  pid=$(head -n1 "$f" 2>/dev/null || true)
  pid_matches "$pid" 'postgres*' || return 1
  echo "$pid"
}

pg_ready() {
  local out
  out=$(PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DB" -Atqc 'select 1' 2>/dev/null) && [[ $out == 1 ]]
}

pg_write_config() {
  local conf
  conf=$(
    cat <<EOF
# Generated by deploy/local/infra.sh on every 'up' (included from postgresql.conf). Do not edit.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 128MB
fsync = on
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
# A new database's tables are empty when the platform first prepares its statements, and a
# generic plan made then (a sequential scan) stays cached until the table is first analyzed.
autovacuum_naptime = 10s
# The working set is in memory: an index probe costs about what a sequential read does. With
# the default 4, a batch of a few hundred key look-ups was planned as a sequential scan.
random_page_cost = 1.1
EOF
  )
  if write_if_changed "$PG_DATA/sluice.conf" "$conf"; then
    is_root && chown postgres:postgres "$PG_DATA/sluice.conf"
    if pg_pid >/dev/null; then
      warn "postgres: $PG_DATA/sluice.conf changed while the server is running; run 'infra.sh down postgres && infra.sh up postgres' to apply it"
    fi
  fi
  if ! grep -q "^include_if_exists = 'sluice.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\n# sluice local settings (deploy/local/infra.sh)\ninclude_if_exists = 'sluice.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi
}

pg_up() {
  pg_resolve
  [[ -n $PG_BIN ]] || die "postgres: no server binaries under /usr/lib/postgresql/*/bin"
  [[ -z $PG_NOTE ]] || log "postgres: NOTE: $PG_NOTE"
  local pg_owner=""
  is_root && pg_owner=postgres

  mkdir -p "$(dirname "$PG_DATA")" "$(dirname "$PG_LOG")"
  if [[ -n $pg_owner ]]; then
    [[ -e $PG_LOG ]] || : >"$PG_LOG"
    chown "$pg_owner:$pg_owner" "$PG_LOG"
  fi

  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    log "postgres: initdb $PG_DATA ($("$PG_BIN/postgres" --version))"
    mkdir -p "$PG_DATA"
    chmod 700 "$PG_DATA"
    [[ -z $pg_owner ]] || chown "$pg_owner:$pg_owner" "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 \
      || { tail_log "$PG_LOG"; die "postgres: initdb failed, see $PG_LOG"; }
  fi
  if [[ $PG_SOCKET_DIR != "$PG_DATA" ]]; then
    mkdir -p "$PG_SOCKET_DIR" && chmod 700 "$PG_SOCKET_DIR"
    [[ -z $pg_owner ]] || chown "$pg_owner:$pg_owner" "$PG_SOCKET_DIR"
    log "postgres: data dir path is long, unix socket dir is $PG_SOCKET_DIR"
  fi
  pg_write_config

  local pid
  if pid=$(pg_pid); then
    log "postgres: already running (pid $pid), checking health"
  else
    local f
    for f in "$PG_DATA/postmaster.pid" "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT.lock"; do
      if [[ -e $f ]]; then
        log "postgres: removing stale $(basename "$f") (process gone)"
        rm -f "$f"
      fi
    done
    if port_open "$PG_PORT"; then
      die "postgres: 127.0.0.1:$PG_PORT is already in use by another process (not our cluster in $PG_DATA); stop it or set SLUICE_PG_PORT"
    fi
    log "postgres: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    # shellcheck disable=SC2094 # pg_ctl's own messages are appended to the server log on purpose
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_TIMEOUT" start >>"$PG_LOG" 2>&1 9>&- \
      || { tail_log "$PG_LOG"; die "postgres: did not start within ${WAIT_TIMEOUT}s, see $PG_LOG"; }
  fi

  # Role and database, idempotently (as the superuser, over the unix socket in the data dir).
  as_pg "$PG_BIN/psql" -X -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null 2>>"$PG_LOG" <<EOF || { tail_log "$PG_LOG"; die "postgres: creating role/database $PG_USER failed, see $PG_LOG"; }
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
EOF
  # Statement statistics for benchmarks (docs/benchmarks.md): readable by the platform's role.
  as_pg "$PG_BIN/psql" -X -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d "$PG_DB" -v ON_ERROR_STOP=1 >/dev/null 2>>"$PG_LOG" <<EOF || warn "postgres: pg_stat_statements not available, see $PG_LOG"
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
GRANT pg_read_all_stats TO $PG_USER;
GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint) TO $PG_USER;
EOF

  local deadline=$((SECONDS + WAIT_TIMEOUT))
  until pg_ready; do
    if ((SECONDS >= deadline)); then
      tail_log "$PG_LOG"
      die "postgres: not accepting connections as $PG_USER on 127.0.0.1:$PG_PORT after ${WAIT_TIMEOUT}s, see $PG_LOG"
    fi
    sleep 0.5
  done
  log "postgres: healthy (select 1 as $PG_USER on 127.0.0.1:$PG_PORT)"
}

pg_down() {
  pg_resolve
  local pid
  if pid=$(pg_pid); then
    log "postgres: stopping (pid $pid, pg_ctl stop -m fast)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>>"$PG_LOG" \
      || { tail_log "$PG_LOG"; die "postgres: pg_ctl stop failed, see $PG_LOG"; }
    log "postgres: stopped"
  else
    [[ -e $PG_DATA/postmaster.pid ]] && rm -f "$PG_DATA/postmaster.pid" && log "postgres: removed stale postmaster.pid"
    log "postgres: not running"
  fi
}

pg_status() {
  pg_resolve
  local pid
  if [[ -n $PG_BIN ]] && pid=$(pg_pid) && pg_ready; then
    log "postgres  up    127.0.0.1:$PG_PORT  pid $pid  data $PG_DATA  log $PG_LOG"
  elif [[ -n ${pid:-} ]]; then
    log "postgres  down  127.0.0.1:$PG_PORT  process $pid exists but 'select 1' as $PG_USER fails  log $PG_LOG"
    return 1
  else
    log "postgres  down  127.0.0.1:$PG_PORT  log $PG_LOG"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------
REDIS_DIR=$DATA_DIR/redis
REDIS_CONF=$REDIS_DIR/redis.conf
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_LOG=$LOG_DIR/redis.log

redis_ping() { [[ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_is_ours() { # the server on our port uses our data dir
  local dir
  dir=$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p)
  [[ $dir == "$REDIS_DIR" ]]
}

redis_pid() {
  local pid
  [[ -r $REDIS_PIDFILE ]] || return 1
  pid=$(head -n1 "$REDIS_PIDFILE" 2>/dev/null || true)
  pid_matches "$pid" 'redis-server*' || return 1
  echo "$pid"
}

redis_up() {
  mkdir -p "$REDIS_DIR" "$LOG_DIR"
  local conf
  conf=$(
    cat <<EOF
# Generated by deploy/local/infra.sh on every 'up'. Do not edit.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
daemonize yes
supervised no
pidfile "$REDIS_PIDFILE"
logfile "$REDIS_LOG"
loglevel notice
dir "$REDIS_DIR"
dbfilename dump.rdb
appendonly yes
appendfilename "appendonly.aof"
appendfsync everysec
maxmemory-policy noeviction
# Every sorted set a skip list: the quota windows' scores keep microseconds, which a listpack
# stores as text and parses again on each count (docs/decisions/0010-redis-sorted-sets.md).
zset-max-listpack-entries 0
save 3600 1 300 100 60 10000
tcp-keepalive 300
databases 16
EOF
  )
  if write_if_changed "$REDIS_CONF" "$conf" && redis_ping; then
    warn "redis: $REDIS_CONF changed while the server is running; run 'infra.sh down redis && infra.sh up redis' to apply it"
  fi

  if redis_ping; then
    redis_is_ours || die "redis: 127.0.0.1:$REDIS_PORT answers but is not our server (its dir is not $REDIS_DIR); stop it or set SLUICE_REDIS_PORT"
    log "redis: already running (pid $(redis_pid || echo '?')), checking health"
  else
    local pid
    if pid=$(redis_pid); then
      log "redis: process $pid exists but does not answer yet, waiting"
    else
      if [[ -e $REDIS_PIDFILE ]]; then
        log "redis: removing stale redis.pid (process gone)"
        rm -f "$REDIS_PIDFILE"
      fi
      if port_open "$REDIS_PORT"; then
        die "redis: 127.0.0.1:$REDIS_PORT is already in use by another process; stop it or set SLUICE_REDIS_PORT"
      fi
      log "redis: starting on 127.0.0.1:$REDIS_PORT ($(redis-server --version | grep -o 'v=[^ ]*'), log: $REDIS_LOG)"
      redis-server "$REDIS_CONF" >>"$REDIS_LOG" 2>&1 9>&- \
        || { tail_log "$REDIS_LOG"; die "redis: redis-server $REDIS_CONF failed, see $REDIS_LOG"; }
    fi
  fi

  local deadline=$((SECONDS + WAIT_TIMEOUT))
  until redis_ping; do
    if ((SECONDS >= deadline)); then
      tail_log "$REDIS_LOG"
      die "redis: no PONG on 127.0.0.1:$REDIS_PORT after ${WAIT_TIMEOUT}s, see $REDIS_LOG"
    fi
    sleep 0.2
  done
  log "redis: healthy (PONG on 127.0.0.1:$REDIS_PORT)"
}

redis_down() {
  local pid=""
  pid=$(redis_pid || true)
  if redis_ping && redis_is_ours; then
    log "redis: stopping (redis-cli shutdown)"
    timeout 30 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  elif [[ -n $pid ]]; then
    log "redis: not answering, sending SIGTERM to pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
  else
    [[ -e $REDIS_PIDFILE ]] && rm -f "$REDIS_PIDFILE" && log "redis: removed stale redis.pid"
    log "redis: not running"
    return 0
  fi
  if [[ -n $pid ]] && ! wait_pid_exit "$pid" 30; then
    warn "redis: pid $pid still alive after 30s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local deadline=$((SECONDS + 30))
  while redis_ping && ((SECONDS < deadline)); do sleep 0.2; done
  rm -f "$REDIS_PIDFILE"
  log "redis: stopped"
}

redis_status() {
  if redis_ping && redis_is_ours; then
    log "redis     up    127.0.0.1:$REDIS_PORT  pid $(redis_pid || echo '?')  data $REDIS_DIR  log $REDIS_LOG"
  else
    log "redis     down  127.0.0.1:$REDIS_PORT  log $REDIS_LOG"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Kafka (KRaft, single combined broker+controller node)
# ---------------------------------------------------------------------------------------------
KAFKA_DIR=$DATA_DIR/kafka
KAFKA_LOG_DIRS=$KAFKA_DIR/data
KAFKA_PROPS=$KAFKA_DIR/server.properties
KAFKA_LOG4J=$KAFKA_DIR/log4j.properties
KAFKA_TOOLS_LOG4J=$KAFKA_DIR/tools-log4j.properties
KAFKA_PIDFILE=$KAFKA_DIR/kafka.pid
KAFKA_CLUSTER_ID_FILE=$KAFKA_DIR/cluster.id
KAFKA_LOG=$LOG_DIR/kafka.log
KAFKA_OUT=$LOG_DIR/kafka.out
KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_HEALTHCHECK_SRC=$SCRIPT_DIR/kafka/KafkaHealthCheck.java
KAFKA_VERSION="" KAFKA_HOME="" KAFKA_LIBS=""

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then echo "$JAVA_HOME/bin/java"; else echo java; fi
}
javac_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/javac ]]; then echo "$JAVA_HOME/bin/javac"; else echo javac; fi
}

kafka_candidate_versions() {
  if [[ -n ${SLUICE_KAFKA_VERSION:-} ]]; then echo "$SLUICE_KAFKA_VERSION"; else echo "3.9.1 3.9.0"; fi
}

kafka_libs_marker() { # the content of a complete cache's marker: version + pom checksum
  echo "kafka=$1 pom=$(sha256sum "$KAFKA_POM" | cut -c1-16)"
}

kafka_libs_complete() { # version
  local m=$CACHE_DIR/kafka-$1/libs/.sluice-complete
  [[ -f $m && "$(cat "$m")" == "$(kafka_libs_marker "$1")" ]]
}

kafka_fetch() { # version -> 0 if fetched
  local v=$1
  local home=$CACHE_DIR/kafka-$v fetch_log=$LOG_DIR/kafka-fetch.log tmp
  mkdir -p "$home" "$LOG_DIR"
  tmp=$home/libs.tmp.$$
  rm -rf "$tmp"
  log "kafka: fetching org.apache.kafka:kafka_2.13:$v and runtime deps from Maven Central into $home/libs (log: $fetch_log)"
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" -Dkafka.version="$v" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >>"$fetch_log" 2>&1 \
    || [[ ! -f $tmp/kafka_2.13-$v.jar ]]; then
    rm -rf "$tmp"
    rmdir "$home" 2>/dev/null || true
    return 1
  fi
  rm -rf "$home/libs"
  mv "$tmp" "$home/libs"
  kafka_libs_marker "$v" >"$home/libs/.sluice-complete"
  log "kafka: fetched $(find "$home/libs" -name '*.jar' | wc -l) jars ($(du -sh "$home/libs" | cut -f1))"
}

kafka_resolve() { # sets KAFKA_VERSION/KAFKA_HOME/KAFKA_LIBS; $1=fetch to allow downloading
  local v
  for v in $(kafka_candidate_versions); do
    if kafka_libs_complete "$v"; then
      KAFKA_VERSION=$v KAFKA_HOME=$CACHE_DIR/kafka-$v KAFKA_LIBS=$CACHE_DIR/kafka-$v/libs
      return 0
    fi
  done
  [[ ${1:-} == fetch ]] || return 1
  for v in $(kafka_candidate_versions); do
    if kafka_fetch "$v"; then
      KAFKA_VERSION=$v KAFKA_HOME=$CACHE_DIR/kafka-$v KAFKA_LIBS=$CACHE_DIR/kafka-$v/libs
      return 0
    fi
    warn "kafka: could not fetch Kafka $v from Maven Central (see $LOG_DIR/kafka-fetch.log)"
  done
  tail_log "$LOG_DIR/kafka-fetch.log"
  die "kafka: no Kafka version could be fetched ($(kafka_candidate_versions)), see $LOG_DIR/kafka-fetch.log"
}

kafka_healthcheck_classes() { # compile KafkaHealthCheck.java once per source version into the cache
  local key dir
  key=$(sha256sum "$KAFKA_HEALTHCHECK_SRC" | cut -c1-12)
  dir=$KAFKA_HOME/healthcheck-$key
  if [[ ! -f $dir/KafkaHealthCheck.class ]]; then
    log "kafka: compiling the health check $(basename "$KAFKA_HEALTHCHECK_SRC") into $dir" >&2
    rm -rf "$dir.tmp.$$"
    mkdir -p "$dir.tmp.$$"
    "$(javac_bin)" -nowarn -cp "$KAFKA_LIBS/*" -d "$dir.tmp.$$" "$KAFKA_HEALTHCHECK_SRC" >&2 \
      || die "kafka: javac of $KAFKA_HEALTHCHECK_SRC failed"
    rm -rf "$dir"
    mv "$dir.tmp.$$" "$dir"
  fi
  echo "$dir"
}

kafka_write_tools_log4j() {
  mkdir -p "$KAFKA_DIR"
  write_if_changed "$KAFKA_TOOLS_LOG4J" "$(
    cat <<'EOF'
# Generated by deploy/local/infra.sh: logging for the short-lived tool JVMs (storage format, health check, topics).
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  )" || true
}

kafka_tool() { # main class and args: run a Kafka tool class with the cached classpath
  "$(java_bin)" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_TOOLS_LOG4J" -cp "$KAFKA_LIBS/*${KAFKA_EXTRA_CP:+:$KAFKA_EXTRA_CP}" "$@"
}

kafka_health() { # timeout_s
  local classes
  classes=$(kafka_healthcheck_classes) || return 1
  KAFKA_EXTRA_CP=$classes kafka_tool KafkaHealthCheck "127.0.0.1:$KAFKA_PORT" "$1" __sluice_healthcheck
}

kafka_pid() {
  local pid
  [[ -r $KAFKA_PIDFILE ]] || return 1
  pid=$(head -n1 "$KAFKA_PIDFILE" 2>/dev/null || true)
  pid_matches "$pid" "*kafka.Kafka $KAFKA_PROPS*" || return 1
  echo "$pid"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR" "$KAFKA_LOG_DIRS" "$LOG_DIR"
  local changed=0
  write_if_changed "$KAFKA_PROPS" "$(
    cat <<EOF
# Generated by deploy/local/infra.sh on every 'up'. Do not edit.
# Single node, KRaft mode: this process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_LOG_DIRS
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
# The controller writes a no-op record to the metadata log this often (default 500 ms) so that
# lag can be measured; each one wakes the raft and controller threads. Every 5 s saves about
# 0.7 % of a core on an idle stack (docs/benchmarks.md).
metadata.max.idle.interval.ms=5000
log.retention.hours=168
EOF
  )" && changed=1
  write_if_changed "$KAFKA_LOG4J" "$(
    cat <<EOF
# Generated by deploy/local/infra.sh: broker logging, to $KAFKA_LOG.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_LOG
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  )" && changed=1
  kafka_write_tools_log4j
  if ((changed)) && kafka_pid >/dev/null; then
    warn "kafka: configuration in $KAFKA_DIR changed while the broker is running; run 'infra.sh down kafka && infra.sh up kafka' to apply it"
  fi
  return 0
}

kafka_up() {
  kafka_resolve fetch
  kafka_write_config
  local pid
  if pid=$(kafka_pid); then
    log "kafka: already running (pid $pid, Kafka $KAFKA_VERSION), checking health"
  else
    if [[ -e $KAFKA_PIDFILE ]]; then
      log "kafka: removing stale kafka.pid (process gone)"
      rm -f "$KAFKA_PIDFILE"
    fi
    local p
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
      if port_open "$p"; then
        die "kafka: 127.0.0.1:$p is already in use by another process; stop it or set SLUICE_KAFKA_PORT / SLUICE_KAFKA_CONTROLLER_PORT"
      fi
    done
    if [[ ! -f $KAFKA_LOG_DIRS/meta.properties ]]; then
      if [[ ! -s $KAFKA_CLUSTER_ID_FILE || $(cat "$KAFKA_CLUSTER_ID_FILE") == -* ]]; then
        # A Kafka cluster id is a base64url-encoded random 16-byte UUID (22 chars), as `kafka-storage random-uuid` prints.
        # Like Kafka's own, it never starts with '-': the storage tool would read it as an option.
        local cluster_id=-
        while [[ $cluster_id == -* ]]; do cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
        printf '%s' "$cluster_id" >"$KAFKA_CLUSTER_ID_FILE"
      fi
      log "kafka: formatting storage in $KAFKA_LOG_DIRS (cluster id $(cat "$KAFKA_CLUSTER_ID_FILE"))"
      kafka_tool kafka.tools.StorageTool format -t "$(cat "$KAFKA_CLUSTER_ID_FILE")" -c "$KAFKA_PROPS" --ignore-formatted \
        >>"$KAFKA_OUT" 2>&1 || { tail_log "$KAFKA_OUT"; die "kafka: storage format failed, see $KAFKA_OUT"; }
    fi
    log "kafka: starting Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT (log: $KAFKA_LOG)"
    printf '\n===== %s infra.sh starting Kafka %s =====\n' "$(date -Is)" "$KAFKA_VERSION" >>"$KAFKA_OUT"
    # setsid: its own session, so it outlives this shell and its job control. The inner shell
    # writes its own pid and then execs java, so the pidfile holds the JVM's pid.
    # -XX:-UsePerfData: no jstat counters, sampled 20 times a second by a JVM thread even when idle.
    # shellcheck disable=SC2016 # $$ and $@ are for the inner shell
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PIDFILE" \
      "$(java_bin)" -Xmx512m -Xms256m -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -XX:-UsePerfData \
      -Dlog4j.configuration="file:$KAFKA_LOG4J" -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
    local deadline=$((SECONDS + WAIT_TIMEOUT))
    until pid=$(kafka_pid) && port_open "$KAFKA_PORT"; do
      if [[ -s $KAFKA_PIDFILE ]] && ! kafka_pid >/dev/null && [[ ! -d /proc/$(head -n1 "$KAFKA_PIDFILE") ]]; then
        tail_log "$KAFKA_LOG"
        tail_log "$KAFKA_OUT"
        die "kafka: the broker exited during start-up, see $KAFKA_LOG and $KAFKA_OUT"
      fi
      if ((SECONDS >= deadline)); then
        tail_log "$KAFKA_LOG"
        die "kafka: not listening on 127.0.0.1:$KAFKA_PORT after ${WAIT_TIMEOUT}s, see $KAFKA_LOG and $KAFKA_OUT"
      fi
      sleep 0.3
    done
  fi
  local out
  kafka_healthcheck_classes >/dev/null # compiles it once (logged here rather than inside the captured check)
  if ! out=$(kafka_health "$WAIT_TIMEOUT" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/[infra]   | /' >&2
    tail_log "$KAFKA_LOG"
    die "kafka: health check (create topic, produce, consume in a group) failed on 127.0.0.1:$KAFKA_PORT, see $KAFKA_LOG"
  fi
  log "kafka: healthy (${out##*$'\n'})"
}

kafka_down() {
  local pid
  if pid=$(kafka_pid); then
    log "kafka: stopping (SIGTERM to pid $pid, controlled shutdown)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_exit "$pid" 60; then
      warn "kafka: pid $pid still alive after 60s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_pid_exit "$pid" 10 || die "kafka: pid $pid does not exit"
    fi
    rm -f "$KAFKA_PIDFILE"
    log "kafka: stopped"
  else
    [[ -e $KAFKA_PIDFILE ]] && rm -f "$KAFKA_PIDFILE" && log "kafka: removed stale kafka.pid"
    log "kafka: not running"
  fi
}

kafka_status() {
  local pid
  if pid=$(kafka_pid) && port_open "$KAFKA_PORT"; then
    kafka_resolve || true
    log "kafka     up    127.0.0.1:$KAFKA_PORT  pid $pid  Kafka ${KAFKA_VERSION:-?}  data $KAFKA_LOG_DIRS  log $KAFKA_LOG"
  else
    log "kafka     down  127.0.0.1:$KAFKA_PORT  log $KAFKA_LOG"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
env_lines() {
  echo "DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
}

parse_services() { # args -> SERVICES array
  SERVICES=()
  local a
  for a in "$@"; do
    case $a in
      postgres | postgresql | pg) SERVICES+=(postgres) ;;
      redis) SERVICES+=(redis) ;;
      kafka) SERVICES+=(kafka) ;;
      all) SERVICES+=("${ALL_SERVICES[@]}") ;;
      *) die "unknown service '$a' (expected: postgres, redis, kafka)" ;;
    esac
  done
  ((${#SERVICES[@]})) || SERVICES=("${ALL_SERVICES[@]}")
}

lock() { # serialize concurrent up/down runs on the same data dir
  mkdir -p "$DATA_DIR"
  exec 9>"$DATA_DIR/.infra.lock"
  if ! flock -n 9; then
    log "another infra.sh is running on $DATA_DIR, waiting for it"
    flock -w 900 9 || die "timed out waiting for the lock $DATA_DIR/.infra.lock"
  fi
}

# The Linux scheduling policy the services start with (they inherit it from this shell), as the
# Sluice apps set their own with CPU_SCHEDULING: docs/decisions/0012-sched-batch.md.
apply_cpu_scheduling() {
  local flag
  case $CPU_SCHEDULING in
    batch) flag=--batch ;;
    normal) flag=--other ;;
    *) die "SLUICE_CPU_SCHEDULING=$CPU_SCHEDULING: must be batch or normal" ;;
  esac
  command -v chrt >/dev/null || { warn "chrt (util-linux) not found: the services start with the default scheduling policy"; return 0; }
  chrt "$flag" --pid 0 $$ || warn "chrt $flag failed: the services start with the default scheduling policy"
}

cmd_up() {
  local started=$SECONDS s
  lock
  mkdir -p "$LOG_DIR"
  apply_cpu_scheduling
  log "up: ${SERVICES[*]} (data: $DATA_DIR, scheduling: $CPU_SCHEDULING)"
  ensure_packages "${SERVICES[@]}"
  for s in "${SERVICES[@]}"; do
    case $s in
      postgres) pg_up ;;
      redis) redis_up ;;
      kafka) kafka_up ;;
    esac
  done
  env_lines >"$DATA_DIR/infra.env.tmp.$$" && mv -f "$DATA_DIR/infra.env.tmp.$$" "$DATA_DIR/infra.env"
  for s in "${SERVICES[@]}"; do
    case $s in
      postgres) log "postgres listens on 127.0.0.1:$PG_PORT   DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB" ;;
      redis) log "redis    listens on 127.0.0.1:$REDIS_PORT   REDIS_URL=redis://127.0.0.1:$REDIS_PORT" ;;
      kafka) log "kafka    listens on 127.0.0.1:$KAFKA_PORT   KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)" ;;
    esac
  done
  log "env written to $DATA_DIR/infra.env (or: eval \"\$(deploy/local/infra.sh env)\")"
  log "up: done in $((SECONDS - started))s"
}

cmd_down() {
  local i s
  lock
  # reverse order: Kafka first, Postgres last
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    s=${SERVICES[i]}
    case $s in
      postgres) pg_down ;;
      redis) redis_down ;;
      kafka) kafka_down ;;
    esac
  done
}

cmd_kill() {
  local s pid
  lock
  for s in "${SERVICES[@]}"; do
    case $s in
      postgres) pg_resolve && pid=$(pg_pid) || pid="" ;;
      redis) pid=$(redis_pid) || pid="" ;;
      kafka) pid=$(kafka_pid) || pid="" ;;
    esac
    if [[ -z $pid ]]; then
      log "$s: not running"
      continue
    fi
    log "$s: kill -9 (pid $pid$([[ $s == postgres ]] && echo ' and its backends'))"
    kill_crash "$pid"
  done
}

cmd_status() {
  local s rc=0
  for s in "${SERVICES[@]}"; do
    case $s in
      postgres) pg_status || rc=1 ;;
      redis) redis_status || rc=1 ;;
      kafka) kafka_status || rc=1 ;;
    esac
  done
  return $rc
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    up) parse_services "$@" && cmd_up ;;
    down) parse_services "$@" && cmd_down ;;
    status) parse_services "$@" && cmd_status ;;
    kill) parse_services "$@" && cmd_kill ;;
    env) env_lines | sed 's/^/export /' ;;
    psql)
      pg_resolve
      PGPASSWORD=$PG_PASSWORD exec "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" "$@"
      ;;
    redis-cli) exec redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@" ;;
    kafka-topics)
      kafka_resolve || die "kafka: not installed yet, run 'infra.sh up kafka' first"
      kafka_write_tools_log4j
      kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
