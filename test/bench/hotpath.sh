#!/usr/bin/env bash
# test/bench/hotpath.sh: the hot path of issue 17 (answercache), side by side in one run.
#
# Servers (every round starts each in turn: whoami, file, sql, sql-answercache, pdns):
#   whoami           `. { whoami }`: the ceiling of the CoreDNS server loop, no data at all
#   file             the stock file plugin as providers run it: one server block per zone
#   sql              sqlbackend on MariaDB (1,000 zones), server block ".", no cache, with
#                    `prometheus` as below (whoami, file and pdns have none)
#   sql-answercache  the same with `answercache` in the block (prometheus gives its hit counters)
#   sql-fastpath     sql-answercache with the cache's `fastpath` (hits answered from a socket of
#                    its own, before CoreDNS's server loop; not in the default list)
#   pdns             PowerDNS 4 (gmysql on MariaDB, default packet cache), run.sh's start_pdns
# Each is asked the zones group's hot, mixed and random mixes with dnsperf (throughput), then,
# on the same warm server, a latency probe: dnsprobe at a fixed LAT_RATE (default 1,000 qps),
# the hot mix's queries in turn, from another address, latencies from the scheduled send
# times (no coordinated omission): p50/p99/p99.9/max.
#
# Pinning (HOT_PIN=1, default): every server runs on CPU HOT_SERVER_CPU (default 0) and dnsperf
# and dnsprobe on HOT_CLIENT_CPU (default 1), with taskset, as issue 17's baseline was measured.
# CoreDNS is started under taskset (so Go's GOMAXPROCS is 1, the core it has); PowerDNS is
# pinned with taskset -a once started (all its threads). The report gives each run's server CPU
# (% of one core) and dnsperf's: a server below ~90 % of its core was not the limit, the load
# generator (or the round trip) was.
#
# Environment: BENCH_DURATION (s per dnsperf run, default 10), BENCH_ROUNDS (2), BENCH_CLIENTS
# (4), BENCH_THREADS (1), BENCH_OUTSTANDING (100), BENCH_QPS (-Q cap, default none), LAT_RATE
# (1000), LAT_DURATION (s, 10), HOT_PIN (1), HOT_SERVER_CPU (0), HOT_CLIENT_CPU (1),
# HOT_AC_OPTS (lines inside answercache { }, e.g. "size 256MiB"), HOT_CONFIGS (the servers to
# run, default "whoami file sql sql-answercache pdns"; each CoreDNS one also as NAME-noballast,
# without distro/stackstart's ballast), BENCH_KEEP=1, BENCH_BUILD=1, COREDNS.
#
# The helpers (start_coredns, perf, start_pdns, ...) are run.sh's own, read from it by name, so
# this script measures the way run.sh does. Only 127.0.0.1/127.0.0.2 are queried.
{
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-2}
CLIENTS=${BENCH_CLIENTS:-4}
THREADS=${BENCH_THREADS:-1}
OUTSTANDING=${BENCH_OUTSTANDING:-100}
QPS_CAP=${BENCH_QPS:-}
LAT_RATE=${LAT_RATE:-1000}
LAT_DURATION=${LAT_DURATION:-10}
PIN=${HOT_PIN:-1}
SERVER_CPU=${HOT_SERVER_CPU:-0}
CLIENT_CPU=${HOT_CLIENT_CPU:-1}
CONFIGS=${HOT_CONFIGS:-whoami file sql sql-answercache pdns}
COREDNS=${COREDNS:-$ROOT/bin/coredns}
MYSQL=(mariadb -uroot -h127.0.0.1 -P3306)

# shellcheck source=run_sh_functions.sh
source "$ROOT/test/bench/run_sh_functions.sh"
load_run_sh hotpath.sh say free_port rss_kb cpu_ticks host_ticks gc_count wait_ready start_coredns stop_server perf \
	schema_file changes_file load_mariadb mariadb_up ensure_up ensure_mariadb keys_of corefile_file start_pdns
CLK_TCK=$(getconf CLK_TCK)

for t in dnsperf dig taskset pdns_server; do
	command -v "$t" >/dev/null || {
		echo "hotpath.sh needs $t (test/bench/run.sh installs dnsperf, dig and PowerDNS)" >&2
		exit 1
	}
done
if [[ ! -x $COREDNS || ${BENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS"
	OUT=$COREDNS ./build/build.sh >&2
fi

WORK=$(mktemp -d /tmp/hostdns-hotpath-bench.XXXXXX)
SRV_PID=
CREATED_DBS=()
cleanup() {
	stop_server
	if [[ ${BENCH_KEEP:-} == 1 ]]; then
		say "work directory kept: $WORK; databases kept: ${CREATED_DBS[*]:-none}"
		return
	fi
	rm -rf "$WORK"
	local db
	for db in "${CREATED_DBS[@]}"; do "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; done
}
trap cleanup EXIT
RESULTS=$WORK/results.tsv # perf's rows
EXTRA=$WORK/extra.tsv     # config mix round dnsperf-cpu-s answercache-hits answercache-misses
LAT=$WORK/latency.tsv     # config round dnsprobe's line
: >"$RESULTS"
: >"$EXTRA"
: >"$LAT"
mkdir -p "$WORK/cf"

# Pinning: CoreDNS through a wrapper (start_coredns runs RUN_BIN), dnsperf through a function
# (perf calls it by name) that also times dnsperf's own CPU into perf's output file.
PIN_SERVER=() PIN_CLIENT=()
if [[ $PIN == 1 ]]; then
	PIN_SERVER=(taskset -c "$SERVER_CPU") PIN_CLIENT=(taskset -c "$CLIENT_CPU")
fi
printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${PIN_SERVER[*]}" "$COREDNS" >"$WORK/coredns-pinned"
chmod +x "$WORK/coredns-pinned"
RUN_BIN=$WORK/coredns-pinned
dnsperf() { /usr/bin/time -f 'dnsperf-cpu %U %S' "${PIN_CLIENT[@]}" dnsperf "$@"; }

PLUGINS=$("$COREDNS" -plugins)
HAVE_AC=1
grep -qx 'dns.answercache' <<<"$PLUGINS" || grep -qx answercache <<<"$PLUGINS" || {
	HAVE_AC=0
	say "answercache is not built into $COREDNS: sql-answercache skipped"
}

# ---------------------------------------------------------------------------------------------
# Data: the generator's 1,000 zones (no big zone), in one MariaDB database for sqlbackend (with
# its change log) and one for PowerDNS (start_pdns loads it).
DATA=$WORK/data
say "generating data into $DATA"
go build -o "$WORK/gen" ./test/bench/gen
go build -o "$WORK/dnsprobe" ./test/bench/dnsprobe
"$WORK/gen" -out "$DATA" -big 0 >&2
LAST_ZONE=$(tail -1 "$DATA/zones.list")
Q=$DATA/queries
ensure_mariadb
say "loading MariaDB database hostdns_hot"
load_mariadb hostdns_hot "$(schema_file mysql)" "$DATA/pdns-data.sql" $(changes_file mysql)
SQL_DSN="root@tcp(127.0.0.1:3306)/hostdns_hot"

corefile_sql_block() { # EXTRA-LINES
	printf '. {\n%s\n    sqlbackend {\n        driver mysql\n        dsn %s\n        schema none\n    }\n}\n' "$1" "$SQL_DSN"
}
MPORT=
# start_config NAME: one of the servers above; NAME-noballast is the same server without the
# stack ballast (HOSTDNS_STACK_BALLAST=0, distro/stackstart), as a stock CoreDNS binary runs.
start_config() { # NAME
	MPORT=
	if [[ $1 == *-noballast ]]; then
		local -x HOSTDNS_STACK_BALLAST=0
	fi
	case ${1%-noballast} in
	whoami) printf '. {\n    whoami\n}\n' >"$WORK/cf/whoami" && start_coredns whoami "$WORK/cf/whoami" ;;
	file) corefile_file "$DATA/zones.list" "$DATA/zones" >"$WORK/cf/file" && start_coredns file "$WORK/cf/file" ;;
	sql)
		# prometheus as in sql-answercache, so the pair differs only in the cache.
		MPORT=$(free_port)
		corefile_sql_block "    prometheus 127.0.0.1:$MPORT" >"$WORK/cf/sql" && start_coredns sql "$WORK/cf/sql" "$LAST_ZONE" SOA 180
		;;
	sql-answercache | sql-fastpath)
		[[ $HAVE_AC == 1 ]] || return 1
		MPORT=$(free_port)
		local opts=${HOT_AC_OPTS:-}
		[[ $1 == sql-fastpath* ]] && opts=$(printf '        fastpath\n%s' "$opts")
		corefile_sql_block "$(printf '    prometheus 127.0.0.1:%s\n    answercache {\n%s\n    }\n' "$MPORT" "$opts")" >"$WORK/cf/$1"
		start_coredns "$1" "$WORK/cf/$1" "$LAST_ZONE" SOA 180
		;;
	pdns)
		start_pdns || return 1
		SRV_NAME=pdns
		[[ $PIN == 1 ]] && taskset -a -cp "$SERVER_CPU" "$SRV_PID" >/dev/null
		;;
	*) say "unknown configuration $1" && return 1 ;;
	esac
}
# ac_counter NAME: an answercache counter of the running server (0 without the plugin, "-"
# without metrics).
ac_counter() {
	[[ -n $MPORT ]] || {
		echo -
		return
	}
	curl -s --max-time 3 "http://127.0.0.1:$MPORT/metrics" | awk -v m="coredns_answercache_$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {printf "%.0f", s}'
}

# run_round CONFIG ROUND: start, the three mixes, the latency probe, stop.
run_round() {
	local c=$1 r=$2 m h0 m0
	if ! start_config "$c"; then
		say "$c: did not start, skipped"
		stop_server
		return 0
	fi
	for m in hot mixed random; do
		h0=$(ac_counter hits_total) m0=$(ac_counter misses_total)
		perf hot "$c" "$m" "$Q/$m.txt" "$r" "$DURATION"
		local h1 m1 dcpu
		h1=$(ac_counter hits_total) m1=$(ac_counter misses_total)
		dcpu=$(awk '/^dnsperf-cpu/ {print $2 + $3}' "$WORK/dnsperf.hot.$c.$m.$r.txt")
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$m" "$r" "${dcpu:-NA}" \
			"$([[ $h0 == - ]] && echo - || echo $((h1 - h0)))" "$([[ $m0 == - ]] && echo - || echo $((m1 - m0)))" >>"$EXTRA"
	done
	sleep 1
	local lat
	h0=$(ac_counter hits_total) m0=$(ac_counter misses_total)
	lat=$("${PIN_CLIENT[@]}" "$WORK/dnsprobe" -server "127.0.0.1:$PORT" -local 127.0.0.2 -queries "$Q/hot.txt" \
		-rate "$LAT_RATE" -d "${LAT_DURATION}s")
	# The hot names' hit ratio right after the random mix: the hot set survived the flood.
	[[ $h0 == - ]] || lat+=" hits=$(($(ac_counter hits_total) - h0)) misses=$(($(ac_counter misses_total) - m0))"
	printf '%s\t%s\t%s\n' "$c" "$r" "$lat" >>"$LAT"
	say "$c round $r latency at $LAT_RATE qps: $lat"
	stop_server
}

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary $("$COREDNS" -version 2>/dev/null | head -1)"
say "pinning: $([[ $PIN == 1 ]] && echo "servers on CPU $SERVER_CPU, dnsperf/dnsprobe on CPU $CLIENT_CPU" || echo off)"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $CONFIGS; do run_round "$c" "$r"; done
done

# ---------------------------------------------------------------------------------------------
# Report.
echo
echo "== hostdns hot path (issue 17) $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before $START_LOAD, after $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== dnsperf -l $DURATION -c $CLIENTS -T $THREADS -q $OUTSTANDING ${QPS_CAP:+-Q $QPS_CAP}; $ROUNDS rounds; pinning $([[ $PIN == 1 ]] && echo "server CPU $SERVER_CPU, client CPU $CLIENT_CPU" || echo off); binary $("$COREDNS" -version 2>/dev/null | head -1)"
awk -F'\t' -v secs="$DURATION" '
FNR == NR { k = $1 SUBSEP $2; dc[k] = dc[k] (dc[k] == "" ? "" : "/") ($4 == "NA" ? "NA" : sprintf("%.0f", $4 * 100 / secs))
	if ($5 != "-") { hit[k] += $5; mis[k] += $6 }; next }
{
	k = $2 SUBSEP $3
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	q[k] = q[k] (q[k] == "" ? "" : " / ") sprintf("%.0f", $5); sum[k] += $5; cnt[k]++
	if ($14 != "NA") { cpu[k] += $14; ncpu[k]++; sc[k] = sc[k] (sc[k] == "" ? "" : "/") sprintf("%.0f", $14 * $5 / 1e4) }
	ld[k] = ld[k] (ld[k] == "" ? "" : "/") $12 ($13 > 0 ? "*" : ""); rc[k] = $9
}
function mean(list,   a, i, n, t) { n = split(list, a, "/"); for (i = 1; i <= n; i++) t += a[i]; return n > 0 ? t / n : 0 }
function ratio(k, b) { return (b in sum && sum[b] > 0) ? sprintf("%.2fx", sum[k] / cnt[k] / (sum[b] / cnt[b])) : "-" }
function cratio(k, b) { return (ncpu[k] > 0 && ncpu[b] > 0 && cpu[k] > 0) ? sprintf("%.2fx", (cpu[b] / ncpu[b]) / (cpu[k] / ncpu[k])) : "-" }
END {
	printf "%-16s %-7s %-17s %8s %7s %7s %8s %8s %8s %-9s %-9s %-9s %-12s %s\n", "config", "mix", "qps (rounds)", "mean", "/file", "/pdns", "cpu us/q", "cpu:file", "cpu:pdns", "srv cpu%", "perf cpu%", "limit", "load1", "rcodes (last round); answercache hit ratio"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		cq = ncpu[k] > 0 ? sprintf("%.1f", cpu[k] / ncpu[k]) : "NA"
		# The limit: a server near 100 % of its one core is the limit; otherwise dnsperf near
		# 100 % of its core is; otherwise neither (the round trip, dnsperf -q).
		lim = "neither"
		if (mean(sc[k]) >= 90) lim = "server"; else if (mean(dc[k]) >= 90) lim = "generator"
		hr = (k in hit && hit[k] + mis[k] > 0) ? sprintf("; hits %.1f%%", 100 * hit[k] / (hit[k] + mis[k])) : ""
		printf "%-16s %-7s %-17s %8.0f %7s %7s %8s %8s %8s %-9s %-9s %-9s %-12s %s%s\n", p[1], p[2], q[k], sum[k] / cnt[k], ratio(k, "file" SUBSEP p[2]), ratio(k, "pdns" SUBSEP p[2]), cq, cratio(k, "file" SUBSEP p[2]), cratio(k, "pdns" SUBSEP p[2]), sc[k], dc[k], lim, ld[k], rc[k], hr
	}
	print "/file, /pdns: mean qps over file'"'"'s / PowerDNS'"'"'s on the same mix. cpu us/q: server CPU (user+system) per answered query, mean of the rounds; cpu:file, cpu:pdns: file'"'"'s / PowerDNS'"'"'s cpu us/q over this one'"'"'s (above 1: cheaper)."
	print "srv cpu%, perf cpu%: the server'"'"'s and dnsperf'"'"'s CPU as % of one core, each round; limit: server at >= 90 % of its core (mean of the rounds), else generator at >= 90 %, else neither."
	print "answercache hit ratio: hits / (hits + misses) over the warm-ups and runs of that mix, all rounds."
}' "$EXTRA" "$RESULTS"
echo
echo "== latency: dnsprobe -rate $LAT_RATE -d ${LAT_DURATION}s, the hot mix's queries in turn, after the throughput runs on the same server"
awk -F'\t' '
function kv(s, key,   a, i, n) { n = split(s, a, " "); for (i = 1; i <= n; i++) if (index(a[i], key "=") == 1) return substr(a[i], length(key) + 2); return "?" }
{
	k = $1; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	for (f = 1; f <= 8; f++) { split("answered_pct p50_ms p99_ms p999_ms max_ms sender_late_max_ms hits misses", names, " "); v[k, f] = v[k, f] (v[k, f] == "" ? "" : " / ") kv($3, names[f]) }
}
END {
	printf "%-16s %-16s %-16s %-18s %-18s %-18s %-16s %s\n", "config", "answered %", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "probe late ms", "answercache hits / misses"
	for (i = 1; i <= n; i++) printf "%-16s %-16s %-16s %-18s %-18s %-18s %-16s %s\n", order[i], v[order[i], 1], v[order[i], 2], v[order[i], 3], v[order[i], 4], v[order[i], 5], v[order[i], 6], (order[i] ~ /^sql-(answercache|fastpath)/ ? v[order[i], 7] " hits, " v[order[i], 8] " misses" : "")
	print "each column: the rounds in order. probe late ms: how far behind schedule dnsprobe itself sent a query at worst (its own CPU starvation, charged to the server in the percentiles)."
	print "answercache hits/misses: during the probe, which comes right after the random mix."
}' "$LAT"
exit
}
