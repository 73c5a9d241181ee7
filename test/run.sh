#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
# Installs and starts what the tests need (MariaDB, Redis, dnsperf, BIND, ...) when it is missing,
# builds bin/coredns, then runs every Go test against it.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/scripts/ensure-services.sh
go mod download

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './build/testdata/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:" $unformatted >&2
  exit 1
fi

./build/build.sh
export HOSTDNS_BINARY="$PWD/bin/coredns"
go vet ./...
go test -timeout 20m -count=1 "$@" ./...
