#!/bin/sh
# Entrypoint of the Sluice image (deploy/Dockerfile): runs the service named by $APP, or an
# operator command against the same DATABASE_URL / KAFKA_BROKERS. dumb-init is PID 1; every
# branch execs node so that it receives SIGTERM directly.
set -eu
cd /app

usage() {
  cat <<'USAGE'
usage: serve [app]                  run a service: apps/<app>/dist/main.js (default: $APP)
       migrate                      apply pending Postgres migrations (DATABASE_URL)
       topics                       create the Kafka topics (KAFKA_BROKERS, KAFKA_REPLICATION_FACTOR)
       init                         migrate, then topics
       account:create [name] [mps]  create an account; prints {"auth_id","auth_token"} (DATABASE_URL);
                                    --sender <number> [--sender-type <type>] also registers its sender number
       help                         this text
       <command> [args...]          anything else is run as is (node, sh, ...)
USAGE
}

migrate=libs/persistence/dist/cli/migrate.js
topics=libs/messaging/dist/cli/create-topics.js
create_account=libs/persistence/dist/cli/create-account.js

# The services' Node flags (deploy/node-options, comments left out).
node_options() { grep -v '^[[:space:]]*#' deploy/node-options | tr '\n' ' '; }

cmd=${1:-serve}
[ $# -gt 0 ] && shift

case $cmd in
  serve)
    app=${1:-${APP:-}}
    if [ -z "$app" ] || [ ! -f "apps/$app/dist/main.js" ]; then
      known=$(for main in apps/*/dist/main.js; do basename "$(dirname "$(dirname "$main")")"; done | tr '\n' ' ')
      echo "sluice: no service named \"$app\"; set APP (build argument or environment) to one of: $known" >&2
      exit 64
    fi
    # shellcheck disable=SC2046 # one word per flag
    exec node $(node_options) "apps/$app/dist/main.js"
    ;;
  migrate) exec node "$migrate" "$@" ;;
  topics) exec node "$topics" "$@" ;;
  init)
    node "$migrate" || exit $?
    exec node "$topics"
    ;;
  account:create) exec node "$create_account" "$@" ;;
  help | -h | --help) usage ;;
  *) exec "$cmd" "$@" ;;
esac
