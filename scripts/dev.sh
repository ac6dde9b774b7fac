#!/usr/bin/env bash
# Brings the whole platform up on this machine, ready to send: dependencies, Postgres,
# Redis and Kafka, schema, topics, the five apps, a demo account and a callback receiver.
# Ctrl-C stops everything; `npm run down` does the same from another terminal, and
# `bash scripts/dev.sh stop` stops only the apps.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

DATA_DIR=${SLUICE_DATA_DIR:-$ROOT/.local}
RUN_DIR=$DATA_DIR/run
LOG_DIR=$DATA_DIR/logs
GATEWAY_PORT=${GATEWAY_PORT:-8080}
SIMULATOR_PORT=${SIMULATOR_PORT:-8090}
RECEIVER_PORT=${CALLBACK_RECEIVER_PORT:-8099}
SMPP_PORT=${SMPP_PORT:-2775}
APPS=(carrier-simulator api-gateway rate-governor carrier-dispatch callback-service)

port_of() {
  case $1 in
    api-gateway) echo "$GATEWAY_PORT" ;;
    rate-governor) echo "${GOVERNOR_PORT:-8081}" ;;
    carrier-dispatch) echo "${DISPATCH_PORT:-8082}" ;;
    callback-service) echo "${CALLBACK_PORT:-8083}" ;;
    carrier-simulator) echo "$SIMULATOR_PORT" ;;
  esac
}

stop_apps() {
  local pidfile pid
  for pidfile in "$RUN_DIR"/*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

down() {
  step "stopping the apps"
  stop_apps
  step "stopping Postgres, Redis and Kafka"
  bash "$ROOT/deploy/local/infra.sh" down
}

start_app() {
  local app=$1 port
  port=$(port_of "$app")
  # The local callback receiver is on loopback, which callback-service refuses unless allowed.
  # callback-service sends Message XML replies to inbound messages through the gateway's admin API.
  # Node's flags come from deploy/node-options, one word each, comments left out.
  # shellcheck disable=SC2046
  PORT=$port HOST=127.0.0.1 SMPP_PORT=$SMPP_PORT SMPP_SYSTEM_ID=sluice SMPP_PASSWORD=sluice CALLBACK_ALLOWED_HOSTS=127.0.0.1 \
    GATEWAY_ADMIN_URL=http://127.0.0.1:$(port_of api-gateway) GATEWAY_ADMIN_TOKEN=$ADMIN_TOKEN \
    nohup node $(grep -v '^[[:space:]]*#' deploy/node-options) "apps/$app/dist/main.js" >>"$LOG_DIR/$app.log" 2>&1 &
  echo $! >"$RUN_DIR/$app.pid"
}

wait_ready() {
  local app=$1 port
  port=$(port_of "$app")
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$RUN_DIR/$app.pid")" 2>/dev/null || { tail -20 "$LOG_DIR/$app.log" >&2; echo "$app exited; see $LOG_DIR/$app.log" >&2; return 1; }
    sleep 0.25
  done
  echo "$app was not ready within 60 s; see $LOG_DIR/$app.log" >&2
  return 1
}

if [[ ${1:-} == down ]]; then
  down
  exit 0
fi
if [[ ${1:-} == stop ]]; then
  step "stopping the apps (Postgres, Redis and Kafka keep running)"
  stop_apps
  exit 0
fi

ensure_dependencies
ensure_infrastructure
build_all

step "migrating the database and creating topics"
prepare_database "$DATABASE_URL"
node libs/messaging/dist/cli/create-topics.js

mkdir -p "$RUN_DIR" "$LOG_DIR"
# Seals each new account's auth token so that callbacks to it are signed (X-Plivo-Signature-V3).
key_file=$DATA_DIR/account-token.key
[[ -s $key_file ]] || node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64'))" >"$key_file"
ACCOUNT_TOKEN_KEY=$(cat "$key_file")
export ACCOUNT_TOKEN_KEY
# Turns the admin API on (numbers, brands, quotas, rate cards); kept across runs like the key above.
admin_file=$DATA_DIR/admin.token
[[ -s $admin_file ]] || node -e "process.stdout.write(require('node:crypto').randomBytes(24).toString('base64url'))" >"$admin_file"
ADMIN_TOKEN=$(cat "$admin_file")
export ADMIN_TOKEN
stop_apps
step "starting the apps (logs in $LOG_DIR)"
for app in "${APPS[@]}"; do start_app "$app"; done
PORT=$RECEIVER_PORT nohup node scripts/callback-receiver.js >>"$LOG_DIR/callback-receiver.log" 2>&1 &
echo $! >"$RUN_DIR/callback-receiver.pid"
for app in "${APPS[@]}"; do wait_ready "$app"; done

account_file=$DATA_DIR/demo-account.json
if [[ ! -s $account_file ]] || ! grep -q "$(cut -d'"' -f4 "$account_file")" <(bash deploy/local/infra.sh psql -qtAc "SELECT auth_id FROM accounts"); then
  node libs/persistence/dist/cli/create-account.js demo >"$account_file"
fi
AUTH_ID=$(node -e "console.log(require('$account_file').auth_id)")
AUTH_TOKEN=$(node -e "console.log(require('$account_file').auth_token)")
# A verified toll-free number (25 SMS/s, no daily cap), registered through the admin API, so a
# first load test meets realistic limits rather than an unregistered long code's 1/s and 2,000/day.
DEMO_SRC=${DEMO_SRC:-18445550100}
curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  "http://127.0.0.1:$GATEWAY_PORT/admin/v1/numbers/$DEMO_SRC" \
  -d "{\"account_id\":\"$AUTH_ID\",\"country\":\"US\",\"number_type\":\"toll_free\",\"verified\":true}" ||
  { echo "registering the demo number $DEMO_SRC through the admin API failed (see $LOG_DIR/api-gateway.log)" >&2; exit 1; }

cat <<MSG

Sluice is up.
  api-gateway        http://127.0.0.1:$GATEWAY_PORT   (Plivo Message API)
  carrier-simulator  http://127.0.0.1:$SIMULATOR_PORT/simulator/submissions   (SMPP on 127.0.0.1:$SMPP_PORT)
  callback receiver  http://127.0.0.1:$RECEIVER_PORT   (prints every status callback below)
  demo account       $AUTH_ID / $AUTH_TOKEN   (sender $DEMO_SRC: verified toll-free, 25 SMS/s)
  admin API          http://127.0.0.1:$GATEWAY_PORT/admin/v1   (bearer $ADMIN_TOKEN; OpenAPI at /docs)

Send a message:

  curl -s -u $AUTH_ID:$AUTH_TOKEN -H 'Content-Type: application/json' \\
    http://127.0.0.1:$GATEWAY_PORT/v1/Account/$AUTH_ID/Message/ \\
    -d '{"src":"$DEMO_SRC","dst":"12025550123","text":"Hello from Sluice","url":"http://127.0.0.1:$RECEIVER_PORT/status"}'

Read it back:  curl -s -u $AUTH_ID:$AUTH_TOKEN http://127.0.0.1:$GATEWAY_PORT/v1/Account/$AUTH_ID/Message/<message_uuid>/

The account's numbers through the admin API:

  curl -s -H 'Authorization: Bearer $ADMIN_TOKEN' 'http://127.0.0.1:$GATEWAY_PORT/admin/v1/numbers?account_id=$AUTH_ID'

Ctrl-C stops everything (or run: npm run down).
MSG

if [[ ${SLUICE_DETACH:-} == 1 ]]; then exit 0; fi
trap 'down; exit 0' INT TERM
tail -n 0 -F "$LOG_DIR/callback-receiver.log" &
wait
