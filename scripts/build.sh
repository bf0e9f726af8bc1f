#!/usr/bin/env bash
# Builds colima (and its tests) as the calling user: configure once, then incremental builds.
# Usage: scripts/build.sh [BUILD_DIR]   (default: build/ in the source tree)
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$src/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCOLIMA_WERROR="${COLIMA_WERROR:-ON}" >/dev/null
fi
cmake --build "$build"
