#!/usr/bin/env bash
# `npm test`: installs what the suites need, type-checks, then runs every suite (unit,
# integration against a private redis-server, end-to-end against the real Prometheus,
# Alertmanager and Pushgateway binaries, and headless Chromium for the status page). Each suite starts and stops its own servers on
# free loopback ports; nothing outside this machine is reached.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh redis-server redis-sentinel prometheus prometheus-alertmanager prometheus-pushgateway prometheus-blackbox-exporter docker-compose chromium
echo "== operator kit: promtool rules and tests, amtool, Alertmanager routing, docker-compose config"
bash scripts/ci-operator-kit.sh
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== lint (typescript-eslint, import boundaries: docs/architecture.md)"
npx eslint .
echo "== format (prettier --check; fix with: npx prettier --write .)"
npx prettier --check . --log-level warn
echo "== tests"
mkdir -p .tmp
rm -f .tmp/vitest-report.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-report.json "$@" || status=$?
# The slowest files, then one plain closing line that any CI reader understands.
if [ -f .tmp/vitest-report.json ]; then
  node scripts/test-summary.mjs .tmp/vitest-report.json
fi
exit $status
