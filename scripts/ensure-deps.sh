#!/usr/bin/env bash
# Installs what alertworks needs on a Debian machine with Node 20, when it is missing:
# npm packages (when node_modules is absent or older than package-lock.json) and
# the Debian packages given as arguments (redis-server by default).
# Usage: scripts/ensure-deps.sh [debian-package ...]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'alertworks: %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))."
  exit 1
fi

# Installed = every package the lock names for this machine is in node_modules at the locked
# version (compared by content, not by file times: a fresh clone or a checkout touches the
# lock). `npm ci` installs exactly the lock and never rewrites it, so the checkout stays clean.
if ! node scripts/lock-installed.mjs; then
  say "installing npm packages (npm ci: exactly the versions in package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Debian package -> a binary it provides, to tell whether it is installed.
declare -A BIN=(
  [redis-server]=redis-server
  [redis-sentinel]=redis-sentinel
  [prometheus]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [prometheus-pushgateway]=prometheus-pushgateway
  [prometheus-blackbox-exporter]=prometheus-blackbox-exporter
  [docker-compose]=docker-compose
  [chromium]=chromium
)

missing=()
for pkg in "${@:-redis-server}"; do
  bin=${BIN[$pkg]:-$pkg}
  command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  say "missing: ${missing[*]}; this is not a Debian machine (no apt-get): install them yourself."
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    say "missing: ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
    exit 1
  fi
fi
say "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package postinst scripts must not start system services on their default ports.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && created_policy=1
fi
$sudo apt-get update -qq || say "apt-get update failed; trying the install anyway"
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  [ -n "$created_policy" ] && $sudo rm -f "$policy"
  say "could not install: ${missing[*]} (see apt-get's message above)"
  exit 1
fi
[ -n "$created_policy" ] && $sudo rm -f "$policy"
exit 0
