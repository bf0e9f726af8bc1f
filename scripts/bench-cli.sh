#!/usr/bin/env bash
# Start-up time of the colima binary: mean wall time of `colima --help` and `colima version`
# over N runs (default 50). Usage: scripts/bench-cli.sh [BUILD_DIR] [N]
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$src/build}
runs=${2:-50}
colima="$build/colima"
[ -x "$colima" ] || { echo "bench: error: no colima binary at '$colima'" >&2; exit 1; }

measure() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do
    "$colima" "$@" >/dev/null 2>&1 || true
  done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

help_us=$(measure --help)
version_us=$(measure version)
true_us=$(colima=/bin/true measure)
printf '%-22s %8s\n' "command" "mean"
printf '%-22s %6d us\n' "colima --help" "$help_us"
printf '%-22s %6d us\n' "colima version" "$version_us"
printf '%-22s %6d us\n' "/bin/true (baseline)" "$true_us"
printf 'ratio --help / baseline: %s\n' "$(awk -v a="$help_us" -v b="$true_us" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')"
