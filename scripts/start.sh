#!/usr/bin/env bash
# `npm start`: installs what is missing, starts a private Redis on loopback when REDIS_URL
# is not set, and runs alertworks (role `all` unless given: npm start -- serve).
# With no WEBHOOK_TOKEN, it generates one for this run and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh redis-server


redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [ -z "${REDIS_URL:-}" ]; then
  port=${ALERTWORKS_REDIS_PORT:-6390}
  dir=${ALERTWORKS_DATA_DIR:-.data/redis}
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --save "" --daemonize no --loglevel warning &
  redis_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "alertworks: started Redis for this run on $REDIS_URL (append-only data in $dir)" >&2
fi
if [ -z "${WEBHOOK_TOKEN:-}" ]; then
  WEBHOOK_TOKEN=$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
  export WEBHOOK_TOKEN
  echo "alertworks: WEBHOOK_TOKEN was not set; this run accepts: $WEBHOOK_TOKEN" >&2
fi
node bin/alertworks.js "${@:-all}" &
app=$!
trap 'kill -TERM $app 2>/dev/null; wait $app; cleanup' INT TERM
wait $app
