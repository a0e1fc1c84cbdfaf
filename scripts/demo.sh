#!/usr/bin/env bash
# The demo, from a fresh clone: setup, local Kafka + ClickHouse, the services, simulated
# sensors streaming traffic with periodic port scans; prints the console URL. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/toolchain.sh
exec node packages/devkit/src/demo.ts
