# Sourced by build.sh, image.sh and release.sh (not run): sets $version and $commit, the
# release and commit a build is stamped with, so the binary, the image labels and the
# release file names agree.
#   VERSION  release to stamp (default: the VERSION file)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit-dirty"; fi
version=${VERSION:-$(cat VERSION)}
