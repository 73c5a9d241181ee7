#!/usr/bin/env bash
# test/scripts/dashboard-screenshot.sh: a screenshot of distro/grafana/hostdns.json's panels as
# they look on a real fleet, for docs/monitoring.md. Two hostdns nodes (bin/coredns) serve the
# benchmark generator's 1,000 zones from one SQLite file with alias and pool in the chain; a real
# Prometheus (Debian's package) scrapes both every 5 s; dnsperf sends the mixed, ALIAS and POOL
# mixes for LOAD_SECONDS while a record changes every 5 s; then headless Chromium opens
# distro/grafana/preview/ (the dashboard's own expressions asked of that Prometheus: Grafana is
# not packaged for Debian) and saves OUT.
#
# Environment: LOAD_SECONDS (default 240), OUT (default docs/img/dashboard.png), COREDNS
# (default bin/coredns, built when missing). Needs prometheus, chromium, dnsperf, sqlite3,
# python3 (apt-get install prometheus chromium dnsperf sqlite3).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
LOAD_SECONDS=${LOAD_SECONDS:-240}
OUT=${OUT:-docs/img/dashboard.png}
COREDNS=${COREDNS:-$ROOT/bin/coredns}
for c in prometheus chromium dnsperf sqlite3 python3 curl; do
	command -v "$c" >/dev/null || { echo "dashboard-screenshot.sh needs $c" >&2; exit 1; }
done
[[ -x $COREDNS ]] || ./build/build.sh >&2

say() { echo "[dashboard $(date -u +%H:%M:%S)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d /tmp/hostdns-dashboard.XXXXXX)
PIDS=()
cleanup() {
	kill "${PIDS[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

say "generating 1,000 zones into SQLite"
go run ./test/bench/gen -out "$WORK/data" -big 0 >&2
DB=$WORK/zones.sqlite
cat "$(ls plugin/pkg/sqlstore/schema/sqlite.sql)" "$WORK/data/pdns-data.sql" plugin/pkg/sqlstore/schema/changes.sqlite.sql | sqlite3 "$DB"
LAST_ZONE=$(tail -1 "$WORK/data/zones.list")

TARGETS=()
DNS_PORTS=()
for node in 1 2; do
	dns=$(free_port) metrics=$(free_port)
	cat >"$WORK/Corefile.$node" <<CF
. {
    bind 127.0.0.1
    prometheus 127.0.0.1:$metrics
    alias
    pool
    sqlbackend {
        driver sqlite
        dsn $DB
        schema none
        poll 200ms
    }
}
CF
	"$COREDNS" -quiet -conf "$WORK/Corefile.$node" -dns.port "$dns" >"$WORK/node$node.log" 2>&1 &
	PIDS+=($!)
	TARGETS+=("'127.0.0.1:$metrics'")
	DNS_PORTS+=("$dns")
done
for p in "${DNS_PORTS[@]}"; do
	for ((i = 0; i < 120; i++)); do
		dig +short +time=1 +tries=1 -p "$p" @127.0.0.1 "$LAST_ZONE" SOA | grep -q . && break
		sleep 0.5
	done
done
say "nodes answering on ${DNS_PORTS[*]}"

PROM=$(free_port)
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 5s
scrape_configs:
  - job_name: hostdns
    static_configs:
      - targets: [$(IFS=,; echo "${TARGETS[*]}")]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 60; i++)); do curl -sf "http://127.0.0.1:$PROM/-/ready" >/dev/null && break; sleep 0.5; done
say "prometheus on 127.0.0.1:$PROM"

say "load for ${LOAD_SECONDS}s: dnsperf mixed/alias/pool on both nodes, a record change every 5 s"
Q=$WORK/data/queries
for p in "${DNS_PORTS[@]}"; do
	dnsperf -s 127.0.0.1 -p "$p" -d "$Q/mixed.txt" -c 2 -Q 1500 -l "$LOAD_SECONDS" >/dev/null 2>&1 &
	PIDS+=($!)
	dnsperf -s 127.0.0.1 -p "$p" -d "$Q/alias.txt" -c 1 -Q 200 -l "$LOAD_SECONDS" >/dev/null 2>&1 &
	PIDS+=($!)
	dnsperf -s 127.0.0.1 -p "$p" -d "$Q/pool.txt" -c 1 -Q 200 -l "$LOAD_SECONDS" >/dev/null 2>&1 &
	PIDS+=($!)
done
end=$((SECONDS + LOAD_SECONDS))
n=0
while ((SECONDS < end)); do
	n=$((n + 1))
	sqlite3 "$DB" "UPDATE records SET content = '192.0.2.$((n % 250 + 1))' WHERE name = 'www.bench-0001.example' AND type = 'A';"
	sleep 5
done

HTTP=$(free_port)
python3 -m http.server "$HTTP" --bind 127.0.0.1 --directory distro/grafana >"$WORK/http.log" 2>&1 &
PIDS+=($!)
sleep 1
URL="http://127.0.0.1:$HTTP/preview/index.html?prom=http://127.0.0.1:$PROM&range=$LOAD_SECONDS&scrape=5"
say "screenshot of $URL"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$WORK/chromium" \
	--window-size=1600,3000 --virtual-time-budget=30000 --screenshot="$ROOT/$OUT" "$URL" >"$WORK/chromium.log" 2>&1
say "wrote $OUT"
