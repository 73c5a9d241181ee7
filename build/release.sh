#!/usr/bin/env bash
# Release artefacts in dist/: static binaries (coredns and hostdns-compare, build.sh builds
# both) for linux/amd64 and linux/arm64, an image
# tarball for each (build/image.sh, for `docker load`), one OCI image layout holding the
# multi-platform index over them (hostdns-VERSION-image-oci.tar: `skopeo copy
# oci-archive:... docker://registry/hostdns:VERSION` pushes both platforms under one tag), with
# SHA256SUMS over all of them (`sha256sum -c SHA256SUMS` in dist/ checks them).
#   ARCHES   architectures (default "amd64 arm64")
#   DIST     output directory (default dist; emptied first)
#   VERSION  release (default: the VERSION file)
set -euo pipefail
cd "$(dirname "$0")/.."
. build/stamp.sh

dist=${DIST:-dist}
rm -rf "$dist"
mkdir -p "$dist"
for arch in ${ARCHES:-amd64 arm64}; do
  bin=$dist/hostdns-$version-linux-$arch
  GOOS=linux GOARCH=$arch OUT=$bin ./build/build.sh
  GOARCH=$arch BINARY=$bin LAYOUT=$dist/oci-linux-$arch \
    TARBALL=$dist/hostdns-$version-image-linux-$arch.tar ./build/image.sh
done
layouts=$(ls -d "$dist"/oci-linux-* | paste -sd, -)
go run ./build/ociimage -merge "$layouts" -layout "$dist/oci" -tag "hostdns:$version"
tar -C "$dist/oci" -cf "$dist/hostdns-$version-image-oci.tar" .
# The layout directories are build by-products (the tarballs hold the same images).
rm -rf "$dist"/oci-linux-* "$dist/oci"
(cd "$dist" && sha256sum -- hostdns-* >SHA256SUMS)
echo "release $version ($commit) in $dist:"
cat "$dist/SHA256SUMS"
