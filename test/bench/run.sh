#!/usr/bin/env bash
# test/bench/run.sh [GROUP...]: hostdns' side-by-side benchmarks against the built bin/coredns.
#
# Groups (default: all, in this order):
#   zones    1,000 bench zones: file (baseline: one server block per zone, as providers run
#            it), file-one-block (all zones in one block: file scans them per query), auto,
#            sqlbackend on MariaDB, on SQLite and on PostgreSQL, on the hot, mixed and random
#            query mixes
#   special  ALIAS and POOL answers vs plain A on one server: file with alias and pool above
#            it, and the same over sqlbackend; plus file alone on plain A
#   big      big.example. (100,000 records): file (baseline) vs sqlbackend
#   scale    1,000 zones vs 100,000 zones, same backend (file; sqlbackend when built)
#   pdns     PowerDNS 4 (gmysql, default caches) vs file on the random sub-domain mix
# "all" runs zones special big scale pdns. Every configuration runs ROUNDS times, interleaved
# (A B A B), and every figure of every round is printed.
#
# Environment:
#   BENCH_DURATION  seconds per dnsperf run (default 7)
#   BENCH_SCALE_DURATION  seconds per dnsperf run in the scale group (default 20: long enough
#                   that a garbage collection of the 100,000-zone heap, every 10-20 s under
#                   full load, is inside the window as often as it is in production)
#   BENCH_ROUNDS    rounds per configuration (default 2)
#   BENCH_SCALE_ROUNDS  rounds of the scale group (default 1: loading 100,000 zones is slow)
#   BENCH_SQL_KEYS=1    give sqlbackend the zones as server block keys, as file has them (default ".")
#   BENCH_CLIENTS   dnsperf -c (default 4)
#   BENCH_THREADS   dnsperf -T (default 1)
#   BENCH_OUTSTANDING dnsperf -q (default 100)
#   BENCH_QPS       dnsperf -Q, a cap on queries per second (default: none, i.e. flat out)
#   BENCH_SCALE_ZONES  zones in the large set of the scale group (default 100000)
#   BENCH_SCALE_FILE=0  leave the file plugin out of the scale group (100,000 server blocks
#                   take minutes to load)
#   BENCH_KEEP=1    keep the work directory (data, Corefiles, logs, raw dnsperf output) and the
#                   MariaDB databases (hostdns_bench*, hostdns_pdns; dropped at the end otherwise)
#   BENCH_BUILD=1   rebuild bin/coredns even when it exists
#   COREDNS         binary to test (default bin/coredns)
#   BENCH_BEFORE    an earlier build of hostdns: its sqlbackend runs in the same rounds as
#                   configurations "...-before" (zones, big and scale groups), so that a change
#                   is compared with the code it replaces in one run, on one machine's load
#
# Only 127.0.0.1 is ever queried. Every dnsperf run is bounded by -l; every wait is bounded.
# The whole script is one brace group, parsed before it runs: editing this file while a run
# is going on cannot change what that run does.
{
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-7}
SCALE_DURATION=${BENCH_SCALE_DURATION:-20}
ROUNDS=${BENCH_ROUNDS:-2}
SCALE_ROUNDS=${BENCH_SCALE_ROUNDS:-1}
CLIENTS=${BENCH_CLIENTS:-4}
THREADS=${BENCH_THREADS:-1}
OUTSTANDING=${BENCH_OUTSTANDING:-100}
QPS_CAP=${BENCH_QPS:-}
SCALE_ZONES=${BENCH_SCALE_ZONES:-100000}
COREDNS=${COREDNS:-$ROOT/bin/coredns}
MYSQL=(mariadb -uroot -h127.0.0.1 -P3306)
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)

GROUPS_WANTED=("$@")
[[ ${#GROUPS_WANTED[@]} -eq 0 ]] && GROUPS_WANTED=(all)
if [[ " ${GROUPS_WANTED[*]} " == *" all "* ]]; then
	GROUPS_WANTED=(zones special big scale pdns)
fi
for g in "${GROUPS_WANTED[@]}"; do
	case $g in zones | special | big | scale | pdns) ;; *)
		echo "usage: $0 [all|zones|special|big|scale|pdns]..." >&2
		exit 2
		;;
	esac
done

say() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }
want() { [[ " ${GROUPS_WANTED[*]} " == *" $1 "* ]]; }

WORK=$(mktemp -d /tmp/hostdns-bench.XXXXXX)
SRV_PID=
cleanup() {
	if [[ -n $SRV_PID ]] && kill -0 "$SRV_PID" 2>/dev/null; then
		kill -TERM "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
	fi
	if [[ ${BENCH_KEEP:-} == 1 ]]; then
		say "work directory kept: $WORK; databases kept: ${CREATED_DBS[*]:-none} (MariaDB), ${CREATED_PG_DBS[*]:-none} (PostgreSQL)"
	else
		rm -rf "$WORK"
		local db
		for db in "${CREATED_DBS[@]}"; do
			"${MYSQL[@]}" -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
		done
		for db in "${CREATED_PG_DBS[@]}"; do
			"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
		done
	fi
}
CREATED_DBS=() CREATED_PG_DBS=()
trap cleanup EXIT
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# ---------------------------------------------------------------------------------------------
# Tools and binary.
ensure_dnsperf() {
	command -v dnsperf >/dev/null && return 0
	say "installing dnsperf"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends dnsperf >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends dnsperf >/dev/null; }
}
ensure_dnsperf
command -v dig >/dev/null || {
	say "installing dig"
	apt-get install -y -qq --no-install-recommends bind9-dnsutils >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends bind9-dnsutils >/dev/null; }
}

if [[ ! -x $COREDNS || ${BENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS"
	OUT=$COREDNS ./build/build.sh >&2
fi
PLUGINS=$("$COREDNS" -plugins)
has_plugin() { grep -qx "$1" <<<"$PLUGINS" || grep -qx "dns.$1" <<<"$PLUGINS"; }
HAVE_SQL=0 HAVE_ALIAS=0 HAVE_POOL=0
if has_plugin sqlbackend; then HAVE_SQL=1; else say "sqlbackend not built into bin/coredns: skipping its configurations"; fi
if has_plugin alias; then HAVE_ALIAS=1; else say "alias not built into bin/coredns: skipping the ALIAS comparison"; fi
if has_plugin pool; then HAVE_POOL=1; else say "pool not built into bin/coredns: skipping the POOL comparison"; fi

# ---------------------------------------------------------------------------------------------
# Data.
DATA=$WORK/data
say "generating data into $DATA"
go build -o "$WORK/gen" ./test/bench/gen
"$WORK/gen" -out "$DATA"
ZONES_N=$(wc -l <"$DATA/zones.list")
LAST_ZONE=$(tail -1 "$DATA/zones.list")

# The schema sqlbackend reads: its own (plugin/pkg/sqlstore/schema/<dialect>.sql, PowerDNS's
# generic schema), else PowerDNS's generic schema as written by the generator. Its change log
# (schema/changes.<dialect>.sql: a table and triggers) is added after the data is loaded, so
# the bulk load does not fill the change log.
schema_file() { # dialect: mysql|postgres|sqlite
	local f=$ROOT/plugin/pkg/sqlstore/schema/$1.sql
	if [[ -f $f ]]; then
		echo "$f"
	elif [[ $1 == mysql ]]; then
		echo "$DATA/schema-mysql.sql"
	else
		echo "$DATA/schema-sqlite.sql"
	fi
}
changes_file() { # dialect: prints nothing when sqlstore has no change log
	local f=$ROOT/plugin/pkg/sqlstore/schema/changes.$1.sql
	[[ -f $f ]] && echo "$f"
	return 0
}

mariadb_up() { "${MYSQL[@]}" -e 'select 1' >/dev/null 2>&1; }
postgres_up() { "${PSQL[@]}" -d postgres -c 'select 1' >/dev/null 2>&1; }
# ensure_up NAME UPCHECK: run ensure-services.sh when the database does not answer.
ensure_up() {
	"$2" && return 0
	say "$1 does not answer: running test/scripts/ensure-services.sh"
	./test/scripts/ensure-services.sh >&2 || true
	"$2"
}
ensure_mariadb() { ensure_up MariaDB mariadb_up; }
ensure_postgres() { ensure_up PostgreSQL postgres_up; }

# load_mariadb DB SQLFILE...: a fresh database with the schema and the given data.
load_mariadb() {
	local db=$1 schema=$2
	shift 2
	"${MYSQL[@]}" -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
	CREATED_DBS+=("$db")
	"${MYSQL[@]}" "$db" <"$schema"
	local f
	for f in "$@"; do "${MYSQL[@]}" "$db" <"$f"; done
}
# load_postgres DB SQLFILE...: a fresh database with the schema and the given data.
load_postgres() {
	local db=$1 schema=$2
	shift 2
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	CREATED_PG_DBS+=("$db")
	cat "$schema" "$@" | "${PSQL[@]}" -d "$db" >/dev/null
}
# load_sqlite FILE SQLFILE...
load_sqlite() {
	local db=$1
	shift
	rm -f "$db"
	cat "$(schema_file sqlite)" "$@" | sqlite3 "$db"
}

# ---------------------------------------------------------------------------------------------
# Servers.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((15000 + RANDOM % 17000)) # below the ephemeral range (32768-): no outgoing connection takes it
		if [[ -z $(ss -Hanu "sport = :$p") && -z $(ss -Hant "sport = :$p") ]]; then
			echo "$p"
			return 0
		fi
	done
	say "no free port found"
	return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# cpu_ticks PID: user+system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)
# host_ticks: the machine's CPU ticks so far, all and stolen (given by the hypervisor to other
# guests: on a shared host, rounds with much of it are not comparable with the others).
host_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9; exit }' /proc/stat; }
# gc_count NAME: garbage collections so far in the server's log (GODEBUG=gctrace=1).
gc_count() { grep -c '^gc [0-9]' "$WORK/$1.log" 2>/dev/null || true; }

# wait_ready PORT NAME TYPE SECONDS: until NAME TYPE gets NOERROR (or the server dies).
wait_ready() {
	local port=$1 name=$2 type=$3 secs=$4 end=$((SECONDS + $4))
	while ((SECONDS < end)); do
		kill -0 "$SRV_PID" 2>/dev/null || return 1
		if dig +time=1 +tries=1 +norecurse -p "$port" @127.0.0.1 "$name" "$type" 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# start_coredns NAME COREFILE [READY_NAME [READY_TYPE [WAIT_SECONDS]]]: sets SRV_PID, SRV_NAME,
# PORT, RSS_READY.
start_coredns() {
	local name=$1 cf=$2 rname=${3:-$LAST_ZONE} rtype=${4:-SOA} wait=${5:-180}
	SRV_NAME=$name
	PORT=$(free_port)
	local t0=$SECONDS
	# -quiet: no start-up banner, which would list every one of the (100,000) zones.
	# gctrace: one line per garbage collection in the log, counted per dnsperf run (gc_count).
	GODEBUG=${GODEBUG:+$GODEBUG,}gctrace=1 "${RUN_BIN:-$COREDNS}" -quiet -conf "$cf" -dns.port "$PORT" >"$WORK/$name.log" 2>&1 &
	SRV_PID=$!
	if ! wait_ready "$PORT" "$rname" "$rtype" "$wait"; then
		say "$name: server did not answer $rname $rtype within ${wait}s; log:"
		tail -20 "$WORK/$name.log" >&2
		stop_server
		return 1
	fi
	sleep 1
	RSS_READY=$(rss_kb "$SRV_PID")
	LOAD_SECS=$((SECONDS - t0))
	say "$name: pid $SRV_PID on 127.0.0.1:$PORT, ready after ${LOAD_SECS}s, RSS $((RSS_READY / 1024)) MiB"
}

stop_server() {
	[[ -z $SRV_PID ]] && return 0
	kill -TERM "$SRV_PID" 2>/dev/null || true
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	SRV_PID=
}

# perf GROUP CONFIG MIX QUERYFILE ROUND [SECONDS]: one dnsperf run against the running server;
# appends group config mix round qps avg_ms stddev_ms lost rcodes rss_ready_kb rss_after_kb load1
# compilers cpu_us_per_query gc_cycles.
# cpu_us_per_query is the server's own CPU time (user+system) over the queries it answered: unlike
# qps, it does not depend on how much of the 2 cores dnsperf and other processes took.
perf() {
	local group=$1 config=$2 mix=$3 qf=$4 round=$5 secs=${6:-$DURATION}
	local out=$WORK/dnsperf.$group.$config.$mix.$round.txt
	local args=(-s 127.0.0.1 -p "$PORT" -d "$qf" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -t 2)
	[[ -n $QPS_CAP ]] && args+=(-Q "$QPS_CAP")
	# A 1 s warm-up (caches, page faults), then the measured run.
	dnsperf "${args[@]}" -l 1 >/dev/null 2>&1 || true
	local load1 compilers
	load1=$(cut -d' ' -f1 /proc/loadavg)
	compilers=$(ps -eo comm= | grep -cE '^(compile|link|cgo|asm|vet)$' || true)
	local cpu0 gc0 host0
	cpu0=$(cpu_ticks "$SRV_PID")
	gc0=$(gc_count "$SRV_NAME")
	host0=$(host_ticks)
	dnsperf "${args[@]}" -l "$secs" >"$out" 2>&1 || true
	local steal
	steal=$(awk -v a="$host0" -v b="$(host_ticks)" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; if (t > 0) printf "%.0f", 100 * (y[2] - x[2]) / t; else print "NA" }')
	local cpuq gcs done_q
	done_q=$(awk '/Queries completed:/ {print $3}' "$out")
	cpuq=$(awk -v a="$cpu0" -v b="$(cpu_ticks "$SRV_PID")" -v t="$CLK_TCK" -v n="${done_q:-0}" 'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / t / n; else print "NA" }')
	gcs=$(($(gc_count "$SRV_NAME") - gc0))
	local qps lat sd lost rc
	qps=$(awk '/Queries per second:/ {print $4}' "$out")
	lat=$(awk '/Average Latency \(s\):/ {printf "%.3f", $4 * 1000}' "$out")
	sd=$(awk '/Latency StdDev \(s\):/ {printf "%.3f", $4 * 1000}' "$out")
	lost=$(awk '/Queries lost:/ {print $3}' "$out")
	rc=$(awk -F': *' '/Response codes:/ {gsub(/ \([0-9.]+%\)/, "", $2); gsub(/ /, "=", $2); gsub(/,=/, ",", $2); print $2}' "$out")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$config" "$mix" "$round" \
		"${qps:-0}" "${lat:-NA}" "${sd:-NA}" "${lost:-NA}" "${rc:-NA}" "$RSS_READY" "$(rss_kb "$SRV_PID")" "$load1" "$compilers" "$cpuq" "$gcs" "$steal" >>"$RESULTS"
	say "$group/$config/$mix round $round: ${qps:-?} qps, avg ${lat:-?} ms, lost ${lost:-?}, rcodes ${rc:-?}, server CPU ${cpuq} us/query, $gcs GCs (load $load1, $compilers compiler processes, steal ${steal}%)"
}

# ---------------------------------------------------------------------------------------------
# Corefiles. Zones go in the server block key (one key per zone, port from -dns.port).
keys_of() { tr '\n' ' ' <"$1"; }

# corefile_file: one server block per zone, each with its own file line: how providers run
# file, and the fair baseline ("file"). CoreDNS finds a query's block by walking its labels
# through a map of the blocks' zones, whatever their number.
corefile_file() { # ZONELIST ZONEDIR [extra plugin lines]
	local list=$1 dir=$2 extra=${3:-}
	awk -v d="$dir" -v extra="$extra" '{
		z=$1; sub(/\.$/, "", z)
		printf "%s {\n", $1
		if (extra != "") printf "%s\n", extra
		printf "    file %s/db.%s\n}\n", d, z
	}' "$list"
}
# corefile_file_one_block: every zone a key of one server block holding every file line
# ("file-one-block"). file then checks a query against each of its zones in turn: O(zones)
# per query. Kept to show that cost, not as the baseline.
corefile_file_one_block() { # ZONELIST ZONEDIR
	local list=$1 dir=$2
	{
		echo "$(keys_of "$list") {"
		awk -v d="$dir" '{z=$1; sub(/\.$/, "", z); printf "    file %s/db.%s %s\n", d, z, $1}' "$list"
		echo "}"
	}
}
corefile_auto() { # ZONELIST ZONEDIR
	printf '%s {\n    auto {\n        directory %s\n    }\n}\n' "$(keys_of "$1")" "$2"
}

# The sqlbackend Corefile follows plugin/sqlbackend/README.md (driver mysql|sqlite, dsn); the
# database is loaded beforehand with the mysql / sqlite3 clients, so "schema none". Its server
# block is ".": sqlbackend serves whatever zones the database holds, which is how a DNS host
# runs it. (With the zones as block keys, as file needs them, sqlbackend checks each query
# against every key: O(zones), see RESULTS.md. BENCH_SQL_KEYS=1 measures that shape.)
corefile_sql() { # ZONELIST DRIVER DSN
	local key=.
	[[ ${BENCH_SQL_KEYS:-} == 1 ]] && key=$(keys_of "$1")
	printf '%s {\n    sqlbackend {\n        driver %s\n        dsn %s\n        schema none\n    }\n}\n' "$key" "$2" "$3"
}

# ---------------------------------------------------------------------------------------------
# A configuration: NAME and a function that prepares and starts it.
# run_config GROUP CONFIG ROUND "MIX=FILE ..." STARTCMD...
run_config() {
	local group=$1 config=$2 round=$3 mixes=$4
	shift 4
	if ! "$@"; then
		say "$group/$config: did not start, skipped"
		printf '%s\t%s\t%s\t%s\t0\tNA\tNA\tNA\tdid-not-start\t0\t0\tNA\tNA\tNA\t0\n' "$group" "$config" "-" "$round" >>"$RESULTS"
		return 0
	fi
	local m secs=$DURATION
	[[ $group == scale ]] && secs=$SCALE_DURATION
	for m in $mixes; do
		perf "$group" "$config" "${m%%=*}" "${m#*=}" "$round" "$secs"
	done
	stop_server
}

Q=$DATA/queries
Z=$DATA/zones
mkdir -p "$WORK/cf"

start_file() {
	corefile_file "$DATA/zones.list" "$Z" >"$WORK/cf/file"
	start_coredns file "$WORK/cf/file"
}
start_file_one_block() {
	corefile_file_one_block "$DATA/zones.list" "$Z" >"$WORK/cf/file-one-block"
	start_coredns file-one-block "$WORK/cf/file-one-block"
}
start_auto() {
	corefile_auto "$DATA/zones.list" "$Z" >"$WORK/cf/auto"
	start_coredns auto "$WORK/cf/auto"
}
# Databases are loaded once per run, each data set into its own database / file, so a
# server's memory is that of its own zones only.
declare -A SQL_LOADED=()
# prepare_sql DIALECT DB SQLFILE...: DIALECT mysql (MariaDB) or postgres; once per run.
prepare_sql() {
	local dialect=$1 db=$2
	shift 2
	[[ -n ${SQL_LOADED[$dialect-$db]:-} ]] && return 0
	local name=MariaDB ensure=ensure_mariadb load=load_mariadb
	if [[ $dialect == postgres ]]; then
		name=PostgreSQL ensure=ensure_postgres load=load_postgres
	fi
	"$ensure" || {
		say "$name unavailable"
		return 1
	}
	say "loading $* into $name database $db ($(schema_file "$dialect"))"
	"$load" "$db" "$(schema_file "$dialect")" "$@" $(changes_file "$dialect")
	SQL_LOADED[$dialect-$db]=1
}
# prepare_sql_sqlite FILE SQLFILE...
prepare_sql_sqlite() {
	local db=$1
	shift
	[[ -n ${SQL_LOADED[lt-$db]:-} ]] && return 0
	command -v sqlite3 >/dev/null || apt-get install -y -qq --no-install-recommends sqlite3 >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends sqlite3 >/dev/null; }
	say "loading $* into $db ($(schema_file sqlite))"
	load_sqlite "$db" "$@" $(changes_file sqlite)
	SQL_LOADED[lt-$db]=1
}
# start_sql DIALECT ZONELIST DB READYNAME SQLFILE...: sqlbackend on database DB of MariaDB
# (DIALECT mysql) or PostgreSQL (postgres), loaded first with the SQL files.
start_sql() {
	local dialect=$1 list=$2 db=$3 ready=$4
	shift 4
	prepare_sql "$dialect" "$db" "$@" || return 1
	local name=sql-mariadb-$db dsn="root@tcp(127.0.0.1:3306)/$db"
	if [[ $dialect == postgres ]]; then
		name=sql-postgres-$db dsn="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
	fi
	corefile_sql "$list" "$dialect" "$dsn" >"$WORK/cf/$name"
	start_coredns "$name" "$WORK/cf/$name" "$ready" SOA "${SQL_WAIT:-180}"
}
# start_sql_sqlite ZONELIST FILE READYNAME SQLFILE...
start_sql_sqlite() {
	local list=$1 db=$2 ready=$3
	shift 3
	prepare_sql_sqlite "$db" "$@" || return 1
	corefile_sql "$list" sqlite "$db" >"$WORK/cf/sql-sqlite-$(basename "$db")"
	start_coredns "sql-sqlite-$(basename "$db")" "$WORK/cf/sql-sqlite-$(basename "$db")" "$ready" SOA "${SQL_WAIT:-180}"
}

# before STARTCMD...: STARTCMD with the BENCH_BEFORE binary.
before() { RUN_BIN=$BENCH_BEFORE "$@"; }
BEFORE=${BENCH_BEFORE:-}
if [[ -n $BEFORE && ! -x $BEFORE ]]; then
	say "BENCH_BEFORE=$BEFORE is not an executable"
	exit 1
fi

# ---------------------------------------------------------------------------------------------
# Groups.
group_zones() {
	local mixes="hot=$Q/hot.txt mixed=$Q/mixed.txt random=$Q/random.txt" r
	for ((r = 1; r <= ROUNDS; r++)); do
		run_config zones file "$r" "$mixes" start_file
		run_config zones file-one-block "$r" "$mixes" start_file_one_block
		run_config zones auto "$r" "$mixes" start_auto
		if [[ $HAVE_SQL == 1 ]]; then
			run_config zones sql-mariadb "$r" "$mixes" start_sql mysql "$DATA/zones.list" hostdns_bench "$LAST_ZONE" "$DATA/pdns-data.sql"
			run_config zones sql-sqlite "$r" "$mixes" start_sql_sqlite "$DATA/zones.list" "$WORK/bench.sqlite" "$LAST_ZONE" "$DATA/pdns-data.sql"
			if [[ -n $BEFORE ]]; then
				run_config zones sql-sqlite-before "$r" "$mixes" before start_sql_sqlite "$DATA/zones.list" "$WORK/bench.sqlite" "$LAST_ZONE" "$DATA/pdns-data.sql"
			fi
			run_config zones sql-postgres "$r" "$mixes" start_sql postgres "$DATA/zones.list" hostdns_bench "$LAST_ZONE" "$DATA/pdns-data.sql"
		fi
	done
}

start_special() {
	local extra=""
	[[ $HAVE_ALIAS == 1 ]] && extra+="    alias"$'\n'
	[[ $HAVE_POOL == 1 ]] && extra+="    pool"$'\n'
	corefile_file "$DATA/zones.list" "$Z" "${extra%$'\n'}" >"$WORK/cf/special"
	start_coredns special "$WORK/cf/special"
}
start_special_sql() {
	prepare_sql mysql hostdns_bench "$DATA/pdns-data.sql" || return 1
	local extra=""
	[[ $HAVE_ALIAS == 1 ]] && extra+="    alias"$'\n'
	[[ $HAVE_POOL == 1 ]] && extra+="    pool"$'\n'
	printf '. {\n%s    sqlbackend {\n        driver mysql\n        dsn root@tcp(127.0.0.1:3306)/hostdns_bench\n        schema none\n    }\n}\n' "$extra" >"$WORK/cf/special-sql"
	start_coredns special-sql "$WORK/cf/special-sql" "$LAST_ZONE" SOA "${SQL_WAIT:-180}"
}
group_special() {
	if [[ $HAVE_ALIAS == 0 && $HAVE_POOL == 0 ]]; then
		say "special: neither alias nor pool is built in, skipped"
		return 0
	fi
	local mixes="plain-a=$Q/plain-a.txt" r
	[[ $HAVE_ALIAS == 1 ]] && mixes+=" alias=$Q/alias.txt"
	[[ $HAVE_POOL == 1 ]] && mixes+=" pool=$Q/pool.txt"
	for ((r = 1; r <= ROUNDS; r++)); do
		# file alone on plain-a: what alias and pool cost queries that are not theirs.
		run_config special file "$r" "plain-a=$Q/plain-a.txt" start_file
		run_config special file+alias+pool "$r" "$mixes" start_special
		# The same over sqlbackend, whose lookups do not grow with the number of zones.
		if [[ $HAVE_SQL == 1 ]]; then
			run_config special sql-mariadb+alias+pool "$r" "$mixes" start_special_sql
		fi
	done
}

start_file_big() {
	printf '%s {\n    file %s/big/db.big.example\n}\n' big.example. "$DATA" >"$WORK/cf/file-big"
	start_coredns file-big "$WORK/cf/file-big" big.example. SOA
}
group_big() {
	local mixes="big-mixed=$Q/big-mixed.txt big-random=$Q/big-random.txt" r
	echo "big.example." >"$WORK/big.list"
	for ((r = 1; r <= ROUNDS; r++)); do
		run_config big file "$r" "$mixes" start_file_big
		if [[ $HAVE_SQL == 1 ]]; then
			run_config big sql-mariadb "$r" "$mixes" start_sql mysql "$WORK/big.list" hostdns_bench_big big.example. "$DATA/pdns-big.sql"
			run_config big sql-sqlite "$r" "$mixes" start_sql_sqlite "$WORK/big.list" "$WORK/big.sqlite" big.example. "$DATA/pdns-big.sql"
			if [[ -n $BEFORE ]]; then
				run_config big sql-sqlite-before "$r" "$mixes" before start_sql_sqlite "$WORK/big.list" "$WORK/big.sqlite" big.example. "$DATA/pdns-big.sql"
			fi
		fi
	done
}

group_scale() {
	local D2=$WORK/data-scale
	say "scale: generating $SCALE_ZONES zones into $D2"
	"$WORK/gen" -out "$D2" -zones "$SCALE_ZONES" -big 0 -no-sql=$([[ $HAVE_SQL == 1 ]] && echo false || echo true)
	local last2
	last2=$(tail -1 "$D2/zones.list")
	# The same queries as the small set's, in the large set's names: the first $ZONES_N of its
	# zones, so the large server is also measured on exactly the small server's work. What
	# that loses against the small server is the cost of finding a zone among more of them;
	# what the spread mixes lose on top is the cost of touching more data.
	local D3=$WORK/data-scale-same
	local width
	width=$(head -1 "$D2/zones.list" | sed -E 's/^bench-([0-9]+)\..*/\1/')
	"$WORK/gen" -out "$D3" -zones "$ZONES_N" -width ${#width} -big 0 -no-sql=true
	local m1="mixed=$Q/mixed.txt random=$Q/random.txt"
	local m2="mixed=$D2/queries/mixed.txt random=$D2/queries/random.txt"
	local m3="mixed=$D3/queries/mixed.txt random=$D3/queries/random.txt"
	start_file_scale() {
		corefile_file "$D2/zones.list" "$D2/zones" >"$WORK/cf/file-scale"
		start_coredns "file-$SCALE_ZONES" "$WORK/cf/file-scale" "$last2" SOA 900
	}
	local r
	for ((r = 1; r <= SCALE_ROUNDS; r++)); do
		if [[ ${BENCH_SCALE_FILE:-1} != 0 ]]; then
			run_config scale "file-$ZONES_N" "$r" "$m1" start_file
			run_config scale "file-$SCALE_ZONES" "$r" "$m2" start_file_scale
		fi
		if [[ $HAVE_SQL == 1 ]]; then
			run_config scale "sql-mariadb-$ZONES_N" "$r" "$m1" start_sql mysql "$DATA/zones.list" hostdns_bench "$LAST_ZONE" "$DATA/pdns-data.sql"
			run_config scale "sql-mariadb-$SCALE_ZONES" "$r" "$m2" start_sql mysql "$D2/zones.list" hostdns_bench_scale "$last2" "$D2/pdns-data.sql"
			run_config scale "sql-mariadb-$SCALE_ZONES-same-q" "$r" "$m3" start_sql mysql "$D2/zones.list" hostdns_bench_scale "$last2" "$D2/pdns-data.sql"
			if [[ -n $BEFORE ]]; then
				run_config scale "sql-mariadb-$ZONES_N-before" "$r" "$m1" before start_sql mysql "$DATA/zones.list" hostdns_bench "$LAST_ZONE" "$DATA/pdns-data.sql"
				run_config scale "sql-mariadb-$SCALE_ZONES-before" "$r" "$m2" before start_sql mysql "$D2/zones.list" hostdns_bench_scale "$last2" "$D2/pdns-data.sql"
			fi
		fi
	done
	rm -rf "$D2" "$D3"
}

# PowerDNS: gmysql on a database of its own (same SQL), default caches, on a free port.
start_pdns() {
	if ! command -v pdns_server >/dev/null || [[ ! -e /usr/lib/x86_64-linux-gnu/pdns/libgmysqlbackend.so && -z $(find /usr/lib -name 'libgmysqlbackend.so' 2>/dev/null | head -1) ]]; then
		say "installing pdns-server and pdns-backend-mysql"
		export DEBIAN_FRONTEND=noninteractive
		local own=0
		if [[ ! -e /usr/sbin/policy-rc.d ]]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			own=1
		fi
		apt-get install -y -qq --no-install-recommends pdns-server pdns-backend-mysql >/dev/null ||
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends pdns-server pdns-backend-mysql >/dev/null; } || true
		[[ $own == 1 ]] && rm -f /usr/sbin/policy-rc.d
		command -v pdns_server >/dev/null || return 1
	fi
	ensure_mariadb || return 1
	local schema=/usr/share/pdns-backend-mysql/schema/schema.mysql.sql
	[[ -f $schema ]] || schema=$DATA/schema-mysql.sql
	if [[ ${PDNS_LOADED:-0} == 0 ]]; then
		say "loading the SQL into MariaDB database hostdns_pdns with $schema"
		load_mariadb hostdns_pdns "$schema" "$DATA/pdns-data.sql"
		# PowerDNS does not know POOL; it would fail every lookup of those names.
		"${MYSQL[@]}" hostdns_pdns -e "DELETE FROM records WHERE type='POOL'"
		PDNS_LOADED=1
	fi
	mkdir -p "$WORK/pdns"
	: >"$WORK/pdns/pdns.conf"
	PORT=$(free_port)
	pdns_server --config-dir="$WORK/pdns" --socket-dir="$WORK/pdns" --daemon=no --guardian=no \
		--write-pid=no --disable-syslog --local-address=127.0.0.1 --local-port="$PORT" \
		--launch=gmysql --gmysql-host=127.0.0.1 --gmysql-port=3306 --gmysql-user=root \
		--gmysql-password= --gmysql-dbname=hostdns_pdns --loglevel=4 >"$WORK/pdns.log" 2>&1 &
	SRV_PID=$!
	if ! wait_ready "$PORT" "$LAST_ZONE" SOA 60; then
		say "pdns did not answer; log:"
		tail -20 "$WORK/pdns.log" >&2
		stop_server
		return 1
	fi
	sleep 1
	RSS_READY=$(rss_kb "$SRV_PID")
	say "pdns: pid $SRV_PID on 127.0.0.1:$PORT"
}
group_pdns() {
	local r
	for ((r = 1; r <= ROUNDS; r++)); do
		run_config pdns file "$r" "random=$Q/random.txt" start_file
		run_config pdns pdns-gmysql "$r" "random=$Q/random.txt" start_pdns
	done
}

# ---------------------------------------------------------------------------------------------
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "binary: $("$COREDNS" -version 2>/dev/null | head -1)"
[[ -z $BEFORE ]] || say "before: $BEFORE, $("$BEFORE" -version 2>/dev/null | head -1)"
say "dnsperf: $(dnsperf -h 2>&1 | awk '/^Version/ {print $2}'), -l $DURATION -c $CLIENTS -T $THREADS -q $OUTSTANDING ${QPS_CAP:+-Q $QPS_CAP}; $ROUNDS rounds"
# The RSS of a server with no zones, to subtract before dividing by the record count.
printf '. {\n    whoami\n}\n' >"$WORK/cf/empty"
RSS_EMPTY=0
if start_coredns empty "$WORK/cf/empty" example. A 30; then
	RSS_EMPTY=$RSS_READY
	stop_server
fi
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for g in "${GROUPS_WANTED[@]}"; do
	say "=== group $g"
	"group_$g"
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report: every round, the mean, and the ratio of the means to the group's baseline.
#   zones/big/pdns: baseline is config "file" on the same mix
#   special: baseline is mix plain-a on the same config
#   scale: baseline is the same backend with the small zone count, same mix
echo
echo "== hostdns benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before $START_LOAD, after $END_LOAD"
echo "== RSS of a server with no zones (whoami only): $((RSS_EMPTY / 1024)) MiB"
echo "== dnsperf -l $DURATION (scale group: -l $SCALE_DURATION) -c $CLIENTS -T $THREADS -q $OUTSTANDING ${QPS_CAP:+-Q $QPS_CAP}; binary $("$COREDNS" -version 2>/dev/null | head -1)"
awk -F'\t' -v small="$ZONES_N" -v big="$SCALE_ZONES" '
function base(g, c, m,   b, s) {
	if (g == "special") return c SUBSEP "plain-a"
	if (g == "scale") {
		# the large set against the small one of the same build: a "-before" row against "-before"
		b = c; sub("-same-q$", "", b); s = sub("-before$", "", b) ? "-before" : ""
		sub("-" big "$", "-" small, b)
		return b s SUBSEP m
	}
	return "file" SUBSEP m
}
{
	k = $1 SUBSEP $2 SUBSEP $3
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	sum[k] += $5; cnt[k]++
	runs[k] = runs[k] (runs[k] == "" ? "" : " / ") sprintf("%.0f", $5)
	lat[k] = lat[k] (lat[k] == "" ? "" : " / ") $6
	rss[$1 SUBSEP $2] = $10
	rc[k] = $9
	loads[k] = loads[k] (loads[k] == "" ? "" : "/") $12 ($13 > 0 ? "*" : "")
	if ($14 != "NA" && $14 != "") { cpu[k] += $14; ncpu[k]++ }
	gcs[k] = gcs[k] (gcs[k] == "" ? "" : "/") $15
	steal[k] = steal[k] (steal[k] == "" ? "" : "/") ($16 == "" ? "NA" : $16)
}
END {
	printf "%-8s %-22s %-11s %-20s %9s %7s %-17s %8s  %-10s %-9s %8s %9s %-8s %s\n", "group", "config", "mix", "qps (each round)", "mean qps", "ratio", "avg ms (rounds)", "RSS MiB", "load1", "steal %", "cpu us/q", "cpu ratio", "GCs", "rcodes (last round)"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		mean = sum[k] / cnt[k]
		bk = p[1] SUBSEP base(p[1], p[2], p[3])
		ratio = "-"
		if (bk in sum && sum[bk] > 0) ratio = sprintf("%.2fx", mean / (sum[bk] / cnt[bk]))
		cq = "NA"; cratio = "-"
		if (ncpu[k] > 0) {
			cq = sprintf("%.1f", cpu[k] / ncpu[k])
			if (ncpu[bk] > 0 && cpu[k] > 0) cratio = sprintf("%.2fx", (cpu[bk] / ncpu[bk]) / (cpu[k] / ncpu[k]))
		}
		printf "%-8s %-22s %-11s %-20s %9.0f %7s %-17s %8.0f  %-10s %-9s %8s %9s %-8s %s\n", p[1], p[2], p[3], runs[k], mean, ratio, lat[k], rss[p[1] SUBSEP p[2]] / 1024, loads[k], steal[k], cq, cratio, gcs[k], rc[k]
	}
	print "ratio: zones/big/pdns vs config \"file\" on the same mix; special vs mix plain-a; scale vs the same backend at " small " zones (-same-q: the " big "-zone server asked the " small "-zone server'"'"'s queries, in its own zones'"'"' names)."
	print "load1: 1-minute load average before each round (* = other engineers were compiling then). steal %: the share of the machine'"'"'s CPU time the hypervisor gave to other guests during each round: rounds with more than a few % are not comparable with the others."
	print "cpu us/q: CPU time (user+system) of the server per answered query, mean of the rounds; cpu ratio: baseline cpu us/q divided by this one (above 1: cheaper than the baseline); GCs: garbage collections in each measured run."
}' "$RESULTS"
cp "$RESULTS" "${BENCH_RESULTS_TSV:-/dev/null}" 2>/dev/null || true
exit
}
