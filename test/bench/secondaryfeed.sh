#!/usr/bin/env bash
# test/bench/secondaryfeed.sh: secondaryfeed's transfer benchmarks (issue 12, item 8) against the
# built bin/coredns, next to the stock transfer plugin in the same run.
#
# Two servers on one SQLite file (sqlbackend, change log triggers, its default poll):
#   feed   secondaryfeed big.example. mid.example. (allow 127.0.0.1), no transfer plugin
#   stock  the stock transfer plugin (to *), no secondaryfeed
#   (a) axfr     big.example. (100,000 records, the generator's big zone): AXFR from each server,
#                ROUNDS times interleaved (feed stock feed stock ...): wall time of dig, records,
#                messages, bytes; the records are compared once (sorted) so both serve one zone.
#   (b) ixfr     mid.example. (1,500 records, the same generator): one SQL transaction of 7 rows
#                (SOA serial bumped, 3 A records changed, 2 added, 1 deleted); then IXFR from the
#                old serial to each server: records, messages, bytes. The stock plugin answers
#                AXFR-style (the whole zone), secondaryfeed with the condensed difference.
#   (c) journal  CHANGES more 7-row transactions on mid.example., each waited for on the feed
#                server's SOA: coredns_secondaryfeed_journal_bytes before and after, divided by the
#                number of changes, and the RSS (the Go heap in use only shows when the garbage
#                collector last ran, so it is not reported). The same waits give the
#                commit-to-fed-serial time at the primary itself (dig polls: ~10 ms resolution).
#   (d) follow   test/bench/sfprop: a go benchmark starting hostdns (sqlbackend + secondaryfeed,
#                NOTIFY to the secondaries) and, side by side, hostdns with the stock transfer
#                plugin, on one SQLite file, each with BIND, Knot, NSD and CoreDNS's secondary
#                plugin as secondaries (test/harness); COMMITS SQL commits; commit-to-served p50,
#                p99 and max per secondary and primary, with the default polls, and
#                NOTIFY-to-served (from when a ninth NOTIFY target, the benchmark's own, got
#                the primary's NOTIFY).
# Default: all four, about 3-5 minutes on a busy 2-core machine.
#
# Environment: BENCH_ROUNDS (AXFR rounds, default 3), BENCH_CHANGES (journal changes, 50),
# BENCH_COMMITS (commits of (d), 50), BENCH_GAPS (the runs of (d): the pause from a commit served
# everywhere to the next commit, default "1s 0s": changes a second apart, then back to back, where
# BIND and Knot, behind either primary, show NOTIFY-to-served tails of 0.3-1 s), BENCH_KEEP=1 (keep the work directory), COREDNS (default
# bin/coredns, built with ./build/build.sh when missing or BENCH_BUILD=1).
#
# The server helpers (start_coredns, stop_server, wait_ready, load_sqlite, ...) are run.sh's own,
# read from it by name, as dnssec.sh does.
{
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

ROUNDS=${BENCH_ROUNDS:-3}
CHANGES=${BENCH_CHANGES:-50}
COMMITS=${BENCH_COMMITS:-50}
GAPS=${BENCH_GAPS:-1s 0s}
COREDNS=${COREDNS:-$ROOT/bin/coredns}

PARTS_WANTED=("$@")
[[ ${#PARTS_WANTED[@]} -eq 0 ]] && PARTS_WANTED=(axfr ixfr journal follow)
for p in "${PARTS_WANTED[@]}"; do
	case $p in axfr | ixfr | journal | follow) ;; *)
		echo "usage: $0 [axfr|ixfr|journal|follow]..." >&2
		exit 2
		;;
	esac
done
want() { [[ " ${PARTS_WANTED[*]} " == *" $1 "* ]]; }

# shellcheck source=run_sh_functions.sh
source "$ROOT/test/bench/run_sh_functions.sh"
load_run_sh secondaryfeed.sh say free_port rss_kb wait_ready start_coredns stop_server schema_file changes_file load_sqlite

command -v dig >/dev/null && command -v sqlite3 >/dev/null && command -v curl >/dev/null || {
	echo "secondaryfeed.sh needs dig, sqlite3 and curl" >&2
	exit 1
}
if [[ ! -x $COREDNS || ${BENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS"
	OUT=$COREDNS ./build/build.sh >&2
fi
for p in secondaryfeed transfer sqlbackend prometheus; do
	"$COREDNS" -plugins | grep -qE "^(dns\.)?$p\$" || {
		echo "secondaryfeed.sh: $COREDNS has no $p plugin" >&2
		exit 1
	}
done

WORK=$(mktemp -d /tmp/hostdns-sf-bench.XXXXXX)
# shellcheck source=servers.sh
source "$ROOT/test/bench/servers.sh"
trap cleanup EXIT
REPORT=$WORK/report.txt
: >"$REPORT"
report() { echo "$*" | tee -a "$REPORT" >&2; }
mkdir -p "$WORK/cf"

# ---------------------------------------------------------------------------------------------
# Data: big.example. (100,000 records, domain 1) and mid.example. (1,500 records, domain 2: the
# generator's big zone at 1,500 records, renamed), in one SQLite file with sqlstore's schema and
# change log.
BIG=big.example.
MID=mid.example.
DB=$WORK/zones.sqlite
say "generating data"
go build -o "$WORK/gen" ./test/bench/gen
"$WORK/gen" -out "$WORK/big" -zones 0 -big 100000 -no-queries >&2
"$WORK/gen" -out "$WORK/mid" -zones 1 -big 1500 -no-queries >&2
sed 's/big\.example/mid.example/g' "$WORK/mid/pdns-big.sql" >"$WORK/mid.sql"
load_sqlite "$DB" "$WORK/big/pdns-big.sql" "$WORK/mid.sql" $(changes_file sqlite)
MID_SERIAL=$(sqlite3 "$DB" "SELECT content FROM records WHERE name='mid.example' AND type='SOA'" | awk '{print $3}')
say "loaded $(sqlite3 "$DB" 'SELECT count(*) FROM records') records into $DB; mid.example. serial $MID_SERIAL"

# sql STATEMENTS: one transaction on the database, as a PowerDNS user's tool makes a change.
sql() { printf '.timeout 10000\nBEGIN;\n%s\nCOMMIT;\n' "$1" | sqlite3 "$DB" >/dev/null; }

# ---------------------------------------------------------------------------------------------
# Servers. Both on the same database, each with its own metrics port.
corefile_feed() { # METRICSPORT
	printf '. {\n    bind 127.0.0.1\n    prometheus 127.0.0.1:%s\n    secondaryfeed %s %s {\n        allow 127.0.0.1\n    }\n    sqlbackend {\n        driver sqlite\n        dsn %s\n        schema none\n    }\n}\n' "$1" "$BIG" "$MID" "$DB"
}
corefile_stock() { # METRICSPORT
	printf '. {\n    bind 127.0.0.1\n    prometheus 127.0.0.1:%s\n    transfer {\n        to *\n    }\n    sqlbackend {\n        driver sqlite\n        dsn %s\n        schema none\n    }\n}\n' "$1" "$DB"
}
# serial NAME ZONE: the zone's SOA serial as the server answers it (empty when it does not).
serial() { dig +short +time=1 +tries=1 -p "${PORTS[$1]}" @127.0.0.1 "$2" SOA 2>/dev/null | awk 'NF == 7 {print $3}'; }
# wait_serial NAME ZONE SERIAL SECONDS: until the server answers SERIAL (or later) for ZONE.
wait_serial() {
	local end=$((SECONDS + $4)) s
	while ((SECONDS < end)); do
		s=$(serial "$1" "$2")
		[[ -n $s ]] && (((s - $3) >= 0)) && return 0
		sleep 0.01
	done
	say "$1: $2 serial $3 not served within $4 s (serving ${s:-nothing})"
	return 1
}
# xfr NAME ZONE TYPE OUT: one transfer with dig (TYPE AXFR or IXFR=N), its records in OUT;
# prints "ms records messages bytes" (ms: dig's wall time, printing the records to OUT included).
xfr() {
	local t0 t1
	t0=$(date +%s%N)
	dig +time=30 +tries=1 +nocookie -p "${PORTS[$1]}" @127.0.0.1 "$2" "$3" >"$4" 2>&1
	t1=$(date +%s%N)
	awk -v ms="$(((t1 - t0) / 1000000))" '/^;; XFR size:/ {r = $4; m = $7; b = $9} /Transfer failed|communications error|connection refused/ {bad = 1}
		END {sub(/,/, "", m); sub(/\)/, "", b); if (bad || r == "") print ms, "failed", 0, 0; else print ms, r, m, b}' "$4"
}
# records FILE: the records of a dig transfer output, sorted (the trailing SOA dropped by sort -u).
records() { awk '!/^;/ && NF >= 5' "$1" | sort -u; }

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary $("$COREDNS" -version 2>/dev/null | head -1)"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
READY_NAME=$BIG
start_server feed corefile_feed
start_server stock corefile_stock
# The feed server answers the apex SOA once its first version is built; wait for both zones'.
wait_serial feed "$BIG" 1 120
wait_serial feed "$MID" "$MID_SERIAL" 120
report "== hostdns secondaryfeed benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load at start $START_LOAD"
report "== binary $("$COREDNS" -version 2>/dev/null | head -1); feed RSS $(($(rss_kb "${PIDS[feed]}") / 1024)) MiB, stock RSS $(($(rss_kb "${PIDS[stock]}") / 1024)) MiB once ready"

# ---------------------------------------------------------------------------------------------
part_axfr() {
	local r n out
	declare -A MS=() LINE=()
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in feed stock; do
			out=$(xfr "$n" "$BIG" AXFR "$WORK/axfr.$n.txt")
			say "axfr $n round $r: $out (ms records messages bytes; load $(cut -d' ' -f1 /proc/loadavg))"
			MS[$n]="${MS[$n]:-}${MS[$n]:+/}${out%% *}"
			LINE[$n]=${out#* }
		done
	done
	local same=no
	cmp -s <(records "$WORK/axfr.feed.txt") <(records "$WORK/axfr.stock.txt") && same=yes
	report "(a) AXFR $BIG, $(records "$WORK/axfr.feed.txt" | wc -l) distinct records, same records from both: $same"
	for n in feed stock; do
		read -r rec msg bytes <<<"${LINE[$n]}"
		local best
		best=$(tr / '\n' <<<"${MS[$n]}" | sort -n | head -1)
		report "    $(printf '%-6s' "$n") ms (each round) ${MS[$n]}  best $best  records $rec  messages $msg  bytes $bytes"
		eval "BEST_$n=$best BYTES_$n=$bytes"
	done
	report "    feed/stock: time (best) $(awk -v a="$BEST_feed" -v b="$BEST_stock" 'BEGIN {printf "%.2fx", a / b}'), bytes $(awk -v a="$BYTES_feed" -v b="$BYTES_stock" 'BEGIN {printf "%.3fx", a / b}')"
}

# change_rows I SERIAL: the 7 rows of change I of mid.example.: SOA serial, 3 A records changed,
# 2 added, 1 deleted (change I adds cI-a and cI-b, deletes what change I-1 added as cI-1-a, or
# host h000010 the first time).
change_rows() {
	local i=$1 s=$2 del
	del="name='c$((i - 1))-a.mid.example'"
	((i == 1)) && del="name='h000010.mid.example' AND type='A'"
	cat <<EOF
UPDATE records SET content='ns1.dns-bench.net hostmaster.mid.example $s 7200 3600 1209600 300' WHERE name='mid.example' AND type='SOA';
UPDATE records SET content='192.0.2.$((i % 250 + 1))' WHERE name='h000001.mid.example' AND type='A';
UPDATE records SET content='192.0.2.$((i % 250 + 2))' WHERE name='h000002.mid.example' AND type='A';
UPDATE records SET content='192.0.2.$((i % 250 + 3))' WHERE name='h000003.mid.example' AND type='A';
INSERT INTO records (domain_id,name,type,content,ttl,prio,disabled,auth) VALUES (2,'c$i-a.mid.example','A','198.51.100.$((i % 250 + 1))',3600,0,0,1);
INSERT INTO records (domain_id,name,type,content,ttl,prio,disabled,auth) VALUES (2,'c$i-b.mid.example','AAAA','2001:db8::$i',3600,0,0,1);
DELETE FROM records WHERE domain_id=2 AND $del;
EOF
}
CHANGE=0
# change: the next 7-row change of mid.example., committed; waits until both servers serve it
# (WAIT_STOCK=1) or the feed server alone; CHANGE_MS: commit to served at the feed server, ms.
change() {
	CHANGE=$((CHANGE + 1))
	local s=$((MID_SERIAL + CHANGE)) t0 t1
	sql "$(change_rows "$CHANGE" "$s")"
	t0=$(date +%s%N)
	wait_serial feed "$MID" "$s" 30
	t1=$(date +%s%N)
	CHANGE_MS=$(((t1 - t0) / 1000000))
	[[ ${WAIT_STOCK:-0} == 1 ]] && wait_serial stock "$MID" "$s" 30
	return 0
}

part_ixfr() {
	local old=$((MID_SERIAL + CHANGE)) n out
	WAIT_STOCK=1 change
	report "(b) IXFR $MID ($(sqlite3 "$DB" "SELECT count(*) FROM records WHERE domain_id=2") records) from serial $old after one 7-row SQL change"
	for n in feed stock; do
		out=$(xfr "$n" "$MID" "IXFR=$old" "$WORK/ixfr.$n.txt")
		read -r ms rec msg bytes <<<"$out"
		report "    $(printf '%-6s' "$n") records $rec  messages $msg  bytes $bytes  (dig ${ms} ms)"
		eval "IREC_$n=$rec IBYTES_$n=$bytes"
	done
	report "    stock/feed: records $(awk -v a="$IREC_stock" -v b="$IREC_feed" 'BEGIN {printf "%.0fx", a / b}'), bytes $(awk -v a="$IBYTES_stock" -v b="$IBYTES_feed" 'BEGIN {printf "%.0fx", a / b}')"
	report "    feed's IXFR: $(awk '!/^;/ && NF >= 5 {printf "%s%s %s", s, $1, $4; s = ", "}' "$WORK/ixfr.feed.txt")"
}

part_journal() {
	local j0 r0 i ms=()
	j0=$(metric feed coredns_secondaryfeed_journal_bytes)
	r0=$(rss_kb "${PIDS[feed]}")
	for ((i = 1; i <= CHANGES; i++)); do
		change
		ms+=("$CHANGE_MS")
	done
	local j1 r1
	j1=$(metric feed coredns_secondaryfeed_journal_bytes)
	r1=$(rss_kb "${PIDS[feed]}")
	report "(c) journal after $CHANGES more 7-row changes of $MID ($CHANGE in all, journal default 100 versions):"
	report "    journal_bytes $j0 -> $j1: $(((j1 - j0) / CHANGES)) bytes per change (wire size of the records kept); RSS $((r0 / 1024)) -> $((r1 / 1024)) MiB (garbage collection, not the journal, moves it)"
	report "    SQL commit to the new serial at the feed server (sqlbackend poll 200ms), ms over $CHANGES changes: $(printf '%s\n' "${ms[@]}" | sort -n | awk '{v[NR] = $1} END {printf "p50 %d, p99 %d, max %d", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR]}')"
}

part_follow() {
	local g out
	for g in $GAPS; do
		say "(d) go test -bench CommitToServed ./test/bench/sfprop ($COMMITS commits, ${g} between them)"
		out=$WORK/follow.$g.txt
		HOSTDNS_BINARY=$COREDNS go test -count=1 -run '^$' -bench 'CommitToServed' -benchtime "${COMMITS}x" -timeout 10m ./test/bench/sfprop \
			-args -sfprop.gap="$g" >"$out" 2>&1 || {
			say "sfprop failed:"
			tail -40 "$out" >&2
			return 1
		}
		report "(d) SQL commit to served at each secondary, $COMMITS commits, $g from one served everywhere to the next commit (load $(cut -d' ' -f1 /proc/loadavg)), default polls (sqlbackend 200ms, secondaryfeed 1s), test/bench/sfprop:"
		# The table the benchmark prints (after the benchmark's name), then its result line.
		awk '/^(goos|goarch|pkg|cpu|ok)[: \t]|^PASS$/ {next}
			{sub(/^BenchmarkCommitToServed\/sfprop-[0-9]+[ ]*\t/, "")}
			/^[ \t]*[0-9]+[ \t]+[0-9]+ ns\/op/ {gsub(/[ \t]+/, " "); print "    go test -bench:" $0; next}
			{print}' "$out" | tee -a "$REPORT" >&2
	done
}

want axfr && part_axfr
want ixfr && part_ixfr
want journal && part_journal
if want follow; then
	# The two servers' load is not part of (d), which starts its own.
	for n in "${!PIDS[@]}"; do
		SRV_PID=${PIDS[$n]}
		stop_server
		unset "PIDS[$n]"
	done
	part_follow
fi

echo
cat "$REPORT"
echo "== load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit
}
