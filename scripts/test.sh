#!/usr/bin/env bash
# The whole test suite, from a fresh clone: setup (Node 24, pnpm, dependencies, chromium),
# lint + format check, typecheck, unit tests, then integration and end-to-end tests
# against the real Kafka broker and ClickHouse server. Those are taken from
# KAFKA_BROKERS/CLICKHOUSE_URL when set, else testcontainers when Docker answers, else the
# native stack (deploy/local/stack.sh), which the tests start and stop themselves.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/toolchain.sh
echo "== lint and format (biome)"
pnpm run --silent lint
echo "== typecheck (tsc)"
pnpm run --silent typecheck
echo "== tests (vitest: unit, integration, e2e)"
mkdir -p test-results
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
node -e '
  const r = require("./test-results/vitest.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit "$status"
