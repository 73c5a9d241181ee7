#!/usr/bin/env bash
# Builds the static hostdns binary at bin/coredns (or $OUT), stamped with version and commit.
#   VERSION  release to stamp (default: the VERSION file)
#   OUT      output path (default bin/coredns)
#   GOOS, GOARCH  target platform (default: this machine's); CGO is off, so any target
#            cross-compiles
# Extra arguments go to `go build`.
set -euo pipefail
cd "$(dirname "$0")/.."

# plugingen runs here, whatever the target platform is.
env -u GOOS -u GOARCH go run ./build/plugingen -check -verify=false

. build/stamp.sh
out=${OUT:-bin/coredns}

pkg=github.com/hostdns/hostdns/distro/version
CGO_ENABLED=0 go build -trimpath -tags grpcnotrace \
  -ldflags "-s -w -X $pkg.Version=$version -X $pkg.Commit=$commit" \
  -o "$out" "$@" ./distro
if [ "$(go env GOOS)/$(go env GOARCH)" = "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" ]; then
  echo "built $out: $("$out" -version | head -1)"
else
  echo "built $out for $(go env GOOS)/$(go env GOARCH) ($version, $commit)"
fi
