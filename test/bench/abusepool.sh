#!/usr/bin/env bash
# test/bench/abusepool.sh: abusepool's cost and effect (issue 13) against the built bin/coredns.
#
#   cost    sqlbackend (SQLite, the generator's 1,000 zones) with and without abusepool in front,
#           abusepool holding 1,000 rules of which none matches (suffixes, CIDRs v4/v6, query
#           types, combinations) and its inspection on; the mixed mix. Ratio: with / without.
#   flood   one source (dnsprobe -flood from 127.0.0.1, open loop at BENCH_FLOOD_QPS, default
#           150000: several times what the server answers) floods the server for BENCH_DURATION seconds while
#           dnsprobe, from 127.0.0.2, asks 200 queries a second; the probe's answered share and
#           latency, for: no abusepool, abusepool without rules (inspection only), and abusepool
#           with a per-client rate limit (500 qps, burst 1000, then drop), and that limit with
#           kernel_drop and a dynamic drop rule over 2,000 qps per client (the flood's source
#           then dropped by the socket filter). The probe alone first.
#   memory  abusepool's inspection under a 1,000,000-name random flood (every name new), in four
#           steps of 250,000 names: RSS and coredns_abusepool_inspection_memory_bytes after each step.
# Default: all three. Servers of a group run at once; rounds alternate between them.
#
# Environment: BENCH_DURATION (s, default 10), BENCH_ROUNDS (3), BENCH_CLIENTS (4),
# BENCH_THREADS (1), BENCH_OUTSTANDING (100), BENCH_FLOOD_QPS (200000), BENCH_KEEP=1,
# COREDNS (default bin/coredns, built with ./build/build.sh when missing or BENCH_BUILD=1).
{
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-4}
THREADS=${BENCH_THREADS:-1}
OUTSTANDING=${BENCH_OUTSTANDING:-100}
FLOOD_QPS=${BENCH_FLOOD_QPS:-150000}
QPS_CAP=
COREDNS=${COREDNS:-$ROOT/bin/coredns}

GROUPS_WANTED=("$@")
[[ ${#GROUPS_WANTED[@]} -eq 0 ]] && GROUPS_WANTED=(cost flood memory)
for g in "${GROUPS_WANTED[@]}"; do
	case $g in cost | flood | memory) ;; *)
		echo "usage: $0 [cost|flood|memory]..." >&2
		exit 2
		;;
	esac
done

# shellcheck source=run_sh_functions.sh
source "$ROOT/test/bench/run_sh_functions.sh"
load_run_sh abusepool.sh say free_port rss_kb cpu_ticks host_ticks gc_count wait_ready start_coredns stop_server perf schema_file changes_file load_sqlite
CLK_TCK=$(getconf CLK_TCK)

command -v dnsperf >/dev/null && command -v dig >/dev/null && command -v sqlite3 >/dev/null || {
	echo "abusepool.sh needs dnsperf, dig and sqlite3 (test/bench/run.sh installs the first two)" >&2
	exit 1
}
if [[ ! -x $COREDNS || ${BENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS"
	OUT=$COREDNS ./build/build.sh >&2
fi

WORK=$(mktemp -d /tmp/hostdns-abusepool-bench.XXXXXX)
# shellcheck source=servers.sh
source "$ROOT/test/bench/servers.sh"
trap cleanup EXIT
RESULTS=$WORK/results.tsv
PROBES=$WORK/probes.tsv
FLOODS=$WORK/floods.tsv
MEMORY=$WORK/memory.tsv
: >"$RESULTS"
: >"$PROBES"
: >"$FLOODS"
: >"$MEMORY"
mkdir -p "$WORK/cf"

DATA=$WORK/data
say "generating data into $DATA"
go build -o "$WORK/gen" ./test/bench/gen
go build -o "$WORK/dnsprobe" ./test/bench/dnsprobe
"$WORK/gen" -out "$DATA" -big 0 >&2
LAST_ZONE=$(tail -1 "$DATA/zones.list")
Q=$DATA/queries
load_sqlite "$WORK/zones.sqlite" "$DATA/pdns-data.sql" $(changes_file sqlite)

# ---------------------------------------------------------------------------------------------
# Corefiles.
# rules_none_matching: 1,000 rule lines no benchmark query matches: 400 suffixes, 300 IPv4 and
# 100 IPv6 prefixes of several lengths, 100 query types with a suffix, 100 suffixes with a CIDR.
rules_none_matching() {
	local i
	for ((i = 0; i < 400; i++)); do printf '        rule s%d suffix abuse-%d.invalid drop\n' "$i" "$i"; done
	for ((i = 0; i < 300; i++)); do printf '        rule c%d cidr 10.%d.%d.0/%d refused\n' "$i" $((i / 250)) $((i % 250)) $((16 + i % 16)); done
	for ((i = 0; i < 100; i++)); do printf '        rule v%d cidr 2001:db8:%x::/%d truncate\n' "$i" "$i" $((32 + i % 32)); done
	for ((i = 0; i < 100; i++)); do printf '        rule t%d suffix bench-%04d.example qtype ANY refused\n' "$i" "$i"; done
	for ((i = 0; i < 100; i++)); do printf '        rule x%d suffix bench-%04d.example cidr 192.0.2.%d ratelimit 10 20 client drop\n' "$i" "$i" "$i"; done
}
sqlbackend_block() { printf '    sqlbackend {\n        driver sqlite\n        dsn %s\n        schema none\n    }\n' "$WORK/zones.sqlite"; }
corefile_plain() { # METRICSPORT
	printf '. {\n    prometheus 127.0.0.1:%s\n' "$1"
	sqlbackend_block
	printf '}\n'
}
corefile_abusepool() { # RULES-FUNCTION|none METRICSPORT
	printf '. {\n    prometheus 127.0.0.1:%s\n    abusepool {\n' "$2"
	[[ $1 != none ]] && "$1"
	printf '    }\n'
	sqlbackend_block
	printf '}\n'
}
rule_per_client_limit() { printf '        rule per-client cidr 0.0.0.0/0 ratelimit 500 1000 client drop\n'; }
# kernel_drop: a client over 2,000 qps (over 2 s) gets a dynamic drop rule for 60 s, whose /32
# the socket filter then drops in the kernel; the per-client rate limit as above until then.
rules_kernel_drop() {
	printf '        kernel_drop\n        dynamic query_rate client 2000 2s 60s drop\n'
	rule_per_client_limit
}


group_cost() {
	GROUP=cost
	start_server plain corefile_plain
	start_server abusepool-1000 corefile_abusepool rules_none_matching
	local r n
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in plain abusepool-1000; do
			use_server "$n"
			perf cost "$n" mixed "$Q/mixed.txt" "$r"
		done
	done
	stop_all
}

# probe NAME ROUND LABEL: dnsprobe against server NAME for DURATION seconds; appends a line.
probe() {
	local out
	out=$("$WORK/dnsprobe" -server "127.0.0.1:${PORTS[$1]}" -local 127.0.0.2 -name "www.$LAST_ZONE" -rate 200 -d "${DURATION}s")
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$out" >>"$PROBES"
	say "$1 round $2 ($3): $out"
}
# flood_with_probe NAME ROUND: the single-source flood (dnsprobe -flood: open loop, it keeps
# sending whatever is answered, as an attacker does) and the probe at once.
flood_with_probe() {
	local name=$1 r=$2 out=$WORK/flood.$1.$2.txt
	"$WORK/dnsprobe" -server "127.0.0.1:${PORTS[$name]}" -local 127.0.0.1 -flood "$Q/mixed.txt" \
		-rate "$FLOOD_QPS" -d "$((DURATION + 2))s" >"$out" 2>&1 &
	local flood=$!
	sleep 1 # the flood at full rate before the probe starts
	probe "$name" "$r" flood
	wait "$flood" || true
	printf '%s\t%s\t%s\n' "$name" "$r" "$(cat "$out")" >>"$FLOODS"
	say "$name round $r flood: $(cat "$out")"
}

group_flood() {
	GROUP=flood
	start_server plain corefile_plain
	start_server abusepool-nolimit corefile_abusepool none
	start_server abusepool-limit corefile_abusepool rule_per_client_limit
	start_server abusepool-kernel corefile_abusepool rules_kernel_drop
	local r n
	for n in plain abusepool-nolimit abusepool-limit abusepool-kernel; do probe "$n" 0 alone; done
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in plain abusepool-nolimit abusepool-limit abusepool-kernel; do flood_with_probe "$n" "$r"; done
	done
	stop_all
}

group_memory() {
	GROUP=memory
	start_server abusepool-inspect corefile_abusepool none
	"$WORK/gen" -out "$WORK/random" -big 0 -no-sql -seed 4242 -random-queries 1000000 >&2
	split -l 250000 -d "$WORK/random/queries/random.txt" "$WORK/random/part-"
	local step=0 part
	printf '%s\t%s\t%s\n' 0 "$(rss_kb "${PIDS[abusepool-inspect]}")" "$(metric abusepool-inspect coredns_abusepool_inspection_memory_bytes)" >>"$MEMORY"
	for part in "$WORK"/random/part-*; do
		step=$((step + 1))
		dnsperf -s 127.0.0.1 -p "${PORTS[abusepool-inspect]}" -d "$part" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -t 2 -n 1 >"$WORK/memory.$step.txt" 2>&1 || true
		printf '%s\t%s\t%s\n' $((step * 250000)) "$(rss_kb "${PIDS[abusepool-inspect]}")" "$(metric abusepool-inspect coredns_abusepool_inspection_memory_bytes)" >>"$MEMORY"
		say "memory after $((step * 250000)) random names: $(tail -1 "$MEMORY")"
	done
	stop_all
}

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary $("$COREDNS" -version 2>/dev/null | head -1)"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for g in "${GROUPS_WANTED[@]}"; do
	say "=== group $g"
	"group_$g"
done

echo
echo "== hostdns abusepool benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before $START_LOAD, after $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -s $RESULTS ]]; then
	echo "== cost: dnsperf -l $DURATION -c $CLIENTS -T $THREADS -q $OUTSTANDING, mixed mix, $ROUNDS rounds interleaved"
	awk -F'\t' '
	{ q[$2, $4] = $5; sum[$2] += $5; cnt[$2]++; cpu[$2] = cpu[$2] (cpu[$2] == "" ? "" : "/") $14; rounds = ($4 > rounds ? $4 : rounds) }
	END {
		printf "%-16s %-28s %8s %-24s %s\n", "config", "qps (each round)", "mean", "ratio to plain (each)", "cpu us/q"
		split("plain abusepool-1000", names, " ")
		for (i = 1; i <= 2; i++) {
			n = names[i]; line = ""; rl = ""
			for (r = 1; r <= rounds; r++) { line = line (r > 1 ? "/" : "") q[n, r]; rl = rl (r > 1 ? "/" : "") sprintf("%.2f", q["plain", r] > 0 ? q[n, r] / q["plain", r] : 0) }
			printf "%-16s %-28s %8.0f %-24s %s\n", n, line, sum[n] / cnt[n], sprintf("%.2fx (%s)", sum["plain"] > 0 ? sum[n] / sum["plain"] : 0, rl), cpu[n]
		}
	}' "$RESULTS"
fi
if [[ -s $PROBES ]]; then
	echo "== flood: dnsprobe -flood at $FLOOD_QPS qps from 127.0.0.1 (open loop); probe 200 qps from 127.0.0.2 for ${DURATION}s"
	awk -F'\t' '{ printf "%-18s round %s %-6s %s\n", $1, $2, $3, $4 }' "$PROBES"
	awk -F'\t' '{ printf "%-18s round %s flood  %s\n", $1, $2, $3 }' "$FLOODS"
fi
if [[ -s $MEMORY ]]; then
	echo "== memory: random names answered, RSS KiB, coredns_abusepool_inspection_memory_bytes"
	awk -F'\t' '{ printf "%9s %10s %12s\n", $1, $2, $3 }' "$MEMORY"
fi
exit 0
}
