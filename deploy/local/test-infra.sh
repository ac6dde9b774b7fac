#!/usr/bin/env bash
# Tests deploy/local/infra.sh against the real services.
#
#   1. `infra.sh up` twice: both succeed, the second one restarts nothing (same PIDs)
#   2. Postgres: `select 1` as sluice over TCP, and sluice may create/drop a database
#   3. Redis: maxmemory-policy = noeviction, appendonly = yes, zset-max-listpack-entries = 0, SET/GET round trip
#   4. Kafka: create a topic, see it in the topic list, delete it
#   5. `infra.sh status` exits 0
#
# Prints `infra: N passed, M failed` last and exits non-zero on any failure.
# It never runs `infra.sh down`: services that were already running may be in use by
# others, and services it started itself are left running for the test suite that runs next.
# Stop them with `deploy/local/infra.sh down` when you are done.
# Honours the same environment variables as infra.sh (SLUICE_DATA_DIR, SLUICE_*_PORT, ...).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
INFRA=$SCRIPT_DIR/infra.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test-infra.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0
say() { printf '[test-infra] %s\n' "$*"; }

# check NAME FUNCTION: run FUNCTION, count and report it; its output goes to $WORK/NAME.log
check() {
  local name=$1 fn=$2 start=$SECONDS logf=$WORK/$2.log
  if "$fn" >"$logf" 2>&1; then
    PASSED=$((PASSED + 1))
    say "ok   - $name ($((SECONDS - start))s)"
  else
    FAILED=$((FAILED + 1))
    say "FAIL - $name ($((SECONDS - start))s)"
    sed 's/^/[test-infra]      | /' "$logf"
  fi
}

fail() { echo "FAILED: $*"; return 1; }

# "postgres=PID redis=PID kafka=PID" from `infra.sh status` (pid "-" when down)
service_pids() {
  local out s pid res=""
  out=$(bash "$INFRA" status 2>&1 || true)
  for s in postgres redis kafka; do
    pid=$(printf '%s\n' "$out" | awk -v s="$s" '$2 == s && $3 == "up" { for (i = 1; i < NF; i++) if ($i == "pid") print $(i + 1) }')
    res+="$s=${pid:--} "
  done
  echo "${res% }"
}

test_up_twice() {
  echo "--- first up"
  bash "$INFRA" up || fail "first 'infra.sh up' exited non-zero"
  local before after
  before=$(service_pids)
  echo "pids after first up:  $before"
  [[ $before != *=-* ]] || fail "a service is down after the first up: $before"
  echo "--- second up"
  local out
  out=$(bash "$INFRA" up 2>&1) || { echo "$out"; fail "second 'infra.sh up' exited non-zero"; }
  echo "$out"
  after=$(service_pids)
  echo "pids after second up: $after"
  [[ $before == "$after" ]] || fail "the second up restarted something: $before -> $after"
  local s
  for s in postgres redis kafka; do
    grep -q "$s: already running" <<<"$out" || fail "second up did not report $s as already running"
  done
}

test_postgres() {
  local one db=sluice_test_infra_$$
  one=$(bash "$INFRA" psql -X -Atqc 'select 1') || fail "psql as sluice over TCP failed"
  [[ $one == 1 ]] || fail "select 1 returned '$one'"
  echo "select 1 -> $one"
  bash "$INFRA" psql -X -q -v ON_ERROR_STOP=1 -c "create database $db" || fail "sluice cannot create a database"
  bash "$INFRA" psql -X -q -v ON_ERROR_STOP=1 -c "drop database $db" || fail "sluice cannot drop the database it created"
  echo "create/drop database $db as sluice: ok"
  local user
  user=$(bash "$INFRA" psql -X -Atqc 'select current_user || chr(32) || current_database() || chr(32) || inet_server_addr()')
  echo "connected as: $user"
  [[ $user == "sluice sluice 127.0.0.1/32" ]] || fail "unexpected session: $user"
}

test_redis() {
  local policy aof zset key=sluice:test-infra:$$ val
  policy=$(bash "$INFRA" redis-cli config get maxmemory-policy | sed -n 2p)
  aof=$(bash "$INFRA" redis-cli config get appendonly | sed -n 2p)
  zset=$(bash "$INFRA" redis-cli config get zset-max-listpack-entries | sed -n 2p)
  echo "maxmemory-policy=$policy appendonly=$aof zset-max-listpack-entries=$zset"
  [[ $policy == noeviction ]] || fail "maxmemory-policy is '$policy', expected noeviction"
  [[ $aof == yes ]] || fail "appendonly is '$aof', expected yes"
  [[ $zset == 0 ]] || fail "zset-max-listpack-entries is '$zset', expected 0"
  [[ "$(bash "$INFRA" redis-cli set "$key" hello EX 60)" == OK ]] || fail "SET failed"
  val=$(bash "$INFRA" redis-cli get "$key")
  bash "$INFRA" redis-cli del "$key" >/dev/null
  [[ $val == hello ]] || fail "GET returned '$val'"
  echo "set/get round trip: ok"
}

test_kafka() {
  local topic=sluice-test-infra-$$-$RANDOM
  bash "$INFRA" kafka-topics --create --topic "$topic" --partitions 1 --replication-factor 1 \
    || fail "creating topic $topic failed"
  local list
  list=$(bash "$INFRA" kafka-topics --list) || fail "listing topics failed"
  echo "topics: $(tr '\n' ' ' <<<"$list")"
  grep -qx "$topic" <<<"$list" || fail "topic $topic not in the list"
  bash "$INFRA" kafka-topics --delete --topic "$topic" || fail "deleting topic $topic failed"
}

test_status() {
  bash "$INFRA" status || fail "'infra.sh status' exited non-zero"
}

say "infra.sh: $INFRA"
before=$(service_pids)
if [[ $before == *=-* ]]; then
  say "before: $before (services not running will be started and left running)"
else
  say "before: $before (all already running: they are reused, not restarted, not stopped)"
fi

check "infra.sh up twice; the second run restarts nothing" test_up_twice
check "postgres: select 1 as sluice over TCP, create/drop database" test_postgres
check "redis: noeviction, appendonly, skip-list sorted sets, set/get" test_redis
check "kafka: create, list and delete a topic" test_kafka
check "infra.sh status exits 0" test_status

say "services left running (this script never runs 'down'); stop them with: $INFRA down"
echo "infra: $PASSED passed, $FAILED failed"
((FAILED == 0))
