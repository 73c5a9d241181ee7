#!/usr/bin/env bash
# test/bench/compare.sh: how long hostdns-compare takes to replay COMPARE_QUERIES queries
# (default 1,000,000) against two loopback servers (issue 15: "in minutes, not hours").
#
# Two hostdns servers (bin/coredns) serve the same zone file (the file plugin, COMPARE_NAMES
# names with A, AAAA, MX and TXT records) on 127.0.0.1; one of them has one name changed, so
# the replay finds a difference. The queries are a dig -f list cycling over the names, types
# and flags (a tenth over TCP, a quarter with DO). hostdns-compare replays them with no rate
# limit, -concurrency COMPARE_CONCURRENCY, and prints its progress lines and report; the
# script prints the wall time, the tool's CPU time and peak RSS, and the load beside it.
# This is a measurement, not a test: nothing is asserted but the tool's exit status 1 (the
# planted difference found).
#
# Environment:
#   COMPARE_QUERIES      queries to replay (default 1000000)
#   COMPARE_NAMES        names in the zone (default 1000)
#   COMPARE_CONCURRENCY  queries in flight (default 64)
#   COMPARE_RATE         queries per second, 0 unlimited (default 0)
#   COREDNS              server binary (default bin/coredns); COMPARE_TOOL the tool (default
#                        bin/hostdns-compare); both built with ./build/build.sh when missing or
#                        BENCH_BUILD=1
#   BENCH_KEEP=1         keep the work directory
# Only 127.0.0.1 is used.
{
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
COREDNS=${COREDNS:-bin/coredns}
TOOL=${COMPARE_TOOL:-bin/hostdns-compare}
QUERIES=${COMPARE_QUERIES:-1000000}
NAMES=${COMPARE_NAMES:-1000}
CONC=${COMPARE_CONCURRENCY:-64}
RATE=${COMPARE_RATE:-0}

source "$ROOT/test/bench/run_sh_functions.sh"
load_run_sh compare.sh say free_port rss_kb wait_ready start_coredns stop_server
command -v dig >/dev/null || {
	echo "compare.sh needs dig" >&2
	exit 1
}
if [[ ! -x $COREDNS || ! -x $TOOL || ${BENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS and $TOOL"
	OUT=$COREDNS COMPARE_OUT=$TOOL ./build/build.sh >&2
fi

WORK=$(mktemp -d /tmp/hostdns-compare-bench.XXXXXX)
# shellcheck source=servers.sh
source "$ROOT/test/bench/servers.sh"
trap cleanup EXIT
LAST_ZONE=bench.example.

# zone FILE CHANGED: the zone, with host1's A record changed when CHANGED is 1.
zone() {
	{
		echo '$ORIGIN bench.example.'
		echo '@ 3600 IN SOA ns1 hostmaster 1 10800 3600 604800 300'
		echo '@ 3600 IN NS ns1'
		echo 'ns1 3600 IN A 192.0.2.53'
		awk -v n="$NAMES" -v changed="$2" 'BEGIN {
			for (i = 0; i < n; i++) {
				a = (i == 1 && changed) ? "198.51.100.1" : sprintf("192.0.%d.%d", int(i / 250) % 250, i % 250 + 1)
				printf "host%d 300 IN A %s\nhost%d 300 IN AAAA 2001:db8::%x\n", i, a, i, i + 1
				printf "host%d 300 IN MX 10 mail.bench.example.\nhost%d 300 IN TXT \"v=spf1 -all\"\n", i, i
			}
		}'
	} >"$1"
}
zone "$WORK/a.zone" 0
zone "$WORK/b.zone" 1
# corefile ZONEFILE METRICS-PORT
corefile() { printf '. {\n\tbind 127.0.0.1\n\tfile %s bench.example\n\tprometheus 127.0.0.1:%s\n}\n' "$1" "$2"; }
start_server a corefile "$WORK/a.zone"
start_server b corefile "$WORK/b.zone"

say "writing $QUERIES queries"
awk -v q="$QUERIES" -v n="$NAMES" 'BEGIN {
	split("A AAAA MX TXT A", types, " ")
	for (i = 0; i < q; i++) {
		line = sprintf("host%d.bench.example %s", i % n, types[int(i / n) % 5 + 1])
		if (i % 10 == 3) line = line " +tcp"
		if (i % 4 == 1) line = line " +dnssec"
		if (i % 97 == 5) line = sprintf("nosuch%d.bench.example A", i)
		print line
	}
}' >"$WORK/queries.txt"

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "tool: $("$TOOL" -version | head -1); replaying against a=127.0.0.1:${PORTS[a]} b=127.0.0.1:${PORTS[b]}"
status=0
/usr/bin/time -f '%e s wall, %U s user, %S s system, %M KiB max RSS' \
	"$TOOL" -a "127.0.0.1:${PORTS[a]}" -b "127.0.0.1:${PORTS[b]}" -rate "$RATE" -concurrency "$CONC" \
	-progress lines -progress-interval 15s -json "$WORK/report.json" "$WORK/queries.txt" \
	>"$WORK/report.txt" 2> >(tee "$WORK/stderr.txt" >&2) || status=$?
sleep 0.2 # let tee write the last progress lines before the report
cat "$WORK/report.txt" >&2
say "exit status $status (1 expected: host1 differs), load after $(cut -d' ' -f1-3 /proc/loadavg)"
}
