#!/usr/bin/env bash
# Builds the container image of distro/Dockerfile without Docker and without a registry
# (build/ociimage, go-containerregistry): an OCI image layout directory and a tarball for
# `docker load` / `podman load`. Labels carry the version and commit build.sh stamps.
#   GOARCH   image platform linux/$GOARCH (default: this machine's)
#   BINARY   a binary already built by build.sh for that platform (default: build one)
#   LAYOUT   OCI layout directory (default dist/oci-linux-$GOARCH; replaced)
#   TARBALL  tarball (default dist/hostdns-$VERSION-image-linux-$GOARCH.tar)
#   VERSION  release (default: the VERSION file)
#   SOURCE_DATE_EPOCH  every timestamp in the image (default: the commit's time), so the
#            same inputs give the same digest
#   NOCAP=1  no file capability cap_net_bind_service on /coredns (see distro/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. build/stamp.sh

arch=${GOARCH:-$(go env GOHOSTARCH)}
layout=${LAYOUT:-dist/oci-linux-$arch}
tarball=${TARBALL:-dist/hostdns-$version-image-linux-$arch.tar}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p "$(dirname "$layout")" "$(dirname "$tarball")"

binary=${BINARY:-}
if [ -z "$binary" ]; then
  binary=bin/coredns-linux-$arch
  GOOS=linux GOARCH=$arch OUT=$binary ./build/build.sh
fi

nocap=()
if [ "${NOCAP:-}" = 1 ]; then nocap=(-nocap); fi
env -u GOOS -u GOARCH go run ./build/ociimage \
  -binary "$binary" -arch "$arch" -version "$version" -commit "$commit" -epoch "$epoch" \
  -tag "hostdns:$version" -layout "$layout" -tarball "$tarball" "${nocap[@]}"
