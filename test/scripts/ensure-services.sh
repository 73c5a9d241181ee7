#!/usr/bin/env bash
# ensure-services.sh makes sure the services and tools hostdns' integration
# and e2e tests need are installed and running on this machine:
#
#   - MariaDB answering on 127.0.0.1:3306 as root with an empty password,
#   - PostgreSQL answering on 127.0.0.1:5432 as postgres without a password
#     (trust for 127.0.0.1),
#   - Redis answering on 127.0.0.1:6379,
#   - dnsperf, dig, the validating resolver Unbound, ldns-verify-zone, and the
#     reference servers BIND (named), NSD, Knot and PowerDNS
#     (pdns_server with its gmysql and gsqlite3 backends), installed but NOT running
#     (tests start their own on free ports),
#   - systemd's systemd-analyze, which checks distro/coredns.service offline.
#
# It is idempotent and runs as root, either on a fresh Debian 12 machine or on
# one where the services already run; it prints one line per thing it does.
# systemd does not run as init here, so services are started with start-stop-daemon or
# their own daemonize flags, never through the init system.
set -euo pipefail

# skopeo and umoci: real OCI tools read the release's multi-platform image (test/e2e/release_test.go).
PACKAGES=(mariadb-server mariadb-client postgresql redis-server dnsperf bind9 bind9-dnsutils nsd knot pdns-server pdns-backend-mysql pdns-backend-sqlite3 systemd unbound ldnsutils curl skopeo umoci)
# Daemons shipped by the packages above that must not keep running: their
# package scripts may start them on port 53, which tests and other daemons
# need free.
DAEMONS=(named nsd knotd pdns_server unbound)

MYSQL_DATADIR=/var/lib/mysql
PG_CLUSTER=main
PG_PORT=5432
WAIT_SECONDS=30

say() { echo "ensure-services: $*"; }
die() {
	echo "ensure-services: ERROR: $*" >&2
	exit 1
}

if [[ $(id -u) -ne 0 ]]; then
	die "must run as root"
fi

export DEBIAN_FRONTEND=noninteractive

# apt_retry runs an apt-get command, waiting for the dpkg and lists locks when
# another apt-get (an unattended upgrade, a colleague's shell) holds them.
# DPkg::Lock::Timeout covers the dpkg lock only, so "Could not get lock"
# failures (the lists lock of 'apt-get update') are retried here too.
apt_retry() {
	local out rc deadline=$((SECONDS + 600))
	while :; do
		rc=0
		out=$(apt-get -o DPkg::Lock::Timeout=120 "$@" 2>&1) || rc=$?
		if [[ $rc -eq 0 ]]; then
			return 0
		fi
		if grep -q "Could not get lock\|Unable to lock\|Unable to acquire" <<<"$out" && ((SECONDS < deadline)); then
			say "apt is locked by another process, waiting"
			sleep 5
			continue
		fi
		echo "$out" >&2
		return "$rc"
	done
}

installed() {
	[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == "ii "* ]]
}

# available reports whether apt knows a candidate version of a package.
available() {
	local cand
	cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[[ -n $cand && $cand != "(none)" ]]
}

ensure_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		say "packages: all installed (${PACKAGES[*]})"
		return 0
	fi

	say "apt-get update (missing: ${missing[*]})"
	apt_retry update -qq

	local install=()
	for p in "${missing[@]}"; do
		if available "$p"; then
			install+=("$p")
		else
			say "WARNING: package $p does not exist in the configured apt sources, skipping it"
		fi
	done
	if [[ ${#install[@]} -eq 0 ]]; then
		return 0
	fi

	# Remember which daemons ran before, so we only stop what the install started.
	local d before=()
	for d in "${DAEMONS[@]}"; do
		pgrep -x "$d" >/dev/null && before+=("$d")
	done

	# policy-rc.d exiting 101 tells invoke-rc.d/deb-systemd-invoke not to start
	# services from maintainer scripts. Keep an existing one (Docker images
	# ship one) and only remove ours.
	local own_policy=0
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi

	say "apt-get install ${install[*]}"
	apt_retry install -y -qq --no-install-recommends "${install[@]}"

	if [[ $own_policy -eq 1 ]]; then
		rm -f /usr/sbin/policy-rc.d
		trap - EXIT
	fi

	for d in "${DAEMONS[@]}"; do
		[[ " ${before[*]} " == *" $d "* ]] && continue
		if pgrep -x "$d" >/dev/null; then
			say "stopping $d started by its package install"
			pkill -TERM -x "$d" || true
		fi
	done
}

mariadb_tcp() { mariadb -uroot -h127.0.0.1 -P3306 -e 'select 1' >/dev/null 2>&1; }
mariadb_socket() { mariadb -uroot -e 'select 1' >/dev/null 2>&1; }

ensure_mariadb() {
	if mariadb_tcp; then
		say "mariadb: answering on 127.0.0.1:3306"
		return 0
	fi

	if ! mariadb_socket && ! pgrep -x mariadbd >/dev/null; then
		install -d -o mysql -g mysql -m 755 /run/mysqld
		install -d -o mysql -g adm -m 2750 /var/log/mysql
		if [[ ! -d $MYSQL_DATADIR/mysql ]]; then
			say "mariadb: initialising empty data dir $MYSQL_DATADIR"
			install -d -o mysql -g mysql -m 755 "$MYSQL_DATADIR"
			mariadb-install-db --user=mysql --datadir="$MYSQL_DATADIR" >/dev/null
		fi
		say "mariadb: starting mariadbd"
		start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
	fi

	local i
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		mariadb_tcp || mariadb_socket && break
		sleep 1
	done
	if mariadb_tcp; then
		say "mariadb: answering on 127.0.0.1:3306"
		return 0
	fi
	mariadb_socket || die "mariadb did not answer within ${WAIT_SECONDS}s (see /var/log/mysql/error.log)"

	# A fresh Debian install lets root in through the unix socket only; tests
	# connect over TCP with an empty password. root@127.0.0.1 covers servers
	# running with skip-name-resolve, where 127.0.0.1 never matches localhost.
	say "mariadb: allowing root over TCP with an empty password"
	mariadb -uroot <<-'SQL'
		ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('');
		GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		FLUSH PRIVILEGES;
	SQL
	mariadb_tcp || die "mariadb: root still cannot log in over TCP on 127.0.0.1:3306"
	say "mariadb: answering on 127.0.0.1:3306"
}

# pg_up: something answers PostgreSQL's protocol on the port, whatever the
# authentication; pg_tcp: the tests' passwordless login works.
pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }
pg_tcp() {
	PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -d postgres -Atc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
	if pg_tcp; then
		say "postgresql: answering on 127.0.0.1:$PG_PORT"
		return 0
	fi

	# Debian keeps one directory per major version; take the newest.
	local ver
	ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
	if [[ -z $ver ]]; then
		ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
		[[ -n $ver ]] || die "postgresql: not installed (no /usr/lib/postgresql/VERSION)"
	fi
	if [[ ! -d /etc/postgresql/$ver/$PG_CLUSTER ]]; then
		say "postgresql: creating cluster $ver/$PG_CLUSTER on port $PG_PORT"
		pg_createcluster --port "$PG_PORT" "$ver" "$PG_CLUSTER" >/dev/null
	fi
	if ! pg_up; then
		if pg_ctlcluster "$ver" "$PG_CLUSTER" status >/dev/null 2>&1; then
			die "postgresql: cluster $ver/$PG_CLUSTER runs but does not answer on 127.0.0.1:$PG_PORT (listen_addresses, port?)"
		fi
		install -d -o postgres -g postgres -m 2775 /var/run/postgresql
		say "postgresql: starting cluster $ver/$PG_CLUSTER"
		pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" start
	fi

	local i
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		pg_up && break
		sleep 1
	done
	pg_up || die "postgresql did not answer within ${WAIT_SECONDS}s (see /var/log/postgresql/postgresql-$ver-$PG_CLUSTER.log)"
	if pg_tcp; then
		say "postgresql: answering on 127.0.0.1:$PG_PORT"
		return 0
	fi

	# A fresh Debian cluster asks for a password (scram-sha-256) over TCP; tests
	# connect as postgres without one. pg_hba.conf's first matching line wins,
	# so the trust line goes on top.
	local hba=/etc/postgresql/$ver/$PG_CLUSTER/pg_hba.conf
	if ! grep -q '^host[[:space:]]\+all[[:space:]]\+all[[:space:]]\+127\.0\.0\.1/32[[:space:]]\+trust' "$hba"; then
		say "postgresql: trusting connections from 127.0.0.1 in $hba"
		sed -i '1i # Added by hostdns test/scripts/ensure-services.sh: the tests log in without a password.\nhost all all 127.0.0.1/32 trust' "$hba"
	fi
	pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" reload
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		pg_tcp && break
		sleep 1
	done
	pg_tcp || die "postgresql: postgres still cannot log in over TCP on 127.0.0.1:$PG_PORT"
	say "postgresql: answering on 127.0.0.1:$PG_PORT"
}

redis_up() { [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; }

ensure_redis() {
	if redis_up; then
		say "redis: answering on 127.0.0.1:6379"
		return 0
	fi
	install -d -o redis -g redis -m 750 /var/lib/redis /var/log/redis
	say "redis: starting redis-server"
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
	local i
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		redis_up && break
		sleep 1
	done
	redis_up || die "redis did not answer within ${WAIT_SECONDS}s (see /var/log/redis/ci.log)"
	say "redis: answering on 127.0.0.1:6379"
}

ensure_packages
ensure_mariadb
ensure_postgres
ensure_redis
