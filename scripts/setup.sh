#!/usr/bin/env bash
# One-time (and repeatable) setup: Node 24 + pnpm, workspace dependencies, and the
# Debian packages the browser tests need (chromium). Kafka and ClickHouse are fetched
# and started by deploy/local/stack.sh, which the demo and test commands call.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 5
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian chromium for the console tests" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium not found; browser tests need it (apt-get install chromium)" >&2
  fi
fi
echo "setup: node $(node --version), pnpm $(pnpm --version)"
