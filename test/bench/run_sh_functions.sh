# Sourced by the benchmark scripts beside run.sh (dnssec.sh, secondaryfeed.sh, abusepool.sh, compare.sh), so that they
# start, measure and stop servers with run.sh's own functions rather than copies of them.
#
# run_sh_functions NAME...: the definitions of run.sh's functions NAME..., to eval.
run_sh_functions() {
	awk -v names=" $* " '
	!in_fn && match($0, /^[a-z_]+\(\) \{/) {
		n = substr($0, 1, index($0, "(") - 1)
		if (index(names, " " n " ")) { print; if ($0 !~ /\}$/) in_fn = 1 }
		next
	}
	in_fn { print; if ($0 == "}") in_fn = 0 }' "$ROOT/test/bench/run.sh"
}

# load_run_sh SCRIPT NAME...: defines run.sh's functions NAME..., and stops SCRIPT with a
# clear message when run.sh no longer defines one of them.
load_run_sh() {
	local script=$1 f
	shift
	eval "$(run_sh_functions "$@")"
	for f in "$@"; do
		declare -F "$f" >/dev/null || {
			echo "$script: run.sh no longer defines $f" >&2
			exit 1
		}
	done
}
