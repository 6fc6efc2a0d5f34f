#!/usr/bin/env bash
# CI checks of the operator kit (issue 7): alert rules and their unit tests, Prometheus and
# Alertmanager configs, Alertmanager routing, compose file. Needs promtool, amtool and
# docker-compose (Debian: prometheus, prometheus-alertmanager, docker-compose).
#   scripts/ci-operator-kit.sh           config checks only (a few seconds)
#   scripts/ci-operator-kit.sh --tests   also the kit's vitest files (build output, dashboard,
#                                        status page, browser test, demo; needs chromium, redis-server)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
need() { command -v "$1" >/dev/null || { echo "missing $1: apt-get install -y $2" >&2; exit 1; }; }
need promtool prometheus
need amtool prometheus-alertmanager

step "promtool check rules"
promtool check rules config/prometheus/alertworks-rules.yml

step "promtool test rules"
promtool test rules config/prometheus/tests/*.test.yml

step "promtool check config (compose paths mapped to the repo)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's#/etc/prometheus/rules/#./#' config/prometheus/prometheus.yml > "$tmp/prometheus.yml"
cp config/prometheus/alertworks-rules.yml "$tmp/"
promtool check config "$tmp/prometheus.yml"

step "amtool check-config"
amtool check-config config/alertmanager/alertmanager.yml

step "README's Alertmanager example, as pasted: amtool check-config"
# The fenced block that starts with "# alertmanager.yml" under "Pointing Alertmanager at it".
awk 'on && /^```$/ {exit} on {print} /^```yaml$/ {getline first; if (first ~ /^# alertmanager\.yml/) {on=1; print first}}' README.md > "$tmp/readme-alertmanager.yml"
[ -s "$tmp/readme-alertmanager.yml" ] || { echo "README.md: no \`\`\`yaml block starting with '# alertmanager.yml'" >&2; exit 1; }
amtool check-config "$tmp/readme-alertmanager.yml"
# Its URL must name the compose service that serves webhooks.
url=$(sed -n 's/^ *- url: *//p' "$tmp/readme-alertmanager.yml")
[[ "$url" == "http://alertworks-serve:8080/hooks/alertmanager" ]] || { echo "README example url '$url' is not the compose service alertworks-serve" >&2; exit 1; }
grep -q '^  alertworks-serve:' docker-compose.yml || { echo "docker-compose.yml has no alertworks-serve service" >&2; exit 1; }

step "Alertmanager routing (shipped file and README example): automation alerts reach alertworks, others do not"
expect_route() {
  local file=$1 want=$2; shift 2
  local got
  got=$(amtool config routes test --config.file="$file" "$@" 2>/dev/null)
  if [[ "$got" != "$want" ]]; then echo "$file: routes for $*: got '$got', want '$want'" >&2; exit 1; fi
  echo "$file: $* -> $got"
}
for file in config/alertmanager/alertmanager.yml "$tmp/readme-alertmanager.yml"; do
  expect_route "$file" alertworks,default alertname=VolumeUsageCritical
  expect_route "$file" alertworks,default alertname=TlsCertExpiringSoon
  expect_route "$file" default alertname=VolumeUsageWarning
  expect_route "$file" default alertname=CheckDown
done
# Same file apart from the README's leading comment lines: they cannot drift apart.
if ! diff <(sed -n '/^global:/,$p' config/alertmanager/alertmanager.yml) <(sed -n '/^global:/,$p' "$tmp/readme-alertmanager.yml"); then
  echo "README.md's Alertmanager example differs from config/alertmanager/alertmanager.yml (above); keep them the same" >&2
  exit 1
fi

step "docker-compose config"
if command -v docker-compose >/dev/null; then
  docker-compose -f docker-compose.yml config -q
elif docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config -q
else
  echo "missing docker-compose: apt-get install -y docker-compose" >&2
  exit 1
fi
echo "docker-compose.yml OK"

step "the spool directory the image sets is a volume of alertworks-serve in docker-compose.yml"
spool=$(sed -n 's/^ *ALERTWORKS_SPOOL_DIR=\([^ ]*\).*/\1/p' Dockerfile)
[[ -n "$spool" ]] || { echo "Dockerfile sets no ALERTWORKS_SPOOL_DIR" >&2; exit 1; }
grep -q "^RUN mkdir -p $spool && chown node:node $spool\$" Dockerfile || { echo "Dockerfile does not create $spool for the node user" >&2; exit 1; }
awk '/^  alertworks-serve:/ {on=1; next} /^  [a-z]/ {on=0} on' docker-compose.yml | grep -q -- "- alertworks-spool:$spool\$" ||
  { echo "docker-compose.yml: alertworks-serve mounts no volume on $spool (Grafana deliveries spooled there would die with the container)" >&2; exit 1; }
echo "$spool: created in the image, a volume in compose"

if [[ "${1:-}" == "--tests" ]]; then
  step "operator kit tests (vitest)"
  npx vitest run \
    src/observability/operator-kit.test.ts src/status/status-page.test.ts src/cli/queues-command.test.ts \
    test/integration/build-output.test.ts test/integration/work-role-and-queues-cli.test.ts test/integration/status-volumes.test.ts \
    test/e2e/operator-ui.test.ts test/e2e/dashboard-and-rules-prometheus.test.ts test/e2e/alertmanager-example-config.test.ts \
    test/e2e/demo.test.ts test/e2e/npm-start.test.ts test/integration/cli-lifecycle.test.ts \
    test/integration/stand-ins.test.ts test/integration/docs-links.test.ts src/server/login.test.ts
fi
echo
echo "operator kit checks passed"
