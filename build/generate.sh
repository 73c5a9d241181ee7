#!/usr/bin/env bash
# Regenerates distro/plugins from plugin.cfg and checks that every listed plugin registers.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./build/plugingen "$@"
