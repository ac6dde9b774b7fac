# Shared steps of scripts/dev.sh and scripts/test.sh: dependencies, infrastructure, build.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# npm ci when node_modules is missing or older than the lockfile.
ensure_dependencies() {
  local marker=$ROOT/node_modules/.sluice-installed
  if [[ ! -f $marker || $ROOT/package-lock.json -nt $marker ]]; then
    step "installing npm dependencies"
    (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error)
    touch "$marker"
  fi
}

# Starts Postgres, Redis and Kafka (installing them if needed) and exports their addresses.
ensure_infrastructure() {
  step "starting Postgres, Redis and Kafka"
  bash "$ROOT/deploy/local/infra.sh" up
  set -a
  # shellcheck disable=SC1091
  . "${SLUICE_DATA_DIR:-$ROOT/.local}/infra.env"
  set +a
}

build_all() {
  step "building"
  (cd "$ROOT" && npx tsc -b apps/*/tsconfig.app.json)
}

# Creates the database in $1 (a postgres URL) if it does not exist, then migrates it.
prepare_database() {
  local url=$1 name=${1##*/}
  bash "$ROOT/deploy/local/infra.sh" psql -qtAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
    bash "$ROOT/deploy/local/infra.sh" psql -qc "CREATE DATABASE \"$name\""
  (cd "$ROOT" && DATABASE_URL=$url node libs/persistence/dist/cli/migrate.js)
}
