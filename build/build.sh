#!/usr/bin/env bash
# Builds the static hostdns binary at bin/coredns (or $OUT), stamped with version and commit.
#   VERSION  release to stamp (default: the VERSION file)
#   OUT      output path (default bin/coredns)
# Extra arguments go to `go build`.
set -euo pipefail
cd "$(dirname "$0")/.."

go run ./build/plugingen -check -verify=false

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit-dirty"; fi
version=${VERSION:-$(cat VERSION)}
out=${OUT:-bin/coredns}

pkg=github.com/hostdns/hostdns/distro/version
CGO_ENABLED=0 go build -trimpath -tags grpcnotrace \
  -ldflags "-s -w -X $pkg.Version=$version -X $pkg.Commit=$commit" \
  -o "$out" "$@" ./distro
echo "built $out: $("$out" -version | head -1)"
