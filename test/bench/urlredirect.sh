#!/usr/bin/env bash
# test/bench/urlredirect.sh: urlredirect's redirector against its ceiling (issue 11).
#
# hostdns (bin/coredns) runs urlredirect over sqlbackend on SQLite holding URLBENCH_RECORDS URL
# records (u001.bench.example ... 301 to https://targetNNN.example.com/), with an http and an
# https listener (a self-signed certificate made here with openssl). Beside it, the ceiling:
# test/bench/ceiling301, a minimal net/http server answering every request with the same 301,
# the same headers and a body of the same shape. Both are asked the same way, alternately:
#
#   1. throughput: wrk (Debian package, installed when missing), -t THREADS -c CONNS -d DURATION,
#      HTTP/1.1 keep-alive, the Host header rotated over every record by a Lua script (the
#      ceiling ignores it), over HTTP and over HTTPS; req/s of each and the ratio
#      hostdns/ceiling (target: >= 0.8).
#   2. latency: test/bench/fixedrate at half the ceiling's mean req/s of step 1 (per protocol),
#      CONNS keep-alive connections, the send times scheduled in advance and every latency
#      measured from its scheduled time (wrk2-style, no coordinated omission); p50/p99/max of
#      each (target: hostdns p99 < 5 ms).
#
# With URLBENCH_PIN=1 (default) both servers run on CPU 0 and the load generators on CPU 1
# (taskset): the 2 cores are not fought over by client and server, so the number is the
# server's on one core (Go's GOMAXPROCS follows the affinity: 1). Other processes (helpers'
# compilers) still share both cores: the 1-minute load average and the count of compiler
# processes are printed next to every run.
#
# Environment:
#   URLBENCH_ROUNDS     rounds, each running every (protocol, server) pair once (default 3)
#   URLBENCH_DURATION   seconds per wrk run (default 10)
#   URLBENCH_THREADS    wrk -t (default 2)
#   URLBENCH_CONNS      wrk -c and fixedrate -c (default 64)
#   URLBENCH_RATE_DURATION  measured seconds per fixedrate run, after a 2 s warm-up (default 10)
#   URLBENCH_RATE_FRACTION  fraction of the ceiling's req/s for the latency runs (default 0.5)
#   URLBENCH_RECORDS    URL records in the zone (default 100)
#   URLBENCH_PIN        1: servers on CPU 0, load generators on CPU 1; 0: no pinning (default 1)
#   URLBENCH_DAMON      keep: leave the kernel's DAMON monitors (kdamond) as they are (default);
#                       pause: turn every running one off for the latency runs (root; turned
#                       on again afterwards, also on failure); both: each latency run twice, with
#                       them running and paused, so the report shows what they cost
#   URLBENCH_KEEP=1     keep the work directory (Corefile, zones.sql, cert, logs, raw outputs)
#   URLBENCH_BUILD=1    rebuild bin/coredns even when it exists
#   COREDNS             binary to test (default bin/coredns)
#
# Why DAMON: some virtual machines run a kdamond with a "pageout" scheme (the host reclaiming
# the guest's cold memory), which may take up to its quota of CPU (e.g. 50 ms a second) on
# whichever core it lands. The header says whether one runs; URLBENCH_DAMON=both measures
# with it running and paused in one report. (On the machine of RESULTS.md Run U8 pausing it
# made no difference the rounds could show.)
#
# Only 127.0.0.1 is used. Every run is bounded (wrk -d, fixedrate's own deadline), every wait too.
# The script is one brace group, read whole before it starts.
{
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

ROUNDS=${URLBENCH_ROUNDS:-3}
DURATION=${URLBENCH_DURATION:-10}
THREADS=${URLBENCH_THREADS:-2}
CONNS=${URLBENCH_CONNS:-64}
RATE_DURATION=${URLBENCH_RATE_DURATION:-10}
RATE_FRACTION=${URLBENCH_RATE_FRACTION:-0.5}
RECORDS=${URLBENCH_RECORDS:-100}
PIN=${URLBENCH_PIN:-1}
COREDNS=${COREDNS:-$ROOT/bin/coredns}
PATH_Q=/bench/path?q=1

say() { echo "[urlbench $(date -u +%H:%M:%S)] $*" >&2; }

DAMON=${URLBENCH_DAMON:-keep}
case $DAMON in keep | pause | both) ;; *)
	say "URLBENCH_DAMON=$DAMON: want keep, pause or both"
	exit 2
	;;
esac

# The kernel's DAMON monitors: those running, what they do, pausing and resuming them.
DAMON_DIR=/sys/kernel/mm/damon/admin/kdamonds
DAMON_PAUSED=()
damon_running() {
	local k
	for k in "$DAMON_DIR"/*/; do
		[[ -r ${k}state && $(cat "${k}state") == on ]] && echo "${k%/}"
	done
	return 0
}
damon_describe() {
	local k s out=""
	for k in $(damon_running); do
		out+="${out:+; }kdamond $(basename "$k") on"
		for s in "$k"/contexts/*/schemes/[0-9]*; do
			[[ -r $s/action ]] || continue
			out+=", scheme $(cat "$s/action") (quota $(cat "$s/quotas/ms") ms per $(cat "$s/quotas/reset_interval_ms") ms)"
		done
	done
	echo "${out:-no kdamond running}"
}
damon_pause() {
	local k
	for k in $(damon_running); do
		if echo off 2>/dev/null >"$k/state"; then
			DAMON_PAUSED+=("$k")
		else
			say "cannot pause $k (not root?): measuring with it running"
		fi
	done
}
damon_resume() {
	local k
	for k in "${DAMON_PAUSED[@]}"; do
		echo on 2>/dev/null >"$k/state" || say "could not turn $k on again: do it by hand (echo on > $k/state)"
	done
	DAMON_PAUSED=()
}
DAMON_AT_START=$(damon_describe)

WORK=$(mktemp -d /tmp/hostdns-urlbench.XXXXXX)
PIDS=()
cleanup() {
	local p
	damon_resume
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [[ ${URLBENCH_KEEP:-} == 1 ]]; then
		say "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

SRV_CPU=() CLI_CPU=()
if [[ $PIN == 1 ]]; then
	SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 1)
fi

# ---------------------------------------------------------------------------------------------
# Tools and binaries.
if ! command -v wrk >/dev/null; then
	say "installing wrk"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
if [[ ! -x $COREDNS || ${URLBENCH_BUILD:-} == 1 ]]; then
	say "building $COREDNS"
	OUT=$COREDNS ./build/build.sh >&2
fi
for p in urlredirect sqlbackend; do
	if ! "$COREDNS" -plugins | grep -qxE "(dns\.)?$p"; then
		say "$p is not built into $COREDNS"
		exit 1
	fi
done
go build -o "$WORK/ceiling301" ./test/bench/ceiling301
go build -o "$WORK/fixedrate" ./test/bench/fixedrate

free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((15000 + RANDOM % 17000)) # below the ephemeral range: no outgoing connection takes it
		if [[ -z $(ss -Hant "sport = :$p") && -z $(ss -Hanu "sport = :$p") && " ${USED_PORTS:-} " != *" $p "* ]]; then
			USED_PORTS="${USED_PORTS:-} $p"
			echo "$p"
			return 0
		fi
	done
	say "no free port found"
	return 1
}

# ---------------------------------------------------------------------------------------------
# Data: one zone, RECORDS URL records, sqlbackend seeds the SQLite file from it.
HOSTS=()
{
	echo "INSERT INTO domains (id, name, type) VALUES (1, 'bench.example', 'NATIVE');"
	echo "INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES"
	echo "  (1, 'bench.example', 'SOA', 'ns1.bench.example hostmaster.bench.example 1 7200 3600 1209600 300', 3600, 0, 0, 1),"
	echo "  (1, 'bench.example', 'NS', 'ns1.bench.example', 3600, 0, 0, 1),"
	printf "  (1, 'ns1.bench.example', 'A', '127.0.0.1', 3600, 0, 0, 1)"
	for ((i = 1; i <= RECORDS; i++)); do
		n=$(printf %03d "$i")
		printf ",\n  (1, 'u%s.bench.example', 'URL', '\"https://target%s.example.com/\" 301', 300, 0, 0, 1)" "$n" "$n"
	done
	echo ";"
} >"$WORK/zones.sql"
for ((i = 1; i <= RECORDS; i++)); do HOSTS+=("u$(printf %03d "$i").bench.example"); done
HOSTS_CSV=$(
	IFS=,
	echo "${HOSTS[*]}"
)

# wrk: every thread cycles through the Host headers; the requests are built once in init.
{
	echo "local hosts = {"
	printf '  "%s",\n' "${HOSTS[@]}"
	echo "}"
	cat <<EOF
local reqs, i = {}, 0
init = function(args)
  for n, h in ipairs(hosts) do reqs[n] = wrk.format("GET", "$PATH_Q", { Host = h }) end
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
EOF
} >"$WORK/hosts.lua"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=bench.example \
	-addext "subjectAltName=DNS:*.bench.example,DNS:bench.example,IP:127.0.0.1" 2>/dev/null

# ---------------------------------------------------------------------------------------------
# Servers.
DNS_PORT=$(free_port) H_HTTP=$(free_port) H_HTTPS=$(free_port) C_HTTP=$(free_port) C_HTTPS=$(free_port)
cat >"$WORK/Corefile" <<EOF
bench.example:$DNS_PORT {
    bind 127.0.0.1
    urlredirect {
        address 127.0.0.1
        http 127.0.0.1:$H_HTTP
        https 127.0.0.1:$H_HTTPS
        tls $WORK/cert.pem $WORK/key.pem
    }
    sqlbackend {
        driver sqlite
        dsn $WORK/zones.db
        seed $WORK/zones.sql
    }
}
EOF
"${SRV_CPU[@]}" "$COREDNS" -quiet -conf "$WORK/Corefile" >"$WORK/hostdns.log" 2>&1 &
HOSTDNS_PID=$!
PIDS+=("$HOSTDNS_PID")
"${SRV_CPU[@]}" "$WORK/ceiling301" -http "127.0.0.1:$C_HTTP" -https "127.0.0.1:$C_HTTPS" \
	-cert "$WORK/cert.pem" -key "$WORK/key.pem" \
	-location "https://target001.example.com$PATH_Q" >"$WORK/ceiling.log" 2>&1 &
CEILING_PID=$!
PIDS+=("$CEILING_PID")

# wait_301 URL HOST PID: until URL with Host HOST answers 301 (or the server dies), 60 s at most.
wait_301() {
	local end=$((SECONDS + 60)) code
	while ((SECONDS < end)); do
		kill -0 "$3" 2>/dev/null || return 1
		code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 -H "Host: $2" "$1" || true)
		[[ $code == 301 ]] && return 0
		sleep 0.3
	done
	return 1
}
LAST_HOST=${HOSTS[-1]}
for u in "http://127.0.0.1:$H_HTTP$PATH_Q $HOSTDNS_PID hostdns" "https://127.0.0.1:$H_HTTPS$PATH_Q $HOSTDNS_PID hostdns" \
	"http://127.0.0.1:$C_HTTP$PATH_Q $CEILING_PID ceiling" "https://127.0.0.1:$C_HTTPS$PATH_Q $CEILING_PID ceiling"; do
	read -r url pid name <<<"$u"
	if ! wait_301 "$url" "$LAST_HOST" "$pid"; then
		say "$name did not answer 301 on $url; log:"
		tail -20 "$WORK/$name.log" >&2
		exit 1
	fi
done
say "hostdns: $(curl -s -o /dev/null -D - -H "Host: $LAST_HOST" "http://127.0.0.1:$H_HTTP$PATH_Q" | grep -i '^location' | tr -d '\r')"

url_of() { # SERVER PROTO
	local port
	case $1-$2 in
	hostdns-http) port=$H_HTTP ;; hostdns-https) port=$H_HTTPS ;;
	ceiling-http) port=$C_HTTP ;; ceiling-https) port=$C_HTTPS ;;
	esac
	echo "$2://127.0.0.1:$port$PATH_Q"
}
pid_of() { if [[ $1 == hostdns ]]; then echo "$HOSTDNS_PID"; else echo "$CEILING_PID"; fi; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)
conditions() { # load1 and the number of compiler processes running now
	echo "$(cut -d' ' -f1 /proc/loadavg) $(ps -eo comm= | grep -cE '^(compile|link|cgo|asm|vet)$' || true)"
}

# ---------------------------------------------------------------------------------------------
# 1. Throughput. Rows: proto server round rps requests non3xx_or_errors avg_lat cpu_us_per_req load1 compilers
WRK_TSV=$WORK/wrk.tsv
: >"$WRK_TSV"
run_wrk() { # SERVER PROTO ROUND
	local url out pid c0 c1 cond
	url=$(url_of "$1" "$2")
	pid=$(pid_of "$1")
	out=$WORK/wrk.$2.$1.$3.txt
	# 1 s warm-up: connections, TLS handshakes, the memo of every host.
	"${CLI_CPU[@]}" wrk -t "$THREADS" -c "$CONNS" -d 1 -s "$WORK/hosts.lua" "$url" >/dev/null 2>&1 || true
	cond=$(conditions)
	c0=$(cpu_ticks "$pid")
	"${CLI_CPU[@]}" wrk -t "$THREADS" -c "$CONNS" -d "$DURATION" --latency -s "$WORK/hosts.lua" "$url" >"$out" 2>&1 || true
	c1=$(cpu_ticks "$pid")
	awk -v p="$2" -v s="$1" -v r="$3" -v c0="$c0" -v c1="$c1" -v t="$CLK_TCK" -v cond="$cond" '
		/requests in/ { n = $1 }
		/Requests\/sec:/ { rps = $2 }
		/Non-2xx or 3xx responses:/ { bad += $NF }
		/Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
		/^ +Latency / { lat = $2 }
		/^ +99%/ { p99 = $2 }
		END {
			split(cond, cd, " ")
			printf "%s\t%s\t%s\t%.0f\t%d\t%d\t%s\t%s\t%.1f\t%s\t%s\n", p, s, r, rps, n, bad, lat, p99, (n > 0 ? (c1 - c0) * 1e6 / t / n : 0), cd[1], cd[2]
		}' "$out" >>"$WRK_TSV"
	say "wrk $2 $1 round $3: $(tail -1 "$WRK_TSV" | cut -f4) req/s (load1 ${cond% *})"
}

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); pinning: $([[ $PIN == 1 ]] && echo 'servers CPU 0, load generators CPU 1' || echo none)"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= ROUNDS; r++)); do
	for proto in http https; do
		# Alternate which server goes first, so a burst of background load does not always
		# land on the same one.
		if ((r % 2)); then order="ceiling hostdns"; else order="hostdns ceiling"; fi
		for s in $order; do run_wrk "$s" "$proto" "$r"; done
	done
done

# ---------------------------------------------------------------------------------------------
# 2. Latency at a fixed rate: RATE_FRACTION of the ceiling's mean req/s, per protocol.
RATE_TSV=$WORK/rate.tsv
: >"$RATE_TSV"
rate_for() { awk -F'\t' -v p="$1" -v f="$RATE_FRACTION" '$1 == p && $2 == "ceiling" { s += $4; n++ } END { printf "%.0f", n ? f * s / n : 0 }' "$WRK_TSV"; }
run_rate() { # SERVER PROTO ROUND RATE KDAMOND(running|paused|none)
	local out cond
	out=$WORK/rate.$2.$1.$3.$5.txt
	cond=$(conditions)
	"${CLI_CPU[@]}" "$WORK/fixedrate" -url "$(url_of "$1" "$2")" -hosts "$HOSTS_CSV" -rate "$4" \
		-d "${RATE_DURATION}s" -warmup 2s -c "$CONNS" >"$out" 2>&1 || true
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$1" "$3" "${cond% *}" "${cond#* }" "$(tail -1 "$out")" "$5" >>"$RATE_TSV"
	say "fixedrate $2 $1 round $3 (kdamond $5): $(tail -1 "$out")"
}
# rate_pass ROUND asis|pause: every (protocol, server) pair once, with DAMON as found or
# paused. The rows say what it was: paused only when pausing worked.
rate_pass() {
	local proto rate s order kd=none
	if [[ $2 == pause ]]; then damon_pause; fi
	if ((${#DAMON_PAUSED[@]})); then
		kd=paused
	elif [[ -n $(damon_running) ]]; then
		kd=running
	fi
	for proto in http https; do
		rate=RATE_$proto
		if (($1 % 2)); then order="ceiling hostdns"; else order="hostdns ceiling"; fi
		for s in $order; do run_rate "$s" "$proto" "$1" "${!rate}" "$kd"; done
	done
	damon_resume
}
for proto in http https; do
	eval "RATE_$proto=$(rate_for "$proto")"
done
case $DAMON in keep) passes="asis" ;; pause) passes="pause" ;; both) passes="asis pause" ;; esac
for ((r = 1; r <= ROUNDS; r++)); do
	# Even rounds take the passes in the other order, as the servers alternate.
	order=$passes
	if ((r % 2 == 0)); then order=$(echo "$passes" | tr ' ' '\n' | tac | tr '\n' ' '); fi
	for p in $order; do rate_pass "$r" "$p"; done
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report.
echo
echo "== urlredirect vs ceiling301 $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before $START_LOAD, after $END_LOAD; binary $("$COREDNS" -version 2>/dev/null | head -1)"
echo "== DAMON at the start: $DAMON_AT_START; URLBENCH_DAMON=$DAMON"
echo "== pinning: $([[ $PIN == 1 ]] && echo 'servers on CPU 0, wrk/fixedrate on CPU 1 (taskset)' || echo none); $RECORDS URL records over sqlbackend/SQLite, Host rotated over all of them, GET $PATH_Q"
echo "== wrk -t $THREADS -c $CONNS -d $DURATION (after a 1 s warm-up), HTTP/1.1 keep-alive; $ROUNDS rounds, alternating"
awk -F'\t' '
{
	k = $1 SUBSEP $2
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	sum[k] += $4; cnt[k]++; bad[k] += $6
	runs[k] = runs[k] (runs[k] == "" ? "" : " / ") $4
	p99[k] = p99[k] (p99[k] == "" ? "" : " / ") $8
	cpu[k] += $9
	loads[k] = loads[k] (loads[k] == "" ? "" : "/") $10 ($11 > 0 ? "*" : "")
	if (lo[k] == "" || $4 < lo[k]) lo[k] = $4
	if ($4 > hi[k]) hi[k] = $4
}
END {
	printf "%-6s %-8s %-28s %8s %7s %-13s %-26s %8s %-16s %s\n", "proto", "server", "req/s (each round)", "mean", "ratio", "ratio range", "wrk p99 (rounds)", "cpu us/r", "load1", "errors"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		c = p[1] SUBSEP "ceiling"
		mean = sum[k] / cnt[k]; cm = sum[c] / cnt[c]
		ratio = cm > 0 ? sprintf("%.2fx", mean / cm) : "-"
		rr = (p[2] == "hostdns" && hi[c] > 0) ? sprintf("%.2f-%.2f", lo[k] / hi[c], hi[k] / lo[c]) : "-"
		printf "%-6s %-8s %-28s %8.0f %7s %-13s %-26s %8.1f %-16s %d\n", p[1], p[2], runs[k], mean, ratio, rr, p99[k], cpu[k] / cnt[k], loads[k], bad[k]
	}
}' "$WRK_TSV"
echo "ratio: mean req/s over the ceiling's mean, same protocol (target >= 0.80); ratio range: worst hostdns round over best ceiling round .. best over worst."
echo "cpu us/r: the server process's CPU time (user+system) per request, mean of the rounds; load1: 1-minute load before each round (* = compilers running); errors: non-3xx answers and socket errors (must be 0)."
echo
echo "== fixedrate at $RATE_FRACTION x the ceiling's mean req/s (http $RATE_http/s, https $RATE_https/s), -c $CONNS, ${RATE_DURATION}s measured after 2 s; latency from the scheduled send time"
awk -F'\t' '
function kv(s, key,   a, i, m) { m = split(s, a, " "); for (i = 1; i <= m; i++) if (index(a[i], key "=") == 1) return substr(a[i], length(key) + 2); return "NA" }
{
	k = $7 SUBSEP $1 SUBSEP $2
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	rate[k] = kv($6, "rate")
	ach[k] = ach[k] (ach[k] == "" ? "" : "/") kv($6, "achieved")
	p50[k] = p50[k] (p50[k] == "" ? "" : " / ") kv($6, "p50_ms")
	p99[k] = p99[k] (p99[k] == "" ? "" : " / ") kv($6, "p99_ms")
	mx[k] = mx[k] (mx[k] == "" ? "" : " / ") kv($6, "max_ms")
	late[k] = late[k] (late[k] == "" ? "" : "/") kv($6, "sender_late_max_ms")
	err[k] += kv($6, "errors") + kv($6, "bad_status")
	loads[k] = loads[k] (loads[k] == "" ? "" : "/") $4 ($5 > 0 ? "*" : "")
}
END {
	printf "%-8s %-6s %-8s %6s %-18s %-22s %-22s %-26s %-16s %-16s %s\n", "kdamond", "proto", "server", "rate", "achieved", "p50 ms (rounds)", "p99 ms (rounds)", "max ms (rounds)", "sender late ms", "load1", "errors"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		printf "%-8s %-6s %-8s %6s %-18s %-22s %-22s %-26s %-16s %-16s %d\n", p[1], p[2], p[3], rate[k], ach[k], p50[k], p99[k], mx[k], late[k], loads[k], err[k]
	}
}' "$RATE_TSV"
echo "kdamond: the kernel's DAMON monitors during the run (running, paused by the script, or none); sender late: how far behind its schedule fixedrate's sender fell at worst in the measured window (its own lag, included in the latencies); target: hostdns p99 < 5 ms."
exit
}
