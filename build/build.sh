#!/usr/bin/env bash
# Builds the static hostdns binary at bin/coredns (or $OUT), and the migration check tool
# hostdns-compare beside it at bin/hostdns-compare (or $COMPARE_OUT), both stamped with
# version and commit.
#   VERSION      release to stamp (default: the VERSION file)
#   OUT          output path (default bin/coredns)
#   COMPARE_OUT  output path of hostdns-compare (default: beside OUT, named after it:
#            bin/coredns -> bin/hostdns-compare, coredns-linux-arm64 -> hostdns-compare-linux-arm64,
#            hostdns-1.2-linux-amd64 -> hostdns-compare-1.2-linux-amd64); "-" builds only coredns
#   GOOS, GOARCH  target platform (default: this machine's); CGO is off, so any target
#            cross-compiles
# Extra arguments go to `go build` (of both).
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

# hostdns-compare: its own main package, with the same stamp in its own variables (it does
# not link CoreDNS).
base=$(basename "$out")
case $base in
  coredns*) compare_base=hostdns-compare${base#coredns} ;;
  hostdns-*) compare_base=hostdns-compare-${base#hostdns-} ;;
  *) compare_base=$base-compare ;;
esac
compare_out=${COMPARE_OUT:-$(dirname "$out")/$compare_base}
if [ "$compare_out" = - ]; then exit 0; fi
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X main.Version=$version -X main.Commit=$commit" \
  -o "$compare_out" "$@" ./distro/compare
if [ "$(go env GOOS)/$(go env GOARCH)" = "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" ]; then
  echo "built $compare_out: $("$compare_out" -version | head -1)"
else
  echo "built $compare_out for $(go env GOOS)/$(go env GOARCH) ($version, $commit)"
fi
