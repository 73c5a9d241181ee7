#!/usr/bin/env bash
# test/bench/dnssec.sh: DNSSEC benchmarks (issue 10) against the built bin/coredns, with dnsperf.
#
#   signed   sqlbackend + sqlsign on 1,000 secured zones (ECDSA P-256 KSK + ZSK each), the mixed
#            mix, DO=0 against DO=1 on the same running server, NSEC and NSEC3 (narrow) zones.
#            Each server first runs through the whole query file once with DO=1, so the
#            signature cache (cache_size 1,000,000) holds every signature the mix needs. A third
#            server, sqlbackend without sqlsign on the NSEC zones, shows what DO=1 costs without
#            signatures (its answers carry the unsigned NSEC records only). Two more, cached-nsec
#            and cached-nsec3, put answercache above sqlsign, as a provider runs the hot path:
#            warmed with two passes each way (answercache admits an answer on its second ask).
#   flood    the random mix (every name new, all NXDOMAIN) with DO=1: sqlsign NSEC, sqlsign
#            NSEC3 narrow (white lies: new signatures per name), the same with cache_size 10000,
#            and the stock CoreDNS file + dnssec plugins (black lies) on the same zones and keys,
#            one server block per zone as providers run file. Server CPU per query, RSS and
#            sqlsign's cache_entries after every round.
# Default: both. All servers of a group run at once (idle ones take no CPU) and every round
# queries each of them in turn (A B C A B C), so background load hits all of them.
#
# Environment: BENCH_DURATION (s, default 10), BENCH_ROUNDS (3), BENCH_CLIENTS (4),
# BENCH_THREADS (1), BENCH_OUTSTANDING (100), BENCH_QPS (-Q cap, default none), BENCH_KEEP=1
# (keep the work directory), COREDNS (default bin/coredns, built with ./build/build.sh when
# missing or BENCH_BUILD=1).
#
# The server helpers (start_coredns, perf, stop_server, wait_ready, ...) are run.sh's own,
# read from it by name, so both scripts measure the same way; dnsperf's -D (DO=1) is added by
# a wrapper when DO=1 is set.
{
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-4}
THREADS=${BENCH_THREADS:-1}
OUTSTANDING=${BENCH_OUTSTANDING:-100}
QPS_CAP=${BENCH_QPS:-}
COREDNS=${COREDNS:-$ROOT/bin/coredns}

GROUPS_WANTED=("$@")
[[ ${#GROUPS_WANTED[@]} -eq 0 ]] && GROUPS_WANTED=(signed flood)
for g in "${GROUPS_WANTED[@]}"; do
	case $g in signed | flood) ;; *)
		echo "usage: $0 [signed|flood]..." >&2
		exit 2
		;;
	esac
done

# shellcheck source=run_sh_functions.sh
source "$ROOT/test/bench/run_sh_functions.sh"
load_run_sh dnssec.sh say free_port rss_kb cpu_ticks host_ticks gc_count wait_ready start_coredns stop_server perf schema_file changes_file load_sqlite
CLK_TCK=$(getconf CLK_TCK)
# dnsperf with -D (DNSSEC OK) when DO=1: perf calls dnsperf by name, and a function comes first.
DO=0
# It also prints dnsperf's own CPU time (into perf's output file): dnsperf shares the 2 cores with
# the server, so what it spends per query (more with DO=1's larger answers) is QPS the server
# cannot get.
dnsperf() {
	local d=() a=("$@") i
	[[ $DO == 1 ]] && d=(-D)
	# perf's 1 s warm-up ("-l 1") reads WARM_QF when set: in a flood the measured run must not
	# ask names its warm-up has just put in the signature caches.
	if [[ -n ${WARM_QF:-} && " $* " == *" -l 1 "* ]]; then
		for ((i = 0; i < ${#a[@]}; i++)); do [[ ${a[i]} == -d ]] && a[i + 1]=$WARM_QF; done
	fi
	# sqlsign's signature count before each run: the last one is the measured run's start.
	MADE_BEFORE=$(metric "$SRV_NAME" coredns_sqlsign_signatures_made_total)
	/usr/bin/time -f 'dnsperf-cpu %U %S' dnsperf "${d[@]}" "${a[@]}"
}

command -v dnsperf >/dev/null && command -v dig >/dev/null && command -v sqlite3 >/dev/null || {
	echo "dnssec.sh needs dnsperf, dig and sqlite3 (test/bench/run.sh installs the first two)" >&2
	exit 1
}
if [[ ! -x $COREDNS || ${BENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS"
	OUT=$COREDNS ./build/build.sh >&2
fi

WORK=$(mktemp -d /tmp/hostdns-dnssec-bench.XXXXXX)
# shellcheck source=servers.sh
source "$ROOT/test/bench/servers.sh"
trap cleanup EXIT
RESULTS=$WORK/results.tsv
METRICS=$WORK/metrics.tsv
: >"$RESULTS"
: >"$METRICS"
mkdir -p "$WORK/cf"

# ---------------------------------------------------------------------------------------------
# Data: the generator's 1,000 zones (no big zone), every zone secured with its own KSK and ZSK.
DATA=$WORK/data
say "generating data into $DATA"
go build -o "$WORK/gen" ./test/bench/gen
"$WORK/gen" -out "$DATA" -big 0 >&2
go run ./test/bench/dnsseckeys -zones "$DATA/zones.list" -sql "$DATA/keys.sql" -keydir "$DATA/keys" -nsec3 "$DATA/nsec3.sql"
LAST_ZONE=$(tail -1 "$DATA/zones.list")
Q=$DATA/queries
say "loading SQLite: NSEC zones and NSEC3 narrow zones (same records, same keys)"
load_sqlite "$WORK/nsec.sqlite" "$DATA/pdns-data.sql" "$DATA/keys.sql" $(changes_file sqlite)
load_sqlite "$WORK/nsec3.sqlite" "$DATA/pdns-data.sql" "$DATA/keys.sql" "$DATA/nsec3.sql" $(changes_file sqlite)

# ---------------------------------------------------------------------------------------------
# Servers. Each has a name; start_server keeps its pid, port and metrics port.
corefile_sqlsign() { # DB CACHE_SIZE METRICSPORT
	printf '. {\n    prometheus 127.0.0.1:%s\n    sqlsign {\n        cache_size %s\n    }\n    sqlbackend {\n        driver sqlite\n        dsn %s\n        schema none\n    }\n}\n' "$3" "$2" "$1"
}
# The same behind answercache, as a provider runs the hot path (plugin/answercache): signed and
# unsigned answers alike come from packed bytes once warm.
corefile_cached() { # DB CACHE_SIZE METRICSPORT
	printf '. {\n    prometheus 127.0.0.1:%s\n    answercache {\n        size 256MiB\n    }\n    sqlsign {\n        cache_size %s\n    }\n    sqlbackend {\n        driver sqlite\n        dsn %s\n        schema none\n    }\n}\n' "$3" "$2" "$1"
}
# The same without sqlsign: what DO=1 costs sqlbackend alone (its unsigned NSEC/NSEC3 records).
corefile_unsigned() { # DB METRICSPORT
	printf '. {\n    prometheus 127.0.0.1:%s\n    sqlbackend {\n        driver sqlite\n        dsn %s\n        schema none\n    }\n}\n' "$2" "$1"
}
# The stock plugins as providers run them: one server block per zone, file + dnssec with the
# zone's KSK and ZSK (split signing: the KSK signs DNSKEY, the ZSK the rest).
corefile_stock() { # METRICSPORT
	local z base
	while read -r z; do
		printf '%s {\n    prometheus 127.0.0.1:%s\n    dnssec {\n        key file' "$z" "$1"
		for base in "$DATA/keys/K$z"+013+*.key; do printf ' %s' "${base%.key}"; done
		printf '\n    }\n    file %s/zones/db.%s\n}\n' "$DATA" "${z%.}"
	done <"$DATA/zones.list"
}
# after_start NAME (servers.sh calls it): one answer and one denial with DO=1, to see the
# server signs.
after_start() {
	local name=$1 z=${LAST_ZONE} q
	for q in "www.$z A" "nx-bench-check.$z A"; do
		# shellcheck disable=SC2086
		say "$name: dig +dnssec $q: $(dig +dnssec +norecurse +time=2 +tries=1 -p "${PORTS[$name]}" @127.0.0.1 $q |
			awk '/status:/ {sub(/,.*/, "", $6); s=$6} /^[^;]/ && NF > 3 {n[$4]++} END {printf "%s", s; for (t in n) printf " %s=%d", t, n[t]}')"
	done
}
# measure NAME MIX QUERYFILE ROUND DO: one perf run, then RSS and sqlsign's gauges.
measure() {
	use_server "$1"
	DO=$5
	perf "$GROUP" "$1" "$2" "$3" "$4" "$DURATION"
	DO=0
	local client
	client=$(awk '/^dnsperf-cpu/ {c = $2 + $3} /Queries completed:/ {n = $3} END {if (n > 0) printf "%.1f", c * 1e6 / n; else print "NA"}' \
		"$WORK/dnsperf.$GROUP.$1.$2.$4.txt")
	# New signatures per answered query in the measured run (0: every signature from the cache).
	local made sigs
	made=$(metric "$1" coredns_sqlsign_signatures_made_total)
	sigs=$(awk -v a="$MADE_BEFORE" -v b="$made" '/Queries completed:/ {n = $3} END {if (n > 0) printf "%.2f", (b - a) / n; else print "NA"}' \
		"$WORK/dnsperf.$GROUP.$1.$2.$4.txt")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$GROUP" "$1" "$2" "$4" "$(rss_kb "${PIDS[$1]}")" \
		"$(metric "$1" coredns_sqlsign_cache_entries)" "$sigs" "$client" >>"$METRICS"
}
# warm NAME QUERYFILE [DO0]: one pass through the whole file with DO=1 (and one without, when
# DO0 is given).
warm() {
	local flags=(-D)
	[[ ${3:-} == DO0 ]] && flags=()
	say "$1: warming the caches (one pass through $(basename "$2") with DO=${3:-DO1})"
	command dnsperf "${flags[@]}" -s 127.0.0.1 -p "${PORTS[$1]}" -d "$2" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -t 2 -n 1 >"$WORK/warm.$1.txt" 2>&1 || true
	say "$1: $(awk '/Queries completed:/ {c=$3} /Queries per second:/ {q=$4} END {print c " queries, " q " qps"}' "$WORK/warm.$1.txt"), cache_entries $(metric "$1" coredns_sqlsign_cache_entries), answercache_entries $(metric "$1" coredns_answercache_entries)"
}

group_signed() {
	GROUP=signed
	start_server sqlsign-nsec corefile_sqlsign "$WORK/nsec.sqlite" 1000000
	start_server sqlsign-nsec3 corefile_sqlsign "$WORK/nsec3.sqlite" 1000000
	start_server unsigned-nsec corefile_unsigned "$WORK/nsec.sqlite"
	start_server cached-nsec corefile_cached "$WORK/nsec.sqlite" 1000000
	start_server cached-nsec3 corefile_cached "$WORK/nsec3.sqlite" 1000000
	warm sqlsign-nsec "$Q/mixed.txt"
	warm sqlsign-nsec3 "$Q/mixed.txt"
	# answercache admits an answer the second time its key is asked: two passes each way.
	local r n
	for n in cached-nsec cached-nsec3; do
		for r in 1 2; do
			warm "$n" "$Q/mixed.txt"
			warm "$n" "$Q/mixed.txt" DO0
		done
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in sqlsign-nsec sqlsign-nsec3 unsigned-nsec cached-nsec cached-nsec3; do
			measure "$n" mixed-DO0 "$Q/mixed.txt" "$r" 0
			measure "$n" mixed-DO1 "$Q/mixed.txt" "$r" 1
		done
	done
	stop_all
}

group_flood() {
	GROUP=flood
	start_server sqlsign-nsec corefile_sqlsign "$WORK/nsec.sqlite" 100000
	start_server sqlsign-nsec3 corefile_sqlsign "$WORK/nsec3.sqlite" 100000
	start_server sqlsign-nsec3-c10k corefile_sqlsign "$WORK/nsec3.sqlite" 10000
	start_server stock-dnssec corefile_stock
	# Fresh random names for every round (the generator's random mix with another seed, 800,000
	# lines: more than the fastest server answers in a run) and for the warm-ups, so that no
	# measured query was asked of that server before: every server has its own caches, so
	# within a round they all get the same file.
	local r n
	for ((r = 0; r <= ROUNDS; r++)); do
		"$WORK/gen" -out "$WORK/flood-$r" -big 0 -no-sql -seed $((1000 + r)) -random-queries 800000 >&2
	done
	WARM_QF=$WORK/flood-0/queries/random.txt
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in stock-dnssec sqlsign-nsec sqlsign-nsec3 sqlsign-nsec3-c10k; do
			measure "$n" random-DO1 "$WORK/flood-$r/queries/random.txt" "$r" 1
		done
	done
	WARM_QF=
	stop_all
}

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary $("$COREDNS" -version 2>/dev/null | head -1)"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for g in "${GROUPS_WANTED[@]}"; do
	say "=== group $g"
	"group_$g"
done

# ---------------------------------------------------------------------------------------------
# Report. signed: DO=1 over DO=0 of the same server, per round and overall. flood: over
# stock-dnssec. cpu us/q: server CPU (user+system) per answered query.
echo
echo "== hostdns DNSSEC benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before $START_LOAD, after $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== dnsperf -l $DURATION -c $CLIENTS -T $THREADS -q $OUTSTANDING ${QPS_CAP:+-Q $QPS_CAP}(+ -D for DO1); $ROUNDS rounds, interleaved; binary $("$COREDNS" -version 2>/dev/null | head -1)"
awk -F'\t' '
FNR == NR { k = $1 SUBSEP $2 SUBSEP $3; rssa[k] = rssa[k] (rssa[k] == "" ? "" : "/") int($5 / 1024); ce[k] = ce[k] (ce[k] == "" ? "" : "/") ($2 == "stock-dnssec" ? "-" : $6); sg[k] = sg[k] (sg[k] == "" ? "" : "/") ($2 == "stock-dnssec" ? "-" : $7); cl[k] = cl[k] (cl[k] == "" ? "" : "/") $8; next }
{
	k = $1 SUBSEP $2 SUBSEP $3
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	q[k, $4] = $5; sum[k] += $5; cnt[k]++
	if (!(k in lo) || $5 < lo[k]) lo[k] = $5
	if ($5 > hi[k]) hi[k] = $5
	cpu[k] = cpu[k] (cpu[k] == "" ? "" : "/") $14; cs[k] += $14
	ld[k] = ld[k] (ld[k] == "" ? "" : "/") $12 ($13 > 0 ? "*" : "")
	rc[k] = $9; rss0[k] = int($10 / 1024); rounds = ($4 > rounds ? $4 : rounds)
}
END {
	printf "%-7s %-19s %-10s %-20s %7s %-24s %-16s %-16s %-16s %-16s %-16s %-16s %s\n", "group", "config", "mix", "qps (each round)", "mean", "ratio (each round)", "cpu us/q", "dnsperf us/q", "RSS MiB", "cache_entries", "new sigs/q", "load1", "rcodes (last round)"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		b = ""
		if (p[1] == "signed" && p[3] ~ /DO1$/) { bm = p[3]; sub(/DO1$/, "DO0", bm); b = p[1] SUBSEP p[2] SUBSEP bm }
		if (p[1] == "flood" && p[2] != "stock-dnssec") b = p[1] SUBSEP "stock-dnssec" SUBSEP p[3]
		runs = ""; rr = "-"
		for (r = 1; r <= rounds; r++) if ((k, r) in q) runs = runs (runs == "" ? "" : "/") sprintf("%.0f", q[k, r])
		if (b != "" && (b in sum)) {
			rr = sprintf("%.2fx (", sum[k] / cnt[k] / (sum[b] / cnt[b])); s = ""
			for (r = 1; r <= rounds; r++) if (((k, r) in q) && ((b, r) in q) && q[b, r] > 0) { rr = rr s sprintf("%.2f", q[k, r] / q[b, r]); s = "/" }
			rr = rr ")"
		}
		printf "%-7s %-19s %-10s %-20s %7.0f %-24s %-16s %-16s %-16s %-16s %-16s %-16s %s\n", p[1], p[2], p[3], runs, sum[k] / cnt[k], rr, cpu[k], cl[k], rss0[k] ">" rssa[k], ce[k], sg[k], ld[k], rc[k]
	}
	print "ratio: signed: DO1 over DO0 of the same server (each round: the pair measured back to back); flood: over stock-dnssec, same round."
	print "cpu us/q: server CPU (user+system from /proc) per answered query, each round; dnsperf us/q: dnsperf'"'"'s own. RSS MiB: when ready > after each round."
	print "cache_entries: coredns_sqlsign_cache_entries after each round (stock dnssec: its gauge has one server label that its 1,000 blocks overwrite; not shown)."
	print "new sigs/q: coredns_sqlsign_signatures_made_total during the measured run over the queries answered (0.00: all from the cache)."
	print "load1: 1-minute load average before each round (* = compiler processes were running)."
}' "$METRICS" "$RESULTS"
exit
}
