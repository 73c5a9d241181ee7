#!/usr/bin/env bash
# test/bench/sqlsecondary.sh: sqlsecondary's targets (issue 14, item 7), measured with real parts
# by the Go benchmarks of test/bench/sqsecbench against the built coredns binary: nodes with
# sqlsecondary + sqlbackend at their default settings on one MariaDB (test/harness.NewMariaDB),
# BIND or a Go primary on loopback.
#   row     BenchmarkRowToServed: a SLAVE row inserted for a new 1,500-record zone (BIND) ->
#           both of two nodes answer its SOA; p50/p99/max over RUNS zones.
#   notify  BenchmarkNotifyToServed: BIND changes a 1,500-record zone (3 addresses + serial) and
#           notifies both nodes -> both serve the new serial (by IXFR: the count BIND logged is
#           printed); p50/p99/max over RUNS changes.
#   many    BenchmarkManyZones: ZONES SLAVE rows (5 records each, SOA refresh 60 s) in the
#           database when one node starts: time to every zone transferred and served, RSS, then
#           over WINDOW the SOA checks/s at the primary and the rows written/s (hostdns_changes).
# Default: all three, about 5-10 minutes on a busy 2-core machine.
#
# Environment: BENCH_RUNS (row and notify, default 20), BENCH_ZONES (10000), BENCH_WINDOW (70s:
# longer than the refresh, so every zone is checked once in it), COREDNS (default bin/coredns,
# built with ./build/build.sh when missing or BENCH_BUILD=1), SQSEC_DEBUG=1 (many: also print how
# the zones' last_check values spread). Needs MariaDB at 127.0.0.1:3306
# (or HOSTDNS_MYSQL_DSN) and BIND: test/scripts/ensure-services.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RUNS=${BENCH_RUNS:-20}
ZONES=${BENCH_ZONES:-10000}
WINDOW=${BENCH_WINDOW:-70s}
COREDNS=${COREDNS:-$ROOT/bin/coredns}

PARTS=("$@")
[[ ${#PARTS[@]} -eq 0 ]] && PARTS=(row notify many)
for p in "${PARTS[@]}"; do
	case $p in row | notify | many) ;; *)
		echo "usage: $0 [row|notify|many]..." >&2
		exit 2
		;;
	esac
done

if [[ ! -x $COREDNS || ${BENCH_BUILD:-} == 1 ]]; then
	echo "building $COREDNS" >&2
	OUT=$COREDNS ./build/build.sh >&2
fi
"$COREDNS" -plugins | grep -qE '^(dns\.)?sqlsecondary$' || {
	echo "sqlsecondary.sh: $COREDNS has no sqlsecondary plugin" >&2
	exit 1
}

WORK=$(mktemp -d /tmp/hostdns-sqsec-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
REPORT=$WORK/report.txt
echo "== hostdns sqlsecondary benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$REPORT"
echo "== binary $("$COREDNS" -version 2>/dev/null | tail -1)" | tee -a "$REPORT"

# bench NAME BENCHTIME: one benchmark; its printed lines (not go test's own) go to the report.
bench() {
	local out=$WORK/$1.txt
	HOSTDNS_BINARY=$COREDNS SQSEC_ZONES=$ZONES SQSEC_WINDOW=$WINDOW \
		go test -count=1 -run '^$' -bench "^Benchmark$1\$" -benchtime "$2" -timeout 30m ./test/bench/sqsecbench >"$out" 2>&1 || {
		echo "Benchmark$1 failed:" >&2
		tail -40 "$out" >&2
		return 1
	}
	# Everything the benchmark printed, go test's header lines left out. go test runs a
	# benchmark with b.N=1 first: those lines say "over 1 runs".
	awk '/^(goos|goarch|pkg|cpu|ok|PASS)/ {next}
		{sub(/^Benchmark[A-Za-z]+-[0-9]+[ \t]*/, ""); if ($0 == "") next}
		/^[ \t]*[0-9]+[ \t]+[0-9]+ ns\/op/ {gsub(/[ \t]+/, " "); print "    go test -bench:" $0; next}
		{print "    " $0}' "$out" | tee -a "$REPORT"
}

for p in "${PARTS[@]}"; do
	case $p in
	row) echo "(row) target: <= 2 s p99" | tee -a "$REPORT"; bench RowToServed "${RUNS}x" ;;
	notify) echo "(notify) target: <= 1 s p99" | tee -a "$REPORT"; bench NotifyToServed "${RUNS}x" ;;
	many) echo "(many) $ZONES zones" | tee -a "$REPORT"; bench ManyZones 1x ;;
	esac
done
echo "== load at the end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$REPORT"
