#!/usr/bin/env bash
# `npm start`: installs what is missing, starts a private Redis on loopback when REDIS_URL
# is not set, and runs alertworks (role `all` unless given: npm start -- serve).
# With no WEBHOOK_TOKEN, it generates one for this run and prints it.
#
# Lifecycle: SIGTERM or SIGINT (Ctrl-C) stops alertworks first (its active jobs finish), then
# the private Redis. SIGHUP is passed to alertworks, which re-reads its config. The private
# Redis runs in its own session, so a Ctrl-C in the terminal does not stop it before
# alertworks is done with it. Its URL is kept in .data/redis-url while it runs, for the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh redis-server

say() { printf 'alertworks: %s\n' "$*" >&2; }
url_file=.data/redis-url
redis_pid=""
app=""
stop_redis() {
  [ -n "$redis_pid" ] || return 0
  kill -TERM "$redis_pid" 2>/dev/null || true
  # Redis saves its append-only file and exits; wait for it (it is not our child after setsid).
  for _ in $(seq 1 100); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
  [ -f "$url_file" ] && [ "$(cat "$url_file" 2>/dev/null)" = "${REDIS_URL:-}" ] && rm -f "$url_file"
  redis_pid=""
}
trap stop_redis EXIT

if [ -z "${REDIS_URL:-}" ]; then
  port=${ALERTWORKS_REDIS_PORT:-6390}
  dir=${ALERTWORKS_DATA_DIR:-.data/redis}
  # Someone else's Redis (or anything) on the port: never attach to it.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port on 127.0.0.1 is already in use (another npm start, or another Redis); stop it, or set ALERTWORKS_REDIS_PORT to a free port, or REDIS_URL to use a Redis you run"
    exit 1
  fi
  mkdir -p "$dir"
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --save "" --daemonize no --loglevel warning &
  redis_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  # Started only once it answers, and it is ours that answers (it is still running).
  for _ in $(seq 1 100); do
    kill -0 "$redis_pid" 2>/dev/null || { redis_pid=""; say "Redis did not start on port $port (see its message above)"; exit 1; }
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mkdir -p "$(dirname "$url_file")"
  printf '%s\n' "$REDIS_URL" > "$url_file"
  say "started Redis for this run on $REDIS_URL (append-only data in $dir; the CLI finds it through $url_file)"
fi
if [ -z "${WEBHOOK_TOKEN:-}" ]; then
  WEBHOOK_TOKEN=$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
  export WEBHOOK_TOKEN
  say "WEBHOOK_TOKEN was not set; this run accepts: $WEBHOOK_TOKEN (also the login for /status)"
fi

node bin/alertworks.js "${@:-all}" &
app=$!
stop_app() {
  kill -TERM "$app" 2>/dev/null || true
}
trap stop_app INT TERM
trap 'kill -HUP "$app" 2>/dev/null || true' HUP
# `wait` returns early when a trapped signal arrives: wait again until alertworks has exited.
status=0
while :; do
  if wait "$app"; then status=0; else status=$?; fi
  kill -0 "$app" 2>/dev/null || break
done
trap - INT TERM HUP
stop_redis
exit "$status"
