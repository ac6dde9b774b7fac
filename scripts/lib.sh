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
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$marker"
  fi
}

# The Python plivo SDK that the gateway's tests drive (test/python), pinned; pip runs only when it
# is missing or another version is installed.
PLIVO_PYTHON_VERSION=4.63.0
ensure_python_sdk() {
  if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('plivo') != '$PLIVO_PYTHON_VERSION')" 2>/dev/null; then
    step "installing the Python plivo SDK $PLIVO_PYTHON_VERSION"
    local pip=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "plivo==$PLIVO_PYTHON_VERSION")
    # A distribution's own Python refuses pip installs (PEP 668) unless told.
    "${pip[@]}" 2>/dev/null || "${pip[@]}" --break-system-packages
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

# Drops the database in $1 (a postgres URL) with whatever earlier runs left in it, then
# creates and migrates it: a test step starts from an empty schema.
fresh_database() {
  local url=$1 name=${1##*/}
  bash "$ROOT/deploy/local/infra.sh" psql -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
  prepare_database "$url"
}

# Creates the database in $1 (a postgres URL) if it does not exist, then migrates it.
prepare_database() {
  local url=$1 name=${1##*/}
  bash "$ROOT/deploy/local/infra.sh" psql -qtAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
    bash "$ROOT/deploy/local/infra.sh" psql -qc "CREATE DATABASE \"$name\""
  (cd "$ROOT" && DATABASE_URL=$url node libs/persistence/dist/cli/migrate.js)
}
