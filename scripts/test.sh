#!/usr/bin/env bash
# The whole test suite: installs and starts what it needs, then lint, types, unit,
# integration (real Postgres, Redis, Kafka) and end-to-end tests (the five apps as processes),
# the short fault-injection run (on infrastructure of its own), then the README's bring-up command.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started=$SECONDS

ensure_dependencies
ensure_python_sdk

step "infrastructure script: idempotent start and health"
bash deploy/local/test-infra.sh
set -a
# shellcheck disable=SC1091
. "${SLUICE_DATA_DIR:-$ROOT/.local}/infra.env"
set +a

build_all

step "lint and type check"
npx nx show projects >/dev/null  # builds the project graph the module-boundary rule reads
npx eslint .
npx tsc -p tsconfig.spec.json --noEmit

step "helm chart: lint, render, offline validation, assertions"
bash deploy/helm/test-chart.sh

step "database and topics"
TEST_DATABASE_URL=${DATABASE_URL%/*}/sluice_test
fresh_database "$TEST_DATABASE_URL"
node libs/messaging/dist/cli/create-topics.js

step "unit and integration tests"
mkdir -p tmp
npx jest -c jest.config.js --testPathPattern '\.(spec|int-spec)\.ts$' --ci --json --outputFile=tmp/jest-unit-int.json

step "end-to-end tests"
# A database of their own: the platforms they start re-govern queued messages they find, and the
# integration tests leave queued messages behind on purpose.
E2E_DATABASE_URL=${DATABASE_URL%/*}/sluice_e2e
fresh_database "$E2E_DATABASE_URL"
TEST_DATABASE_URL=$E2E_DATABASE_URL npx jest -c jest.config.js --testPathPattern '\.e2e-spec\.ts$' --ci --runInBand --json --outputFile=tmp/jest-e2e.json

step "fault injection, short: kill -9 of two apps, a poison record, FLUSHALL, during traffic"
npm run --silent chaos -- short --ci --out tmp/chaos

step "bring-up command (npm run dev, detached) delivers the message it prints"
bash scripts/test-dev.sh

printf '\nall tests passed in %ss\n' $((SECONDS - started))
node -e '
  const runs = ["tmp/jest-unit-int.json", "tmp/jest-e2e.json"].map((f) => require(require("node:path").resolve(f)));
  const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
  console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`);
'
