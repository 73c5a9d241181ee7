# Sourced by the benchmark scripts beside run.sh (dnssec.sh, secondaryfeed.sh, abusepool.sh):
# several named servers running at once, each with its pid, DNS port and metrics port, and the
# clean-up at exit. They need run.sh's own say, free_port, rss_kb, wait_ready, start_coredns and
# stop_server (run_sh_functions.sh), and WORK.
#
# start_server waits for READY_NAME READY_TYPE (default: $LAST_ZONE SOA), then calls
# after_start NAME when the script defines it.
declare -A PIDS=() PORTS=() MPORTS=() RSS0=()

# start_server NAME COREFILE-FUNCTION ARGS...: the function prints the Corefile, given ARGS and
# then the metrics port.
start_server() {
	local name=$1 fn=$2 mport
	shift 2
	mport=$(free_port)
	mkdir -p "$WORK/cf"
	"$fn" "$@" "$mport" >"$WORK/cf/$name"
	start_coredns "$name" "$WORK/cf/$name" "${READY_NAME:-$LAST_ZONE}" "${READY_TYPE:-SOA}" 180 || return 1
	PIDS[$name]=$SRV_PID PORTS[$name]=$PORT MPORTS[$name]=$mport RSS0[$name]=$RSS_READY
	SRV_PID= # start_coredns' next call must not think this one is its own
	if declare -F after_start >/dev/null; then after_start "$name"; fi
}
use_server() { SRV_NAME=$1 SRV_PID=${PIDS[$1]} PORT=${PORTS[$1]} RSS_READY=${RSS0[$1]}; }
stop_all() {
	local n
	for n in "${!PIDS[@]}"; do
		use_server "$n"
		stop_server
		unset "PIDS[$n]"
	done
}
# metric NAME METRIC: the sum of the metric's samples, 0 when absent.
metric() {
	curl -s --max-time 3 "http://127.0.0.1:${MPORTS[$1]}/metrics" 2>/dev/null | awk -v m="$2" '$1 == m || index($1, m "{") == 1 {s += $2} END {printf "%.0f", s}'
}
# cleanup stops every server and removes WORK (kept with BENCH_KEEP=1); the scripts trap it.
cleanup() {
	local n
	for n in "${!PIDS[@]}"; do
		SRV_PID=${PIDS[$n]}
		stop_server
	done
	if [[ ${BENCH_KEEP:-} == 1 ]]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
